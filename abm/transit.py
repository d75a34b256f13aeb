"""Allied reception and transit: ships discharge, serials stage, and trains, convoys and aircraft
carry them through capacities that can be saturated and attacked.

The main effort of the defence plan (FACTS.md): receive two allied brigade-equivalents at once
and move them east. Each serial (a battalion-sized part of a brigade) flows through:

1. **Port discharge.** Its ship lands at a port (``arrival``) and is discharged at
   ``discharge_pieces_per_day`` per berth, only while the port asset works and the port's
   staging area has room for one more serial (a queue of ships otherwise).
2. **Staging.** Ashore, it stages ``staging_hours`` (marshalling, loading of trains), then
   moves on once its personnel have joined it.
3. **Air.** Its personnel fly into one airfield (a civil airport or an air base of the config's
   ``airfields``; types the world lacks are skipped) at ``persons_per_flight`` on a limited
   number of flights per day; an airfield that does not work (damaged, or closed by a drone
   incursion) takes no flights and the personnel wait. They join their equipment
   ``air_transfer_hours`` after landing.
4. **Rail.** Tracked vehicles move by military train only (``tracked_per_train``), loaded at their
   port's military terminals, ``railhead_trains_per_day`` per terminal. Every train runs the
   serial's route through every province of it. The primary line is the Montzen line where the
   province has it (a chain: all its sections must work), the ordinary network elsewhere (at least
   ``ordinary_rail_share`` of the province's sections working: other lines run around one cut
   section, not around a widespread outage). Every train takes one of the ``rail_paths_per_day``
   military paths to the border, shared by every route. If a province's Montzen sections are cut,
   trains reroute on its ordinary network (towards Welkenraedt - Aachen), which also limits them to
   ``reroute_paths_per_day`` and costs ``reroute_extra_hours`` more; with neither, they wait.
5. **Road.** Wheeled vehicles and containers move in convoys of ``convoy_vehicles``, departing
   only in the night window (``convoy_window_start`` to ``convoy_window_end``), with
   ``convoy_slots_per_hour`` convoys per route. A province is passable if any of its eastern
   motorway sections works; else its ordinary motorways, at ``road_detour_hours`` more.
6. **Exceptional transports.** A share of the wheeled pieces (``exceptional_share``: engineer
   plant, bridging, recovery and other oversize or overweight loads) goes by road as
   exceptional transports, ``exceptional_per_convoy`` to a convoy, on the serial's convoy slots
   after its ordinary convoys (the tracked vehicles all go by train, as the 22 and about 20
   trains of one brigade from Antwerp in 2018 and 2020 show). Above 44 t they need the
   checked structures of the 90-120 t network: while a ``heavy_bridge`` of the route is down
   (a structure takes weeks to repair, not hours), they take a longer itinerary through other
   structures of that class, checked and permitted anew, at ``exceptional_detour_hours``
   more.
7. **Barges.** A share of the wheeled pieces and containers landing at the canal port
   (``barge_share``, Antwerp) goes up the Albert Canal, ``pieces_per_barge`` a barge, as many
   barges a day as the locks pass (``barges_per_day``), ``barge_hours`` to the border; only
   while every lock complex works. While one is out, the pieces still waiting go by road.

A train or convoy leaves only if every province of its route has energy and telecom service of at
least ``min_support_service``; once under way its crossing hour is fixed (a journey is shorter than
most repairs, and the queue before departure is what the capacities shape). A serial is delivered
when its last train, convoy and barge have crossed. After the initial movement, the sustainment flow
(:mod:`abm.sustainment`) runs through the same berths, paths and slots, behind the serials. A
serial's delay is the delivery hour minus the peacetime schedule's (the same movement with every
asset working and full service: the schedule a planner works to), so it is what attacks and outages
add. The queue the capacities form in peacetime is measured against the unconstrained plan (no queue
at a berth, a path, a slot or an airfield; convoys still wait for the night window).

Paths, slots and flights are credits that accrue at their rate while something waits for them
(an unused path is lost), so the long-run rate is exact for any step. Serials, trains and
convoys are few: the engine loops over the serials ready to move, and does nothing before the
first landing and after the last delivery.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from math import ceil

import numpy as np

from abm.config import TransitConfig
from abm.sectors import SECTOR_INDEX
from abm.sustainment import DIRECTIONS, Sustainment
from abm.world import World, allocate

RAIL_TYPES = (("eastern_rail",), ("rail_link",))
ROAD_TYPES = (("eastern_motorway",), ("motorway_link",))
PORT_TYPES = ("port",)
#: The structures exceptional transports need (bridges, viaducts, tunnels of the 90-120 t
#: network): no same-class alternative nearby, so they take a long detour while one is down.
HEAVY_TYPES = ("heavy_bridge",)
#: The Albert Canal's locks: a barge leaves only while every lock of the canal works (else the
#: pieces waiting for one go by road).
LOCK_TYPES = ("canal_lock",)
ENERGY, TELECOM, FOOD_WATER, HEALTH = (
    SECTOR_INDEX[s] for s in ("energy", "telecom", "food_water", "health")
)
#: The sectors whose service a train or convoy needs along its route (``take`` is the
#: quickest gather of two columns).
SUPPORT_SECTORS = np.array([ENERGY, TELECOM])
#: A serial's phase (:attr:`Transit.phase`): at sea or discharging, staged or waiting for its
#: trains and convoys to leave, under way (all left), delivered.
WAITING, STAGING, MOVING, CROSSED = 0, 1, 2, 3
#: The rail lines: the primary (Montzen) line, and the reroute on the ordinary network.
PRIMARY, REROUTE = 0, 1
LINE_NAMES = ("montzen", "reroute")
NONE = np.zeros(0, dtype=np.int64)

#: The callback that records an event (kind, detail) in the model's events trail.
Log = Callable[[str, str], None]


def _types(world: World, types: tuple[str, ...]) -> list[int]:
    return [world.type_names.index(t) for t in types if t in world.type_names]


def _assets(world: World, regions: np.ndarray, types: tuple[str, ...]) -> np.ndarray:
    """Assets of ``types`` in ``regions``."""
    mask = np.isin(world.asset_type, _types(world, types)) & np.isin(world.asset_region, regions)
    return np.flatnonzero(mask)


def _families(
    world: World, regions: np.ndarray, families: tuple[tuple[str, ...], ...]
) -> tuple[np.ndarray, np.ndarray]:
    """The designated corridor (the first family of types present in the regions) and the
    fallback on the ordinary network (the next family present after it; none if the corridor
    is already the ordinary network)."""
    found = [a for a in (_assets(world, regions, t) for t in families) if a.size]
    return (found[0] if found else NONE), (found[1] if len(found) > 1 else NONE)


class Transit:
    """The serials of the allied transit, the capacities they flow through, and their delays.

    A *place* is a name of the config's routes: a region or a province. In a world finer than
    the provinces, a place's corridor is the province's sections and its service the
    population-weighted service of its regions; the serials' support demand is spread over its
    regions.

    Args:
        cfg: The transit's config.
        world: The world (its asset types, regions and sites).
        horizon_hours: The run's horizon.
        log: Records an event (kind, detail) in the model's trail; None records nothing.
        dt_hours: The model's step; None learns it from the hours :meth:`step` is called at.
    """

    def __init__(
        self,
        cfg: TransitConfig,
        world: World,
        horizon_hours: float,
        log: Log | None = None,
        dt_hours: float | None = None,
    ) -> None:
        self.cfg, self.world, self.horizon, self.log = cfg, world, horizon_hours, log
        #: The step length (None: learnt from the hours of successive steps).
        self.dt_hours = dt_hours
        self._last_hour: float | None = None
        self._learnt = 1.0
        self._now = 0.0  # the hour of the last step
        n = cfg.brigades * cfg.serials_per_brigade if cfg.enabled else 0
        ports = list(cfg.ports)
        per_port = allocate(n, np.array([cfg.ports[p] for p in ports])) if n else np.zeros(0)
        port_of, arrival = [], []
        for k, count in enumerate(per_port):
            for j in range(int(count)):
                port_of.append(k)
                arrival.append(cfg.first_arrival_hour + j * cfg.arrival_interval_hours)
        self.n = len(port_of)
        self.port_names = ports
        self.port_of = np.array(port_of, dtype=np.int64)
        self.arrival = np.array(arrival, dtype=float)
        #: The first landing (read every step: a float, not a reduction).
        self._first_arrival = float(self.arrival.min()) if self.n else float("inf")
        regions = world.regions
        names = list(dict.fromkeys(r for p in ports for r in cfg.routes[p]))
        self.place_names = names
        #: Per place: its regions, and their population shares within the place.
        self.place_regions = [regions.indices(name) for name in names]
        self.place_share = [
            regions.population[r] / regions.population[r].sum() for r in self.place_regions
        ]
        #: Per place and region: the region's population share within the place.
        self._place_weights = np.zeros((len(names), regions.n))
        for p, r in enumerate(self.place_regions):
            self._place_weights[p, r] = self.place_share[p]
        self._discharging = True  # some serial not yet discharged
        self._passable_at: float | None = None  # the hour of the cached passability
        #: Whether every step gets the same ``working`` and ``service`` (the peacetime twin):
        #: what is computed from them once stays valid.
        self._fixed_inputs = False
        self._passable_now = [True] * len(names)
        #: Per port (route): the places crossed, in order.
        self.route_places = [[names.index(r) for r in cfg.routes[p]] for p in ports]
        self.routes = [self.route_places[k] for k in port_of]  # per serial
        rail = [_families(world, self.place_regions[p], RAIL_TYPES) for p in range(len(names))]
        road = [_families(world, self.place_regions[p], ROAD_TYPES) for p in range(len(names))]
        self.rail = {p: rail[p][0] for p in range(len(names))}
        self.rail_alt = {p: rail[p][1] for p in range(len(names))}
        #: Per place, the sections of its primary line and of its reroute that must work: all
        #: of the Montzen line's (a chain), a share of the ordinary network's (other lines
        #: run around one cut section).
        montzen = _types(world, RAIL_TYPES[0])
        share = cfg.ordinary_rail_share
        self.rail_needed = {
            p: a.size if np.isin(world.asset_type[a], montzen).all() else ceil(share * a.size)
            for p, a in self.rail.items()
        }
        self.alt_needed = {p: ceil(share * a.size) for p, a in self.rail_alt.items()}
        self.road = {p: road[p][0] for p in range(len(names))}
        self.road_alt = {p: road[p][1] for p in range(len(names))}
        self.bridges = {
            p: _assets(world, self.place_regions[p], HEAVY_TYPES) for p in range(len(names))
        }
        canal = [r for name in cfg.canal_places for r in regions.indices(name)]
        #: The canal's locks (none in a world without them: the barges then wait for nothing).
        self.locks = _assets(world, np.array(canal, dtype=np.int64), LOCK_TYPES)
        self.port_assets = [_assets(world, regions.indices(p), PORT_TYPES) for p in ports]
        self.berths = np.array([float(cfg.port_berths.get(p, 1.0)) for p in ports])
        self._corridor_groups()
        self._airfields(cfg, world)

        # What each serial carries.
        u = np.arange(self.n)
        #: Serials with tracked equipment (spread evenly over the landing order).
        self.heavy = np.floor((u + 1) * cfg.heavy_share) > np.floor(u * cfg.heavy_share)
        pieces = round(cfg.vehicles_per_serial)
        tracked = round(pieces * min(1.0, cfg.tracked_share / max(cfg.heavy_share, 1e-9)))
        self.pieces = np.full(self.n, pieces, dtype=np.int64)
        self.tracked = np.where(self.heavy, tracked, 0).astype(np.int64)
        wheeled = self.pieces - self.tracked
        #: Wheeled pieces and containers that go by barge (serials landing at the canal port).
        by_canal = np.array([ports[k] == cfg.canal_port for k in self.port_of], dtype=bool)
        self.by_barge = np.where(by_canal, np.round(wheeled * cfg.barge_share), 0).astype(np.int64)
        self.barges = -(-self.by_barge // max(round(cfg.pieces_per_barge), 1))
        #: Oversize or overweight wheeled pieces that go by road as exceptional transports, in
        #: their own convoys (the tracked vehicles all go by train, as in 2018 and 2020).
        self.exceptional = np.round((wheeled - self.by_barge) * cfg.exceptional_share).astype(
            np.int64
        )
        self.wheeled = wheeled - self.by_barge - self.exceptional
        self.trains = -(-self.tracked // cfg.tracked_per_train)
        self.exceptional_convoys = -(-self.exceptional // cfg.exceptional_per_convoy)
        self.convoys = -(-self.wheeled // cfg.convoy_vehicles) + self.exceptional_convoys
        self.personnel = np.full(self.n, float(cfg.personnel_per_serial))

        self.rail_hours = np.array([len(r) * cfg.rail_leg_hours for r in self.routes])
        self.road_hours = np.array([len(r) * cfg.road_leg_hours for r in self.routes])
        self.rate = cfg.discharge_pieces_per_day / 24.0  # pieces per hour per berth
        self.planned = self._planned()

        # State.
        self.discharged = np.zeros(self.n)  # pieces ashore
        self.started = np.zeros(self.n, dtype=bool)  # discharge begun (holds a staging slot)
        self.staged_at = np.full(self.n, np.inf)  # ready to move on (equipment)
        self.pax_left = self.personnel.copy()  # persons still to fly in
        self.joined_at = np.full(self.n, np.inf)  # personnel with their equipment
        self.trains_left = self.trains.copy()
        self.convoys_left = self.convoys.copy()
        self.tracked_left = self.tracked.copy()  # by rail
        self.wheeled_left = self.wheeled.copy()
        self.exceptional_left = self.exceptional_convoys.copy()  # the last convoys to leave
        self.exceptional_pieces_left = self.exceptional.copy()
        self.barges_left = self.barges.copy()
        self.barge_pieces_left = self.by_barge.copy()
        self.barge_credit = 1.0
        self.last_cross = np.full(self.n, -np.inf)
        self.crossed_at = np.full(self.n, np.nan)  # delivered: last train, convoy and barge across
        self.pieces_crossed = np.zeros(self.n, dtype=np.int64)
        #: Trains or convoys of a serial that left in one step, under way: (crossing hour,
        #: kind, serial, how many, pieces, how).
        self.under_way: list[tuple[float, str, int, int, int, str]] = []
        self.rail_credit = np.ones(2)
        #: Per port, trains its terminals can still load (a credit like the paths).
        self.railhead_credit = np.ones(len(ports))
        self.road_credit = np.ones(len(ports))
        self.air_credit = np.ones(len(self.air_assets))
        self.reroutes = 0  # trains that left on the reroute
        self.detours = 0  # convoys that left on the ordinary motorways
        self._changed = True
        #: Extra demand per region and sector from host-nation support, as of the last step.
        self.demand = np.zeros((regions.n, len(SECTOR_INDEX)))
        #: The sustainment flow after the initial movement (abm/sustainment.py).
        self.flow = Sustainment(cfg.sustainment, self, horizon_hours)
        #: Per direction, this step's sustainment departures: trains, convoys, tonnes.
        self._sent = [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
        self._sending = False
        self._serials_live = True  # some serial not yet delivered
        #: Whether some serial is not yet delivered (``crossed_at`` NaN), kept where
        #: ``crossed_at`` is written, since :meth:`deploying` asks twice a step.
        self._undelivered = self.n > 0
        #: Whether some serial has nothing to carry (no train, convoy or barge), kept where
        #: those counts change.
        self._some_empty = self._any_empty()
        #: Whether some serial's personnel are still to fly in.
        self._flying = self.n > 0
        #: The paths' accrual per step, and the pieces the berths of each port handle in a
        #: step, per step length.
        self._path_rates: dict[float, tuple[np.ndarray, list[float]]] = {}
        self._berth_full: dict[float, np.ndarray] = {}
        self._terminal_loads: dict[float, list[float]] = {}
        #: Each serial's port, as Python ints, each port's serials, and each serial's landing
        #: hour (read in the loops over serials).
        self._port_list: list[int] = self.port_of.tolist()
        self._serials_of_port = [
            [u for u in range(self.n) if self._port_list[u] == k] for k in range(len(ports))
        ]
        self._arrival_list: list[float] = self.arrival.tolist()
        #: Per place, its regions as Python ints, and their population (per population).
        self._place_region_lists: list[list[int]] = [r.tolist() for r in self.place_regions]
        self._residents_key: bytes | None = None
        self._residents: list[float] = []

    # ----------------------------------------------------------------------- construction
    def _corridor_groups(self) -> None:
        """The asset groups whose working counts the movement reads (per place: its primary
        line, its reroute, its motorways, their fallback, its heavy bridges; per port: its
        port assets), laid end to end, so that one gather and one ``reduceat`` a step count
        them all (:meth:`_corridors`)."""
        groups = [
            g
            for p in range(len(self.place_names))
            for g in (self.rail[p], self.rail_alt[p], self.road[p], self.road_alt[p])
        ]
        groups += [self.bridges[p] for p in range(len(self.place_names))]
        groups += self.port_assets
        #: Per group, its position among the nonempty groups (-1: empty, counts 0).
        self._group_slot: list[int] = []
        offsets: list[int] = []
        sizes: list[int] = []
        n = 0
        for g in groups:
            self._group_slot.append(len(offsets) if g.size else -1)
            if g.size:
                offsets.append(n)
                n += g.size
            sizes.append(int(g.size))
        self._group_sizes = sizes
        self._group_sites = np.concatenate([g for g in groups if g.size]) if n else NONE
        self._group_offsets = np.array(offsets, dtype=np.int64)
        self._corridors_at: float | None = None  # the hour of the cached counts
        self._corridor_counts: list[int] = []
        #: Whether no asset is in two of the groups :meth:`exposure` adds to (nor twice in
        #: one): then each group's share can be summed as one float (:meth:`_route_exposure`).
        used = [
            *self.rail.values(),
            *self.road.values(),
            *self.bridges.values(),
            self.locks,
            *self.port_assets,
        ]
        every = np.concatenate(used) if used else NONE
        self._disjoint_corridors = bool(np.unique(every).size == every.size)

    def _corridors(self, working: np.ndarray) -> list[int]:
        """Per group of :meth:`_corridor_groups`, its working assets now (once per step:
        ``working`` does not change during a step)."""
        if self._stale(self._corridors_at):
            counted = (
                np.add.reduceat(
                    working[self._group_sites], self._group_offsets, dtype=np.int64
                ).tolist()
                if self._group_sites.size
                else []
            )
            self._corridor_counts = [counted[k] if k >= 0 else 0 for k in self._group_slot]
            self._corridors_at = self._now
        return self._corridor_counts

    def _stale(self, computed_at: float | None) -> bool:
        """Whether a value computed from this step's ``working`` or ``service`` at hour
        ``computed_at`` (None: never) must be computed again now."""
        return computed_at is None or (computed_at != self._now and not self._fixed_inputs)

    def _airfields(self, cfg: TransitConfig, world: World) -> None:
        """The airfields of the config present in the world, and each serial's airfield
        (in proportion to their flights, interleaved over the landing order)."""
        self.air_names: list[str] = []
        self.air_assets: list[np.ndarray] = []
        flights = []
        for name, field in cfg.airfields.items():
            if field.asset_type not in world.type_names or field.flights_per_day <= 0:
                continue
            sites = _assets(world, world.regions.indices(field.region), (field.asset_type,))
            if sites.size:
                self.air_names.append(name)
                self.air_assets.append(sites)
                flights.append(float(field.flights_per_day))
        self.air_flights = np.array(flights)
        self.airfield_of = np.full(self.n, -1, dtype=np.int64)
        if flights:
            given = np.zeros(len(flights))
            for u in range(self.n):  # D'Hondt: proportional and interleaved
                k = int(np.argmax(self.air_flights / (given + 1.0)))
                self.airfield_of[u], given[k] = k, given[k] + 1

    def _planned(self) -> np.ndarray:
        """The unconstrained schedule: discharge at one berth's rate, staging, personnel
        flown in on arrival; trains at once, convoys at the first night window."""
        cfg = self.cfg
        staged = self.arrival + self.pieces / self.rate + cfg.staging_hours
        joined = self.arrival + (cfg.air_transfer_hours if len(self.air_assets) else 0.0)
        ready = np.maximum(staged, joined)
        by_rail = np.where(self.trains > 0, ready + self.rail_hours, -np.inf)
        night = np.array([self._next_window(h) for h in ready])
        by_road = np.where(self.convoys > 0, night + self.road_hours, -np.inf)
        by_water = np.where(self.barges > 0, ready + cfg.barge_hours, -np.inf)
        return np.maximum(np.maximum(np.maximum(by_rail, by_road), by_water), ready)

    def _in_window(self, hour: float) -> bool:
        """Whether convoys may leave at ``hour`` (the night window, which may span midnight)."""
        cfg = self.cfg
        h = (hour + cfg.start_hour_of_day) % 24.0
        start, end = cfg.convoy_window_start, cfg.convoy_window_end
        return (start <= h < end) if start <= end else (h >= start or h < end)

    def _next_window(self, hour: float) -> float:
        """The first hour at or after ``hour`` inside the night window."""
        cfg = self.cfg
        h = (hour + cfg.start_hour_of_day) % 24.0
        return hour if self._in_window(hour) else hour + (cfg.convoy_window_start - h) % 24.0

    # ------------------------------------------------------------------ interface
    def deploying(self, hour: float) -> bool:
        """From a day before the first landing until the last serial has crossed: the planned
        operation during which Defence guards the corridors without waiting for an alert."""
        return self._undelivered and hour >= self._first_arrival - 24.0

    def _any_empty(self) -> bool:
        """Whether some serial has no train, convoy or barge to send."""
        return bool(((self.trains == 0) & (self.convoys == 0) & (self.barges == 0)).any())

    def _note_delivered(self) -> None:
        """``crossed_at`` was written: note whether some serial is still not delivered."""
        self._undelivered = bool(np.isnan(self.crossed_at).any())

    @property
    def phase(self) -> np.ndarray:
        """Per serial: WAITING (at sea or discharging), STAGING (ashore, some of its trains or
        convoys still to leave), MOVING (all left, not all across) or CROSSED (delivered)."""
        out = np.full(self.n, WAITING)
        ashore = np.isfinite(self.staged_at)
        left = (self.trains_left == 0) & (self.convoys_left == 0) & (self.barges_left == 0)
        out[ashore] = STAGING
        out[ashore & left] = MOVING
        out[~np.isnan(self.crossed_at)] = CROSSED
        return out

    @property
    def blocked(self) -> np.ndarray:
        """Per serial: ready to move on, but some of its trains or convoys still wait (for a
        path, a slot, the night window, or a line that works)."""
        return (
            (self.staged_at <= self._now)
            & (self.joined_at <= self._now)
            & ((self.trains_left > 0) | (self.convoys_left > 0) | (self.barges_left > 0))
        )

    @property
    def designated_assets(self) -> np.ndarray:
        """The ports and the eastern corridors (first families of each region's routes)."""
        w = self.world
        ids = _types(w, (*PORT_TYPES, RAIL_TYPES[0][0], ROAD_TYPES[0][0]))
        return np.flatnonzero(np.isin(w.asset_type, ids))

    @property
    def chokepoints(self) -> np.ndarray:
        """The ports, the Montzen line's sections and the exceptional transports' bridges:
        single points whose loss stops or reroutes a whole flow (a province's two eastern
        motorways stand in for each other; the locks carry a tenth of one port's wheeled
        pieces), so Defence guards them before anything else."""
        parts = [*self.port_assets, *self.rail.values(), *self.bridges.values()]
        ids = np.unique(np.concatenate(parts)) if parts else NONE.copy()
        ordinary = np.isin(self.world.asset_type, _types(self.world, RAIL_TYPES[1]))
        return ids[~ordinary[ids]]  # the ordinary network has lines around a cut

    @property
    def corridor_assets(self) -> np.ndarray:
        """Every port, designated rail and road asset, heavy bridge and canal lock of the
        routes: what Defence guards first (the fallbacks on the ordinary network are not, nor
        the airfields)."""
        parts = [
            *self.port_assets,
            *self.rail.values(),
            *self.road.values(),
            *self.bridges.values(),
            self.locks,
        ]
        return np.unique(np.concatenate(parts)) if parts else NONE.copy()

    def exposure(self) -> np.ndarray:
        """Per asset, the pieces of the movement still to pass through it, as much as its loss
        would hold up: a port's pieces still aboard; a Montzen section's tracked pieces still to
        leave on routes through its province (the line is a chain); a heavy bridge's exceptional
        pieces and a lock's barge pieces still to leave; an eastern motorway section's or an
        ordinary rail section's share of the pieces still to leave on them (the province's
        other sections carry them while one is cut). What a cell watching the movement goes
        for (:meth:`abm.campaign.ScenarioScript.sabotage_value`); 0 once the serials are
        across."""
        out = np.zeros(self.world.n_assets)
        aboard = np.maximum(self.pieces - self.discharged, 0.0)
        for k, assets in enumerate(self.port_assets):
            if assets.size:
                out[assets] += aboard[self.port_of == k].sum() / assets.size
        on_road = self.wheeled_left + self.exceptional_pieces_left
        if self._disjoint_corridors:
            return self._route_exposure(out, on_road.tolist())
        for u in np.flatnonzero(np.isnan(self.crossed_at)):
            for place in self.routes[u]:
                rail, road = self.rail[place], self.road[place]
                if rail.size:
                    chain = self.rail_needed[place] == rail.size
                    out[rail] += self.tracked_left[u] / (1 if chain else rail.size)
                if road.size:
                    out[road] += on_road[u] / road.size
                out[self.bridges[place]] += self.exceptional_pieces_left[u]
            out[self.locks] += self.barge_pieces_left[u]
        return out

    def _route_exposure(self, out: np.ndarray, on_road: list[int]) -> np.ndarray:
        """:meth:`exposure`'s routes, when no asset is in two of their groups (rail, road,
        bridges per place, the locks): each group's share is summed as a float, serial after
        serial, exactly as the adds to ``out`` would, and written once."""
        tracked = self.tracked_left.tolist()
        exceptional = self.exceptional_pieces_left.tolist()
        barge = self.barge_pieces_left.tolist()
        rail: dict[int, float] = {}
        road: dict[int, float] = {}
        bridges: dict[int, float] = {}
        locks = 0.0
        for u in np.flatnonzero(np.isnan(self.crossed_at)).tolist():
            for place in self.routes[u]:
                sections = self.rail[place].size
                if sections:
                    chain = self.rail_needed[place] == sections
                    share = tracked[u] / (1 if chain else sections)
                    rail[place] = rail.get(place, 0.0) + share
                if self.road[place].size:
                    road[place] = road.get(place, 0.0) + on_road[u] / self.road[place].size
                bridges[place] = bridges.get(place, 0.0) + exceptional[u]
            locks += barge[u]
        for groups, total in ((self.rail, rail), (self.road, road), (self.bridges, bridges)):
            for place, value in total.items():
                out[groups[place]] += value
        out[self.locks] += locks
        return out

    def step(self, hour: float, working: np.ndarray, service: np.ndarray) -> None:
        """Crossings, discharge, flights, then departures by rail and road; then the support
        the serials draw.

        Args:
            hour: Start of the current step.
            working: Per asset, whether it works.
            service: Per region and sector, this step's service level.
        """
        dt = self._step_length(hour)
        self._now = hour
        if self.n == 0 or hour < self._first_arrival - 1e-9:
            return  # before the first landing
        flow = self.flow
        serials = self._serials_live and (bool(self.under_way) or self._undelivered)
        self._serials_live = serials
        if not serials and not flow.active(hour):
            return  # all delivered
        pool = None
        if serials:
            self._crossings(hour)
            pool = self._discharge(hour, dt, working)
            self._fly(hour, dt, working)
        if flow.n:
            flow.release_until(hour)
            if flow.at_berth and flow.berth_due(hour):
                flow.berths(hour, dt, self._berth_pool(dt, working) if pool is None else pool)
        # Serials and consignments are a few dozen: their indices are handled as lists.
        ready = self._ready_serials() if serials else []
        east_trains: list[int] = []
        east_convoys: list[int] = []
        west_trains: list[int] = []
        west_convoys: list[int] = []
        if flow.n and not flow.idle():
            east_trains, east_convoys, west_trains, west_convoys = flow.all_waiting(hour)
        if ready or east_trains or east_convoys:
            staged = self.staged_at.tolist()
            order = sorted(ready, key=lambda u: (staged[u], u))  # first staged first
            self.rail_credit = self._rail(
                hour, dt, working, service, order, east_trains, self.rail_credit
            )
            self.road_credit = self._road(
                hour, dt, working, service, order, east_convoys, self.road_credit
            )
            self._barge(hour, dt, working, order)
        if west_trains or west_convoys:  # the other track, slots of their own
            flow.rail_credit = self._rail(
                hour, dt, working, service, [], west_trains, flow.rail_credit
            )
            flow.road_credit = self._road(
                hour, dt, working, service, [], west_convoys, flow.road_credit
            )
        if self._sending:
            self._report_flow()
        if serials and self._some_empty:
            empty = (
                (self.trains == 0)
                & (self.convoys == 0)
                & (self.barges == 0)
                & np.isnan(self.crossed_at)
            )
            if empty.any():  # a serial with nothing to carry is delivered once ready
                done = empty & (self.staged_at <= hour) & (self.joined_at <= hour)
                self.crossed_at[done] = self.last_cross[done] = np.maximum(
                    self.staged_at[done], self.joined_at[done]
                )
                self._changed |= bool(done.any())
                self._note_delivered()
        if self._changed:
            self.demand = self.support_demand(self.world.regions.population)
            self._changed = False

    def _ready_serials(self) -> list[int]:
        """The serials :attr:`blocked` marks now, in order."""
        now = self._now
        staged, joined = self.staged_at.tolist(), self.joined_at.tolist()
        trains, convoys = self.trains_left.tolist(), self.convoys_left.tolist()
        barges = self.barges_left.tolist()
        return [
            u
            for u in range(self.n)
            if staged[u] <= now
            and joined[u] <= now
            and (trains[u] > 0 or convoys[u] > 0 or barges[u] > 0)
        ]

    def _step_length(self, hour: float) -> float:
        """The step length: given, or the spacing of the last two calls (1 h at first)."""
        if self.dt_hours is not None:
            return self.dt_hours
        last, self._last_hour = self._last_hour, hour
        if last is not None and hour > last:
            self._learnt = hour - last
        return self._learnt

    def _emit(self, kind: str, detail: str) -> None:
        if self.log is not None:
            self.log(kind, detail)

    def _crossings(self, hour: float) -> None:
        """Trains and convoys whose crossing hour has come cross; serials whose last train and
        convoy have crossed are delivered."""
        if not self.under_way:
            return
        done = [x for x in self.under_way if x[0] <= hour]
        if not done:
            return
        self.under_way = [x for x in self.under_way if x[0] > hour]
        for at, kind, u, count, pieces, how in done:
            self.pieces_crossed[u] += pieces
            self._emit(f"{kind}_crossed", self._detail(u, kind, count, pieces, how, at))
        for u in sorted({x[2] for x in done}):
            if self._all_across(u, hour):
                self.crossed_at[u] = self.last_cross[u]
                self._note_delivered()
                self._changed = True
                self._emit(
                    "serial_delivered",
                    f"serial {u} ({self.port_names[self.port_of[u]]}): "
                    f"{self.pieces_crossed[u]} pieces, delay "
                    f"{max(self.last_cross[u] - self.planned[u], 0.0):.1f} h",
                )

    def _all_across(self, u: int, hour: float) -> bool:
        return bool(
            self.trains_left[u] == 0
            and self.convoys_left[u] == 0
            and self.barges_left[u] == 0
            and self.last_cross[u] <= hour
            and not any(x[2] == u for x in self.under_way)
        )

    def _detail(self, u: int, kind: str, count: int, pieces: int, how: str, at: float) -> str:
        """An event's detail: which serial, how many trains or convoys, what they carry (the
        tonnes give the tonnage by day), the way they take, their crossing hour."""
        tonnes = pieces * self.cfg.tonnes_per_piece
        return (
            f"serial {u} ({self.port_names[self.port_of[u]]}): {count} {kind}s, {pieces} "
            f"pieces, {tonnes:.0f} t, {how}, crossing at {at:.1f} h"
        )

    def _berth_pool(self, dt: float, working: np.ndarray) -> np.ndarray:
        """Pieces per port the berths can handle in a step (none at a port that does not
        work)."""
        full = self._berth_full.get(dt)
        if full is None:
            full = self._berth_full[dt] = self.berths * self.rate * dt
        out = full.copy()
        counts, sizes, base = self._corridors(working), self._group_sizes, 5 * len(self.place_names)
        for k in range(len(self.port_assets)):
            if sizes[base + k] and not counts[base + k]:
                out[k] = 0.0
        return out

    def _discharge(self, hour: float, dt: float, working: np.ndarray) -> np.ndarray | None:
        """Ships at a working port discharge, first landed first, while the staging area has
        room for their serial. Returns the pieces per port the berths could still handle this
        step (none at a port that does not work): the sustainment flow's share; None when no
        ship is left to discharge (the berths are the flow's alone)."""
        if not self._discharging:
            return None
        self._discharging = bool(np.isinf(self.staged_at).any())
        cap = self.cfg.staging_serials
        left = self._berth_pool(dt, working)
        # the serials' flags as lists (a dozen serials), read once
        arrival, staged = self._arrival_list, self.staged_at.tolist()
        holding: list[bool] | None = None
        for k in range(len(self.port_assets)):
            if left[k] <= 0:
                continue
            mine = self._serials_of_port[k]
            waiting = [u for u in mine if arrival[u] <= hour and math.isinf(staged[u])]
            if not waiting:
                continue
            if holding is None:  # started, not delivered, something still to leave
                started, crossed = self.started.tolist(), self.crossed_at.tolist()
                trains, convoys = self.trains_left.tolist(), self.convoys_left.tolist()
                barges = self.barges_left.tolist()
                holding = [
                    started[u]
                    and math.isnan(crossed[u])
                    and (trains[u] > 0 or convoys[u] > 0 or barges[u] > 0)
                    for u in range(self.n)
                ]
            held = sum(holding[u] for u in mine)
            pool = self.berths[k] * self.rate * dt
            for u in waiting:
                if pool <= 0:
                    break
                if not self.started[u]:
                    if held >= cap:
                        break
                    self.started[u], held = True, held + 1
                take = min(self.pieces[u] - self.discharged[u], self.rate * dt, pool)
                pool -= take
                self.discharged[u] += take
                if self.discharged[u] >= self.pieces[u] - 1e-9:
                    self.staged_at[u] = hour + take / self.rate + self.cfg.staging_hours
                    self._changed = True
            left[k] = pool
        return left

    def _fly(self, hour: float, dt: float, working: np.ndarray) -> None:
        """Flights land at working airfields, one serial's personnel after another's."""
        if not self._flying:
            return  # every serial's personnel have landed
        cfg = self.cfg
        due = (self.arrival <= hour) & (self.pax_left > 0)
        if not due.any():
            return
        if not self.air_assets:  # no airfield in the world: personnel arrive unconstrained
            for u in np.flatnonzero(due):
                self.pax_left[u] = 0.0
                self.joined_at[u] = self.arrival[u]
            self._flying = bool((self.pax_left > 0).any())
            return
        for k, sites in enumerate(self.air_assets):
            queue = np.flatnonzero(due & (self.airfield_of == k))
            if not working[sites].any():
                continue  # closed: no flights, no credit
            gain = self.air_flights[k] / 24.0 * dt
            if not queue.size:
                self.air_credit[k] = min(self.air_credit[k] + gain, 1.0)
                continue
            self.air_credit[k] += gain
            for u in queue:
                while self.air_credit[k] >= 1.0 and self.pax_left[u] > 0:
                    self.pax_left[u] = max(self.pax_left[u] - cfg.persons_per_flight, 0.0)
                    self.air_credit[k] -= 1.0
                if self.pax_left[u] > 0:
                    break
                self.joined_at[u] = hour + cfg.air_transfer_hours
                self._emit(
                    "personnel_landed",
                    f"serial {u}: {self.personnel[u]:.0f} persons at {self.air_names[k]}",
                )
        self._flying = bool((self.pax_left > 0).any())

    def _passable(self, service: np.ndarray) -> list[bool]:
        """Per place, whether energy and telecom service allow movement (once per step; a
        list, read one place at a time)."""
        if self._stale(self._passable_at):
            local = self._place_weights @ service.take(SUPPORT_SECTORS, axis=1)
            self._passable_now = (local.min(axis=1) >= self.cfg.min_support_service).tolist()
            self._passable_at = self._now
        return self._passable_now

    def _rail_line(self, route: list[int], working: np.ndarray, passable: list[bool]) -> int:
        """The line a train of ``route`` can take now (PRIMARY, REROUTE) or -1: each province
        needs its primary line (all of the Montzen line's sections, or a share of the ordinary
        network's), or else a share of its ordinary network, the reroute."""
        line = PRIMARY
        counts, sizes = self._corridors(working), self._group_sizes
        for p in route:
            if not passable[p]:
                return -1
            if sizes[4 * p] and counts[4 * p] >= self.rail_needed[p]:
                continue
            if sizes[4 * p + 1] and counts[4 * p + 1] >= self.alt_needed[p]:
                line = REROUTE
                continue
            return -1
        return line

    def _road_detours(self, route: list[int], working: np.ndarray, passable: list[bool]) -> int:
        """Provinces of ``route`` a convoy must cross on the ordinary motorways, or -1 if one
        is impassable."""
        detours = 0
        counts = self._corridors(working)
        for p in route:
            if not passable[p]:
                return -1
            if counts[4 * p + 2]:  # some eastern motorway section works (0 if none)
                continue
            if counts[4 * p + 3]:
                detours += 1
                continue
            return -1
        return detours

    def _rail(
        self,
        hour: float,
        dt: float,
        working: np.ndarray,
        service: np.ndarray,
        order: list[int],
        flow: list[int],
        credit: np.ndarray,
    ) -> np.ndarray:
        """Trains leave while paths last: the serials' (``order``), then the sustainment trains
        ``flow`` on the paths the serials left. A serial's train also needs its port's terminals to
        have loaded it (``railhead_trains_per_day`` each). Every train takes one of the military
        paths across the border (``rail_paths_per_day``); a train on the reroute also takes one of
        the reroute's own, fewer paths, so a cut never adds capacity. Returns the paths'
        credit (``credit``: primary, reroute) after the step."""
        # The credits are a handful of floats: they are worked on as Python floats (the same
        # IEEE operations as numpy's, element by element) and handed back as arrays.
        cfg = self.cfg
        trains = self.trains_left.tolist() if order else []
        waiting = [u for u in order if trains[u] > 0]
        rates, rate = self._rail_rates(dt)
        railhead: list[float] | None = None
        if order:  # the serials' trains are loaded at their port's military terminals
            # Loaded trains wait on the sidings for a path, up to the trains still to load.
            loads = self._railhead_loads(dt)
            to_load = [0.0] * len(loads)  # np.bincount's sums, in the same order
            for u in waiting:
                to_load[self._port_list[u]] += float(trains[u])
            railhead = [
                min(c + load, max(n, 1.0))
                for c, load, n in zip(self.railhead_credit.tolist(), loads, to_load, strict=True)
            ]
            self.railhead_credit = np.array(railhead)
        if not waiting and not flow:
            return np.minimum(credit + rates, 1.0)
        passable = self._passable(service)
        flow_port = self.flow.port_list
        ports = {self._port_list[u] for u in waiting} | {flow_port[u] for u in flow}
        lines = {k: self._rail_line(self.route_places[k], working, passable) for k in ports}
        wanted = [False, False]  # paths unused while nothing waits for them are lost
        for k in lines.values():
            if k >= 0:
                wanted[k] = True
        paths = [
            c + r if want else min(c + r, 1.0)
            for c, r, want in zip(credit.tolist(), rate, wanted, strict=True)
        ]
        for u in waiting:
            if paths[PRIMARY] < 1.0:
                break  # no path left this step (credit only falls below)
            k = self._port_list[u]
            line = lines[k]
            if line < 0:
                continue
            assert railhead is not None  # waiting serials come from order
            count = pieces = 0
            while (
                paths[PRIMARY] >= 1.0
                and paths[line] >= 1.0
                and railhead[k] >= 1.0
                and self.trains_left[u] > 0
            ):
                paths[PRIMARY] -= 1.0
                railhead[k] -= 1.0
                if line == REROUTE:
                    paths[REROUTE] -= 1.0
                    self.reroutes += 1
                load = int(min(cfg.tracked_per_train, self.tracked_left[u]))
                self.tracked_left[u] -= load
                self.trains_left[u] -= 1
                count, pieces = count + 1, pieces + load
            if count:
                self.railhead_credit = np.array(railhead)
                extra = cfg.reroute_extra_hours if line == REROUTE else 0.0
                at = hour + self.rail_hours[u] + extra
                self._depart(u, at, "train", count, pieces, f"{LINE_NAMES[line]} line")
        for u in flow:  # sustainment: on the paths no waiting serial train could take
            if paths[PRIMARY] < 1.0:
                break  # no path left this step
            k = flow_port[u]
            line = lines[k]
            if line < 0 or paths[line] < 1.0:
                continue
            paths[PRIMARY] -= 1.0
            paths[REROUTE] -= 1.0 if line == REROUTE else 0.0
            extra = cfg.reroute_extra_hours if line == REROUTE else 0.0
            self._send(u, hour, len(self.route_places[k]) * cfg.rail_leg_hours + extra)
        # A path no train took this step is lost (a cut line does not bank its paths for a
        # burst after the repair); only the fraction of the next path carries over.
        return np.array([min(c, max(r, 1.0)) for c, r in zip(paths, rate, strict=True)])

    def _rail_rates(self, dt: float) -> tuple[np.ndarray, list[float]]:
        """The paths' accrual per step (primary, reroute), as an array and as floats."""
        cached = self._path_rates.get(dt)
        if cached is None:
            cfg = self.cfg
            rates = np.array([cfg.rail_paths_per_day, cfg.reroute_paths_per_day]) / 24.0 * dt
            cached = self._path_rates[dt] = (rates, rates.tolist())
        return cached

    def _railhead_loads(self, dt: float) -> list[float]:
        """Trains each port's terminals load in a step."""
        loads = self._terminal_loads.get(dt)
        if loads is None:
            per_step = self.berths * self.cfg.railhead_trains_per_day / 24.0 * dt
            loads = self._terminal_loads[dt] = per_step.tolist()
        return loads

    def _road(
        self,
        hour: float,
        dt: float,
        working: np.ndarray,
        service: np.ndarray,
        order: list[int],
        flow: list[int],
        credit: np.ndarray,
    ) -> np.ndarray:
        """Convoys leave in the night window while their route's slots last: the serials'
        (``order``), then the sustainment convoys ``flow`` on the slots they left. Returns the
        slots' credit per route (``credit``) after the step."""
        cfg = self.cfg
        in_window = self._in_window(hour)
        if not in_window:  # no convoy leaves, no slot accrues
            return np.minimum(credit, 1.0)
        gain = cfg.convoy_slots_per_hour * dt
        convoys = self.convoys_left.tolist() if order else []
        waiting = [u for u in order if convoys[u] > 0]
        if not waiting and not flow:  # every route's slots accrue, up to one
            return np.minimum(credit + gain, 1.0)
        # The slots' credit is a few floats: worked on as Python floats (the same IEEE
        # operations as numpy's, element by element) and handed back as an array.
        slots = credit.tolist()
        flow_port = self.flow.port_list
        for k in range(len(self.port_names)):
            mine = [u for u in waiting if self._port_list[u] == k]
            theirs = [u for u in flow if flow_port[u] == k]
            if not (mine or theirs):
                slots[k] = min(slots[k] + gain, 1.0)
                continue
            detours = self._road_detours(self.route_places[k], working, self._passable(service))
            if detours < 0:
                slots[k] = min(slots[k], 1.0)
                continue
            slots[k] += gain
            how = f"{detours} provinces on ordinary motorways" if detours else "motorways"
            bridges: bool | None = None  # whether the exceptional transports' route is open
            for u in mine:
                count = pieces = 0
                while slots[k] >= 1.0 and self.convoys_left[u] > self.exceptional_left[u]:
                    slots[k] -= 1.0
                    load = int(min(cfg.convoy_vehicles, self.wheeled_left[u]))
                    self.wheeled_left[u] -= load
                    self.convoys_left[u] -= 1
                    count, pieces = count + 1, pieces + load
                at = hour + self.road_hours[u] + detours * cfg.road_detour_hours
                if count:
                    self.detours += count if detours else 0
                    self._depart(u, at, "convoy", count, pieces, how)
                if not self.exceptional_left[u] or slots[k] < 1.0:
                    continue
                if bridges is None:
                    bridges = self._bridges_open(self.route_places[k], working)
                if bridges:
                    self._exceptional(u, at, slots, k, how)
                else:
                    self._exceptional(
                        u, at + cfg.exceptional_detour_hours, slots, k, "heavy-bridge detour"
                    )
            travel = (
                len(self.route_places[k]) * cfg.road_leg_hours + detours * cfg.road_detour_hours
            )
            for u in theirs:  # sustainment: on the slots the serials left
                if slots[k] < 1.0:
                    break
                slots[k] -= 1.0
                self._send(u, hour, travel)
        # A slot no convoy took this step is lost; only the fraction of the next carries over.
        most = max(gain, 1.0)
        return np.array([min(c, most) for c in slots])

    def _barge(self, hour: float, dt: float, working: np.ndarray, order: list[int]) -> None:
        """Barges leave up the Albert Canal while its locks pass them (``barges_per_day``,
        a credit like the paths) and every lock works. While a lock is out, the pieces still
        waiting for a barge go by road instead, in ordinary convoys: the canal is an option for
        wheeled pieces and containers, and a lock's repair takes days."""
        cfg = self.cfg
        barges = self.barges_left.tolist() if order else []
        waiting = [u for u in order if barges[u] > 0]
        gain = cfg.barges_per_day / 24.0 * dt
        if waiting and self.locks.size and not working[self.locks].all():
            for u in waiting:
                extra = -(-int(self.barge_pieces_left[u]) // cfg.convoy_vehicles)
                self.wheeled_left[u] += self.barge_pieces_left[u]
                self.convoys_left[u] += extra
                self.convoys[u] += extra
                self.barges[u] -= self.barges_left[u]
                self.barge_pieces_left[u] = self.barges_left[u] = 0
            self._changed = True
            self._some_empty = self._any_empty()
            waiting = []
        if not waiting:
            self.barge_credit = min(self.barge_credit + gain, 1.0)
            return
        self.barge_credit += gain
        for u in waiting:
            count = pieces = 0
            while self.barge_credit >= 1.0 and self.barges_left[u] > 0:
                self.barge_credit -= 1.0
                load = -(-int(self.barge_pieces_left[u]) // int(self.barges_left[u]))  # even
                self.barge_pieces_left[u] -= load
                self.barges_left[u] -= 1
                count, pieces = count + 1, pieces + load
            if count:
                self._depart(u, hour + cfg.barge_hours, "barge", count, pieces, "Albert Canal")
            if self.barge_credit < 1.0:
                break

    def _bridges_open(self, route: list[int], working: np.ndarray) -> bool:
        """Whether every heavy_bridge of ``route`` works (the exceptional transports' route)."""
        counts, sizes, base = self._corridors(working), self._group_sizes, 4 * len(self.place_names)
        return all(counts[base + p] == sizes[base + p] for p in route)

    def _exceptional(self, u: int, at: float, credit: list[float], k: int, how: str) -> None:
        """Serial ``u``'s exceptional-transport convoys leave on the slots left (``credit`` of
        route ``k``), to cross at ``at``."""
        count = pieces = 0
        while credit[k] >= 1.0 and self.exceptional_left[u] > 0:
            credit[k] -= 1.0
            load = int(min(self.cfg.exceptional_per_convoy, self.exceptional_pieces_left[u]))
            self.exceptional_pieces_left[u] -= load
            self.exceptional_left[u] -= 1
            self.convoys_left[u] -= 1
            count, pieces = count + 1, pieces + load
        self._depart(u, at, "convoy", count, pieces, f"exceptional transport, {how}")

    def _send(self, u: int, hour: float, travel: float) -> None:
        """Sustainment consignment ``u`` leaves now, ``travel`` hours on the way."""
        flow = self.flow
        flow.depart(u, hour, travel)
        sent = self._sent[flow.direction[u]]
        sent[flow.mode[u]] += 1
        sent[2] += float(flow.tonnes[u])
        self._sending = True

    def _report_flow(self) -> None:
        """One event per direction and step in which sustainment trains or convoys left."""
        for d, (trains, convoys, tonnes) in enumerate(self._sent):
            if not tonnes > 0:
                continue
            self._emit(
                "sustainment_departed",
                f"{DIRECTIONS[d]}: {trains:.0f} trains, {convoys:.0f} convoys, {tonnes:.0f} t",
            )
        self._sent = [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
        self._sending = False

    def _depart(self, u: int, at: float, kind: str, count: int, pieces: int, how: str) -> None:
        """``count`` trains or convoys of serial ``u`` leave now, to cross at ``at``."""
        self.under_way.append((at, kind, int(u), count, pieces, how))
        self.last_cross[u] = max(self.last_cross[u], at)
        self._changed = True
        self._emit(f"{kind}_departed", self._detail(u, kind, count, pieces, how, at))

    # -------------------------------------------------------------------------- outcomes
    def support_demand(self, population: np.ndarray) -> np.ndarray:
        """Extra demand per region on food_water and health from the serials' personnel:
        at the port from landing until their last train or convoy leaves, then spread evenly
        over their route until delivered.

        Spread over a place's regions in proportion to their population, so every region of
        the place sees the same relative load."""
        out = np.zeros((len(population), len(SECTOR_INDEX)))
        persons = [0.0] * len(self.place_names)  # summed in the same order as an array's
        landed = self.started & np.isnan(self.crossed_at)
        per = self.cfg.personnel_per_serial * self.cfg.support_persons_per_personnel
        trains, convoys, barges = (
            self.trains_left.tolist(),
            self.convoys_left.tolist(),
            self.barges_left.tolist(),
        )
        for u in np.flatnonzero(landed).tolist():
            route = self.routes[u]
            if trains[u] > 0 or convoys[u] > 0 or barges[u] > 0:
                persons[route[0]] += per
            else:
                share = per / len(route)
                for p in dict.fromkeys(route):  # each place once, as persons[route] += share
                    persons[p] += share
        # Per region, the load: built as floats, then written to both columns at once (the
        # places in order, as the arrays' assignments would).
        load, residents = [0.0] * len(population), self._place_population(population)
        for p, n in enumerate(persons):
            if n:
                fraction = n / residents[p]
                for r in self._place_region_lists[p]:
                    load[r] = fraction
        out[:, FOOD_WATER] = out[:, HEALTH] = load
        return out

    def _place_population(self, population: np.ndarray) -> list[float]:
        """Per place, the population of its regions (summed once per population given)."""
        key = population.tobytes()
        if key != self._residents_key:
            self._residents = [float(population[r].sum()) for r in self.place_regions]
            self._residents_key = key
        return self._residents

    def delivered_count(self, end_hour: float) -> int:
        """How many serials :meth:`delivered` counts by ``end_hour`` (all of them once every
        serial has crossed: each crossed at its last crossing, by the last step)."""
        if not self._undelivered and end_hour >= self._now:
            return self.n
        return int(np.count_nonzero(~np.isnan(self.delivered(end_hour))))

    def delivered(self, end_hour: float) -> np.ndarray:
        """Hour each serial was delivered by ``end_hour`` (NaN if not)."""
        done = (
            (self.trains_left == 0)
            & (self.convoys_left == 0)
            & (self.barges_left == 0)
            & (self.last_cross <= end_hour)
        )
        return np.where(done, self.last_cross, np.nan)

    def peacetime_schedule(self, end_hour: float) -> np.ndarray:
        """When each serial would be delivered by ``end_hour`` with every asset working and
        full service: the capacities alone (the queue at the berths, paths, slots and
        airfields), on the same time grid. What attacks and outages add is measured from it."""
        return self._peacetime_twin(end_hour).delivered(end_hour)

    def _peacetime_twin(self, end_hour: float) -> Transit:
        """This movement and its sustainment flow run to ``end_hour`` with every asset
        working and full service."""
        twin = Transit(self.cfg, self.world, self.horizon, dt_hours=self._learnt)
        twin._fixed_inputs = True  # every asset working, full service, at every step
        if self.dt_hours is not None:
            twin.dt_hours = self.dt_hours
        dt = float(twin.dt_hours or 1.0)
        working = np.ones(self.world.n_assets, dtype=bool)
        service = np.ones((self.world.regions.n, len(SECTOR_INDEX)))
        hour = np.floor(self.arrival.min() / dt) * dt
        while hour < end_hour and (twin.under_way or twin._undelivered or twin.flow.active(hour)):
            twin.step(hour, working, service)
            hour += dt
        return twin

    def summary(self, end_hour: float) -> dict[str, float | int]:
        """Share delivered by the deadline; delay behind the peacetime schedule (mean, 90th
        percentile, worst), censored at the horizon; the peacetime queue itself; tonnage
        across the border.

        A planner plans against what the capacities allow in peacetime, so "the brigades are
        24 h late" means 24 h behind that schedule: the delay is measured from a twin of this
        movement with every asset working (exactly 0 in peacetime). How far the capacities
        alone hold the movement behind the unconstrained plan (the berths, paths, convoy slots
        and airfields saturated) is ``transit_queue_h``, the same in every arm of a study. The
        sustainment flow's tonnes delivered both ways and mean delay behind its own peacetime
        schedule come from the same twin (:meth:`abm.sustainment.Sustainment.summary`)."""
        keys = (
            "transit_completed_fraction",
            "transit_mean_delay_h",
            "transit_p90_delay_h",
            "transit_max_delay_h",
            "transit_queue_h",
        )
        if self.n == 0:
            return {
                **dict.fromkeys(keys, np.nan),
                "transit_censored": 0,
                "transit_tonnes_delivered": np.nan,
                **self.flow.summary(end_hour, None),
            }
        at = self.delivered(end_hour)
        crossed = ~np.isnan(at)
        done = np.where(crossed, at, end_hour)
        twin = self._peacetime_twin(end_hour)
        quiet = twin.delivered(end_hour)
        quiet = np.where(np.isnan(quiet), end_hour, quiet)
        delay = np.maximum(done - quiet, 0.0)
        on_time = crossed & (at <= self.cfg.deadline_hour)
        pieces = self.pieces_crossed.sum() + sum(x[4] for x in self.under_way if x[0] <= end_hour)
        return {
            "transit_completed_fraction": float(on_time.mean()),
            "transit_mean_delay_h": float(delay.mean()),
            "transit_p90_delay_h": float(np.percentile(delay, 90)),
            "transit_max_delay_h": float(delay.max()),
            "transit_queue_h": float(np.maximum(quiet - self.planned, 0.0).mean()),
            "transit_censored": int((~crossed).sum()),
            "transit_tonnes_delivered": float(pieces * self.cfg.tonnes_per_piece),
            **self.flow.summary(end_hour, twin.flow.delivered(end_hour)),
        }
