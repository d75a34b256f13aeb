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
from typing import Any

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
        if sums is None:
            sums = RegionSums(region, int(region.max()) + 1 if len(region) else 0)
        self.sums = sums
        reg_weight = np.bincount(region, weights=weight, minlength=sums.n)
        reg_weight = np.where(reg_weight > 0, reg_weight, 1.0)
        # (Rebuilt at every step where people move: in place, the same operations.)
        #: (G,): group g's share of its region's population, times ``within``.
        self.to_region = to_region = within * weight
        np.divide(to_region, reg_weight[region], out=to_region)
        #: (G,): group g's share of the national population, times ``1 - within``.
        self.to_nation = to_nation = (1.0 - within) * weight
        np.divide(to_nation, np.add.reduce(weight), out=to_nation)
        #: (G, G) or None: ``x @ dense`` is what each group meets of ``x``.
        self.dense: np.ndarray | None = None
        if len(region) <= DENSE_MIXING_GROUPS:
            dense = np.multiply(sums.same_region(), to_region[:, None])
            self.dense = np.add(dense, to_nation[:, None], out=dense)

    def matches(self, weight: np.ndarray, region: np.ndarray, within: float) -> bool:
        """Whether this mixing is the one of ``weight``, ``region`` and ``within``."""
        return (
            within == self.within
            and region is self.region
            and weight.shape == self.weight.shape
            and bool((weight == self.weight).all())
        )

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """What each group meets of ``x`` (per narrative and group, shape ``(N, G)``)."""
        if self.dense is not None:
            return x @ self.dense
        regional = self.sums(x * self.to_region)
        return regional[:, self.region] + (x @ self.to_nation)[:, None]


class Workspace:
    """The arrays :func:`advance` works in, for ``n`` narratives and ``g`` groups.

    A layer advances the same shapes every step: keeping the arrays of the RK4 stages, and the
    views onto them, between steps saves allocating and slicing them at every stage, which on
    small worlds is most of the cost of a step (the arrays are tiny; each numpy call costs its
    fixed overhead).
    """

    def __init__(self, n: int, g: int) -> None:
        self.shape = (n, g)
        #: The state: rows [0, n) ignorant, [n, 2n) spreaders, [2n, 3n) new acceptances.
        self.y = y = np.empty((3 * n, g))
        #: A stage's state: rows [0, n) ignorant, [n, 2n) spreaders, [2n, 3n) those who know
        #: the narrative (``1 - i``); rows [n, 3n) are what the mixing evaluates.
        self.stage = stage = np.empty((3 * n, g))
        #: Rows [0, n) the spreading rate, [n, 2n) the stifling rate. A caller may write the
        #: spreading rate straight into its rows (:attr:`coef_spread`) and pass them.
        self.coef = np.empty((2 * n, g))
        #: The stifling rate the rows [n, 2n) of :attr:`coef` hold (None: not filled yet).
        self.stifle: float | None = None
        #: Rows [0, n) ``lambda i``, [n, 2n) ``alpha s``.
        self.prod = np.empty((2 * n, g))
        #: Rows [0, n) ``delta s``, [n, 2n) ``delta (1 - i)``.
        self.forgot = forgot = np.empty((2 * n, g))
        #: What each group meets: rows [0, n) spreaders, [n, 2n) those who know it.
        self.met = np.empty((2 * n, g))
        #: After :func:`advance`: ``1 - i`` of the new ignorant fractions (the reach).
        self.known = np.empty((n, g))
        # The scheme's constants as arrays: a ufunc is cheaper with an array operand than
        # with a Python number, and x op c gives the same bits either way. The ones that
        # depend on the sub-step ``h`` and the forgetting rate are refilled when those change.
        self.ones, self.zeros = np.ones((n, g)), np.zeros((n, g))
        self.twos = np.full((3 * n, g), 2.0)
        self.h: float | None = None
        self.half_h, self.full_h = np.empty((2 * n, g)), np.empty((2 * n, g))
        self.sixth_h = np.empty((3 * n, g))
        self.forget: float | None = None
        self.forget_both = np.empty((2 * n, g))
        #: Per stage, the derivatives: rows [0, n) of i, [n, 2n) of s, [2n, 3n) of the new
        #: acceptances (``lambda i m(s)``), and [3n, 4n) the stifling term ``alpha s m(1-i)``.
        self.k = k = [np.empty((4 * n, g)) for _ in range(4)]
        self.y_is, self.y_i, self.y_s, self.y_a = y[: 2 * n], y[:n], y[n : 2 * n], y[2 * n :]
        self.st_is, self.st_i, self.st_s = stage[: 2 * n], stage[:n], stage[n : 2 * n]
        self.st_r, self.both = stage[2 * n :], stage[n:]
        self.forgot_s, self.forgot_r = forgot[:n], forgot[n:]
        self.coef_spread, self.coef_stifle = self.coef[:n], self.coef[n:]
        #: Per stage: its derivative's rows read by the next stage's state (i, s), its rows
        #: of i, s and new, its rows of (new, stifling term), and its stifling term.
        self.stages = [
            (x[: 2 * n], x[:n], x[n : 2 * n], x[2 * n : 3 * n], x[2 * n :], x[3 * n :]) for x in k
        ]
        #: The derivatives' rows combined by the scheme (i, s and new).
        self.combined = [x[: 3 * n] for x in k]


def _peak(rate: np.ndarray | float) -> float:
    """``np.max(rate, initial=0.0)``, without numpy's wrapper for a plain number."""
    if isinstance(rate, float):
        return rate if rate >= 0.0 else 0.0
    if isinstance(rate, np.ndarray):
        return float(np.maximum.reduce(rate, axis=None, initial=0.0))
    return float(np.max(rate, initial=0.0))


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
    work: Workspace | None = None,
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
        work: A :class:`Workspace` of shape ``(N, G)``, when the caller keeps one between
            steps (built here otherwise).

    Returns:
        The new ``(ignorant, spreader)``, kept in the simplex, and the share of each group
        that newly accepted each narrative during the step (``(N, G)``, integrated with the
        same scheme; without forgetting it equals the fall of ``ignorant``).
    """
    bound = _peak(spread_rate) + _peak(stifle_rate) + _peak(forget_rate)
    n_sub = max(1, math.ceil(bound * dt / max_substep_rate))
    h = dt / n_sub
    meet = mixing if mixing is not None else Mixing(weight, region, within)
    w = work if work is not None and work.shape == ignorant.shape else Workspace(*ignorant.shape)
    scalar_forget = isinstance(forget_rate, float)
    forgets = forget_rate > 0 if scalar_forget else bool(np.any(np.asarray(forget_rate) > 0))
    # Every stage is a fixed sequence of ufuncs writing into the workspace. Each element goes
    # through the same operations, in the same order, as in the textbook form
    #   new = lambda i m(s);  di = delta (1 - i) - new;  ds = (new - alpha s m(1 - i)) - delta s
    # with the stages combined as y + h/6 (k1 + 2 k2 + 2 k3 + k4).
    y, y_is, st_is, st_i, st_r, both = w.y, w.y_is, w.st_is, w.st_i, w.st_r, w.both
    coef, prod, forgot, forgot_s, forgot_r = w.coef, w.prod, w.forgot, w.forgot_s, w.forgot_r
    multiply, subtract, add = np.multiply, np.subtract, np.add
    np.copyto(w.y_i, ignorant)
    np.copyto(w.y_s, spreader)
    w.y_a.fill(0.0)
    if spread_rate is not w.coef_spread:
        np.copyto(w.coef_spread, spread_rate)
    if not isinstance(stifle_rate, float) or stifle_rate != w.stifle:
        np.copyto(w.coef_stifle, stifle_rate)
        w.stifle = stifle_rate if isinstance(stifle_rate, float) else None
    dense, met = meet.dense, w.met
    if h != w.h:
        w.h = h
        w.half_h.fill(0.5 * h)
        w.full_h.fill(h)
        w.sixth_h.fill(h / 6.0)
    if scalar_forget and forgets and forget_rate != w.forget:
        w.forget = float(forget_rate)  # a number: scalar_forget
        w.forget_both.fill(forget_rate)
    ones, twos, sixth = w.ones, w.twos, w.sixth_h
    stages = w.stages
    # per stage: the previous stage's derivative and its coefficient (none for the first)
    plan: list[tuple[np.ndarray, np.ndarray, tuple[np.ndarray, ...]] | tuple[None, None, Any]]
    plan = [(None, None, stages[0]), (stages[0][0], w.half_h, stages[1])]
    plan += [(stages[1][0], w.half_h, stages[2]), (stages[2][0], w.full_h, stages[3])]
    k1, k2, k3, k4 = w.combined
    for _ in range(n_sub):
        for previous, c, (_, k_i, k_s, new, terms, stifled) in plan:
            if previous is None or c is None:  # the first stage
                np.copyto(st_is, y_is)
            elif c is w.full_h and h == 1.0:  # y + k_previous (1.0 x k is k)
                add(y_is, previous, out=st_is)
            else:  # y + c k_previous, for the rows the rates read
                multiply(previous, c, out=st_is)
                add(y_is, st_is, out=st_is)
            subtract(ones, st_i, out=st_r)
            # Spreaders met, and people who know it.
            found = np.matmul(both, dense, out=met) if dense is not None else meet(both)
            multiply(coef, st_is, out=prod)
            multiply(prod, found, out=terms)  # rows: new, then alpha s m(1 - i)
            if not forgets:
                np.negative(new, out=k_i)
                subtract(new, stifled, out=k_s)
                continue
            if scalar_forget:
                multiply(w.forget_both, both, out=forgot)
            else:
                multiply(forget_rate, st_r, out=forgot_r)
                multiply(forget_rate, w.st_s, out=forgot_s)
            subtract(forgot_r, new, out=k_i)
            subtract(new, stifled, out=k_s)
            subtract(k_s, forgot_s, out=k_s)
        multiply(k2, twos, out=k2)
        add(k1, k2, out=k1)
        multiply(k3, twos, out=k3)
        add(k1, k3, out=k1)
        add(k1, k4, out=k1)
        multiply(k1, sixth, out=k1)
        add(y, k1, out=y)
    # Clipped into the simplex: ``maximum`` then ``minimum`` is ``np.clip`` for every value
    # but -0.0, which the state never holds (it starts at +0 or above and only adds).
    zeros = w.zeros
    i = np.maximum(w.y_i, zeros)
    np.minimum(i, ones, out=i)
    s = np.maximum(w.y_s, zeros)
    np.minimum(s, np.subtract(ones, i, out=w.known), out=s)
    return i, s, np.maximum(w.y_a, zeros)
