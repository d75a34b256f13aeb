"""Table-top exercises: the crisis organisation decides, turn by turn, against the campaign.

An exercise (``configs/exercise/<name>.yaml``, schema in :mod:`abm.config.exercise`) is a run
of a shipped scenario that pauses at decision points. At each, the players choose measures from
the exercise's catalogue; each measure is decided by the level whose competence it is (a
decision above the phase in force escalates first), turned into orders after that level's
decision hours, slowed by attacks on the state and coinciding incidents, and acts after its own
lead time (:mod:`agents.crisis_organisation`). Injects bring messages; a mass-casualty incident
also loads its region's hospitals.

:class:`ExerciseSession` plays one run, for the dashboard's exercise page and for the headless
replay (``python -m experiments.exercise``): both go through the same calls, so a saved
decisions file replays the played run bit for bit. :func:`after_action` runs the same exercise
on the same random numbers (every stream is positioned by step, so a measure never shifts a
draw) under the alternatives:

- ``played``: the players' decisions, and nothing automatic;
- ``no_decisions``: nobody decides (Defence still guards the movement as planned);
- ``automatic``: today's rule of the crisis centre (alert, decision delay, activation);
- ``package``: today's rule with a mitigation package in place from the start.

The measures' kinds, what each does once its orders take effect:

- ``activate_plan``: the crisis centre's measures, as its automatic rule would activate them:
  release the strategic stock held, call the civil surge crews, strategic communication, guards;
- ``lever``: a mitigation lever (a shipped single-lever package) starts acting;
- ``guards``: Defence guards the named asset types before any other;
- ``release_stock``: the strategic stock of the named sectors is released;
- ``close_airspace``: the airports of the named regions close for the given hours;
- ``communicate``: public communication: counter-messaging at the given effort from then on;
- ``escalate``: declare a phase (its authority convenes its cell).
"""

from __future__ import annotations

import copy
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from omegaconf import OmegaConf

import configs
from abm.api import load_config
from abm.config import LeverConfig, RunConfig
from abm.config.exercise import (
    INJECT_KINDS,
    LEVELS,
    MEASURE_KINDS,
    DecisionConfig,
    DecisionsConfig,
    ExerciseConfig,
    InjectConfig,
    MeasureConfig,
)
from abm.config.scenario import HazardConfig
from abm.config_guard import read_user_yaml
from abm.dependents import build_dependents
from abm.errors import ConfigError
from abm.levers import LEVERS, STOCKED_SECTORS, apply_lever, sector_mask, type_mask
from abm.mitigation import package_cost
from abm.model import HybridThreatModel
from abm.validation import check_declared, validate
from abm.vocabulary import SECTOR_INDEX, SECTORS
from abm.world import load_regions

CONFIGS = Path(configs.__file__).parent
EXERCISE_DIR = CONFIGS / "exercise"
DECISIONS_SUFFIX = "_decisions"
#: The shipped exercises (their example decisions files end in ``_decisions``).
EXERCISES = tuple(
    sorted(p.stem for p in EXERCISE_DIR.glob("*.yaml") if not p.stem.endswith(DECISIONS_SUFFIX))
)
ARMS = ("played", "no_decisions", "automatic", "package")
#: Arms in which the crisis centre's automatic rule activates the measures.
AUTOMATIC_ARMS = ("automatic", "package")
HEALTH = SECTOR_INDEX["health"]
ENERGY = SECTOR_INDEX["energy"]


# ---------------------------------------------------------------------------- records
@dataclass(frozen=True)
class DecisionPoint:
    """A moment the run pauses for the players, and the measures offered there."""

    name: str
    hour: float
    title: str
    measures: tuple[str, ...]


@dataclass(frozen=True)
class Decision:
    """A measure taken at a decision point: when it was decided, when the phase that decides it
    was in force, when it took effect, and what it cost."""

    point: str
    hour: float
    measure: str
    label: str
    level: str
    phase_hour: float
    effective_hour: float
    delay_hours: float
    cost_meur: float


@dataclass(frozen=True)
class Message:
    """An inject as the players read it."""

    hour: float
    kind: str
    title: str
    text: str


# ---------------------------------------------------------------------------- loading
def _read_yaml(key: str, path: Path) -> Any:
    """A YAML file's data, checked as every user-supplied config is (:mod:`abm.config_guard`:
    no resolver, no duplicate key, no foreign ``_target_``)."""
    if not path.is_file():
        raise ConfigError(key, f"an existing file, got {str(path)!r}")
    data = read_user_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError(key, f"{path}: a mapping of keys, got {type(data).__name__}")
    return data


def _structured(schema: type, data: dict[str, Any]) -> Any:
    """``data`` checked against a dataclass schema (unknown keys and wrong types refused)."""
    merged = OmegaConf.merge(OmegaConf.structured(schema), data)
    return OmegaConf.to_object(merged)


def exercise_path(name: str) -> Path:
    """The file of a shipped exercise, or ``name`` itself if it is a YAML file's path."""
    if name in EXERCISES:
        return EXERCISE_DIR / f"{name}.yaml"
    path = Path(name)
    if path.suffix in (".yaml", ".yml") and path.is_file():
        return path
    raise ConfigError("exercise", f"one of: {', '.join(EXERCISES)}, or an exercise file")


class Exercise:
    """A checked exercise: its config, catalogue, levers, decision points, and run configs.

    Args:
        cfg: The exercise's config.

    Raises:
        ConfigError: naming the key, for anything that cannot be played.
    """

    def __init__(self, cfg: ExerciseConfig) -> None:
        self.cfg = cfg
        self.name, self.title, self.description = cfg.name, cfg.title, cfg.description
        self.seed = cfg.seed
        check_declared(cfg.crisis_organisation, "crisis_organisation.")
        shipped("scenario", cfg.scenario, "scenario")
        shipped("mitigation", cfg.mitigation, "mitigation")
        shipped("mitigation", cfg.package, "package")
        base = load_config(
            cfg.scenario,
            overrides=[*cfg.overrides, f"mitigation={cfg.mitigation}"],
            horizon_days=cfg.horizon_days,
            seed=cfg.seed,
        )
        self._base = base
        self._package: dict[str, LeverConfig] | None = None  # composed when first needed
        self.horizon_hours = round(base.horizon_days * 24 / base.dt_hours) * base.dt_hours
        self.measures = {m.name: m for m in cfg.measures}
        if len(self.measures) != len(cfg.measures):
            raise ConfigError("measures", "each measure's name once")
        self.levers = {m.name: self._lever(f"measures[{k}]", m) for k, m in enumerate(cfg.measures)}
        world = load_world_names(base)
        self.injects = sorted(cfg.injects, key=lambda i: i.at_hour)
        self._check_injects(world)
        # a mass-casualty incident loads its area's hospitals as a scenario hazard would
        base.scenario.hazards.extend(casualty_hazards(self.injects, base))
        self._check_measures(base, world)
        self.points = self._points(base)

    # ------------------------------------------------------------------ checks
    def _lever(self, key: str, m: MeasureConfig) -> LeverConfig | None:
        """The lever a ``lever`` or ``communicate`` measure starts (None for other kinds)."""
        if m.kind not in MEASURE_KINDS:
            raise ConfigError(f"{key}.kind", f"one of: {', '.join(MEASURE_KINDS)}")
        if m.level not in LEVELS:
            raise ConfigError(f"{key}.level", f"one of: {', '.join(LEVELS)}")
        if m.kind == "communicate":
            name = "strategic_communication"
        elif m.kind == "lever":
            if m.lever not in LEVERS:
                raise ConfigError(f"{key}.lever", f"one of: {', '.join(LEVERS)}")
            name = m.lever
        else:
            return None
        lever = next(iter(package_levers(name).values()))
        if m.strength is not None:
            lever.strength = m.strength
            lever.strength_low = lever.strength_high = None
        if m.targets is not None:
            lever.targets = list(m.targets)
        lever.label = m.label or m.name
        return lever

    def _check_measures(self, base: RunConfig, w: dict[str, list[str]]) -> None:
        """The measures, and with them the whole run config (its levers' strengths and
        targets, as a package's would be; the injects' hazards)."""
        trial = copy.deepcopy(base)
        for name, lever in self.levers.items():
            if lever is not None:
                trial.mitigation.levers[f"exercise_{name}"] = lever
        validate(trial)
        for k, m in enumerate(self.cfg.measures):
            key = f"measures[{k}]"
            ranges = {
                "lead_hours": (m.lead_hours, m.lead_low_hours, m.lead_high_hours),
                "cost_meur": (m.cost_meur, m.cost_low_meur, m.cost_high_meur),
            }
            for name, (value, low, high) in ranges.items():
                low, high = value if low is None else low, value if high is None else high
                if not 0 <= low <= value <= high < math.inf:
                    raise ConfigError(f"{key}.{name}", "low <= value <= high, all finite >= 0")
            if m.kind == "guards":
                unknown = set(m.targets or []) - set(w["asset_types"])
                if not m.targets or unknown:
                    raise ConfigError(f"{key}.targets", "asset types of the world, at least one")
            if m.kind == "release_stock":
                if not m.targets or set(m.targets) - set(STOCKED_SECTORS):
                    raise ConfigError(f"{key}.targets", f"some of: {', '.join(STOCKED_SECTORS)}")
            if m.kind == "close_airspace":
                if not m.regions or set(m.regions) - set(w["regions"]) or m.hours <= 0:
                    raise ConfigError(
                        f"{key}.regions", "regions or provinces of the world, and hours > 0"
                    )
            if m.kind == "escalate" and m.phase not in LEVELS:
                raise ConfigError(f"{key}.phase", f"one of: {', '.join(LEVELS)}")

    def _check_injects(self, w: dict[str, list[str]]) -> None:
        names = [i.name for i in self.cfg.injects]
        if len(set(names)) != len(names):
            raise ConfigError("injects", "each inject's name once")
        for k, i in enumerate(self.cfg.injects):
            key = f"injects[{k}]"
            if i.kind not in INJECT_KINDS:
                raise ConfigError(f"{key}.kind", f"one of: {', '.join(INJECT_KINDS)}")
            if not 0 <= i.at_hour < self.horizon_hours:
                raise ConfigError(f"{key}.at_hour", f"in [0, {self.horizon_hours:g}) h")
            if i.region is not None and i.region not in w["regions"]:
                raise ConfigError(f"{key}.region", "a region or province of the world")
            if i.kind == "mass_casualty":
                if i.region is None:
                    raise ConfigError(f"{key}.region", "required for a mass-casualty incident")
                if not 0 <= i.hospitalised <= i.injured or i.duration_hours <= 0:
                    raise ConfigError(
                        f"{key}.hospitalised", "0 <= hospitalised <= injured, duration > 0"
                    )

    def _points(self, base: RunConfig) -> list[DecisionPoint]:
        """The decision points with their hours, in order (before the horizon only)."""
        cfg = self.cfg
        injects = {i.name: i.at_hour for i in cfg.injects}
        phases = {p.name: p.start_hour for p in base.scenario.adversary_phases}
        points: list[DecisionPoint] = []
        for k, p in enumerate(cfg.decision_points):
            key = f"decision_points[{k}]"
            given = [x is not None for x in (p.at_hour, p.after_inject, p.at_phase)]
            if sum(given) != 1:
                raise ConfigError(key, "exactly one of at_hour, after_inject, at_phase")
            if p.after_inject is not None and p.after_inject not in injects:
                raise ConfigError(f"{key}.after_inject", f"one of: {', '.join(injects)}")
            if p.at_phase is not None and p.at_phase not in phases:
                raise ConfigError(f"{key}.at_phase", f"one of: {', '.join(phases) or 'none'}")
            unknown = set(p.measures) - set(self.measures)
            if unknown:
                raise ConfigError(
                    f"{key}.measures", f"measures of the catalogue: {sorted(unknown)}"
                )
            hour = (
                p.at_hour
                if p.at_hour is not None
                else injects[p.after_inject]
                if p.after_inject is not None
                else phases[str(p.at_phase)]
            )
            if hour < 0:
                raise ConfigError(f"{key}.at_hour", ">= 0")
            points.append(DecisionPoint(p.name, float(hour), p.title or p.name, tuple(p.measures)))
        if cfg.every_hours is not None:
            if cfg.every_hours <= 0:
                raise ConfigError("every_hours", "> 0, or null")
            hour = cfg.every_hours
            while hour < self.horizon_hours:
                points.append(DecisionPoint(f"hour_{hour:g}", hour, f"Hour {hour:g}", ()))
                hour += cfg.every_hours
        names = [p.name for p in points]
        if len(set(names)) != len(names):
            raise ConfigError("decision_points", "each point's name once")
        return sorted((p for p in points if p.hour < self.horizon_hours), key=lambda p: p.hour)

    # ------------------------------------------------------------------ use
    def offered(self, point: DecisionPoint) -> list[MeasureConfig]:
        """The measures offered at ``point``: its list, or the whole catalogue, less those
        not offered yet at its hour."""
        names = point.measures or tuple(self.measures)
        return [self.measures[n] for n in names if self.measures[n].from_hour <= point.hour]

    def run_config(self, arm: str) -> RunConfig:
        """The run config of an arm: the scenario with what the country holds, plus the
        package's levers in the ``package`` arm."""
        if arm not in ARMS and arm != "shifted":
            raise ConfigError("arm", f"one of: {', '.join(ARMS)}")
        cfg = copy.deepcopy(self._base)
        if arm == "package":
            if self._package is None:
                self._package = package_levers(self.cfg.package, key="package")
            for key, lever in self._package.items():
                cfg.mitigation.levers.setdefault(key, copy.deepcopy(lever))
            cfg.mitigation.name = (
                self.cfg.package
                if self.cfg.mitigation == "none"
                else f"{self.cfg.mitigation}+{self.cfg.package}"
            )
        return cfg


def shipped(group: str, name: str, key: str) -> Path:
    """The file of a shipped config of ``group`` (``configs/<group>/<name>.yaml``), or
    :class:`ConfigError` naming ``key`` with the shipped names."""
    path = CONFIGS / group / f"{name}.yaml"
    if not path.is_file():
        names = sorted(p.stem for p in (CONFIGS / group).glob("*.yaml"))
        raise ConfigError(key, f"one of: {', '.join(names)}")
    return path


def package_levers(name: str, key: str = "lever") -> dict[str, LeverConfig]:
    """The levers of a shipped mitigation package (``configs/mitigation/<name>.yaml``), read
    from its file against the lever schema (composing a whole run config for each would cost
    half a second)."""
    data = _read_yaml(key, shipped("mitigation", name, key))
    if "defaults" in data:  # a package composed of others (combined): as a run composes it
        return dict(load_config(overrides=[f"mitigation={name}"]).mitigation.levers)
    return {k: _structured(LeverConfig, v) for k, v in (data.get("levers") or {}).items()}


def casualty_hazards(injects: list[InjectConfig], cfg: RunConfig) -> list[HazardConfig]:
    """A hazard without damage per mass-casualty inject: for its duration, the hospitalised
    add to the health demand of its area (a region or a province) as a share of the area's
    hospital patients (the health sector's dependents)."""
    casualties = [i for i in injects if i.kind == "mass_casualty"]
    if not casualties:
        return []
    regions = load_regions(cfg.world.regions_file)
    patients = build_dependents(
        regions, cfg.population.reception_baseline_persons, cfg.world.dependents_file
    ).count[:, HEALTH]
    return [
        HazardConfig(
            name=i.name,
            at_hour=i.at_hour,
            duration_hours=i.duration_hours,
            regions=[str(i.region)],
            demand={
                "health": i.hospitalised
                / max(float(patients[regions.mask(str(i.region))].sum()), 1.0)
            },
        )
        for i in casualties
    ]


def load_world_names(cfg: RunConfig) -> dict[str, list[str]]:
    """The asset types of a config's world, and the keys of its regions and provinces."""
    regions = load_regions(cfg.world.regions_file)
    return {
        "asset_types": list(cfg.world.asset_types),
        "regions": sorted(set(regions.keys) | set(regions.province)),
    }


def load_exercise(name: str) -> Exercise:
    """A shipped exercise by name, or an exercise file, checked.

    Raises:
        ConfigError: naming the key, for an unknown exercise or a bad value.
    """
    path = exercise_path(name)
    data = _read_yaml("exercise", path)
    return Exercise(_structured(ExerciseConfig, data))


def load_decisions(path: str | Path) -> DecisionsConfig:
    """A decisions file, checked against its schema (not yet against an exercise)."""
    data = _read_yaml("decisions", Path(path))
    return _structured(DecisionsConfig, data)


# ---------------------------------------------------------------------------- the model
class ExerciseModel(HybridThreatModel):
    """The model of one arm of an exercise: the run, with injects, the crisis organisation,
    and the measures the players decide landing when their orders take effect.

    Args:
        cfg: The arm's run config (:meth:`Exercise.run_config`).
        exercise: The exercise.
        automatic: Whether the crisis centre's automatic rule activates the measures.
        rng: The seed; replicate: the replicate.
    """

    def __init__(
        self,
        cfg: RunConfig,
        *,
        exercise: Exercise,
        automatic: bool,
        rng: int,
        replicate: int = 0,
    ) -> None:
        super().__init__(cfg, rng=rng, replicate=replicate)
        self.exercise = exercise
        self.crisis_centre.automatic = automatic
        self.crisis_organisation = self.organise_crisis(exercise.cfg.crisis_organisation)
        # incident reports count as incidents (a mass casualty does already, as a hazard)
        self.crisis_centre.add_incidents(
            np.array(
                [
                    self.script.step_of(i.at_hour) * self.dt
                    for i in exercise.injects
                    if i.kind == "incident_report"
                ]
            )
        )
        #: Injects by the step they land at; measures ordered, by the step they take effect.
        self._injects: dict[int, list[int]] = {}
        for k, inject in enumerate(exercise.injects):
            self._injects.setdefault(self.script.step_of(inject.at_hour), []).append(k)
        self._pending: dict[int, list[MeasureConfig]] = {}
        self.messages: list[Message] = []
        self.communicating = False

    @property
    def clock(self) -> float:
        """The hour the run has reached (the end of the last step)."""
        return self.steps * self.dt

    # ------------------------------------------------------------ phases of a step
    def scenario_events(self, step: int) -> None:
        """The scenario's events (a mass-casualty incident's health demand among them, as a
        hazard: :func:`casualty_hazards`), then the injects and the measures due now."""
        super().scenario_events(step)
        for k in self._injects.get(step, ()):
            self._land_inject(k)
        for measure in self._pending.pop(step, ()):
            self._take_effect(measure)

    def responders(self, step: int) -> None:
        """The responders as in every run; then the crisis organisation observes; measures the
        players took outside the crisis centre's activation keep acting (released fuel refuels
        generators, communication goes on, guards go where they were sent)."""
        super().responders(step)
        self.crisis_organisation.observe()
        if self.crisis_centre.active:
            return
        res = self.responses
        if res.released[ENERGY] and res.stock_left[ENERGY] > 0:
            self.crisis_centre.refuel_generators()
        if self.communicating:
            self.strategic_communication.act()
        if self.defence.focus is not None and not self.transit.deploying(self.hour):
            self.defence.guard()

    # ------------------------------------------------------------ injects and measures
    def _land_inject(self, k: int) -> None:
        inject = self.exercise.injects[k]
        self.messages.append(
            Message(self.hour, inject.kind, inject.title or inject.name, inject.text)
        )
        self.log_event("inject", -1, f"{inject.kind}: {inject.title or inject.name}")
        if inject.kind == "mass_casualty":
            self.crisis_organisation.casualties.append((self.hour, inject.injured))

    def order(self, name: str, point: str) -> Decision:
        """The players decide measure ``name`` now: it takes effect when the level whose
        competence it is has given orders (escalating first if needed) and its lead time has
        passed."""
        m = self.exercise.measures[name]
        now = self.clock
        org = self.crisis_organisation
        if m.kind == "escalate":
            level = str(m.phase)
            phase_hour = org.escalate(
                LEVELS.index(level) + 1, f"declared by decision ({name})", now
            )
            delay = phase_hour - now
        else:
            level = m.level
            delay, phase_hour = org.decision_delay(level, now)
        effective = now + delay + m.lead_hours
        step = max(math.ceil(effective / self.dt - 1e-9), self.steps)
        self._pending.setdefault(step, []).append(m)
        decision = Decision(
            point=point,
            hour=now,
            measure=name,
            label=m.label or name,
            level=level,
            phase_hour=phase_hour,
            effective_hour=step * self.dt,
            delay_hours=step * self.dt - now,
            cost_meur=m.cost_meur,
        )
        self.events.append(
            (
                now,
                "decision",
                -1,
                f"{decision.label} ({level}), effective at hour {step * self.dt:g}",
            )
        )
        return decision

    def _take_effect(self, m: MeasureConfig) -> None:
        """A decided measure acts from now on."""
        label = m.label or m.name
        if m.kind == "activate_plan":
            self.crisis_centre.activate(f"{label}, decided by the crisis organisation")
        elif m.kind in ("lever", "communicate"):
            lever = self.exercise.levers[m.name]
            assert lever is not None  # built for these kinds
            apply_lever(self, lever)
            self.communicating |= m.kind == "communicate"
            self.log_event("mitigation_start", -1, label)
        elif m.kind == "guards":
            self.defence.focus = np.flatnonzero(type_mask(self.world, list(m.targets or [])))
        elif m.kind == "release_stock":
            res = self.responses
            res.released |= sector_mask(list(m.targets or [])) & (res.stockpile > 0)
            self.log_event("mitigation_start", -1, f"{label}: stock released")
        elif m.kind == "close_airspace":
            w = self.world
            airports = w.asset_type == w.type_names.index("airport")
            for region in m.regions:
                sites = np.flatnonzero(airports & w.regions.mask(region)[w.asset_region])
                self.assets.compromise(sites, self.hour + m.hours)
            self.sectors.capacity = None
            self.log_event("drone_closure", -1, f"{label}: airspace closed for {m.hours:g} h")
        elif m.kind == "escalate":
            pass  # the crisis organisation declares the phase when its cell has convened


# ---------------------------------------------------------------------------- a session
class ExerciseSession:
    """One run of an exercise, paused at each decision point for the players.

    Args:
        exercise: The exercise (a name, or a loaded :class:`Exercise`).
        seed: The seed (default: the exercise's); every arm of the report uses it.
        replicate: The replicate.
        arm: ``played`` (the players decide), or an alternative of :data:`ARMS`.
        extra: Decisions at hours of their own (a counterfactual), as extra points.
    """

    def __init__(
        self,
        exercise: Exercise | str,
        *,
        seed: int | None = None,
        replicate: int = 0,
        arm: str = "played",
        extra: list[DecisionPoint] | None = None,
    ) -> None:
        self.exercise = load_exercise(exercise) if isinstance(exercise, str) else exercise
        ex = self.exercise
        self.seed = ex.seed if seed is None else int(seed)
        self.replicate, self.arm = replicate, arm
        self.model = ExerciseModel(
            ex.run_config(arm),
            exercise=ex,
            automatic=arm in AUTOMATIC_ARMS,
            rng=self.seed,
            replicate=replicate,
        )
        points = [*ex.points, *(extra or [])] if arm in ("played", "shifted") else []
        self.points = sorted((p for p in points if p.hour < ex.horizon_hours), key=lambda p: p.hour)
        self._next = 0
        self.point: DecisionPoint | None = None
        self.decisions: list[Decision] = []

    @property
    def finished(self) -> bool:
        return not self.model.running

    @property
    def messages(self) -> list[Message]:
        return self.model.messages

    @property
    def phase(self) -> str:
        return self.model.crisis_organisation.phase_name

    @property
    def phase_log(self) -> list[tuple[float, str, str]]:
        return self.model.crisis_organisation.log

    def _run_to(self, steps: int) -> None:
        m = self.model
        while m.running and m.steps < steps:
            m.step()

    def advance(self) -> DecisionPoint | None:
        """Run to the next decision point and pause there (a point left undecided passes);
        None once the run has reached its horizon."""
        self.point = None
        m = self.model
        if self._next < len(self.points) and m.running:
            point = self.points[self._next]
            self._next += 1
            self._run_to(math.ceil(point.hour / m.dt - 1e-9))
            if m.running:
                self.point = point
                return point
        self._run_to(m.n_steps)
        return None

    def available(self) -> list[MeasureConfig]:
        """The measures offered at the current decision point (none between points)."""
        return self.exercise.offered(self.point) if self.point is not None else []

    def decide(self, names: list[str] | tuple[str, ...]) -> list[Decision]:
        """Take these measures at the current decision point.

        Raises:
            ConfigError: when the run is not at a decision point, or for a measure not offered.
        """
        if self.point is None:
            raise ConfigError("decide", "only at a decision point (advance to one first)")
        offered = {m.name for m in self.available()}
        for name in names:
            if name not in offered:
                raise ConfigError(
                    f"{self.point.name}.measures", f"one of: {', '.join(sorted(offered))}"
                )
        taken = [self.model.order(name, self.point.name) for name in names]
        self.decisions.extend(taken)
        return taken

    def finish(self) -> None:
        """Run to the horizon; the remaining decision points pass."""
        self.point = None
        self._next = len(self.points)
        self._run_to(self.model.n_steps)

    def play(self, decisions: DecisionsConfig) -> None:
        """Take the decisions of a decisions file at their points, and run to the horizon."""
        by_point = _by_point(self.exercise, decisions)
        while (point := self.advance()) is not None:
            self.decide(by_point.get(point.name, []))

    def decisions_file(self) -> DecisionsConfig:
        """The decisions taken so far, as a decisions file."""
        taken: dict[str, list[str]] = {}
        for d in self.decisions:
            taken.setdefault(d.point, []).append(d.measure)
        extra = {p.name: p for p in self.points if p not in self.exercise.points}
        return DecisionsConfig(
            exercise=self.exercise.name,
            seed=self.seed,
            decisions=[
                DecisionConfig(point=name, measures=measures)
                if name not in extra
                else DecisionConfig(at_hour=extra[name].hour, measures=measures)
                for name, measures in taken.items()
            ],
        )

    def decisions_yaml(self) -> str:
        """The decisions file's text: replaying it gives this run bit for bit."""
        data = asdict(self.decisions_file())
        data["decisions"] = [
            {k: v for k, v in entry.items() if v is not None} for entry in data["decisions"]
        ]
        return yaml.safe_dump(data, sort_keys=False)

    def after_action(self, replicates: int = 1, shift: tuple[str, float] | None = None) -> dict:
        """The after-action report of this session's decisions (:func:`after_action`)."""
        self.finish()
        return after_action(
            self.exercise,
            self.decisions_file(),
            seed=self.seed,
            replicates=replicates,
            shift=shift,
            played=self,
        )


def _by_point(exercise: Exercise, decisions: DecisionsConfig) -> dict[str, list[str]]:
    """The measures of a decisions file by decision point (extra points by their hour)."""
    points = {p.name: p for p in exercise.points}
    out: dict[str, list[str]] = {}
    for k, d in enumerate(decisions.decisions):
        if (d.point is None) == (d.at_hour is None):
            raise ConfigError(f"decisions[{k}]", "exactly one of point and at_hour")
        if d.point is not None and d.point not in points:
            raise ConfigError(f"decisions[{k}].point", f"one of: {', '.join(sorted(points))}")
        key = d.point if d.point is not None else extra_name(float(d.at_hour or 0.0))
        unknown = set(d.measures) - set(exercise.measures)
        if unknown:
            raise ConfigError(
                f"decisions[{k}].measures", f"measures of the exercise, not {sorted(unknown)}"
            )
        point = points.get(key) or DecisionPoint(key, float(d.at_hour or 0.0), key, ())
        offered = [m.name for m in exercise.offered(point)]
        later = [name for name in d.measures if name not in offered]
        if later:
            raise ConfigError(
                f"decisions[{k}].measures", f"measures offered at {key}: {', '.join(offered)}"
            )
        out.setdefault(key, []).extend(d.measures)
    return out


def extra_name(hour: float) -> str:
    return f"at_hour_{hour:g}"


def extra_points(exercise: Exercise, decisions: DecisionsConfig) -> list[DecisionPoint]:
    """The decision points at hours of their own that a decisions file asks for."""
    hours = sorted({float(d.at_hour) for d in decisions.decisions if d.at_hour is not None})
    for hour in hours:
        if not 0 <= hour < exercise.horizon_hours:
            raise ConfigError("decisions.at_hour", f"in [0, {exercise.horizon_hours:g}) h")
    return [DecisionPoint(extra_name(h), h, f"Hour {h:g}", tuple(exercise.measures)) for h in hours]


def shifted(
    exercise: Exercise, decisions: DecisionsConfig, measure: str, hours: float
) -> DecisionsConfig:
    """The decisions with ``measure`` taken ``hours`` later (earlier if negative) than it was:
    a counterfactual ("had guards gone to the ports 12 h earlier")."""
    points = {p.name: p.hour for p in exercise.points}
    out: list[DecisionConfig] = []
    found = False
    for d in decisions.decisions:
        hour = d.at_hour if d.point is None else points.get(d.point, 0.0)
        if measure in d.measures and not found:
            found = True
            rest = [m for m in d.measures if m != measure]
            if rest:
                out.append(DecisionConfig(point=d.point, at_hour=d.at_hour, measures=rest))
            out.append(
                DecisionConfig(at_hour=max(float(hour or 0.0) + hours, 0.0), measures=[measure])
            )
        else:
            out.append(copy.deepcopy(d))
    if not found:
        raise ConfigError("shift", f"a measure the decisions take, not {measure!r}")
    return DecisionsConfig(exercise=decisions.exercise, seed=decisions.seed, decisions=out)


def replay(
    exercise: Exercise,
    decisions: DecisionsConfig,
    *,
    seed: int,
    replicate: int = 0,
    arm: str = "played",
) -> ExerciseSession:
    """Play a decisions file headless: the same calls the dashboard makes."""
    session = ExerciseSession(
        exercise,
        seed=seed,
        replicate=replicate,
        arm=arm,
        extra=extra_points(exercise, decisions),
    )
    session.play(decisions)
    return session


# ---------------------------------------------------------------------------- after action
#: Per-sector outcomes of the results contract reported per arm (README "Results").
SECTOR_OUTCOMES = ("loss", "affected", "hours_below_min", "min_service")
NATIONAL_OUTCOMES = (
    "total_loss",
    "unmet_need_person_hours",
    "min_trust",
    "peak_belief",
    "peak_displaced",
    "transit_completed_fraction",
    "transit_mean_delay_h",
    "transit_p90_delay_h",
    "transit_max_delay_h",
    "transit_tonnes_delivered",
    "sustainment_tonnes_delivered",
    "hns_days_delivered",
    "n_sabotage_success",
    "n_cyber_success",
    "cells_found",
)
#: Outcomes kept per replicate, whose paired differences the report states.
HEADLINE = ("total_loss", "unmet_need_person_hours", "transit_mean_delay_h")


def _number(value: Any) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def outcomes(model: HybridThreatModel) -> dict[str, Any]:
    """The arm's outcomes in natural units, as the results contract names them."""
    row = model.summary()
    out: dict[str, Any] = {"weighting": row["weighting"]}
    for name in NATIONAL_OUTCOMES:
        out[name] = _number(row[name])
    for kind in SECTOR_OUTCOMES:
        for sector in SECTORS:
            out[f"{kind}_{sector}"] = _number(row[f"{kind}_{sector}"])
    return out


def _arm_record(
    session: ExerciseSession, results: dict[str, Any], package_meur: float
) -> dict[str, Any]:
    m = session.model
    centre = m.crisis_centre
    return {
        "outcomes": results,
        "decisions": [asdict(d) for d in session.decisions],
        "decisions_cost_meur": float(sum(d.cost_meur for d in session.decisions)),
        "package_cost_meur_per_year": package_meur,
        "alert_hour": centre.alert_hour,
        "activation_hour": centre.activation_hour,
        "phases": [list(p) for p in session.phase_log],
        "national_service": m.national_service.mean(axis=1).tolist(),
        "dt_hours": m.dt,
    }


def after_action(
    exercise: Exercise,
    decisions: DecisionsConfig,
    *,
    seed: int | None = None,
    replicates: int = 1,
    shift: tuple[str, float] | None = None,
    played: ExerciseSession | None = None,
) -> dict[str, Any]:
    """The after-action report: the played decisions and the alternatives on common random
    numbers, with the outcomes in natural units.

    Replicate 0 is the run the players saw (``arms``); with ``replicates`` > 1 the same
    decisions are also played on replicates 1, 2, ... of the same seed. ``replicate_outcomes``
    holds every arm's headline outcomes per replicate, from which
    :func:`analysis.after_action.summarise` draws the paired differences and their intervals:
    one run is an anecdote.

    Args:
        exercise: The exercise.
        decisions: The decisions taken.
        seed: The seed (default: the decisions file's, else the exercise's).
        replicates: Replicates per arm (>= 1).
        shift: ``(measure, hours)``: also run the ``shifted`` arm, with that measure taken
            ``hours`` later (negative: earlier).
        played: The session already played on replicate 0 (the dashboard's), reused.
    """
    if replicates < 1:
        raise ConfigError("replicates", "a whole number >= 1")
    seed = int(
        seed
        if seed is not None
        else decisions.seed
        if decisions.seed is not None
        else exercise.seed
    )
    arms: list[tuple[str, DecisionsConfig | None]] = [
        ("played", decisions),
        ("no_decisions", None),
        ("automatic", None),
        ("package", None),
    ]
    if shift is not None:
        arms.append(("shifted", shifted(exercise, decisions, *shift)))
    package_meur = package_cost(exercise.run_config("package").mitigation) - package_cost(
        exercise.run_config("automatic").mitigation
    )
    records: dict[str, dict[str, Any]] = {}
    per_replicate: dict[str, dict[str, list[float | None]]] = {
        arm: {name: [] for name in HEADLINE} for arm, _ in arms
    }
    for arm, arm_decisions in arms:
        for r in range(replicates):
            if arm == "played" and r == 0 and played is not None:
                session = played
            elif arm_decisions is not None:
                session = replay(exercise, arm_decisions, seed=seed, replicate=r, arm=arm)
            else:
                session = ExerciseSession(exercise, seed=seed, replicate=r, arm=arm)
                session.finish()
            results = outcomes(session.model)
            if r == 0:
                cost = package_meur if arm == "package" else 0.0
                records[arm] = _arm_record(session, results, cost)
            for name in HEADLINE:
                per_replicate[arm][name].append(results[name])
    return {
        "exercise": exercise.name,
        "title": exercise.title,
        "scenario": exercise.cfg.scenario,
        "mitigation": exercise.cfg.mitigation,
        "package": exercise.cfg.package,
        "seed": seed,
        "replicates": replicates,
        "horizon_hours": exercise.horizon_hours,
        "weighting": records["played"]["outcomes"]["weighting"],
        "points": [asdict(p) for p in exercise.points],
        "injects": [
            {"name": i.name, "hour": i.at_hour, "kind": i.kind, "title": i.title, "text": i.text}
            for i in exercise.injects
        ],
        "decisions": records["played"]["decisions"],
        "arms": records,
        "replicate_outcomes": per_replicate,
    }
