"""The Mesa model: one replicate of a scenario on a world, stepped hour by hour.

Read :meth:`HybridThreatModel.step` to know the model: it is the whole order of a step, one
phase per line, each phase a function over arrays.

**Read-only interface.** After (or during) a run, users, tests and the results writer read:
``recorded_service`` (records x regions x sectors), ``recorded_regions`` (the per-region series
of ``timeseries.parquet``), ``recorded_hours``, ``national_service`` (steps x sectors),
``loss`` (person-hours per sector), ``regional`` (per-region outcomes), ``dependents``,
``events``, ``datacollector``, :meth:`HybridThreatModel.summary`, the world
(``world``), the state objects (``assets``, ``operators``, ``sectors``, ``responses``,
``campaign``, see :mod:`abm.state`), the layers (``people``, ``transit``, ``host_nation``,
``script``) and the agents. Code outside the model changes the state only through a lever
(:mod:`abm.levers`) or an agent acting on its own rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import mesa
import numpy as np
from omegaconf import DictConfig

from abm import interdependency, weighting
from abm.api import resolve_config
from abm.campaign import ScenarioScript, corridor_cells
from abm.config import RunConfig
from abm.config.exercise import CrisisOrganisationConfig
from abm.dependents import POPULATION_FLOWS, build_dependents
from abm.host_nation import HostNation
from abm.infrastructure import AssetNetwork
from abm.interdependency import sector_matrix
from abm.population import PopulationLayer
from abm.recorder import REPORTERS, Recorder, RegionalOutcomes
from abm.seeding import Streams, replicate_sequence
from abm.state import AssetState, CampaignState, OperatorState, ResponseState, SectorState
from abm.subservices import SubserviceState, SubserviceStep, build_subservices
from abm.summary import summary_row
from abm.transit import Transit
from abm.vocabulary import BEHAVIOURS, EVENT_KINDS, PHASES, SECTORS
from abm.world import build_world
from agents.adversary import AdversaryCell
from agents.crisis_organisation import CrisisOrganisation
from agents.operator import (
    InfrastructureOperator,
    RepairSlowdown,
    TelecomIntrusion,
    dispatch_crews,
    draw_repairs,
    repair_slowdown,
)
from agents.population import PopulationGroup
from agents.responders import CrisisCentre, Defence, SecurityServices, StrategicCommunication
from agents.sector import SectorAgent, direct_inoperability

__all__ = ["EVENT_KINDS", "PHASES", "HybridThreatModel", "sector_matrix"]

#: Seeds are int64 in the results (summary.parquet): a fresh seed keeps to [0, 2**63).
SEED_BITS = 63


def fresh_seed() -> int:
    """A seed from fresh operating-system entropy, for a model built without ``rng``: Mesa's
    clients (``batch_run`` with ``iterations=``) expect a different run each time, and the
    seed, recorded with the results, lets any of them be run again."""
    entropy = np.random.SeedSequence().entropy  # 128 random bits when none is given
    assert isinstance(entropy, int)
    return entropy & ((1 << SEED_BITS) - 1)


def _seed_asked(overrides: Sequence[str], keywords: dict[str, Any]) -> int | None:
    """The seed a caller gave as a config key (``seed=5`` as a keyword or an override) rather
    than as ``rng``: an explicit seed is kept, only an absent one is drawn fresh."""
    if keywords.get("seed") is not None:
        return keywords["seed"]
    for override in overrides:
        key, sep, value = override.partition("=")
        if sep and key.lstrip("+~") == "seed":
            try:
                return int(value)
            except ValueError:
                return None  # composing the config reports it
    return None


#: Inoperability below this counts as none: the IIM recovers geometrically and would otherwise
#: never return exactly to full service (and the population layer never to rest).
INOPERABILITY_FLOOR = 1e-9


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
        rng: The job seed (an int in [0, 2**63)). If omitted, a fresh one is drawn from the
            operating system's entropy (so Mesa's ``batch_run(..., iterations=N)`` gives N
            different runs), unless a ``seed`` is given among ``keywords`` or ``overrides``.
            The seed used is ``model.seed``, the ``seed`` column of the summary row and of the
            DataCollector's records: ``rng=model.seed`` (with the same ``replicate``) runs the
            same replicate again.
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
        if rng is None:
            rng = _seed_asked(overrides, keywords)
        if rng is None:
            rng = fresh_seed()
        cfg, seed = resolve_config(config, rng, scenario, overrides, keywords)
        self.streams = Streams(replicate_sequence(int(seed), replicate))
        super().__init__(rng=self.streams.generator("mesa"))
        self.cfg, self.seed, self.replicate = cfg, int(seed), replicate
        self.dt = float(cfg.dt_hours)
        self.n_steps = round(cfg.horizon_days * 24 / self.dt)
        self.hour = 0.0  # start of the current step, in hours

        world_streams = (
            Streams(np.random.SeedSequence(cfg.world.seed))
            if cfg.world.seed is not None
            else self.streams
        )
        w = self.world = build_world(cfg.world, world_streams.generator("world"))
        self.a_star = sector_matrix(cfg, w)
        self.k = self.dt * np.array([cfg.sectors.k[s] for s in SECTORS])
        #: The weights of total_loss under the run's weighting (configs/weighting).
        self.total_weights = weighting.weights(cfg.weighting)
        margin = np.array([cfg.sectors.reserve_margin[s] for s in SECTORS])
        self.network = AssetNetwork(w, cfg.world.backup_recharge_per_hour)
        # The state: what changes during the run, one owner per kind (abm/state.py).
        r, scale = cfg.responders, cfg.scenario.adversary_budget_scale
        dims = list(cfg.scenario.adversary_dimensions)
        cells = cfg.adversary.cells if dims else {}
        self.assets = AssetState.intact(w)
        self.operators = OperatorState.built(w)
        #: Per region, the share of telecom capacity under an intruder (coupling
        #: cyber_slows_repair), given which operators have one inside.
        self.telecom_intrusion = TelecomIntrusion(w)
        #: The strength of coupling cyber_slows_repair (None: off), and the last slowdown of
        #: repairs with the operators' intruders it was computed for (as bytes).
        slow = cfg.couplings.cyber_slows_repair
        self._slow_repair: float | None = slow.strength if slow.enabled else None
        self._slowdown: tuple[bytes, RepairSlowdown | None] = (b"", None)
        self.sectors = SectorState.whole(w.regions.n, margin)
        #: Sub-services of sectors (abm/subservices.py), their state, and the capacity of
        #: their own assets (recomputed with the sectors').
        self.subservices = build_subservices(cfg, w)
        self.subservice_state = SubserviceState.whole(w.regions.n, self.subservices)
        self._subservice_own: np.ndarray | None = None
        #: The working share of the sub-services' own assets, transposed (recomputed with
        #: their capacity), and their step's arithmetic over indices computed once.
        self._subservice_working: np.ndarray | None = None
        self._subservice_step = (
            SubserviceStep(
                self.subservices, w.regions.n, len(BEHAVIOURS), self.k, INOPERABILITY_FLOOR
            )
            if self.subservices.n
            else None
        )
        #: Whether the sub-services were at rest after the last step, and the population's
        #: demand then (a step with the same capacity and demand is skipped).
        self._subservices_calm = False
        self._calm_demand = np.ones((w.regions.n, len(SECTORS)))
        self.responses = ResponseState.standing(
            r.guarded_assets, r.find_rate_per_hour, r.counter_messaging, r.surge_crews
        )
        effort = np.where(corridor_cells(cfg), cfg.scenario.corridor_effort, 1.0)
        self.campaign = CampaignState.start(
            np.array([float(c.budget) * scale for c in cells.values()], dtype=float) * effort
        )
        self.transit = Transit(
            cfg.transit, w, self.n_steps * self.dt, log=self._transit_event, dt_hours=self.dt
        )
        #: Troops housed for months and the NATO and EU institutions' surge (their demand).
        self.host_nation = HostNation(cfg, w, self.dt)
        self.script = ScenarioScript(cfg, w, self.transit, self.campaign, self.dt, self.n_steps)
        self.people = PopulationLayer(
            cfg.population,
            self.script.narratives,
            w.regions,
            self.dt,
            cfg.couplings.hardship_acceptance,
        )
        self.dependents = build_dependents(
            w.regions, cfg.population.reception_baseline_persons, cfg.world.dependents_file
        )
        self.recorder = Recorder(
            self.n_steps,
            round(cfg.record_every_hours / self.dt),
            self.dt,
            w.regions.n,
            np.array([cfg.outcomes.minimum_service[s] for s in SECTORS]),
        )
        self.events: list[tuple[float, str, int, str]] = []

        # Agents register with Mesa (model.agents_by_type); their numbers live in the state.
        for i in range(len(SECTORS)):
            SectorAgent(self, i)
        for i in range(w.operators.n):
            InfrastructureOperator(self, i)
        for i in range(self.people.groups.n):
            PopulationGroup(self, i)
        self.cells = [
            AdversaryCell(self, k, name, c, dims) for k, (name, c) in enumerate(cells.items())
        ]
        self._cell_acts = self.script.cell_schedule(self.streams)
        self.crisis_centre = CrisisCentre(self)
        self.defence = Defence(self)
        self.security_services = SecurityServices(self)
        self.strategic_communication = StrategicCommunication(self)
        # The seed is among the records, so that each row of batch_run's results says how to
        # run it again.
        self.datacollector = mesa.DataCollector(model_reporters={**REPORTERS, "seed": "seed"})

    # ----------------------------------------------------------------------------------- step
    def step(self) -> None:
        """One time step, in this order (DESIGN.md section 4; ``PHASES`` names them)."""
        step = self.steps - 1  # Mesa counts the step being executed from 1
        self.hour = step * self.dt
        self.scenario_events(step)
        self.adversary_actions(step)
        self.asset_failures_and_cascade()
        self.repairs()
        self.sector_service()
        self.population()
        self.responders(step)
        self.allied_transit()
        self.record(step)
        if step + 1 >= self.n_steps:
            self.running = False
            if step % self.recorder.every:
                self.datacollector.collect(self)  # batch_run reads the last record: the end

    def scenario_events(self, step: int) -> None:
        """Timed events land (shocks, narratives, hazards, drones, phases, levers); hazards and
        migration-push arrivals not yet placed shift demand."""
        self.script.land(self, step)

    def adversary_actions(self, step: int) -> None:
        """Each cell due to act now takes one action (in a synchronised window, if any); with
        the ``local_recruits`` coupling, active cells recruit where trust has fallen, and their
        recruits sabotage when the cell acts and they have the points."""
        if not self.cells:
            return
        recruits = self.cfg.couplings.local_recruits
        if recruits.enabled:
            AdversaryCell.recruit_all(self.cells, recruits.strength, self.dt)
        for k in self.script.acting.get(step, ()):  # the columns of self._cell_acts
            cell = self.cells[k]
            if cell.can_act():
                cell.act(self.streams.at_step(f"adversary:{cell.name}", step))
            if recruits.enabled and cell.proxies_can_act():
                cell.proxy_sabotage(self.streams.at_step(f"recruits:{cell.name}", step))

    def asset_failures_and_cascade(self) -> None:
        """Recompute which assets work from the current damage, and spend backups; assets
        whose manual or degraded operation has ended are back at full capacity."""
        restored = self.assets.end_degradation(self.hour)
        changed = self.network.cascade(self.assets, self.hour, self.dt)
        for i in changed:
            self.log_event("restored" if self.assets.working[i] else "failure", i)
        if changed.size or restored:
            self.sectors.capacity = None  # sector capacity must be recomputed

    def repairs(self) -> None:
        """Operators send free crews to damaged assets, most critical first; repairs finish.
        With the ``cyber_slows_repair`` coupling, repairs go slower where telecom operators, and
        at operators, have an intruder inside."""
        if not self.assets.damaged.any():
            return  # no repair to start or finish (an asset under repair is damaged)
        slowdown = None
        if self._slow_repair is not None:
            intruded = self.operators.intruded_until > self.hour
            # With no intruder anywhere the slowdown is 1 everywhere: work goes at the drawn
            # pace. It depends on nothing else, so it is computed again only when they change.
            key = intruded.tobytes()
            if key != self._slowdown[0] and intruded.any():
                share = self.telecom_intrusion(intruded)
                factor = repair_slowdown(share, intruded, self.world, self._slow_repair)
                self._slowdown = (key, RepairSlowdown(factor))
            slowdown = self._slowdown[1] if key == self._slowdown[0] else None
        started, done = dispatch_crews(
            self.assets, self.operators, self.world, self.hour, self.dt, slowdown
        )
        for i in started:  # the hours of work drawn (slower under cyber_slows_repair)
            self.log_event("repair_start", i, f"{self.assets.repair_hours[i]:.1f} h")
        for i in done:
            self.log_event("repaired", i)

    def sector_service(self) -> None:
        """Capacity of working assets -> direct inoperability c* -> IIM step per region.

        A sector with sub-services (abm/subservices.py) steps each of them with its own
        capacity (its own assets, plus restocking) and demand (raised by its own behaviour);
        the sector's inoperability is their need-weighted mean.
        """
        stale = self.sectors.capacity is None
        capacity = self.network.capacity(self.assets, self.sectors)
        added = self.transit.demand + self.script.demand + self.host_nation.demand
        demand = self.people.demand + added
        s, subs = self.sectors, self.subservices
        if not subs.n:
            capacity = self.crisis_centre.supply_from_stock(capacity, demand)
            c_star = direct_inoperability(capacity, demand)
            if not c_star.any() and not s.inoperability.any():
                return  # whole service stays whole
            q = interdependency.step(s.inoperability, self.a_star, c_star, self.k)
            q[q < INOPERABILITY_FLOOR] = 0.0
            s.inoperability = q
            return
        sub = self.subservice_state
        if (
            self._subservices_calm
            and not stale
            and not added.any()
            and np.array_equal(self.people.demand, self._calm_demand)
            and not (self.people.demand_lift != 1.0).any()
        ):
            return  # whole service with the same capacity and demand stays whole
        kernel = self._subservice_step
        assert kernel is not None  # built whenever there are sub-services
        if stale or self._subservice_own is None or self._subservice_working is None:
            own = subs.capacity(self.world, self.assets, s.capacity_factor)
            self._subservice_own = own
            self._subservice_working = (own / s.capacity_factor[subs.sector]).T
        own = self._subservice_own
        # Columns of the combined table: the sectors, then the sub-services; the kernel's
        # arrays are transposed, (columns, regions) (abm.subservices.SubserviceStep).
        sub_demand, competing = kernel.demand(self.people.demand, self.people.demand_lift, added)
        step = round(self.hour / self.dt)
        kernel.restock(sub, step, sub_demand, own.T, self._subservice_working)
        n_s = len(SECTORS)
        both = np.concatenate([capacity, own + sub.extra], axis=1)
        if self.responses.released.any():  # released stock covers shortfalls (none: nothing)
            both = self.crisis_centre.supply_from_stock(
                both, np.concatenate([demand, sub_demand.T], axis=1), subs
            )
        sub.demand, sub.capacity = sub_demand.T, both[:, n_s:]
        # Direct inoperability of every column (sub-services against the demand that competes
        # with normal need), the split sectors' the mean of their sub-services'.
        c = direct_inoperability(both.T, np.concatenate([demand.T, competing]), out=True)
        kernel.sector_mean(c)
        active = np.count_nonzero(c) > 0
        q = np.concatenate([s.inoperability.T, sub.inoperability.T])
        if active or np.count_nonzero(q):
            q = kernel.advance(s.inoperability, q, self.a_star, c)
            s.inoperability, sub.inoperability = q[:n_s].T.copy(), q[n_s:].T
        self.recorder.record_subservices(step, sub, self.world.regions.population)
        # At rest: every service whole and no extra delivery under way (the next step with the
        # same capacity and demand would change nothing, and is skipped).
        self._subservices_calm = not (
            active
            or np.count_nonzero(q)
            or np.count_nonzero(sub.extra)
            or np.count_nonzero(sub.pending)
        )
        if self._subservices_calm:
            self._calm_demand = self.people.demand.copy()

    def population(self) -> None:
        """Needs and stocks, narratives, trust, displacement; then next step's demand."""
        self.people.stifling_multiplier = float(self.responses.stifling_multiplier)
        self.people.step(self.sectors.inoperability, self.hour)

    def responders(self, step: int) -> None:
        """Crisis centre decides; once measures are active, responders use their means."""
        self.crisis_centre.observe()
        active = self.crisis_centre.active
        if active:
            self.crisis_centre.apply_measures()
            self.strategic_communication.act()
        if active or self.transit.deploying(self.hour):
            self.defence.guard()
        if self.security_services.searching():  # else no draw is used: no stream positioned
            self.security_services.search(self.streams.at_step("security", step))

    def _transit_event(self, kind: str, detail: str) -> None:
        """Log a transit event (a train or convoy leaving or crossing, a serial delivered)."""
        self.log_event(kind, -1, detail)

    def allied_transit(self) -> None:
        """Serials land, stage and cross the corridors; they draw host-nation support. Housed
        troops count the support delivered; the institutions surge while Defence deploys or
        the crisis centre's measures are active."""
        service = 1.0 - self.sectors.inoperability  # read by both, written by neither
        if self.transit.n:
            self.transit.step(self.hour, self.assets.working, service)
        self.host_nation.step(
            self.hour,
            service,
            self.assets.working,
            surge=self.crisis_centre.active or self.transit.deploying(self.hour),
        )

    def record(self, step: int) -> None:
        """Accumulate the outcomes; store the recorded series at the recording interval."""
        present = self.recorder.present(self.people)
        reception = (
            self.people.demand[:, POPULATION_FLOWS]
            + self.script.demand[:, POPULATION_FLOWS]
            + self.transit.demand[:, POPULATION_FLOWS]
        )
        dependents = self.dependents.now(present, reception)
        if self.recorder.record(step, dependents, self.sectors.inoperability, present, self.people):
            self.datacollector.collect(self)

    # -------------------------------------------------------------------------- services
    def organise_crisis(self, cfg: CrisisOrganisationConfig) -> CrisisOrganisation:
        """Add the crisis organisation of a table-top exercise (its phases and the delays of
        the players' decisions, :mod:`abm.exercise`); ordinary runs have none."""
        return CrisisOrganisation(self, cfg)

    def damage_assets(self, targets: np.ndarray, label: str) -> None:
        """Damage assets (a shock or a sabotage): down until a crew repairs them. How long each
        repair takes is drawn now, from the ``repair`` stream at this step (common random
        numbers: no lever can change it)."""
        new = self.assets.undamaged(np.asarray(targets, dtype=np.int64))
        if not new.size:
            return
        step = round(self.hour / self.dt)
        repair, lead = draw_repairs(
            self.world, self.operators, new, self.streams.at_step("repair", step)
        )
        self.assets.damage(new, self.hour, repair, lead)
        for i, wait in zip(new, lead, strict=True):
            self.log_event("shock", i, label + (f", long-lead item {wait:.0f} h" if wait else ""))

    def intrude(self, operators: np.ndarray, until: np.ndarray, label: str) -> None:
        """Intruders enter ``operators`` and stay until the matching hour of ``until``, when
        they are detected and evicted; an intruder already inside stays until its own eviction
        (a re-attack from inside is no new intrusion)."""
        present = self.operators.intruded_until[operators] > self.hour
        for op, end in zip(operators[~present], until[~present], strict=True):
            self.operators.intruded_until[op] = end
            name, dwell = self.world.operators.names[op], end - self.hour
            self.log_event("intrusion", -1, f"{name}: {label}, evicted after {dwell:.0f} h")

    def compromise_assets(
        self,
        assets: np.ndarray,
        outage_hours: np.ndarray,
        degraded_hours: np.ndarray,
        capacity: np.ndarray,
        label: str,
    ) -> None:
        """The effect of a cyber attack on ``assets`` (the other arrays match them): each is out
        of service for its ``outage_hours``, then runs at ``capacity`` (a share) until
        ``degraded_hours`` from now (manual or degraded operation), then fully again. One
        event per operator hit."""
        self.assets.compromise(assets, self.hour + outage_hours)
        slow = degraded_hours > outage_hours
        if slow.any():
            self.assets.degrade(
                assets[slow], self.hour + degraded_hours[slow], capacity[slow], self.hour
            )
            self.sectors.capacity = None  # sector capacity must be recomputed
        owner = self.world.asset_operator[assets]
        for op in np.unique(owner):
            mine = owner == op
            detail = f"{mine.sum()} assets, outage {outage_hours[mine].max():.0f} h"
            if slow[mine].any():
                share = capacity[mine & slow].min()
                detail += f", {share:.0%} capacity for {degraded_hours[mine].max():.0f} h"
            self.log_event(
                "compromised", -1, f"{self.world.operators.names[op]}: {label}, {detail}"
            )

    def trip_assets(self, assets: np.ndarray, hours: np.ndarray, label: str) -> None:
        """Trip ``assets`` without damage: each is out of service for the matching ``hours``
        (until it is re-energised)."""
        self.assets.compromise(assets, self.hour + hours)
        for i, h in zip(assets, hours, strict=True):
            self.log_event("tripped", i, f"{label}, re-energised after {h:.1f} h")

    def log_event(self, kind: str, asset: int, detail: str = "") -> None:
        """Record an event for ``events.parquet`` (asset -1: not about one asset)."""
        self.events.append((self.hour, kind, int(asset), detail))

    # ------------------------------------------------------------------- read-only views
    @property
    def population_share(self) -> np.ndarray:
        """Share of the national population present in each region (as of the last step)."""
        return self.people.present_share()

    @property
    def inoperability(self) -> np.ndarray:
        """Inoperability (1 - service) per region and sector now."""
        return self.sectors.inoperability

    @property
    def loss(self) -> np.ndarray:
        """Person-hours of service lost so far, per sector."""
        return self.recorder.loss

    @property
    def national_service(self) -> np.ndarray:
        """National service per step and sector, weighted by each sector's dependents."""
        return self.recorder.national_service

    @property
    def regional(self) -> RegionalOutcomes:
        """Per region and sector: person-hours lost, hours below minimum service, lowest
        service, people affected, dependents at the start."""
        return self.recorder.regional

    @property
    def recorded_service(self) -> np.ndarray:
        """Service per recorded time, region and sector."""
        return self.recorder.service

    @property
    def recorded_regions(self) -> dict[str, np.ndarray]:
        """Per-region series per recorded time: population, displaced_in, trust, belief."""
        return self.recorder.regions

    @property
    def recorded_hours(self) -> np.ndarray:
        """Hour of each recorded row."""
        return self.recorder.hours

    def summary(self) -> dict[str, Any]:
        """One row of ``summary.parquet`` (DESIGN.md section 8) for this replicate."""
        return summary_row(self)
