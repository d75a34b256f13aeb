"""Displacement: where displaced people are, who leaves and who returns, as array rules.

Every rule is a vector operation over all groups; people move between home and the areas
(provinces) they went to, and are conserved.
"""

from __future__ import annotations

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
        ra = groups.region_area
        self.weight = weight
        #: Every area one region (province resolution): the bookkeeping is by region, and
        #: the general formulas below reduce to plain sums (a shortcut, tested to agree).
        self.by_region = groups.n_areas == len(ra)
        self.area_weight = np.bincount(ra, weights=weight, minlength=groups.n_areas)
        #: Per region, its share of its area's weight (exactly 1 in a one-region area).
        self.share = weight / self.area_weight[ra]
        #: Per group, its area's weight without its own region: where its members can be
        #: when displaced inside their own area (0 in a one-region area).
        self.own_rest = self.area_weight[groups.area] - weight[groups.region]
        self.own_ok = self.own_rest > 1e-12 * self.area_weight[groups.area]

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
        g = self.groups
        per_area = np.bincount(g.region_area, weights=weight, minlength=g.n_areas)
        dest = np.repeat(per_area[None, :], g.n, axis=0)
        dest[g.rows, g.area] -= weight[g.region]
        np.maximum(dest, 0.0, out=dest)
        total = dest.sum(axis=1, keepdims=True)
        return np.divide(dest, total, out=np.zeros_like(dest), where=total > 0)


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
) -> None:
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
    """
    state.hardship += (home_unmet - state.hardship) * min(1.0, dt / hardship_hours)
    pressure = np.maximum(0.0, state.hardship - hardship_threshold) / (1.0 - hardship_threshold)
    rate = groups.mobility * (leave_rate * pressure + fear_leave_rate * fear)
    leavers = state.home * -np.expm1(-rate * dt)
    if leavers.any():
        where = where or Whereabouts(destination_weight, groups)
        dest = where.destinations(destination_weight)  # nobody flees to their own region
        leavers = np.where(dest.any(axis=1), leavers, 0.0)
        state.home -= leavers
        state.displaced += leavers[:, None] * dest
    calm = (state.hardship < hardship_threshold / 2) & (hour >= state.return_after)
    if state.displaced.any():
        back = state.displaced * (-np.expm1(-return_rate * dt) * calm)[:, None]
        state.displaced -= back
        state.home += back.sum(axis=1)
    np.maximum(state.peak_displaced, state.displaced.sum(axis=1), out=state.peak_displaced)
