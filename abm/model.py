"""The Mesa model: one replicate of a scenario on a world, stepped hour by hour.

Read :meth:`HybridThreatModel.step` to know the model: it is the whole order of a step, one
phase per line, each phase a function over arrays.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import mesa
import numpy as np
from omegaconf import DictConfig, OmegaConf

from abm import interdependency
from abm.cascade import drain_backups, working_fixed_point
from abm.config import NarrativeSeedConfig, RunConfig
from abm.errors import ConfigError
from abm.metrics import loss_increment, min_service, time_to_recover
from abm.mitigation import apply_lever, package_cost, package_cost_range
from abm.population import BEHAVIOURS, PopulationLayer
from abm.sectors import SECTOR_INDEX, SECTORS
from abm.seeding import Streams, replicate_sequence
from abm.transit import Transit
from abm.world import World, build_world, data_path
from agents.adversary import ACTIONS, AdversaryCell
from agents.operator import InfrastructureOperator, assign_repairs
from agents.population import PopulationGroup
from agents.responders import CrisisCentre, Defence, SecurityServices, StrategicCommunication
from agents.sector import SectorAgent, direct_inoperability

#: Inoperability below this counts as none: the IIM recovers geometrically and would otherwise
#: never return exactly to full service (and the population layer never to rest).
INOPERABILITY_FLOOR = 1e-9

#: Kinds of row in ``events.parquet``.
EVENT_KINDS = (
    "shock",
    "failure",
    "restored",
    "repair_start",
    "repaired",
    "narrative_seeded",
    "compromised",
    "cell_dismantled",
    "mitigation_start",
    "crisis_alert",
    "measures_activated",
    "guards_posted",
    "attack",
    "hazard",
    "phase",
    "drone_closure",
)


#: The phases of a step, in the order :meth:`HybridThreatModel.step` runs them (a test checks).
PHASES = (
    "hazards",
    "adversary_actions",
    "asset_failures_and_cascade",
    "repairs",
    "sector_service",
    "population",
    "responders",
    "allied_transit",
    "record",
)


@dataclass
class AssetState:
    """What changes about assets during a run: one array per attribute."""

    damaged: np.ndarray
    damaged_at: np.ndarray
    in_repair: np.ndarray
    repair_end: np.ndarray
    working: np.ndarray
    backup_left: np.ndarray  # per need
    compromised_until: np.ndarray  # hour a cyber compromise ends (-inf: none)

    @classmethod
    def intact(cls, world: World) -> AssetState:
        n = world.n_assets
        return cls(
            damaged=np.zeros(n, dtype=bool),
            damaged_at=np.full(n, np.nan),
            in_repair=np.zeros(n, dtype=bool),
            repair_end=np.full(n, np.inf),
            working=np.ones(n, dtype=bool),
            backup_left=world.need_backup_hours.copy(),
            compromised_until=np.full(n, -np.inf),
        )


def mean_service(model: HybridThreatModel) -> float:
    """Population-weighted service across regions, averaged over the nine sectors."""
    return float((1.0 - model.inoperability).mean(axis=1) @ model.population_share)


def assets_down(model: HybridThreatModel) -> int:
    """Assets that do not work now."""
    return int((~model.assets.working).sum())


def national_trust(model: HybridThreatModel) -> float:
    """Population-weighted mean trust in institutions."""
    return model.people.national_trust()


def total_loss(model: HybridThreatModel) -> float:
    """The weighted loss accumulated so far (hours of full outage per inhabitant)."""
    return float(model.loss @ model.loss_weights)


class HybridThreatModel(mesa.Model):
    """Hybrid threats against Belgium's nine resilience sectors, one replicate.

    Build it from a config (``abm.load_config(...)`` or a Hydra ``DictConfig``), or from keywords
    that name top-level config keys, and give it a seed with ``rng``::

        model = HybridThreatModel(scenario="grid_shock", rng=1, horizon_days=7)
        model.run_model()
        model.summary()

    Args:
        config: A composed config; if omitted, one is composed from ``scenario``, ``overrides``
            and ``keywords``.
        rng: The job seed (an int >= 0); defaults to the config's ``seed``.
        replicate: The replicate index r: streams come from ``SeedSequence(seed, (r,))``.
        scenario: Name of a shipped scenario, when ``config`` is omitted.
        overrides: Hydra-style overrides (``"world.capacity_cv=0.3"``), when ``config`` is
            omitted.
        **keywords: Top-level keys (``horizon_days=7``), when ``config`` is omitted; this is how
            Mesa's ``batch_run`` passes its parameters.
    """

    def __init__(
        self,
        config: RunConfig | DictConfig | None = None,
        *,
        rng: int | None = None,
        replicate: int = 0,
        scenario: str | None = None,
        overrides: Sequence[str] = (),
        **keywords: Any,
    ) -> None:
        from abm.api import load_config
        from abm.validation import validate

        if config is None:
            config = load_config(scenario, overrides=overrides, **keywords)
        elif scenario is not None or overrides or keywords:
            raise TypeError("give either config or scenario/overrides/keywords, not both")
        cfg: RunConfig = OmegaConf.to_object(config) if isinstance(config, DictConfig) else config
        seed = cfg.seed if rng is None else rng
        if not isinstance(seed, int | np.integer) or isinstance(seed, bool) or seed < 0:
            raise ConfigError("seed", f"a non-negative integer, got {seed!r}")
        validate(cfg)
        self.streams = Streams(replicate_sequence(int(seed), replicate))
        super().__init__(rng=self.streams.generator("mesa"))
        self.cfg = cfg
        self.seed = int(seed)
        self.replicate = replicate
        self.dt = float(cfg.dt_hours)
        self.n_steps = round(cfg.horizon_days * 24 / self.dt)
        self.record_every = round(cfg.record_every_hours / self.dt)
        self.hour = 0.0  # start of the current step, in hours

        world_streams = (
            Streams(np.random.SeedSequence(cfg.world.seed))
            if cfg.world.seed is not None
            else self.streams
        )
        self.world = build_world(cfg.world, world_streams.generator("world"))
        self.a_star = sector_matrix(cfg, self.world)
        self.k = self.dt * np.array([cfg.sectors.k[s] for s in SECTORS])
        self.capacity_factor = 1.0 + np.array([cfg.sectors.reserve_margin[s] for s in SECTORS])
        self.loss_weights = np.array([cfg.sectors.loss_weights[s] for s in SECTORS])
        dims = list(cfg.scenario.adversary_dimensions)
        adversary_narratives = (
            [
                NarrativeSeedConfig(
                    name=f"adversary_{b}",
                    behaviour=b,
                    at_hour=0.0,
                    virality=cfg.adversary.disinformation.virality,
                    seed_fraction=cfg.adversary.disinformation.seed_fraction,
                )
                for b in BEHAVIOURS
            ]
            if "disinformation" in dims
            else []
        )
        narratives = list(cfg.scenario.narratives)
        #: Index of the adversary's narrative per behaviour, and the weights it picks them by.
        self.adversary_narratives = [len(narratives) + k for k in range(len(adversary_narratives))]
        self.adversary_behaviour_weights = np.array(
            [cfg.adversary.disinformation.behaviours.get(b, 0.0) for b in BEHAVIOURS]
        )
        self.people = PopulationLayer(
            cfg.population, narratives + adversary_narratives, self.world.regions, self.dt
        )
        self.population_share = self.people.present_share()

        self.assets = AssetState.intact(self.world)
        # What mitigation levers may change, copied so the world stays as built.
        w = self.world
        self.protection = w.protection.copy()
        self.cyber_maturity = w.operators.cyber_maturity.copy()
        self.crews = w.operators.crews.copy()
        self.response_hours = w.operators.response_hours.copy()
        self.backup_capacity = w.need_backup_hours.copy()
        self.operator_criticality = np.bincount(
            w.asset_operator, weights=w.criticality, minlength=w.operators.n
        )
        consumer_op = w.asset_operator[w.need_asset[w.edge_need]]
        supplier_op = w.asset_operator[w.edge_supplier]
        links = np.zeros((w.operators.n, w.operators.n), dtype=bool)
        links[consumer_op, supplier_op] = True
        links |= links.T
        np.fill_diagonal(links, False)
        #: Operators linked by supply edges: where a cyber compromise can spread.
        self.operator_links = links
        targets = cfg.scenario.adversary_target_types
        #: Assets sabotage may aim at in this scenario.
        self.sabotage_targets = (
            np.isin(w.asset_type, [w.type_names.index(t) for t in targets])
            if targets
            else np.ones(w.n_assets, dtype=bool)
        )
        self.ransomware_sectors = {SECTOR_INDEX[s] for s in cfg.adversary.cyber.ransomware_sectors}
        self.action_costs = np.array([cfg.adversary.action_costs.get(a, 1.0) for a in ACTIONS])
        self.attempts = dict.fromkeys(ACTIONS, 0)
        self.successes = dict.fromkeys(ACTIONS, 0)
        # What responders can use; levers change these amounts, responders decide when.
        r = cfg.responders
        self.stockpile = np.zeros(len(SECTORS))
        self.released = np.zeros(len(SECTORS))
        self.guard_capacity = r.guarded_assets
        self.guarded = np.zeros(w.n_assets, dtype=bool)
        self.find_rate = r.find_rate_per_hour
        self.counter_messaging = r.counter_messaging
        self.delay_factor = 1.0
        self.surge_share = r.surge_crews
        self.surge_added = np.zeros(w.operators.n, dtype=np.int64)
        self.cells_found = 0
        self.transit = Transit(cfg.transit, w, self.n_steps * self.dt)
        self.transit_demand = np.zeros((w.regions.n, len(SECTORS)))
        self.scenario_demand = np.zeros((w.regions.n, len(SECTORS)))
        self.population_share_baseline = w.regions.population / w.regions.population.sum()
        #: The campaign phase under way (None before the first or without phases).
        self.phase = None
        self._all_working = self.assets.working.copy()
        self._all_supplied = np.ones(len(self.world.need_asset), dtype=bool)
        self._capacity: np.ndarray | None = None
        self._masks: dict[tuple[str, ...], np.ndarray] = {}
        self.cell = self.world.asset_sector * self.world.regions.n + self.world.asset_region
        self.inoperability = np.zeros((self.world.regions.n, len(SECTORS)))
        self.loss = np.zeros(len(SECTORS))
        #: Population-weighted national service per step and sector (for the metrics).
        self.national_service = np.ones((self.n_steps, len(SECTORS)))
        self.events: list[tuple[float, str, int, str]] = []
        n_records = -(-self.n_steps // self.record_every)
        self.recorded_hours = np.arange(n_records) * self.record_every * self.dt
        n_regions = self.world.regions.n
        self.recorded_service = np.empty((n_records, n_regions, len(SECTORS)))
        self.recorded_regions = {
            name: np.empty((n_records, n_regions))
            for name in ("population", "displaced_in", "trust", "belief")
        }

        # Agents register with Mesa (model.agents_by_type); their numbers live in the arrays.
        for i in range(len(SECTORS)):
            SectorAgent(self, i)
        for i in range(self.world.operators.n):
            InfrastructureOperator(self, i)
        for i in range(self.people.groups.n):
            PopulationGroup(self, i)
        self.cells = (
            [AdversaryCell(self, name, c, dims) for name, c in cfg.adversary.cells.items()]
            if dims
            else []
        )
        self._cell_acts = self._cell_schedule()
        self.crisis_centre = CrisisCentre(self)
        self.defence = Defence(self)
        self.security_services = SecurityServices(self)
        self.strategic_communication = StrategicCommunication(self)
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "mean_service": mean_service,
                "assets_down": assets_down,
                "total_loss": total_loss,
                "national_trust": national_trust,
            }
        )
        self._shocks = list(cfg.scenario.shocks)
        self._narratives = list(cfg.scenario.narratives)
        self._levers = list(cfg.mitigation.levers.values())
        self._hazards = list(cfg.scenario.hazards)
        self._drones = list(cfg.scenario.drone_incursions)
        self._phases = list(cfg.scenario.adversary_phases) if self.cells else []
        timed = self._shocks + self._narratives + self._hazards + self._drones
        due = {self._step_of(x.at_hour) for x in timed}
        due |= {self._step_of(p.start_hour) for p in self._phases}
        due |= {self._step_of(lever.start_hour) for lever in self._levers}
        for at_step in sorted(due):
            if at_step == 0:
                self._apply_due_events()
            elif at_step < self.n_steps:
                self.schedule_event(self._apply_due_events, at=at_step)

    # ----------------------------------------------------------------------------------- step
    def step(self) -> None:
        """One time step, in this order (DESIGN.md section 4)."""
        step = self.steps - 1  # Mesa counts the step being executed from 1
        self.hour = step * self.dt
        self.hazards()
        self.adversary_actions(step)
        self.asset_failures_and_cascade()
        self.repairs(step)
        self.sector_service()
        self.population()
        self.responders(step)
        self.allied_transit()
        self.record(step)
        if step + 1 >= self.n_steps:
            self.running = False
            if step % self.record_every:
                self.datacollector.collect(self)  # batch_run reads the last record: the end

    def adversary_actions(self, step: int) -> None:
        """Each cell due to act now takes one action (in a synchronised window, if any)."""
        for k in np.flatnonzero(self._cell_acts[:, step]) if self.cells else ():
            cell = self.cells[k]
            if cell.can_act():
                cell.act(self.streams.at_step(f"adversary:{cell.name}", step))

    def _cell_schedule(self) -> np.ndarray:
        """Per cell and step, whether the cell acts then: its tempo, inside the windows.

        Drawn once from each cell's own stream, so when a cell acts does not depend on what
        any mitigation changes.
        """
        hours = np.arange(self.n_steps) * self.dt
        windows = self.cfg.scenario.adversary_windows
        open_ = np.zeros(self.n_steps, dtype=bool) if windows else np.ones(self.n_steps, bool)
        for win in windows:
            open_ |= (hours >= win.start_hour) & (hours < win.end_hour)
        intensity = np.ones(self.n_steps)
        for phase in sorted(self.cfg.scenario.adversary_phases, key=lambda p: p.start_hour):
            intensity[hours >= phase.start_hour] = phase.intensity
        acts = np.zeros((len(self.cells), self.n_steps), dtype=bool)
        for k, cell in enumerate(self.cells):
            p = np.minimum(1.0, cell.cfg.actions_per_day * intensity * self.dt / 24.0)
            acts[k] = self.streams.generator(f"tempo:{cell.name}").random(self.n_steps) < p
        return acts & open_

    def asset_failures_and_cascade(self) -> None:
        """Recompute which assets work from the current damage, and spend backups."""
        w, a = self.world, self.assets
        intact = ~(a.damaged | (a.compromised_until > self.hour))
        if intact.all():
            # Nothing damaged or compromised: everything works (every need has a supplier);
            # only backups that were spent need refilling.
            working = self._all_working
            if (a.backup_left < self.backup_capacity).any():
                drain_backups(
                    a.backup_left,
                    self.backup_capacity,
                    ~self._all_supplied,
                    self._all_supplied,
                    self.dt,
                    self.cfg.world.backup_recharge_per_hour,
                )
        else:
            working, supplied = working_fixed_point(
                intact, w.need_asset, a.backup_left > 0, w.edge_need, w.edge_supplier
            )
            drain_backups(
                a.backup_left,
                self.backup_capacity,
                working[w.need_asset] & ~supplied,
                supplied,
                self.dt,
                self.cfg.world.backup_recharge_per_hour,
            )
        if working is a.working:
            return
        changed = np.flatnonzero(working != a.working)
        for i in changed:
            self.log_event("restored" if working[i] else "failure", i)
        if changed.size:
            self._capacity = None  # sector capacity must be recomputed
        a.working = working

    def repairs(self, step: int) -> None:
        """Send free crews to damaged assets, most critical first; finish due repairs."""
        w, a = self.world, self.assets
        if not a.damaged.any():
            return
        reachable = self.hour >= a.damaged_at + self.response_hours[w.asset_operator]
        waiting = a.damaged & ~a.in_repair & reachable
        if waiting.any():
            busy = np.bincount(w.asset_operator[a.in_repair], minlength=w.operators.n)
            start = assign_repairs(
                waiting, w.asset_operator, w.criticality, a.damaged_at, self.crews - busy
            )
            if start.size:
                z = self.streams.at_step("repair", step).standard_normal(w.n_assets)[start]
                duration = w.repair_median_hours[start] * np.exp(w.repair_sigma[start] * z)
                a.repair_end[start] = self.hour + duration
                a.in_repair[start] = True
                for i in start:
                    self.log_event("repair_start", i, f"{a.repair_end[i] - self.hour:.1f} h")
        done = np.flatnonzero(a.in_repair & (a.repair_end <= self.hour + self.dt))
        if done.size:
            a.damaged[done] = False
            a.in_repair[done] = False
            a.damaged_at[done] = np.nan
            a.repair_end[done] = np.inf
            for i in done:
                self.log_event("repaired", i)

    def sector_service(self) -> None:
        """Capacity of working assets -> direct inoperability c* -> IIM step per region."""
        if self._capacity is None:
            w = self.world
            n_regions = w.regions.n
            capacity = np.bincount(
                self.cell,
                weights=w.capacity * self.assets.working,
                minlength=len(SECTORS) * n_regions,
            )
            self._capacity = capacity.reshape(len(SECTORS), n_regions).T * self.capacity_factor
        demand = self.people.demand + self.transit_demand + self.scenario_demand
        c_star = direct_inoperability(self._capacity, demand)
        if not c_star.any() and not self.inoperability.any():
            return  # whole service stays whole
        q = interdependency.step(self.inoperability, self.a_star, c_star, self.k)
        q[q < INOPERABILITY_FLOOR] = 0.0
        self.inoperability = q

    def population(self) -> None:
        """Needs and stocks, narratives, trust, displacement; then next step's demand."""
        self.people.step(self.inoperability, self.hour)
        self.population_share = self.people.present_share()

    def responders(self, step: int) -> None:
        """Crisis centre decides; once measures are active, responders use their means."""
        self.crisis_centre.observe()
        if self.crisis_centre.active:
            self.crisis_centre.apply_measures()
            self.strategic_communication.act()
        if self.crisis_centre.active or self.transit.deploying(self.hour):
            self.defence.guard()
        self.security_services.search(self.streams.at_step("security", step))

    def allied_transit(self) -> None:
        """Serials land, stage and cross the corridors; they draw host-nation support."""
        if self.transit.n:
            self.transit.step(self.hour, self.assets.working, 1.0 - self.inoperability)
            self.transit_demand = self.transit.support_demand(self.world.regions.population)

    def action_weights(self) -> np.ndarray:
        """Weights of the action types now: the phase's, then the turn on the state once the
        crisis centre has activated measures."""
        w = np.ones(len(ACTIONS))
        if self.phase is not None:
            w *= [self.phase.weights.get(a, 1.0) for a in ACTIONS]
        if self.crisis_centre.active:
            shift = self.cfg.scenario.adversary_crisis_shift
            w[[ACTIONS.index("cyber"), ACTIONS.index("disinformation")]] *= shift
        return w

    def sabotage_candidates(self) -> np.ndarray:
        """Assets sabotage may aim at now: the scenario's, or the transit routes while serials
        land and move in a phase that focuses on them."""
        if (
            self.phase is not None
            and self.phase.corridor_focus
            and self.transit.deploying(self.hour)
        ):
            focus = np.zeros(self.world.n_assets, dtype=bool)
            focus[self.transit.corridor_assets] = True
            return focus
        return self.sabotage_targets

    def hazards(self) -> None:
        """Demand shifted by natural hazards and migration pushes under way."""
        sc, w = self.cfg.scenario, self.world
        if not sc.hazards and not sc.migration_pushes:
            return
        extra = np.zeros((w.regions.n, len(SECTORS)))
        for hazard in sc.hazards:
            if hazard.at_hour <= self.hour < hazard.at_hour + hazard.duration_hours:
                regions = self._region_mask(hazard.regions)
                for sector, share in hazard.demand.items():
                    extra[regions, SECTOR_INDEX[sector]] += share
        reception = self.population_share_baseline * self.cfg.population.reception_baseline_persons
        for push in sc.migration_pushes:
            if push.start_hour <= self.hour < push.end_hour:
                arrived = (
                    push.persons
                    * (self.hour - push.start_hour + self.dt)
                    / (push.end_hour - push.start_hour)
                )
                # Arrivals spread over the place's regions like its reception places.
                r = w.regions.mask(push.region)
                extra[r, SECTOR_INDEX["population_flows"]] += (
                    min(arrived, push.persons) / reception[r].sum()
                )
        self.scenario_demand = extra

    def _region_mask(self, regions: list[str]) -> np.ndarray:
        """Regions that a list of place names designates; an empty list means everywhere.
        Remembered per list, since hazards ask every step."""
        key = tuple(regions)
        if key not in self._masks:
            w = self.world.regions
            self._masks[key] = w.mask(regions) if regions else np.ones(w.n, dtype=bool)
        return self._masks[key]

    def sabotage_protection(self) -> np.ndarray:
        """Protection against sabotage: guarded assets get at least the guards' protection."""
        guarded = np.maximum(self.protection, self.cfg.responders.guard_protection)
        return np.where(self.guarded, guarded, self.protection)

    def record(self, step: int) -> None:
        """Accumulate loss; store the recorded series at the recording interval."""
        step_loss = loss_increment(self.population_share, self.inoperability, self.dt)
        self.loss += step_loss
        self.national_service[step] = 1.0 - step_loss / self.dt
        if step % self.record_every == 0:
            row = step // self.record_every
            self.recorded_service[row] = 1.0 - self.inoperability
            people = self.people
            regions = self.recorded_regions
            regions["population"][row] = self.population_share * people.groups.size.sum()
            regions["displaced_in"][row] = people.arrivals()
            regions["trust"][row] = people.regional(people.state.trust)
            reach = people.regional(people.reach())
            regions["belief"][row] = reach.max(axis=0) if len(reach) else 0.0
            self.datacollector.collect(self)

    # ---------------------------------------------------------------------------- scenario
    def _step_of(self, hour: float) -> int:
        """The step before which an event lands (its hour rounded up to the time grid)."""
        return math.ceil(hour / self.dt - 1e-9)

    def _apply_due_events(self) -> None:
        """Land every shock and narrative due now (a Mesa event, after the previous step)."""
        now = round(self.time)
        self.hour = now * self.dt
        gen = self.streams.at_step("hazard", now)
        for number, shock in enumerate(self._shocks):
            if self._step_of(shock.at_hour) == now:
                self.damage_assets(
                    self._shock_targets(shock, number, gen), shock.label or shock.kind
                )
        for number, narrative in enumerate(self._narratives):
            if self._step_of(narrative.at_hour) == now:
                self.people.seed(number)
                self.log_event("narrative_seeded", -1, narrative.name)
        natural = self.streams.at_step("natural_hazard", now)
        for number, hazard in enumerate(self._hazards):
            if self._step_of(hazard.at_hour) == now:
                w = self.world
                u = natural.random((len(self._hazards), w.n_assets))[number]
                p = np.zeros(w.n_assets)
                for asset_type, prob in hazard.damage.items():
                    p[w.asset_type == w.type_names.index(asset_type)] = prob
                p[~self._region_mask(hazard.regions)[w.asset_region]] = 0.0
                self.log_event("hazard", -1, hazard.name)
                self.damage_assets(np.flatnonzero(u < p), hazard.name)
                if hazard.displaced_share > 0:
                    left = self.people.evacuate(
                        self._region_mask(hazard.regions),
                        hazard.displaced_share,
                        self.hour + hazard.return_after_hours,
                        w.regions.population,
                    )
                    self.log_event("hazard", -1, f"{hazard.name}: {left:.0f} people displaced")
        for drone in self._drones:
            if self._step_of(drone.at_hour) == now:
                w = self.world
                sites = np.flatnonzero(
                    (w.asset_type == w.type_names.index(drone.asset_type))
                    & w.regions.mask(drone.region)[w.asset_region]
                )
                c = self.assets.compromised_until
                c[sites] = np.maximum(c[sites], self.hour + drone.hours)
                self.log_event(
                    "drone_closure", -1, f"{drone.asset_type} in {drone.region}, {drone.hours:g} h"
                )
        for phase in self._phases:
            if self._step_of(phase.start_hour) == now:
                self.phase = phase
                self.log_event("phase", -1, phase.name)
        for lever in self._levers:
            if self._step_of(lever.start_hour) == now:
                apply_lever(self, lever)
                self.log_event("mitigation_start", -1, lever.label or lever.kind)

    def _shock_targets(self, shock: Any, number: int, gen: np.random.Generator) -> np.ndarray:
        w = self.world
        in_region = w.regions.mask(shock.region)[w.asset_region]
        if shock.kind == "grid_loss":
            power = w.resource_names.index("power")
            providers = np.unique(w.edge_supplier[w.need_resource[w.edge_need] == power])
            return providers[in_region[providers]]
        match = np.flatnonzero(in_region & (w.asset_type == w.type_names.index(shock.asset_type)))
        if shock.count is not None:
            order = np.lexsort((match, -w.criticality[match]))
            return match[order[: shock.count]]
        # One uniform per asset and shock, so that which assets a shock hits does not depend on
        # the other shocks or on the number of matching assets elsewhere.
        u = gen.random((len(self._shocks), w.n_assets))[number]
        return match[u[match] < shock.probability]

    def damage_assets(self, targets: np.ndarray, label: str) -> None:
        """Damage assets (a shock or a sabotage): down until a crew repairs them."""
        a = self.assets
        new = targets[~a.damaged[targets]]
        a.damaged[new] = True
        a.damaged_at[new] = self.hour
        for i in new:
            self.log_event("shock", i, label)

    def compromise_assets(
        self, operator: int, assets: np.ndarray, dwell_hours: float, label: str
    ) -> None:
        """Take some of an operator's assets down for ``dwell_hours`` (a cyber intrusion)."""
        until = self.hour + dwell_hours
        c = self.assets.compromised_until
        c[assets] = np.maximum(c[assets], until)
        self.log_event(
            "compromised",
            -1,
            f"{self.world.operators.names[operator]}: {label}, {len(assets)} assets, "
            f"{dwell_hours:.0f} h",
        )

    def refresh_capacity(self) -> None:
        """Recompute sector capacity at the next sector phase (after a lever changed it)."""
        self._capacity = None

    def log_event(self, kind: str, asset: int, detail: str = "") -> None:
        """Record an event for ``events.parquet`` (asset -1: not about one asset)."""
        self.events.append((self.hour, kind, int(asset), detail))

    # ------------------------------------------------------------------------------ results
    def summary(self) -> dict[str, Any]:
        """One row of ``summary.parquet`` (DESIGN.md section 8) for this replicate."""
        row: dict[str, Any] = {
            "scenario": self.cfg.scenario.name,
            "mitigation": self.cfg.mitigation.name,
            "replicate": self.replicate,
            "seed": self.seed,
        }
        row.update({f"loss_{s}": float(self.loss[i]) for i, s in enumerate(SECTORS)})
        row["total_loss"] = total_loss(self)
        row.update(
            unmet_need_person_hours=float(self.people.state.unmet.sum()),
            min_trust=self.people.min_trust,
            peak_belief=self.people.peak_belief,
            peak_displaced=float(self.people.state.peak_displaced.sum()),
        )
        row.update(
            **{f"n_{a}": self.attempts[a] for a in ACTIONS},
            **{f"n_{a}_success": self.successes[a] for a in ACTIONS},
            mitigation_cost_meur=package_cost(self.cfg.mitigation),
        )
        low, high = package_cost_range(self.cfg.mitigation)
        row.update(mitigation_cost_low_meur=low, mitigation_cost_high_meur=high)
        done = self.national_service[: max(self.steps, 1)]
        lowest = min_service(done)
        hours, status = time_to_recover(done, self.dt)
        for i, s in enumerate(SECTORS):
            row[f"min_service_{s}"] = float(lowest[i])
        for i, s in enumerate(SECTORS):
            row[f"recovery_h_{s}"] = float(hours[i])
            row[f"recovery_status_{s}"] = status[i]
        row["population"] = float(self.people.groups.size.sum())
        row.update(self.transit.summary(self.hour + self.dt))
        activation = self.crisis_centre.activation_hour
        row["decision_activation_h"] = np.nan if activation is None else float(activation)
        row["cells_found"] = self.cells_found
        return row


def sector_matrix(cfg: RunConfig, world: World) -> np.ndarray:
    """The A* the model uses, checked against the asset graph so no dependency counts twice."""
    if cfg.sectors.a_star is not None:
        a_star = np.asarray(cfg.sectors.a_star, dtype=float)
    else:
        a_star = interdependency.load_interdependency(
            data_path(cfg.sectors.interdependency_file)
        ).a_star
    for dependent, supplier in sorted(world.sector_pairs_in_graph()):
        value = a_star[SECTOR_INDEX[dependent], SECTOR_INDEX[supplier]]
        if value != 0:
            raise ConfigError(
                "sectors.a_star",
                f"entry {dependent} <- {supplier} is {value:g}, but the asset graph already "
                "carries that physical dependency; it must be 0",
            )
    return a_star
