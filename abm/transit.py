"""Allied reception and transit: serials land at the ports, stage, and cross Belgium eastwards.

The main effort of the defence plan (FACTS.md): receive two allied brigade-equivalents at once
and move them east. Each serial (a battalion-sized convoy) lands at a port when the port works,
stages, then crosses the regions of its route one leg at a time. A leg starts only if the region
is passable: a designated corridor works (the eastern corridors where the region has them, the
ordinary network otherwise): rail if every rail section of the region works (a line is a chain),
else road if any motorway section works (motorways are alternatives; serials with tracked
equipment cannot take them), and energy (fuel, traction power) and telecom (coordination) give
at least ``min_support_service``. Otherwise the serial waits and its delay
grows. Serials in a region draw host-nation support (food and water, health) there.

Serials are few and decide one leg at a time, so they are stepped in a small loop.
"""

from __future__ import annotations

import numpy as np

from abm.config import TransitConfig
from abm.sectors import SECTOR_INDEX
from abm.world import World, allocate

WAITING, STAGING, MOVING, CROSSED = 0, 1, 2, 3
RAIL_TYPES = (("eastern_rail",), ("rail_link",))
ROAD_TYPES = (("eastern_motorway",), ("motorway_link",))
PORT_TYPES = ("port",)
ENERGY, TELECOM, FOOD_WATER, HEALTH = (
    SECTOR_INDEX[s] for s in ("energy", "telecom", "food_water", "health")
)


def _corridor(
    world: World, regions: np.ndarray, families: tuple[tuple[str, ...], ...]
) -> np.ndarray:
    """Assets of the first family of types present in the regions (designated corridor first)."""
    for types in families:
        ids = [world.type_names.index(t) for t in types if t in world.type_names]
        mask = np.isin(world.asset_type, ids) & np.isin(world.asset_region, regions)
        if mask.any():
            return np.flatnonzero(mask)
    return np.zeros(0, dtype=np.int64)


class Transit:
    """The serials of the allied transit, their positions and their delays.

    A serial's position is a *place*: a name of the config's routes, a region or a province.
    In a world finer than the provinces, a leg through a province uses the province's corridor
    sections and its population-weighted service, and the serials' support demand is spread
    over the province's regions.
    """

    def __init__(self, cfg: TransitConfig, world: World, horizon_hours: float) -> None:
        self.cfg = cfg
        self.world = world
        self.horizon = horizon_hours
        n = cfg.brigades * cfg.serials_per_brigade if cfg.enabled else 0
        ports = list(cfg.ports)
        per_port = allocate(n, np.array([cfg.ports[p] for p in ports])) if n else np.zeros(0)
        port_of, arrival = [], []
        for port, count in zip(ports, per_port, strict=False):
            for k in range(int(count)):
                port_of.append(port)
                arrival.append(cfg.first_arrival_hour + k * cfg.arrival_interval_hours)
        self.n = len(port_of)
        names = list(dict.fromkeys(r for p in port_of for r in cfg.routes[p]))
        regions = world.regions
        #: Per place: its regions, and their population shares within the place.
        self.place_regions = [regions.indices(name) for name in names]
        self.place_share = [
            regions.population[r] / regions.population[r].sum() for r in self.place_regions
        ]
        self.routes = [[names.index(r) for r in cfg.routes[p]] for p in port_of]
        self.arrival = np.array(arrival, dtype=float)
        nominal = [cfg.staging_hours + len(r) * cfg.rail_leg_hours for r in self.routes]
        self.planned = self.arrival + np.array(nominal, dtype=float)
        self.phase = np.full(self.n, WAITING)
        self.leg = np.zeros(self.n, dtype=int)
        self.ready_at = self.arrival.copy()  # when the current stage or leg ends
        self.crossed_at = np.full(self.n, np.nan)
        self.blocked = np.zeros(self.n, dtype=bool)  # waiting for its next leg to open
        u = np.arange(self.n)
        #: Serials with tracked equipment: rail only (spread evenly over the landing order).
        self.heavy = np.floor((u + 1) * cfg.heavy_share) > np.floor(u * cfg.heavy_share)
        self.place = np.array([r[0] for r in self.routes], dtype=int)
        places = self.place_regions
        self.ports = {
            p: _corridor(world, places[p], (PORT_TYPES,)) for p in set(self.place.tolist())
        }
        on_routes = {p for route in self.routes for p in route}
        self.rail = {p: _corridor(world, places[p], RAIL_TYPES) for p in on_routes}
        self.road = {p: _corridor(world, places[p], ROAD_TYPES) for p in on_routes}
        #: Extra demand per region and sector from host-nation support, as of the last step.
        self.demand = np.zeros((world.regions.n, len(SECTOR_INDEX)))

    def deploying(self, hour: float) -> bool:
        """From a day before the first landing until the last serial has crossed: the planned
        operation during which Defence guards the corridors without waiting for an alert."""
        if self.n == 0:
            return False
        return hour >= self.arrival.min() - 24.0 and bool((self.phase != CROSSED).any())

    @property
    def designated_assets(self) -> np.ndarray:
        """The ports and the eastern corridors (first families of each region's routes)."""
        w = self.world
        ids = [
            w.type_names.index(t)
            for t in (*PORT_TYPES, RAIL_TYPES[0][0], ROAD_TYPES[0][0])
            if t in w.type_names
        ]
        return np.flatnonzero(np.isin(w.asset_type, ids))

    @property
    def corridor_assets(self) -> np.ndarray:
        """Every port, rail and road asset the serials may use: what Defence guards first."""
        parts = [*self.ports.values(), *self.rail.values(), *self.road.values()]
        return np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)

    def step(self, hour: float, working: np.ndarray, service: np.ndarray) -> None:
        """Advance every serial that can move now; then the support the serials draw.

        Args:
            hour: Start of the current step.
            working: Per asset, whether it works.
            service: Per region and sector, this step's service level.
        """
        cfg = self.cfg
        for u in np.flatnonzero((self.phase != CROSSED) & (self.ready_at <= hour)):
            if self.phase[u] == WAITING:
                port = self.ports.get(self.place[u], np.zeros(0, dtype=np.int64))
                if port.size == 0 or working[port].any():  # unloading needs a working port
                    self.phase[u] = STAGING
                    self.ready_at[u] = hour + cfg.staging_hours
                continue
            if self.phase[u] == MOVING and not self.blocked[u]:
                self.leg[u] += 1  # the leg under way is done
                if self.leg[u] == len(self.routes[u]):
                    self.phase[u] = CROSSED
                    self.crossed_at[u] = self.ready_at[u]
                    continue
            place = self.routes[u][self.leg[u]]
            self.place[u] = place
            leg_hours = self._leg_hours(place, working, service, bool(self.heavy[u]))
            self.blocked[u] = leg_hours is None  # if so, try again next step
            if leg_hours is not None:
                self.phase[u] = MOVING
                self.ready_at[u] = hour + leg_hours
        self.demand = self.support_demand(self.world.regions.population)

    def _leg_hours(
        self, place: int, working: np.ndarray, service: np.ndarray, heavy: bool
    ) -> float | None:
        """Hours to cross ``place`` now (rail if it works, else road unless the serial is
        heavy), or None if it cannot move now."""
        cfg = self.cfg
        local = self.place_share[place] @ service[self.place_regions[place]]
        support = min(local[ENERGY], local[TELECOM])
        if support < cfg.min_support_service:
            return None
        if self.rail[place].size and working[self.rail[place]].all():  # sections in series
            return cfg.rail_leg_hours
        if heavy:
            return None
        if self.road[place].size and working[self.road[place]].any():
            return cfg.road_leg_hours
        return None

    def support_demand(self, population: np.ndarray) -> np.ndarray:
        """Extra demand per region on food_water and health from serials present there.

        Spread over a place's regions in proportion to their population, so every region of
        the place sees the same relative load."""
        out = np.zeros((len(population), len(SECTOR_INDEX)))
        present = (self.phase == STAGING) | (self.phase == MOVING)
        if present.any():
            serials = np.bincount(self.place[present], minlength=len(self.place_regions))
            per_serial = self.cfg.personnel_per_serial * self.cfg.support_persons_per_personnel
            for p in np.flatnonzero(serials):
                regions = self.place_regions[p]
                load = serials[p] * per_serial / population[regions].sum()
                out[regions, FOOD_WATER] = out[regions, HEALTH] = load
        return out

    def summary(self, end_hour: float) -> dict[str, float | int]:
        """Share across the border by the deadline, and delays (censored at the horizon)."""
        if self.n == 0:
            return {
                "transit_completed_fraction": np.nan,
                "transit_mean_delay_h": np.nan,
                "transit_max_delay_h": np.nan,
                "transit_censored": 0,
            }
        crossed = ~np.isnan(self.crossed_at)
        delay = np.where(crossed, self.crossed_at, end_hour) - self.planned
        delay = np.maximum(delay, 0.0)
        on_time = crossed & (self.crossed_at <= self.cfg.deadline_hour)
        return {
            "transit_completed_fraction": float(on_time.mean()),
            "transit_mean_delay_h": float(delay.mean()),
            "transit_max_delay_h": float(delay.max()),
            "transit_censored": int((~crossed).sum()),
        }
