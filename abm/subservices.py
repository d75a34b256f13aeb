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
