"""Displacement: where displaced people are, who leaves and who returns, as array rules.

Every rule is a vector operation over all groups; people move between home and the areas
(provinces) they went to, and are conserved.
"""

from __future__ import annotations

import math
from functools import cached_property

import numpy as np

from abm.groups import Groups, GroupState


class Whereabouts:
    """Where displaced people are this step, inside the area (province) they went to.

    Displacement is held per destination area, ``(G, A)``, not per region, so that it costs
    O(groups x provinces) at any resolution. Within an area, displaced people are spread over
    its regions in proportion to ``weight`` (population times service, this step), except that
    nobody is displaced into their own region. At province resolution every area is a single
    region, and this is exact bookkeeping of the region each person went to.

    Args:
        weight: Per region, its attractiveness now (> 0 where people may be).
        groups: The groups (their regions and areas).
    """

    def __init__(self, weight: np.ndarray, groups: Groups) -> None:
        self.groups = groups
        self.weight = weight
        #: Every area one region (province resolution): the bookkeeping is by region, and
        #: the general formulas below reduce to plain sums (a shortcut, tested to agree).
        self.by_region = groups.n_areas == len(groups.region_area)

    # Built when first read: the province world (one region per area) never reads them, and
    # a Whereabouts is made at every step.
    @cached_property
    def area_weight(self) -> np.ndarray:
        """Per area, the weight of its regions."""
        g = self.groups
        return np.bincount(g.region_area, weights=self.weight, minlength=g.n_areas)

    @cached_property
    def share(self) -> np.ndarray:
        """Per region, its share of its area's weight (exactly 1 in a one-region area)."""
        return self.weight / self.area_weight[self.groups.region_area]

    @cached_property
    def own_rest(self) -> np.ndarray:
        """Per group, its area's weight without its own region: where its members can be
        when displaced inside their own area (0 in a one-region area)."""
        g = self.groups
        return self.area_weight[g.area] - self.weight[g.region]

    @cached_property
    def own_ok(self) -> np.ndarray:
        """Per group, whether its members can be displaced inside their own area."""
        return self.own_rest > 1e-12 * self.area_weight[self.groups.area]

    def _own(self, displaced: np.ndarray) -> np.ndarray:
        """Per group, members displaced inside their own area."""
        return displaced[self.groups.rows, self.groups.area] * self.own_ok

    def arrivals(self, displaced: np.ndarray) -> np.ndarray:
        """Displaced people present in each region."""
        if self.by_region:
            return displaced.sum(axis=0)
        g, ra = self.groups, self.groups.region_area
        own = self._own(displaced)
        outsiders = displaced.sum(axis=0) - np.bincount(g.area, own, minlength=g.n_areas)
        ratio = np.divide(own, self.own_rest, out=np.zeros(g.n), where=self.own_ok)
        inside = np.bincount(g.area, ratio, minlength=g.n_areas)[ra] - np.bincount(
            g.region, ratio, minlength=len(ra)
        )
        return outsiders[ra] * self.share + self.weight * inside

    def shortfall(self, displaced: np.ndarray, shortfall: np.ndarray) -> np.ndarray:
        """Per group and sector, the person-weighted shortfall its displaced members meet."""
        if self.by_region:
            return displaced @ shortfall
        g = self.groups
        mean = g.area_sums((self.share[:, None] * shortfall).T).T
        away = displaced @ mean
        own = self._own(displaced)
        if own.any():
            q = g.region
            rest = self.area_weight[g.area][:, None] * mean[g.area] - (
                self.weight[q][:, None] * shortfall[q]
            )
            own_mean = rest / np.where(self.own_ok, self.own_rest, 1.0)[:, None]
            away += own[:, None] * (own_mean - mean[g.area])
        return away

    def destinations(self, weight: np.ndarray) -> np.ndarray:
        """Per group, the share of its leavers going to each area, by ``weight`` per region
        (its own region excluded); rows of groups with nowhere to go are 0."""
        return self._destinations(weight)[0]

    def _destinations(self, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """:meth:`destinations`, and per group whether it has anywhere to go (None: every
        group has). A row whose total is > 0 has a share > 0 (its largest is at least about
        1 / areas), so this is ``destinations(weight).any(axis=1)``."""
        g = self.groups
        per_area = np.bincount(g.region_area, weights=weight, minlength=g.n_areas)
        # Every area's weight, less the own region's in the own area's column: subtracting
        # 0 x weight elsewhere leaves those columns as they are (weights are >= 0).
        dest = np.multiply(g.own_area, weight[g.region][:, None])
        np.subtract(per_area, dest, out=dest)
        np.maximum(dest, 0.0, out=dest)
        total = np.add.reduce(dest, axis=1, keepdims=True)
        has = total > 0
        if np.count_nonzero(has) == len(has):  # everybody has somewhere to go
            return np.divide(dest, total, out=dest), None
        return np.divide(dest, total, out=np.zeros(dest.shape), where=has), has[:, 0]


def displace(
    state: GroupState,
    groups: Groups,
    home_unmet: np.ndarray,
    fear: np.ndarray,
    destination_weight: np.ndarray,
    hardship_hours: float,
    hardship_threshold: float,
    leave_rate: float,
    fear_leave_rate: float,
    return_rate: float,
    dt: float,
    hour: float = 0.0,
    where: Whereabouts | None = None,
) -> bool:
    """Move people out of regions where needs go unmet or fear spreads, and back again.

    Hardship is the recent share of needs unmet *at home*, so displaced people come back when
    home is livable again, however hard their stay elsewhere.

    Leavers go to the other regions in proportion to ``destination_weight`` (their population
    times their service), booked by area (see :class:`Whereabouts`); they return home once
    hardship there has fallen below half the threshold. Flows are taken from one place and
    added to another, so people are conserved.

    Args:
        fear: Per group, belief in fear narratives (0 to 1).
        destination_weight: Per region, attractiveness as a destination.

    Returns:
        Whether anybody is displaced now.
    """
    # In place where they can be, in the order of the formulas:
    #   hardship += (home_unmet - hardship) min(1, dt / hardship_hours)
    #   rate = mobility (leave_rate max(0, hardship - threshold) / (1 - threshold)
    #                    + fear_leave_rate fear)
    #   leavers = home (-expm1(-rate dt))
    hardship = state.hardship
    change = home_unmet - hardship
    change *= min(1.0, dt / hardship_hours)
    hardship += change
    # Most steps nobody's hardship is above the threshold, or nobody fears: the term that is 0
    # then (+0.0 or -0.0, which adding leaves the other term as it is) is not computed, and
    # with both 0 nobody leaves (with finite rates: inf x 0 would be nan, so those take the
    # full path). (``np.count_nonzero(x)`` is ``x.any()``, cheaper.)
    finite = math.isfinite(leave_rate) and groups.mobility_finite
    hard = np.count_nonzero(hardship > hardship_threshold) or not finite
    afraid = np.count_nonzero(fear) or not math.isfinite(fear_leave_rate)
    if hard:
        rate = hardship - hardship_threshold
        np.maximum(0.0, rate, out=rate)
        rate /= 1.0 - hardship_threshold
        np.multiply(leave_rate, rate, out=rate)
        rate += fear_leave_rate * fear
    elif afraid:
        rate = fear_leave_rate * fear
    if hard or afraid:
        np.multiply(groups.mobility, rate, out=rate)
        np.multiply(rate, -dt, out=rate)  # (-rate) dt: the sign of a product is exact
        np.expm1(rate, out=rate)
        np.negative(rate, out=rate)
        leavers = np.multiply(state.home, rate, out=rate)
        if np.count_nonzero(leavers):
            where = where or Whereabouts(destination_weight, groups)
            # Nobody flees to their own region; groups with nowhere to go stay.
            dest, has = where._destinations(destination_weight)
            if has is not None:
                leavers = np.where(has, leavers, 0.0)
            state.home -= leavers
            dest *= leavers[:, None]
            state.displaced += dest
    if np.count_nonzero(state.displaced):
        calm = (hardship < hardship_threshold / 2) & (hour >= state.return_after)
        back = state.displaced * (-np.expm1(-return_rate * dt) * calm)[:, None]
        state.displaced -= back
        state.home += np.add.reduce(back, axis=1)
        peak = np.add.reduce(state.displaced, axis=1)
        np.maximum(state.peak_displaced, peak, out=state.peak_displaced)
        return True
    # Nobody displaced: the peaks (>= 0) stay as they are.
    return False
