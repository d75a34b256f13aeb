"""Narratives spreading through population groups: Maki-Thompson rumour dynamics with
forgetting, correction and amplification.

Each narrative divides every group into ignorants ``i`` (do not believe it), spreaders ``s``
(believe it and pass it on) and stiflers ``1 - i - s`` (believe it but no longer spread it). In
continuous time, for group ``g`` (Daley & Kendall 1965; Maki & Thompson 1973, with forgetting):

    di_g/dt = -lambda_g i_g m(s)_g                    + delta (1 - i_g)
    ds_g/dt =  lambda_g i_g m(s)_g - alpha s_g m(1 - i)_g - delta s_g

where ``m(x)_g`` is what group ``g`` meets: a share ``w`` of its contacts in its own region and
``1 - w`` nationally, population-weighted (:class:`Mixing`). On large worlds it costs
O(groups), never a dense groups x groups matrix; on small ones that matrix is the cheaper
form. A narrative's *reach* (belief) in a group is ``1 - i``.

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
        #: (G, G) whether two groups are in the same region (built when first needed).
        self._same: np.ndarray | None = None

    def same_region(self) -> np.ndarray:
        """``(G, G)``: whether groups ``g`` and ``h`` are in the same region."""
        if self._same is None:
            self._same = self.region[:, None] == self.region[None, :]
            self._same.setflags(write=False)
        return self._same

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Per region sums of ``x``: shape ``(..., n_regions)``."""
        if self.contiguous:
            return np.add.reduceat(x, self.starts, axis=-1)
        out = np.zeros((*x.shape[:-1], self.n))
        np.add.at(out, (Ellipsis, self.region), x)  # type: ignore[arg-type]  # numpy's stubs omit Ellipsis in an index tuple
        return out


#: Up to this many groups, the mixing is one dense ``groups x groups`` matrix (one matrix
#: product per evaluation beats a sum per region plus a national sum on small worlds); above
#: it, the O(groups) sums (the municipality world has thousands of groups).
DENSE_MIXING_GROUPS = 256


class Mixing:
    """Who meets whom: a share ``within`` of contacts in the own region, the rest nationally.

    Built from the groups' populations (rebuilt only when they change), so each evaluation is
    a sum per region and a national sum, O(groups); on small worlds (at most
    :data:`DENSE_MIXING_GROUPS` groups) the same operator as one dense matrix.

    Args:
        weight: Per group, its population (the mixing weights).
        region: Per group, the index of its region.
        within: Share of contacts within the region.
        sums: The per-region sums over these groups, if already built.
    """

    def __init__(
        self,
        weight: np.ndarray,
        region: np.ndarray,
        within: float,
        sums: RegionSums | None = None,
    ) -> None:
        self.region = region
        self.weight = weight.copy()
        self.within = within
        n_regions = int(region.max()) + 1 if len(region) else 0
        self.sums = sums if sums is not None else RegionSums(region, n_regions)
        reg_weight = np.bincount(region, weights=weight, minlength=self.sums.n)
        #: (G,): group g's share of its region's population, times ``within``.
        self.to_region = within * weight / np.where(reg_weight > 0, reg_weight, 1.0)[region]
        #: (G,): group g's share of the national population, times ``1 - within``.
        self.to_nation = (1.0 - within) * weight / weight.sum()
        #: (G, G) or None: ``x @ dense`` is what each group meets of ``x``.
        self.dense: np.ndarray | None = None
        if len(region) <= DENSE_MIXING_GROUPS:
            same = self.sums.same_region()
            self.dense = same * self.to_region[:, None] + self.to_nation[:, None]

    def matches(self, weight: np.ndarray, region: np.ndarray, within: float) -> bool:
        """Whether this mixing is the one of ``weight``, ``region`` and ``within``."""
        return (
            within == self.within and region is self.region and np.array_equal(weight, self.weight)
        )

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """What each group meets of ``x`` (per narrative and group, shape ``(N, G)``)."""
        if self.dense is not None:
            return x @ self.dense
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
    mixing: Mixing | None = None,
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
        mixing: The :class:`Mixing` of ``weight``, ``region`` and ``within``, when the caller
            keeps one between steps (built here otherwise).

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
    meet = mixing if mixing is not None else Mixing(weight, region, within)
    n = ignorant.shape[0]
    forgets = bool(np.any(np.asarray(forget_rate) > 0))
    # The state is one stacked array (rows [0, n) ignorant, [n, 2n) spreaders, [2n, 3n) the
    # new acceptances so far), so each stage of the scheme is a few operations on it.
    # ``both`` holds what the mixing evaluates: rows [0, n) spreaders, rows [n, 2n) those who
    # know the narrative (1 - i); one evaluation serves both rates.
    both = np.empty((2 * n, ignorant.shape[1]))

    def rates(y: np.ndarray) -> np.ndarray:
        i, s = y[:n], y[n : 2 * n]
        both[:n] = s
        np.subtract(1.0, i, out=both[n:])
        met = meet(both)  # spreaders met, and people who know it
        new = spread_rate * i * met[:n]
        k = np.empty_like(y)
        if forgets:
            np.subtract(forget_rate * both[n:], new, out=k[:n])
            np.subtract(new - stifle_rate * s * met[n:], forget_rate * s, out=k[n : 2 * n])
        else:
            np.negative(new, out=k[:n])
            np.subtract(new, stifle_rate * s * met[n:], out=k[n : 2 * n])
        k[2 * n :] = new
        return k

    y = np.concatenate([ignorant, spreader, np.zeros_like(ignorant)])
    half, sixth = 0.5 * h, h / 6.0
    for _ in range(n_sub):
        k1 = rates(y)
        k2 = rates(y + half * k1)
        k3 = rates(y + half * k2)
        k4 = rates(y + h * k3)
        y = y + sixth * (k1 + 2 * k2 + 2 * k3 + k4)
    i, s, accepted = y[:n], y[n : 2 * n], y[2 * n :]
    i = np.clip(i, 0.0, 1.0)
    s = np.clip(s, 0.0, 1.0 - i)
    return i, s, np.maximum(accepted, 0.0)
