"""Host-nation support: allied troops housed for months, and the NATO and EU institutions.

The defence plan's third role beside reception and transit. Troops housed in a region
draw food and water, health care, energy (fuel) and transport from it; in a crisis the
institutions in Brussels and at SHAPE (Hainaut) are reinforced and draw more. Both add demand
like the transit's serials (:attr:`abm.transit.Transit.demand`), in units of each region's
normal demand: resident-equivalents per person over the region's population (the conversion is
in :mod:`abm.config.host_nation`).

What host-nation support delivers is counted in troop-days: a day of a housed soldier counts as
delivered while the host region's food_water, health and energy services are all at or above
their minimum service level (``outcomes.minimum_service``) and, where the region has barracks or
camps (the world's ``army_base`` sites, which house the troops), at least one of them works: a
sabotaged camp, or one closed by drones, does not house anyone that day.
"""

from __future__ import annotations

import numpy as np

from abm.config import RunConfig
from abm.config.host_nation import HostNationConfig
from abm.errors import ConfigError
from abm.sectors import SECTOR_INDEX, SECTORS
from abm.world import Regions, World

#: The services a housed unit cannot do without: what "support delivered" requires.
DELIVERED_SECTORS = ("food_water", "health", "energy")
#: The institutions, as the prefixes of their ``<name>_staff`` and ``<name>_place`` fields.
INSTITUTIONS = ("nato_hq", "eu_institutions", "shape")
#: The asset type of the barracks and camps that house the troops.
QUARTERS = "army_base"
#: The food_water sub-service that is drinking water (the rest of the sector is food).
DRINKING_WATER = "drinking_water"


def water_share(cfg: RunConfig) -> float:
    """The share of drinking water in the food_water sector's need: its sub-service's
    ``need_share`` (0.5 when the sector has no sub-services: food and water alike)."""
    subs = cfg.sectors.subservices or {}
    food_water = {k: s for k, s in subs.items() if s.sector == "food_water"}
    if not food_water:
        return 0.5
    total = sum(s.need_share for s in food_water.values())
    water = food_water.get(DRINKING_WATER)
    return float(water.need_share / total) if water is not None and total > 0 else 0.0


def per_soldier(cfg: HostNationConfig, water: float) -> np.ndarray:
    """Resident-equivalents one housed soldier adds per sector, ``(S,)``.

    Args:
        water: The share of drinking water in food_water's need (:func:`water_share`).
    """
    out = np.zeros(len(SECTORS))
    out[SECTOR_INDEX["food_water"]] = (1.0 - water) * cfg.food_per_soldier + water * (
        cfg.water_litres_per_soldier_day / cfg.resident_water_litres_per_day
    )
    out[SECTOR_INDEX["health"]] = cfg.health_contacts_per_soldier_day / (
        cfg.resident_health_contacts_per_year / 365.0
    )
    out[SECTOR_INDEX["energy"]] = (
        cfg.fuel_litres_per_soldier_day * cfg.fuel_kwh_per_litre / cfg.resident_energy_kwh_per_day
    )
    out[SECTOR_INDEX["transport"]] = cfg.transport_per_soldier
    return out


def _spread(regions: Regions, places: dict[str, float], key: str) -> np.ndarray:
    """Persons per region from persons per place (a province's spread by population); ``key``
    names the config entry in an error (``{place}`` is replaced by the place)."""
    out = np.zeros(regions.n)
    for place, persons in places.items():
        idx = regions.indices(place)
        if idx.size == 0:
            raise ConfigError(key.format(place=place), "a region or province of the world")
        share = regions.population[idx] / regions.population[idx].sum()
        out[idx] += float(persons) * share
    return out


class HostNation:
    """The demand of housed troops and of the institutions' surge, and the support delivered.

    Args:
        cfg: The run config (``host_nation``, the food_water sub-services' need shares and the
            minimum service levels).
        world: The world (its regions and their population).
        dt: Hours per step.
    """

    def __init__(self, cfg: RunConfig, world: World, dt: float) -> None:
        hn = cfg.host_nation
        regions = world.regions
        self.cfg, self.dt = hn, dt
        self.population = regions.population.astype(float)
        #: Troops housed per region once they are present.
        sc = cfg.scenario
        self.troops = _spread(regions, dict(sc.housed_troops), "scenario.housed_troops.{place}")
        #: Hour from which the housed troops are present.
        self.housed_from = float(sc.housed_from_hour)
        #: Resident-equivalents one soldier adds per sector.
        self.per_soldier = per_soldier(hn, water_share(cfg))
        #: Institutions' staff per region.
        self.staff = np.zeros(regions.n)
        for name in INSTITUTIONS:
            place, staff = getattr(hn, f"{name}_place"), getattr(hn, f"{name}_staff")
            self.staff += _spread(regions, {place: staff}, f"host_nation.{name}_place")
        self.surge_sectors = np.isin(SECTORS, list(hn.institution_sectors))
        self._delivered = np.array([SECTOR_INDEX[s] for s in DELIVERED_SECTORS])
        self.minimum = np.array([cfg.outcomes.minimum_service[s] for s in DELIVERED_SECTORS])
        #: Per region, its barracks and camps (none where the world has no ``army_base``).
        kind = world.type_names.index(QUARTERS) if QUARTERS in world.type_names else -1
        sites = np.flatnonzero(world.asset_type == kind)
        self.quarters = [sites[world.asset_region[sites] == r] for r in range(regions.n)]
        self.troop_days = 0.0
        self.delivered_days = 0.0
        #: What :meth:`step` reads every step, fixed over the run: the troops in all, the
        #: regions with troops, the service floor of "delivered".
        self._troops_total = float(self.troops.sum())
        self._troop_regions = np.flatnonzero(self.troops).tolist()
        self._floor = self.minimum - 1e-12
        #: The demand for each (troops present, institutions surging): it changes only with
        #: them, so each is made once (shared: callers read it, never write it).
        self._demands: dict[tuple[bool, bool], np.ndarray] = {}
        #: Troops delivered per pattern of supported regions (the same few patterns recur).
        self._delivered_troops: dict[bytes, float] = {}
        #: Extra demand per region and sector for the coming step.
        self.demand = self.demand_at(0.0, surge=False)

    @property
    def total_troops(self) -> float:
        """Troops housed (once present)."""
        return float(self.troops.sum())

    def demand_at(self, hour: float, surge: bool) -> np.ndarray:
        """Extra demand per region and sector at ``hour``, in units of normal demand: housed
        troops (once present) and, if ``surge``, the institutions' reinforcement."""
        persons = np.zeros((len(self.population), len(SECTORS)))
        if hour >= self.housed_from:
            persons += self.troops[:, None] * self.per_soldier
        if surge:
            persons += (self.staff * self.cfg.institution_surge)[:, None] * self.surge_sectors
        return persons / self.population[:, None]

    def step(self, hour: float, service: np.ndarray, working: np.ndarray, surge: bool) -> None:
        """Count this step's troop-days and those delivered; set next step's demand.

        Args:
            hour: Start of the current step.
            service: Per region and sector, this step's service level.
            working: Per asset, whether it works (the barracks and camps that house them).
            surge: Whether the institutions are on crisis footing from the next step.
        """
        if hour >= self.housed_from and self._troop_regions:
            days = self.dt / 24.0
            supported = (service.take(self._delivered, axis=1) >= self._floor).all(axis=1)
            for r in self._troop_regions:
                sites = self.quarters[r]
                supported[r] &= not sites.size or bool(working[sites].any())
            self.troop_days += self._troops_total * days
            key = supported.tobytes()
            troops = self._delivered_troops.get(key)
            if troops is None:
                troops = self._delivered_troops[key] = float(self.troops[supported].sum())
            self.delivered_days += troops * days
        state = (hour + self.dt >= self.housed_from, surge)
        demand = self._demands.get(state)
        if demand is None:
            demand = self._demands[state] = self.demand_at(hour + self.dt, surge)
        self.demand = demand

    def summary(self) -> dict[str, float]:
        """Days of host-nation support delivered per housed soldier, and the troop-days housed
        (NaN and 0 without housed troops)."""
        troops = self.total_troops
        return {
            "hns_days_delivered": self.delivered_days / troops if troops else np.nan,
            "hns_troop_days": self.troop_days,
        }
