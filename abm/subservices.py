"""Sub-services: services within a sector with their own capacity and demand.

A sector may be several services that people need separately and that cannot stand in for one
another: food and drinking water in ``food_water``, cash and payments in ``finance``. Each
sub-service (``sectors.subservices``) is served by its own asset types, so its capacity is the
working share of those assets alone (times the sector's capacity factor), and its demand is
the sector's demand raised only by the behaviour that acts on it: panic buying raises retail
food and bottled-water demand, not tap water; a bank run raises cash demand, not payments.

Each sub-service has its own direct inoperability ``c*_u = 1 - min(1, capacity_u /
demand_u)`` and its own inoperability, which evolves with its sector's IIM row (the same row
of ``A*`` and rate ``k``: :func:`abm.interdependency.step_subservices`). The sector's
inoperability is the need-weighted mean of its sub-services', so the nine sectors, their
service levels and everything that reads them stay as they were; sectors without sub-services
work exactly as before.

**Restocking.** A sub-service with ``restock_lag_hours > 0`` answers demand above its assets'
capacity with extra deliveries (retailers and distributors restocking more often than normal):
the excess demand of ``restock_lag_hours`` ago arrives as extra capacity now, up to
``restock_ceiling`` of normal demand, scaled by the share of the sub-service's assets working
(a closed distribution centre delivers nothing extra).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from abm.config import RunConfig
from abm.errors import ConfigError
from abm.needs import DEMAND_BEHAVIOURS
from abm.state import AssetState
from abm.vocabulary import BEHAVIOURS, SECTOR_INDEX, SECTORS
from abm.world import World

__all__ = ["SubserviceState", "Subservices", "build_subservices"]

#: Need shares of a sector's sub-services are normalised; below this a sum counts as zero.
_TINY = 1e-12


@dataclass(frozen=True)
class Subservices:
    """The run's sub-services, their assets and their weights (read-only after the build).

    Attributes:
        names: Sub-service keys, the order of the sub-service axis.
        sector: ``(U,)`` sector index of each sub-service.
        weight: ``(U,)`` its need share, normalised over its sector's sub-services.
        behaviour: ``(U,)`` index of the behaviour that raises its demand, -1 for none.
        sector_behaviour: ``(U,)`` index of the behaviour that raises its sector's demand as a
            whole in :func:`abm.needs.demand` (divided back out), -1 for none.
        restock_lag: ``(U,)`` steps from excess demand to extra deliveries (0: none).
        restock_ceiling: ``(U,)`` most extra deliveries, share of normal demand.
        competes: ``(U,)`` share of behaviour-added demand that competes with normal need.
        asset_unit: ``(assets,)`` the sub-service each asset serves, -1 for none.
        full: ``(R, U)`` capacity shares of every asset of each sub-service when all work
            (0 in a region without its assets: it is served from the whole country there).
        split: ``(S,)`` whether each sector has sub-services.
    """

    names: tuple[str, ...]
    sector: np.ndarray
    weight: np.ndarray
    behaviour: np.ndarray
    sector_behaviour: np.ndarray
    restock_lag: np.ndarray
    restock_ceiling: np.ndarray
    competes: np.ndarray
    asset_unit: np.ndarray = field(repr=False)
    full: np.ndarray = field(repr=False)
    split: np.ndarray = field(repr=False)

    @property
    def n(self) -> int:
        """Number of sub-services (0: every sector is one service)."""
        return len(self.names)

    def sector_mean(self, per_unit: np.ndarray, per_sector: np.ndarray) -> np.ndarray:
        """``per_sector`` with each split sector's column replaced by the need-weighted mean of
        its sub-services' columns in ``per_unit`` (a new array)."""
        out = per_sector.copy()
        out[:, self.split] = 0.0
        np.add.at(out.T, self.sector, (per_unit * self.weight).T)
        return out

    def capacity(self, world: World, assets: AssetState, capacity_factor: np.ndarray) -> np.ndarray:
        """Per region and sub-service, the capacity of its working assets (at their degraded
        share in manual or degraded operation), in units of normal demand: the sector's capacity
        factor times the working share of the sub-service's own assets in the region, or in
        the whole country where the region has none (payment centres serve every region)."""
        n_r = world.regions.n
        served = self.asset_unit >= 0
        cell = self.asset_unit[served] * n_r + world.asset_region[served]
        weights = (world.capacity * assets.working * assets.degraded_capacity)[served]
        now = np.bincount(cell, weights=weights, minlength=self.n * n_r).reshape(self.n, n_r).T
        local = now / np.where(self.full > 0, self.full, 1.0)
        national = now.sum(axis=0) / self.full.sum(axis=0)
        return np.where(self.full > 0, local, national) * capacity_factor[self.sector]

    def demand(self, people_demand: np.ndarray, lift: np.ndarray, extra: np.ndarray) -> np.ndarray:
        """Per region and sub-service, demand in units of its normal demand.

        The sector's demand from the people present, without the behaviour that raised the
        sector as a whole, raised instead by the sub-service's own behaviour; plus the demand
        that transit and hazards add to the sector (on each of its sub-services alike).

        Args:
            people_demand: ``(R, S)`` the population's demand per sector (abm.needs.demand).
            lift: ``(R, B)`` the factor per behaviour (abm.needs.behaviour_lift).
            extra: ``(R, S)`` demand added by transit and hazards.
        """
        ones = np.ones((lift.shape[0], 1))
        with_one = np.concatenate([lift, ones], axis=1)  # index -1: no behaviour, factor 1
        base = people_demand[:, self.sector] / with_one[:, self.sector_behaviour]
        return base * with_one[:, self.behaviour] + extra[:, self.sector]

    def competing(
        self, people_demand: np.ndarray, lift: np.ndarray, extra: np.ndarray
    ) -> np.ndarray:
        """The demand that competes with normal need for capacity, per region and sub-service
        (arguments as :meth:`demand`): normal need plus ``competes`` of what the sub-service's
        behaviour adds. The service level is measured against it; sales against the whole."""
        ones = np.ones((lift.shape[0], 1))
        with_one = np.concatenate([lift, ones], axis=1)  # index -1: no behaviour, factor 1
        base = people_demand[:, self.sector] / with_one[:, self.sector_behaviour]
        added = with_one[:, self.behaviour] - 1.0
        return base * (1.0 + self.competes * added) + extra[:, self.sector]


@dataclass
class SubserviceState:
    """What changes during a run per region and sub-service."""

    #: Inoperability (1 - service).
    inoperability: np.ndarray
    #: Extra deliveries under way: the excess demand of each of the last ``lag`` steps.
    pending: np.ndarray
    #: Extra capacity from restocking now (share of normal demand).
    extra: np.ndarray
    #: Demand and capacity (with restocking and released stock) of the last step.
    demand: np.ndarray
    capacity: np.ndarray

    @classmethod
    def whole(cls, n_regions: int, subs: Subservices) -> SubserviceState:
        shape = (n_regions, subs.n)
        lag = max(int(subs.restock_lag.max(initial=0)), 1)
        return cls(
            np.zeros(shape),
            np.zeros((lag, *shape)),
            np.zeros(shape),
            np.ones(shape),
            np.ones(shape),
        )

    def restock(
        self,
        subs: Subservices,
        step: int,
        demand: np.ndarray,
        own: np.ndarray,
        working: np.ndarray,
    ) -> None:
        """Extra deliveries: the excess of demand over the assets' own capacity ``own`` is
        ordered now and arrives ``restock_lag`` steps later (``extra``), capped by the ceiling
        and scaled by the ``working`` share of the sub-service's assets."""
        on = subs.restock_lag > 0
        if not on.any():
            return
        slot = (step - subs.restock_lag) % self.pending.shape[0]  # ordered lag steps ago
        arrived = self.pending[slot, :, np.arange(subs.n)].T  # (R, U)
        self.extra = np.where(on, np.minimum(arrived, subs.restock_ceiling), 0.0) * working
        self.pending[step % self.pending.shape[0]] = np.where(
            on, np.maximum(demand - own, 0.0), 0.0
        )


def build_subservices(cfg: RunConfig, world: World) -> Subservices:
    """The run's sub-services from ``sectors.subservices``, checked against the world.

    Raises:
        ConfigError: a sub-service names an unknown sector, asset type or behaviour, an asset
            type of another sector, or leaves an asset type of its sector unserved or served
            twice; a sector's need shares sum to zero; a sector has a single sub-service.
    """
    subs = cfg.sectors.subservices or {}
    names = tuple(subs)
    type_sector = {
        t: SECTORS[int(world.asset_sector[world.asset_type == i][0])]
        for i, t in enumerate(world.type_names)
        if (world.asset_type == i).any()
    }
    unit_of_type: dict[str, int] = {}
    sector = np.zeros(len(names), dtype=np.int64)
    share = np.zeros(len(names))
    behaviour = np.full(len(names), -1, dtype=np.int64)
    lag = np.zeros(len(names), dtype=np.int64)
    ceiling = np.zeros(len(names))
    competes = np.ones(len(names))
    dt = float(cfg.dt_hours)
    for u, (name, sub) in enumerate(subs.items()):
        key = f"sectors.subservices.{name}"
        if sub.sector not in SECTOR_INDEX:
            raise ConfigError(f"{key}.sector", f"a sector ({', '.join(SECTORS)})")
        sector[u] = SECTOR_INDEX[sub.sector]
        share[u] = float(sub.need_share)
        if sub.behaviour:
            if sub.behaviour not in DEMAND_BEHAVIOURS:
                raise ConfigError(
                    f"{key}.behaviour", f"one of {', '.join(DEMAND_BEHAVIOURS)} or empty"
                )
            behaviour[u] = BEHAVIOURS.index(sub.behaviour)
        lag[u] = round(float(sub.restock_lag_hours) / dt) if sub.restock_lag_hours > 0 else 0
        if sub.restock_lag_hours > 0:
            lag[u] = max(lag[u], 1)
        ceiling[u] = float(sub.restock_ceiling)
        competes[u] = float(sub.extra_demand_competes)
        for t in sub.asset_types:
            if t not in type_sector:
                raise ConfigError(f"{key}.asset_types", f"asset types of the world, got {t!r}")
            if type_sector[t] != sub.sector:
                raise ConfigError(
                    f"{key}.asset_types",
                    f"asset types of {sub.sector}, got {t!r} (sector {type_sector[t]})",
                )
            if t in unit_of_type:
                raise ConfigError(
                    f"{key}.asset_types", f"{t!r} already serves {names[unit_of_type[t]]}"
                )
            unit_of_type[t] = u
    split = np.zeros(len(SECTORS), dtype=bool)
    split[sector] = True
    for s in np.flatnonzero(split):
        mine = sector == s
        if mine.sum() < 2:
            raise ConfigError(
                f"sectors.subservices ({SECTORS[s]})", "at least two sub-services per sector"
            )
        if share[mine].sum() <= _TINY:
            raise ConfigError(f"sectors.subservices ({SECTORS[s]})", "need shares above 0")
        share[mine] /= share[mine].sum()
        missing = [
            t for t, sec in type_sector.items() if sec == SECTORS[s] and t not in unit_of_type
        ]
        if missing:
            raise ConfigError(
                f"sectors.subservices ({SECTORS[s]})",
                f"every asset type of the sector in one sub-service; {', '.join(missing)} in none",
            )
    sector_behaviour = np.full(len(names), -1, dtype=np.int64)
    for b, (_, raised) in DEMAND_BEHAVIOURS.items():
        sector_behaviour[sector == raised] = BEHAVIOURS.index(b)
    asset_unit = np.full(world.n_assets, -1, dtype=np.int64)
    for t, u in unit_of_type.items():
        asset_unit[world.asset_type == world.type_names.index(t)] = u
    n_r = world.regions.n
    served = asset_unit >= 0
    full = (
        np.bincount(
            asset_unit[served] * n_r + world.asset_region[served],
            weights=world.capacity[served],
            minlength=len(names) * n_r,
        )
        .reshape(len(names), n_r)
        .T
    )
    if len(names) and (full.sum(axis=0) <= 0).any():
        u = int(np.flatnonzero(full.sum(axis=0) <= 0)[0])
        raise ConfigError(f"sectors.subservices.{names[u]}", "asset types with assets")
    arrays = (
        sector,
        share,
        behaviour,
        sector_behaviour,
        lag,
        ceiling,
        competes,
        asset_unit,
        full,
        split,
    )
    for a in arrays:
        a.setflags(write=False)
    return Subservices(names, *arrays)


def _constant(value: float) -> np.ndarray:
    """``value`` as a read-only 0-d array: a ufunc takes it faster than a Python float (no
    conversion each call), and computes the same float64 numbers."""
    array = np.array(value)
    array.setflags(write=False)
    return array


_ONE, _ZERO = _constant(1.0), _constant(0.0)


def _as_slice(index: np.ndarray) -> slice | np.ndarray:
    """``index`` (ascending, non-negative) as the slice that selects the same entries when
    they are evenly spaced (a view, cheaper than gathering), else as it is."""
    if len(index) == 1:
        return slice(int(index[0]), int(index[0]) + 1)
    step = np.diff(index)
    if len(index) and step[0] > 0 and (step == step[0]).all():
        return slice(int(index[0]), int(index[-1]) + 1, int(step[0]))
    return index


class SubserviceStep:
    """The sector phase's arithmetic with sub-services, over indices computed once.

    The model steps sectors and sub-services together as one table of ``N = S + U`` columns
    (the nine sectors, then the sub-services), held *transposed* here, ``(N, R)``: a column
    is then a contiguous row, so gathers are cheap ``take``s, and ``.T`` gives back the
    ``(R, N)`` views in the memory layout the step produced before (Fortran order), which
    matters to later matrix products. Every value is computed by the same floating-point
    operations, in the same order, as :meth:`Subservices.demand`, :meth:`~Subservices.competing`,
    :meth:`SubserviceState.restock`, :meth:`Subservices.sector_mean` and
    :func:`abm.interdependency.step_subservices`; only the number of numpy calls differs (the
    step's cost is nearly all per-call overhead on arrays this small).

    Args:
        subs: The run's sub-services (at least one).
        n_regions: Regions.
        n_behaviours: Behaviours (columns of the population's demand lift).
        k: ``(S,)`` per-step IIM rates.
        floor: Inoperability below it is 0.
    """

    def __init__(
        self, subs: Subservices, n_regions: int, n_behaviours: int, k: np.ndarray, floor: float
    ):
        n_s, n_u = len(SECTORS), subs.n
        self._floor = _constant(floor)
        self.n_s, self.n_u, self.n = n_s, n_u, n_s + n_u
        self.sector = subs.sector
        #: Factor per behaviour and region, with a last row of ones (behaviour -1: none).
        self._lift = np.ones((n_behaviours + 1, n_regions))
        self._n_b = n_behaviours
        sb, b = subs.sector_behaviour, subs.behaviour
        #: Rows of ``_lift`` to gather: each unit's sector behaviour and own behaviour, and
        #: for both demands at once, each of them twice.
        self._behaviours_one = np.concatenate([sb, b])
        self._behaviours = np.concatenate([sb, sb, b, b])
        self._two_sectors = np.concatenate([subs.sector, subs.sector])
        self._competes = np.repeat(subs.competes[:, None], n_regions, axis=1)
        self.competing = bool((subs.competes < 1.0).any())
        #: Per column of the combined table, its sector, and its rate; need shares. Full
        #: (columns, regions) arrays: operations without broadcasting are cheaper.
        self.column_sector = np.concatenate([np.arange(n_s), subs.sector])
        self.k = np.repeat(k[self.column_sector][:, None], n_regions, axis=1)
        self._weight = np.repeat(subs.weight[:, None], n_regions, axis=1)
        #: Need-weighted mean: ``_split`` are the split sectors in order and ``_levels[j]``
        #: the j-th sub-service of each (units in axis order), so that adding level after level
        #: adds in the order of ``np.add.at`` in :meth:`Subservices.sector_mean`. None when
        #: split sectors have different numbers of sub-services (then that method is used).
        split = np.flatnonzero(subs.split)
        units = [np.flatnonzero(subs.sector == s) for s in split]
        same = len({len(u) for u in units}) == 1
        self._split = _as_slice(split)
        self._levels = [_as_slice(u) for u in np.array(units).T] if units and same else None
        self._subs = subs
        #: Restocking sub-services: (unit, lag in steps, ceiling as a 0-d array).
        self._restock = [
            (int(u), int(subs.restock_lag[u]), np.array(subs.restock_ceiling[u]))
            for u in np.flatnonzero(subs.restock_lag > 0)
        ]

    def demand(
        self, people_demand: np.ndarray, lift: np.ndarray, extra: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`Subservices.demand` and :meth:`Subservices.competing` at once, transposed
        ``(U, R)`` (the second is the first when every sub-service's extra demand competes):
        the base demand times the two raising factors, stacked, in one product."""
        g = self._lift
        g[: self._n_b] = lift.T
        n_u = self.n_u
        if not self.competing:
            g = g.take(self._behaviours_one, axis=0)
            demand = people_demand.T.take(self.sector, axis=0)
            demand /= g[:n_u]
            demand *= g[n_u:]
            demand += extra.T.take(self.sector, axis=0)
            return demand, demand
        # Both at once, stacked (2U, R): sector behaviours twice, then the own behaviour's
        # factor and the competing factor 1 + competes x (factor - 1).
        g = g.take(self._behaviours, axis=0)
        two = self._two_sectors
        both = people_demand.T.take(two, axis=0)
        both /= g[: 2 * n_u]
        factor = g[3 * n_u :]
        factor -= _ONE
        factor *= self._competes
        factor += _ONE
        both *= g[2 * n_u :]
        both += extra.T.take(two, axis=0)
        return both[:n_u], both[n_u:]

    def restock(
        self,
        state: SubserviceState,
        step: int,
        demand: np.ndarray,
        own: np.ndarray,
        working: np.ndarray,
    ) -> None:
        """:meth:`SubserviceState.restock`, transposed (``(U, R)`` arguments), touching only the
        restocking sub-services (the others' extra and pending orders stay 0)."""
        if not self._restock:
            return
        pending = state.pending
        ring = pending.shape[0]
        extra = np.zeros((self.n_u, demand.shape[1]))
        for u, lag, ceiling in self._restock:
            row = extra[u]
            np.minimum(pending[(step - lag) % ring, :, u], ceiling, out=row)
            row *= working[u]
            order = np.subtract(demand[u], own[u], out=pending[step % ring, :, u])
            np.maximum(order, _ZERO, out=order)
        state.extra = extra.T

    def sector_mean(self, table: np.ndarray) -> None:
        """:meth:`Subservices.sector_mean` in place on a transposed ``(N, R)`` table: the split
        sectors' rows become the need-weighted mean of their sub-services' rows.

        The sum starts from the first sub-service's term rather than from 0.0 + it: the same
        number, as no term is -0.0 (inoperabilities are floored to +0.0 and direct ones are
        ``1 - min(1, x)``; weights are positive)."""
        if self._levels is None:
            table[: self.n_s] = self._subs.sector_mean(table[self.n_s :].T, table[: self.n_s].T).T
            return
        terms = table[self.n_s :] * self._weight
        first, second, *more = self._levels  # a split sector has at least two sub-services
        if isinstance(self._split, slice):  # its rows are a view: add into them
            mean = np.add(terms[first], terms[second], out=table[self._split])
        else:
            mean = terms[first] + terms[second]
        for units in more:
            mean += terms[units]
        if not isinstance(self._split, slice):
            table[self._split] = mean

    def advance(
        self, q: np.ndarray, table: np.ndarray, a_star: np.ndarray, c: np.ndarray
    ) -> np.ndarray:
        """One IIM step of sectors and sub-services on the transposed table: what
        :func:`abm.interdependency.step_subservices` gives, floored (below the floor: 0),
        with the split sectors' rows the mean of their sub-services' (floored again).

        Each column closes the gap to its target (its sector's row of ``A*`` times the
        sectors' ``q``, plus its direct inoperability) at its sector's rate, as there.

        Args:
            q: ``(R, S)`` the sectors' inoperability now (as held by the sector state).
            table: ``(N, R)`` the sectors' then the sub-services' inoperability now.
            a_star: ``(S, S)`` interdependency matrix.
            c: ``(N, R)`` direct inoperability, split sectors' rows already the mean.

        Returns:
            The next ``(N, R)`` table (a new array).
        """
        nxt = (q @ a_star.T).T.take(self.column_sector, axis=0)
        nxt += c
        nxt -= table
        nxt *= self.k
        nxt += table
        # Clipped to [0, 1] and floored: the floor also sets what is below 0 to 0 (the same
        # numbers as clipping first; np.clip differs from max/min only in the sign of 0).
        floor = self._floor
        np.minimum(nxt, _ONE, out=nxt)
        nxt[nxt < floor] = 0.0
        self.sector_mean(nxt)
        nxt[nxt < floor] = 0.0
        return nxt
