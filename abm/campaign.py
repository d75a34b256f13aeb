"""The scenario script: what happens when, and where the adversary may aim.

Everything a scenario times lands here, in the ``scenario`` phase at the start of a step:
scripted shocks (with their target selection), seeded narratives, natural hazards (damage,
evacuation and the demand they shift while they last), drone incursions, migration pushes,
campaign phases and the start of each mitigation lever. The script also holds what the adversary
knows of the world before the campaign starts (which assets sabotage may aim at, how operators
are linked, what each action costs) and when each cell acts (its tempo inside the windows and
phases), drawn once so that it does not depend on any mitigation.

Every draw comes from a stream positioned at the step (``hazard``, ``natural_hazard``), so an
event's targets do not depend on what happened before it.

The script also holds how cyber attacks play out (:class:`CyberEffects`): which operators share
IT with which (where a compromise spreads), and what an intrusion does to each asset type.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from abm.config import (
    DroneIncursionConfig,
    HazardConfig,
    NarrativeSeedConfig,
    PhaseConfig,
    RunConfig,
    ShockConfig,
)
from abm.cyber import CyberEffects, it_links
from abm.levers import apply_lever
from abm.reception import Reception
from abm.seeding import Streams
from abm.state import CampaignState
from abm.transit import Transit
from abm.vocabulary import ACTIONS, BEHAVIOURS, SECTOR_INDEX, SECTORS
from abm.world import World

if TYPE_CHECKING:
    from abm.interfaces import ModelView


#: Asset types of the designated transit corridors (ports, the Montzen line, the eastern
#: motorways, the bridges of the exceptional transports, the Albert Canal's locks): a scenario
#: whose sabotage targets only these goes for the corridors.
CORRIDOR_TYPES = ("port", "eastern_rail", "eastern_motorway", "heavy_bridge", "canal_lock")


def aims_at_corridors(cfg: RunConfig) -> bool:
    """Whether the scenario's sabotage goes for the transit corridors: its target types are
    corridor types only, or a campaign phase focuses on the corridors while serials move."""
    sc = cfg.scenario
    targets = sc.adversary_target_types
    return any(p.corridor_focus for p in sc.adversary_phases) or (
        bool(targets) and all(t in CORRIDOR_TYPES for t in targets)
    )


def corridor_cells(cfg: RunConfig) -> np.ndarray:
    """Per cell of the campaign, whether it is a corridor-focused sabotage cell: sabotage is its
    only capability, in a scenario that aims sabotage at the corridors
    (:func:`aims_at_corridors`). ``scenario.corridor_effort`` scales their budgets and tempo."""
    cells = cfg.adversary.cells if cfg.scenario.adversary_dimensions else {}
    aimed = aims_at_corridors(cfg)
    return np.array(
        [
            aimed and {a for a, v in c.capabilities.items() if v > 0} == {"sabotage"}
            for c in cells.values()
        ],
        dtype=bool,
    )


class ScenarioScript:
    """The timed events of one run and the adversary's view of the world.

    Args:
        cfg: The run's config.
        world: The world it runs on.
        transit: The allied transit (sabotage may focus on its routes).
        campaign: The campaign state (the phase under way).
        dt: Hours per step.
        n_steps: Steps in the run.
    """

    def __init__(
        self,
        cfg: RunConfig,
        world: World,
        transit: Transit,
        campaign: CampaignState,
        dt: float,
        n_steps: int,
    ) -> None:
        sc, w = cfg.scenario, world
        self.cfg, self.world, self.transit, self.campaign = cfg, world, transit, campaign
        self.dt, self.n_steps = dt, n_steps
        self.dimensions = list(sc.adversary_dimensions)
        #: Per action type, whether this run carries it out (False: another part's action, in
        #: a run that measures one part of the campaign).
        self.carried_out = np.array([a in (sc.adversary_part or self.dimensions) for a in ACTIONS])
        #: The cells of the campaign (none when the scenario gives them no dimension).
        self.cell_names = list(cfg.adversary.cells) if self.dimensions else []
        self.shocks = list(sc.shocks)
        self.hazards = list(sc.hazards)
        self.drones = list(sc.drone_incursions)
        self.phases: list[PhaseConfig] = list(sc.adversary_phases) if self.cell_names else []
        self.levers = list(cfg.mitigation.levers.values())
        scripted = list(sc.narratives)
        adversary = (
            [
                NarrativeSeedConfig(
                    name=f"adversary_{b}",
                    behaviour=b,
                    at_hour=0.0,
                    virality=cfg.adversary.disinformation.virality,
                    seed_fraction=cfg.adversary.disinformation.seed_fraction,
                    amplification=cfg.adversary.disinformation.amplification,
                    amplification_hours=cfg.adversary.disinformation.amplification_hours,
                )
                for b in BEHAVIOURS
            ]
            if "disinformation" in self.dimensions
            else []
        )
        self.scripted_narratives = scripted
        #: Every narrative of the run: the scenario's, then one per behaviour the adversary
        #: can push (the narrative axis of the population layer).
        self.narratives = scripted + adversary
        #: Index of the adversary's narrative per behaviour, and the weights it picks them by.
        self.adversary_narratives = [len(scripted) + k for k in range(len(adversary))]
        self.behaviour_weights = np.array(
            [cfg.adversary.disinformation.behaviours.get(b, 0.0) for b in BEHAVIOURS]
        )
        targets = sc.adversary_target_types
        #: Assets sabotage may aim at in this scenario: of its target types and, when those are
        #: the corridors' alone, on the movement's routes (a section of an eastern motorway
        #: that no serial takes is not what such a campaign goes for).
        self.sabotage_targets = (
            np.isin(w.asset_type, [w.type_names.index(t) for t in targets])
            if targets
            else np.ones(w.n_assets, dtype=bool)
        )
        #: Whether the scenario's sabotage targets are the corridors' alone.
        self._corridor_targets = bool(targets) and all(t in CORRIDOR_TYPES for t in targets)
        if self._corridor_targets and self.transit.n:
            on_route = np.zeros(w.n_assets, dtype=bool)
            on_route[self.transit.corridor_assets] = True
            self.sabotage_targets &= on_route
        self.operator_criticality = np.bincount(
            w.asset_operator, weights=w.criticality, minlength=w.operators.n
        )
        #: Operators linked by shared IT, vendors or managed services: where a cyber compromise
        #: can spread (supply links carry none).
        self.operator_links = it_links(cfg, w)
        self.ransomware_sectors = {SECTOR_INDEX[s] for s in cfg.adversary.cyber.ransomware_sectors}
        self.cyber = CyberEffects(cfg, w)
        provides = [cfg.world.asset_types[t].provides for t in w.type_names]
        #: Per asset: it supplies bulk_power, or power (a grid trip's suppliers).
        self._bulk = np.array([p == "bulk_power" for p in provides])[w.asset_type]
        self._power = np.array([p == "power" for p in provides])[w.asset_type]
        self.action_costs = np.array([cfg.adversary.action_costs.get(a, 1.0) for a in ACTIONS])
        #: Extra demand per region and sector: hazards under way, push arrivals not yet placed.
        self.demand = np.zeros((w.regions.n, len(SECTORS)))
        #: Where migration-push arrivals are until they are placed (normal places spread like
        #: the population, as in :mod:`abm.dependents`).
        self.reception = Reception(
            list(sc.migration_pushes),
            w.regions.population
            / w.regions.population.sum()
            * cfg.population.reception_baseline_persons,
            [w.regions.mask(p.region) for p in sc.migration_pushes],
        )
        self._masks: dict[tuple[str, ...], np.ndarray] = {}
        timed = self.shocks + scripted + self.hazards + self.drones
        due = {self.step_of(x.at_hour) for x in timed}
        due |= {self.step_of(p.start_hour) for p in self.phases}
        due |= {self.step_of(lever.start_hour) for lever in self.levers}
        #: Steps at whose start something lands.
        self.due = frozenset(s for s in due if s < n_steps)
        #: Per step at which some cell acts, those cells, in order (set by
        #: :meth:`cell_schedule`; the model reads it once a step).
        self.acting: dict[int, list[int]] = {}

    def step_of(self, hour: float) -> int:
        """The step at whose start an event lands (its hour rounded up to the time grid)."""
        return math.ceil(hour / self.dt - 1e-9)

    def incident_hours(self) -> np.ndarray:
        """Hours at which the scenario's shocks, hazards and drone incursions land (each one
        incident, however many assets it hits)."""
        timed: list[ShockConfig | HazardConfig | DroneIncursionConfig] = [
            *self.shocks,
            *self.hazards,
            *self.drones,
        ]
        return np.array([self.step_of(x.at_hour) * self.dt for x in timed])

    # ------------------------------------------------------------------------ the phase
    def land(self, model: ModelView, step: int) -> None:
        """Land every event due at the start of ``step``, then set the demand that hazards and
        migration pushes under way shift."""
        if step in self.due:
            self._land_due(model, step)
        self._shift_demand(model.hour)

    def _land_due(self, model: ModelView, now: int) -> None:
        w, people = self.world, model.people
        gen = model.streams.at_step("hazard", now)
        for number, shock in enumerate(self.shocks):
            if self.step_of(shock.at_hour) == now:
                self._land_shock(model, shock, number, gen)
        for number, narrative in enumerate(self.scripted_narratives):
            if self.step_of(narrative.at_hour) == now:
                people.seed(number)
                model.log_event("narrative_seeded", -1, narrative.name)
        natural = model.streams.at_step("natural_hazard", now)
        for number, hazard in enumerate(self.hazards):
            if self.step_of(hazard.at_hour) == now:
                u = natural.random((len(self.hazards), w.n_assets))[number]
                p = np.zeros(w.n_assets)
                for asset_type, prob in hazard.damage.items():
                    p[w.asset_type == w.type_names.index(asset_type)] = prob
                p[~self.region_mask(hazard.regions)[w.asset_region]] = 0.0
                model.log_event("hazard", -1, hazard.name)
                model.damage_assets(np.flatnonzero(u < p), hazard.name)
                if hazard.displaced_share > 0:
                    left = people.evacuate(
                        self.region_mask(hazard.regions),
                        hazard.displaced_share,
                        model.hour + hazard.return_after_hours,
                        w.regions.population,
                    )
                    model.log_event("hazard", -1, f"{hazard.name}: {left:.0f} people displaced")
        for drone in self.drones:
            if self.step_of(drone.at_hour) == now:
                sites = np.flatnonzero(
                    (w.asset_type == w.type_names.index(drone.asset_type))
                    & w.regions.mask(drone.region)[w.asset_region]
                )
                # counter-drone measures (the counter_drone lever) end the closure sooner
                hours = drone.hours * (1.0 - model.assets.drone_cut[sites])
                model.assets.compromise(sites, model.hour + hours)
                shortest = float(hours.min()) if hours.size else drone.hours
                cut = f", {shortest:g} h with counter-drone" if shortest < drone.hours else ""
                model.log_event(
                    "drone_closure",
                    -1,
                    f"{drone.asset_type} in {drone.region}, {drone.hours:g} h{cut}",
                )
        for index, phase in enumerate(self.phases):
            if self.step_of(phase.start_hour) == now:
                self.campaign.phase[...] = index
                model.log_event("phase", -1, phase.name)
        for lever in self.levers:
            if self.step_of(lever.start_hour) == now:
                apply_lever(model, lever)
                model.log_event("mitigation_start", -1, lever.label or lever.kind)

    def _land_shock(
        self, model: ModelView, shock: ShockConfig, number: int, gen: np.random.Generator
    ) -> None:
        """A scripted shock lands: damage, a grid trip, or a cyber attack on its targets."""
        w, label = self.world, shock.label or shock.kind
        targets = self.shock_targets(shock, number, gen)
        if shock.kind == "grid_trip":
            span = shock.restore_hours or self.cfg.world.reenergise_hours
            # re-energised one by one in black-start order, evenly over the restore time
            hours = span * np.arange(1, len(targets) + 1) / max(len(targets), 1)
            model.trip_assets(targets, hours, label)
        elif shock.kind in ("cyber", "ransomware"):
            # one uniform per asset (restore) and per operator (dwell), this shock's row
            u = gen.random((len(self.shocks), w.n_assets))[number]
            u_dwell = gen.random((len(self.shocks), w.operators.n))[number]
            owners = np.unique(w.asset_operator[targets])
            model.intrude(owners, model.hour + self.cyber.dwell(u_dwell[owners]), label)
            outage, restore, capacity, _ = self.cyber.effect(
                targets, u, ransomware=shock.kind == "ransomware"
            )
            model.compromise_assets(targets, outage, restore, capacity, label)
        else:
            model.damage_assets(targets, label)

    def _shift_demand(self, hour: float) -> None:
        """Demand shifted by natural hazards under way and by migration-push arrivals not yet
        placed (:mod:`abm.reception`; moved on by one step at every call)."""
        sc, w = self.cfg.scenario, self.world
        if not sc.hazards and not sc.migration_pushes:
            return
        extra = np.zeros((w.regions.n, len(SECTORS)))
        for hazard in sc.hazards:
            if hazard.at_hour <= hour < hazard.at_hour + hazard.duration_hours:
                regions = self.region_mask(hazard.regions)
                for sector, share in hazard.demand.items():
                    extra[regions, SECTOR_INDEX[sector]] += share
        if sc.migration_pushes:
            # Arrivals stay in reception (at the border, then in the network) until placed.
            extra[:, SECTOR_INDEX["population_flows"]] += self.reception.step(hour, self.dt)
        self.demand = extra

    # ------------------------------------------------------------------------ targets
    def shock_targets(
        self, shock: ShockConfig, number: int, gen: np.random.Generator
    ) -> np.ndarray:
        """The assets a scripted shock hits: every power supplier of the region (grid_loss);
        every power and bulk_power supplier of the region in black-start order, bulk power
        first, then each by criticality, most critical first (grid_trip); the ``count`` most
        critical of a type, or each of a type with a probability (other kinds)."""
        w = self.world
        in_region = w.regions.mask(shock.region)[w.asset_region]
        if shock.kind == "grid_loss":
            power = w.resource_names.index("power")
            providers = np.unique(w.edge_supplier[w.need_resource[w.edge_need] == power])
            return providers[in_region[providers]]
        if shock.kind == "grid_trip":
            grid = np.flatnonzero(in_region & (self._bulk | self._power))
            order = np.lexsort((grid, -w.criticality[grid], ~self._bulk[grid]))
            return grid[order]
        match = np.flatnonzero(in_region & (w.asset_type == w.type_names.index(shock.asset_type)))
        if shock.count is not None:
            order = np.lexsort((match, -w.criticality[match]))
            return match[order[: shock.count]]
        # One uniform per asset and shock, so that which assets a shock hits does not depend on
        # the other shocks or on the number of matching assets elsewhere.
        u = gen.random((len(self.shocks), w.n_assets))[number]
        return match[u[match] < shock.probability]

    def region_mask(self, regions: list[str]) -> np.ndarray:
        """Regions that a list of place names designates; an empty list means everywhere.
        Remembered per list, since hazards ask every step."""
        key = tuple(regions)
        if key not in self._masks:
            w = self.world.regions
            self._masks[key] = w.mask(regions) if regions else np.ones(w.n, dtype=bool)
        return self._masks[key]

    @property
    def phase(self) -> PhaseConfig | None:
        """The campaign phase under way (None before the first or without phases)."""
        index = int(self.campaign.phase)
        return self.phases[index] if index >= 0 else None

    def action_weights(self, crisis_active: bool) -> np.ndarray:
        """Weights of the action types now: the phase's, then the turn on the state once the
        crisis centre has activated measures."""
        w = np.ones(len(ACTIONS))
        phase = self.phase
        if phase is not None:
            w *= [phase.weights.get(a, 1.0) for a in ACTIONS]
        if crisis_active:
            shift = self.cfg.scenario.adversary_crisis_shift
            w[[ACTIONS.index("cyber"), ACTIONS.index("disinformation")]] *= shift
        return w

    def _on_corridors(self, hour: float) -> bool:
        """Whether sabotage now goes for the movement: a phase that focuses on the corridors
        while serials land and move."""
        phase = self.phase
        return phase is not None and phase.corridor_focus and self.transit.deploying(hour)

    def sabotage_candidates(self, hour: float) -> np.ndarray:
        """Assets sabotage may aim at now: the scenario's, or the transit routes while serials
        land and move in a phase that focuses on them."""
        if self._on_corridors(hour):
            focus = np.zeros(self.world.n_assets, dtype=bool)
            focus[self.transit.corridor_assets] = True
            return focus
        return self.sabotage_targets

    def sabotage_value(self, hour: float, candidates: np.ndarray) -> np.ndarray:
        """What hitting each candidate is worth to the cell: the residents it serves (its
        criticality), or, when the sabotage goes for the movement (a corridor-focused phase,
        or target types that are the corridors' alone), the pieces of the movement its loss
        would hold up (:meth:`abm.transit.Transit.exposure`). Such a cell watches the movement
        and strikes where it is about to pass, rather than at a section it has already left;
        with nothing of the movement left to hold up it falls back on the residents served."""
        if self.transit.n and (self._on_corridors(hour) or self._corridor_targets):
            held = self.transit.exposure()[candidates]
            if held.any():
                return held
        return self.world.criticality[candidates]

    def cell_schedule(self, streams: Streams) -> np.ndarray:
        """Per cell and step, whether the cell acts then: its tempo, inside the windows.

        Drawn once from each cell's own stream, so when a cell acts does not depend on what
        any mitigation changes.
        """
        hours = np.arange(self.n_steps) * self.dt
        sc = self.cfg.scenario
        windows = sc.adversary_windows
        open_ = np.zeros(self.n_steps, dtype=bool) if windows else np.ones(self.n_steps, bool)
        for win in windows:
            open_ |= (hours >= win.start_hour) & (hours < win.end_hour)
        intensity = np.ones(self.n_steps)
        for phase in sorted(sc.adversary_phases, key=lambda p: p.start_hour):
            intensity[hours >= phase.start_hour] = phase.intensity
        acts = np.zeros((len(self.cell_names), self.n_steps), dtype=bool)
        effort = np.where(corridor_cells(self.cfg), sc.corridor_effort, 1.0)
        for k, name in enumerate(self.cell_names):
            rate = self.cfg.adversary.cells[name].actions_per_day * effort[k]
            p = np.minimum(1.0, rate * intensity * self.dt / 24.0)
            acts[k] = streams.generator(f"tempo:{name}").random(self.n_steps) < p
        acts &= open_
        acting: dict[int, list[int]] = {}
        for step, cell in zip(*(x.tolist() for x in np.nonzero(acts.T)), strict=True):
            acting.setdefault(step, []).append(cell)  # by step, then cell: in the cells' order
        self.acting = acting
        return acts
