"""Narratives spreading through population groups: Maki-Thompson rumour dynamics.

Each narrative divides every group into ignorants ``i`` (have not accepted it), spreaders ``s``
(pass it on) and stiflers ``1 - i - s`` (accepted it but no longer spread it). In continuous
time, for group ``g`` (Daley & Kendall 1965; Maki & Thompson 1973):

    di_g/dt = -lambda_g i_g m(s)_g
    ds_g/dt =  lambda_g i_g m(s)_g - alpha_g s_g m(1 - i)_g

where ``m(x)_g`` is what group ``g`` meets: a share ``w`` of its contacts in its own region and
``1 - w`` nationally, population-weighted (:class:`Mixing`). It costs O(groups), never a dense
groups x groups matrix. A narrative's *reach* in a group is ``1 - i``.

For one well-mixed group with ``lambda = alpha`` and one initial spreader in a large population,
the fraction that never hears the rumour tends to the root of ``theta = exp(-2 (1 - theta))``,
about 0.203 (Sudbury 1985, J. Appl. Probab. 22:443-446); in general
``theta = exp(-(1 + lambda/alpha)(1 - theta))``.

An explicit hourly Euler step with a large rate overshoots and misses that result, so each
model step is integrated with classical Runge-Kutta (RK4) on sub-steps short enough that
``rate x h <= max_substep_rate``. The scheme converges to the continuous-time result at the
model's own time step; a test checks the final size against the formula.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq


def never_reached_fraction(ratio: float = 1.0) -> float:
    """The Maki-Thompson final ignorant fraction for spreading/stifling rate ratio ``ratio``.

    The non-trivial root of ``theta = exp(-(1 + ratio)(1 - theta))`` in (0, 1).
    """
    c = 1.0 + ratio
    return brentq(lambda t: t - math.exp(-c * (1.0 - t)), 1e-300, 1.0 - 1e-12 / c)


class RegionSums:
    """Sums over groups per region, for arrays whose last axis is the groups.

    Groups come in region order (see :func:`abm.population.build_groups`), so one ``reduceat``
    over contiguous runs does it in O(groups); other orders fall back to a scatter-add.
    """

    def __init__(self, region: np.ndarray, n_regions: int) -> None:
        self.region = region
        self.n = n_regions
        self.starts = np.flatnonzero(np.r_[True, region[1:] != region[:-1]])
        self.contiguous = len(self.starts) == n_regions and bool(
            np.all(region[self.starts] == np.arange(n_regions))
        )

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Per region sums of ``x``: shape ``(..., n_regions)``."""
        if self.contiguous:
            return np.add.reduceat(x, self.starts, axis=-1)
        out = np.zeros((*x.shape[:-1], self.n))
        np.add.at(out, (Ellipsis, self.region), x)  # type: ignore[arg-type]  # numpy's stubs omit Ellipsis in an index tuple
        return out


class Mixing:
    """Who meets whom: a share ``within`` of contacts in the own region, the rest nationally.

    Built once per step from the groups' populations, so each evaluation is a sum per region
    and a national sum: O(groups), never a groups x groups (or regions x groups) matrix.

    Args:
        weight: Per group, its population (the mixing weights).
        region: Per group, the index of its region.
        within: Share of contacts within the region.
    """

    def __init__(self, weight: np.ndarray, region: np.ndarray, within: float) -> None:
        self.region = region
        self.sums = RegionSums(region, int(region.max()) + 1 if len(region) else 0)
        reg_weight = np.bincount(region, weights=weight, minlength=self.sums.n)
        #: (G,): group g's share of its region's population, times ``within``.
        self.to_region = within * weight / np.where(reg_weight > 0, reg_weight, 1.0)[region]
        #: (G,): group g's share of the national population, times ``1 - within``.
        self.to_nation = (1.0 - within) * weight / weight.sum()

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """What each group meets of ``x`` (per narrative and group, shape ``(N, G)``)."""
        regional = self.sums(x * self.to_region)
        return regional[:, self.region] + (x @ self.to_nation)[:, None]


def spread(
    ignorant: np.ndarray,
    spreader: np.ndarray,
    spread_rate: np.ndarray | float,
    stifle_rate: np.ndarray | float,
    weight: np.ndarray,
    region: np.ndarray,
    within: float,
    dt: float,
    max_substep_rate: float = 0.2,
) -> tuple[np.ndarray, np.ndarray]:
    """Advance every narrative in every group by ``dt`` hours (RK4 on sub-steps).

    Args:
        ignorant, spreader: Fractions per narrative and group, shape ``(N, G)``.
        spread_rate: lambda per narrative and group (per hour), broadcastable to ``(N, G)``.
        stifle_rate: alpha per group (per hour), broadcastable to ``(N, G)``.
        weight, region, within: The mixing (see :class:`Mixing`).
        dt: Step length in hours.
        max_substep_rate: Largest rate x sub-step.

    Returns:
        The new ``(ignorant, spreader)``, kept in the simplex.
    """
    bound = float(np.max(spread_rate, initial=0.0) + np.max(stifle_rate, initial=0.0))
    n_sub = max(1, math.ceil(bound * dt / max_substep_rate))
    h = dt / n_sub
    meet = Mixing(weight, region, within)
    n = ignorant.shape[0]

    def rates(i: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        both = meet(np.concatenate([s, 1.0 - i]))  # spreaders met, and people who know it
        meet_s, meet_knowing = both[:n], both[n:]
        new = spread_rate * i * meet_s
        return -new, new - stifle_rate * s * meet_knowing

    i, s = ignorant, spreader
    for _ in range(n_sub):
        k1i, k1s = rates(i, s)
        k2i, k2s = rates(i + 0.5 * h * k1i, s + 0.5 * h * k1s)
        k3i, k3s = rates(i + 0.5 * h * k2i, s + 0.5 * h * k2s)
        k4i, k4s = rates(i + h * k3i, s + h * k3s)
        i = i + h / 6.0 * (k1i + 2 * k2i + 2 * k3i + k4i)
        s = s + h / 6.0 * (k1s + 2 * k2s + 2 * k3s + k4s)
    i = np.clip(i, 0.0, 1.0)
    s = np.clip(s, 0.0, 1.0 - i)
    return i, s
