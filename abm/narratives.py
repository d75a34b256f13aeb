"""Narratives spreading through population groups: Maki-Thompson rumour dynamics with
forgetting, correction and amplification.

Each narrative divides every group into ignorants ``i`` (do not believe it), spreaders ``s``
(believe it and pass it on) and stiflers ``1 - i - s`` (believe it but no longer spread it). In
continuous time, for group ``g`` (Daley & Kendall 1965; Maki & Thompson 1973, with forgetting):

    di_g/dt = -lambda_g i_g m(s)_g                    + delta (1 - i_g)
    ds_g/dt =  lambda_g i_g m(s)_g - alpha s_g m(1 - i)_g - delta s_g

where ``m(x)_g`` is what group ``g`` meets: a share ``w`` of its contacts in its own region and
``1 - w`` nationally, population-weighted (:class:`Mixing`). It costs O(groups), never a dense
groups x groups matrix. A narrative's *reach* (belief) in a group is ``1 - i``.

**The pure case.** With ``delta = 0`` this is the Maki-Thompson model. For one well-mixed group
with ``lambda = alpha`` and one initial spreader in a large population, the fraction that never
hears the rumour tends to the root of ``theta = exp(-2 (1 - theta))``, about 0.203 (Sudbury
1985, J. Appl. Probab. 22:443-446); in general ``theta = exp(-(1 + lambda/alpha)(1 - theta))``.
A test checks the model against it. That final size does not depend on the seed, and any
spreading rate reaches it: in the pure model a rumour always takes off, so one small seed
reaches a fixed share of the country whatever the campaign does.

**Forgetting and correction** (``delta``). Believers stop believing at a rate ``delta`` and
become ignorant again (they can be convinced anew): forgetting (``forgetting_rate``; belief in
misinformation is not stable, Swire-Thompson et al. 2023, Cognition) plus, while strategic
communication is in force, correction (``correction_rate`` x its effort). With forgetting the
model has a threshold, as Maki-Thompson with forgetting does (de Arruda et al. 2022, Nat.
Commun. 13:3049): a narrative whose spreading rate ``lambda`` stays below ``delta`` fades out
after a seeding (most online cascades stay small: Goel et al. 2016, Management Science
62:180-196), one above it grows. Reach then depends on the seed and must be sustained.

**Amplification.** A disinformation action seeds a narrative and amplifies it in its target
groups for some hours (bots, paid reach, coordinated accounts): their ``lambda`` is multiplied
by ``1 + a`` for each amplification under way, and overlapping ones add up. An amplified region
is pushed above the threshold while the push lasts; the budget (how many actions), the tempo
(how close together) and the seed size set the reach, which fades once the pushes stop.

**Acceptance.** ``lambda_g`` is the contact rate x the narrative's virality x the group's
acceptance (susceptibility, media literacy, trust; raised by hardship and visible outages when
the ``hardship_acceptance`` coupling is on; lowered by prebunking): see
:meth:`abm.population.PopulationLayer.acceptance`.

An explicit hourly Euler step with a large rate overshoots and misses the published result, so
each model step is integrated with classical Runge-Kutta (RK4) on sub-steps short enough that
``rate x h <= max_substep_rate``; the new acceptances of the step (``lambda i m(s)``, from which
a share acts) are integrated alongside with the same scheme.
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


def advance(
    ignorant: np.ndarray,
    spreader: np.ndarray,
    spread_rate: np.ndarray | float,
    stifle_rate: np.ndarray | float,
    weight: np.ndarray,
    region: np.ndarray,
    within: float,
    dt: float,
    max_substep_rate: float = 0.2,
    forget_rate: np.ndarray | float = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Advance every narrative in every group by ``dt`` hours (RK4 on sub-steps).

    Args:
        ignorant, spreader: Fractions per narrative and group, shape ``(N, G)``.
        spread_rate: lambda per narrative and group (per hour), broadcastable to ``(N, G)``.
        stifle_rate: alpha per group (per hour), broadcastable to ``(N, G)``.
        weight, region, within: The mixing (see :class:`Mixing`).
        dt: Step length in hours.
        max_substep_rate: Largest rate x sub-step.
        forget_rate: delta, the rate at which those who accepted a narrative (spreaders and
            stiflers) stop believing it and become ignorant again (forgetting and correction),
            per hour, broadcastable to ``(N, G)``; 0 is the pure Maki-Thompson model.

    Returns:
        The new ``(ignorant, spreader)``, kept in the simplex, and the share of each group
        that newly accepted each narrative during the step (``(N, G)``, integrated with the
        same scheme; without forgetting it equals the fall of ``ignorant``).
    """
    bound = float(
        np.max(spread_rate, initial=0.0)
        + np.max(stifle_rate, initial=0.0)
        + np.max(forget_rate, initial=0.0)
    )
    n_sub = max(1, math.ceil(bound * dt / max_substep_rate))
    h = dt / n_sub
    meet = Mixing(weight, region, within)
    n = ignorant.shape[0]
    forgets = bool(np.any(np.asarray(forget_rate) > 0))

    def rates(i: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        both = meet(np.concatenate([s, 1.0 - i]))  # spreaders met, and people who know it
        meet_s, meet_knowing = both[:n], both[n:]
        new = spread_rate * i * meet_s
        ds = new - stifle_rate * s * meet_knowing
        if not forgets:
            return -new, ds, new
        return -new + forget_rate * (1.0 - i), ds - forget_rate * s, new

    i, s = ignorant, spreader
    accepted = np.zeros_like(ignorant)
    for _ in range(n_sub):
        k1i, k1s, k1a = rates(i, s)
        k2i, k2s, k2a = rates(i + 0.5 * h * k1i, s + 0.5 * h * k1s)
        k3i, k3s, k3a = rates(i + 0.5 * h * k2i, s + 0.5 * h * k2s)
        k4i, k4s, k4a = rates(i + h * k3i, s + h * k3s)
        i = i + h / 6.0 * (k1i + 2 * k2i + 2 * k3i + k4i)
        s = s + h / 6.0 * (k1s + 2 * k2s + 2 * k3s + k4s)
        accepted = accepted + h / 6.0 * (k1a + 2 * k2a + 2 * k3a + k4a)
    i = np.clip(i, 0.0, 1.0)
    s = np.clip(s, 0.0, 1.0 - i)
    return i, s, np.maximum(accepted, 0.0)
