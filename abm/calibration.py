"""Calibration against observed incidents: targets, the outcomes they compare, and the fit.

A *target* (one YAML per incident in ``abm/data/targets``) names an observed outcome (the
hours a blackout lasted, the days a pipeline was shut), the reported spread around it, the
scenario that reproduces the incident in the model, and the uncertain parameters a fit may
change, with bounds. Targets have a role: ``fit`` targets set parameters
(``python -m experiments.calibrate``), ``holdout`` targets are never fitted and only checked
(``python -m experiments.validate``), so that at least one check is not of the model's own
tuning.

Every outcome is computed from finished :class:`abm.model.HybridThreatModel` replicates, in
natural units, over the target's regions (all regions if none are named):

- ``outage_duration_hours``: the sector's person-hours lost in the regions over the outage
  (from ``from_hour`` until its dependents-weighted service is back at or above ``threshold``
  for good) divided by its dependents times the peak share out: how long the outage lasted had
  it been at its peak throughout (a customer-weighted outage duration, as utilities report
  them). A small shortfall that lasts after the customers are back (manual operation at reduced
  capacity) is not part of the outage;
- ``peak_share_out``: the largest share of the sector's service lost in the regions at any
  hour (dependents-weighted);
- ``restoration_hours``: hours from ``from_hour`` (default: the first shock) until the sector's
  dependents-weighted service in the regions is back at or above ``threshold`` for good
  (linearly interpolated between hours; the horizon if never, counted as censored);
- ``asset_down_hours``: mean hours not working of the assets of ``asset_type`` in the regions
  that stopped working (from the failure / restored events). An asset still down at the end of
  the run only for its own cyber outage, ransomware restore or trip counts to the hour drawn
  for its end when it was hit; any other counts to the horizon (censored);
- ``repair_hours``: mean hours from damage to the end of the repair of the damaged assets of
  ``asset_type`` in the regions. A repair still under way at the horizon counts to its
  scheduled end, and one waiting for a long-lead item to its arrival plus the repair time drawn
  at the damage: both are fixed at the damage (:func:`agents.operator.draw_repairs`), so a
  months-long repair needs no months-long run.

Every evaluation runs replicates ``0..n-1`` of one seed (common random numbers): two values of a
parameter are compared on the same worlds and draws, so the mean outcome is a smooth enough
function of the parameter for root-finding.

The fit (:func:`fit`) is documented in its docstring; it writes a record per target
(``abm/data/targets/fits/<name>.json``) and ``experiments.calibrate`` writes the values into
``configs/calibration/fitted.yaml``.
"""

from __future__ import annotations

import copy
import json
import math
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from scipy.optimize import brentq, minimize, minimize_scalar

from abm.api import load_config
from abm.config import RunConfig
from abm.errors import ConfigError
from abm.vocabulary import SECTORS

#: Where the shipped targets live, and the fit records next to them.
TARGETS_DIR = Path(__file__).parent / "data" / "targets"
FITS_DIR = TARGETS_DIR / "fits"
#: The scenario configs a target may name.
SCENARIO_DIR = Path(__file__).parents[1] / "configs" / "scenario"

ROLES: tuple[str, ...] = ("fit", "holdout")
#: Metrics of a sector's service, and of the assets of a type.
SECTOR_METRICS: tuple[str, ...] = ("outage_duration_hours", "peak_share_out", "restoration_hours")
ASSET_METRICS: tuple[str, ...] = ("asset_down_hours", "repair_hours")
METRICS: tuple[str, ...] = SECTOR_METRICS + ASSET_METRICS

#: The fields of a target file, and of its outcome.
FIELDS: tuple[str, ...] = (
    "name",
    "incident",
    "figure",
    "source",
    "role",
    "scenario",
    "overrides",
    "outcome",
    "observed",
    "low",
    "high",
    "parameters",
    "replicates",
    "reproduce",
    "note",
)
OUTCOME_FIELDS: tuple[str, ...] = (
    "metric",
    "sector",
    "regions",
    "asset_type",
    "threshold",
    "from_hour",
)

#: Significant digits of a fitted value: finer than any target's spread resolves, coarse enough
#: to read in a config file.
DIGITS = 4


@dataclass(frozen=True)
class Outcome:
    """What a target compares: a metric, of a sector or of an asset type, over some regions."""

    metric: str
    sector: str | None = None
    regions: tuple[str, ...] = ()
    asset_type: str | None = None
    threshold: float = 0.95
    from_hour: float | None = None


@dataclass(frozen=True)
class Bounds:
    """The range a fit may give a parameter."""

    low: float
    high: float


@dataclass(frozen=True)
class Target:
    """An observed incident outcome the model must reproduce (see the module docstring)."""

    name: str
    incident: str
    figure: str
    source: str
    role: str
    scenario: str
    outcome: Outcome
    observed: float
    low: float
    high: float
    parameters: dict[str, Bounds]
    replicates: int = 10
    overrides: tuple[str, ...] = ()
    reproduce: str = ""
    note: str = ""

    def passes(self, value: float) -> bool:
        """A model mean inside the reported spread reproduces the incident."""
        return self.low <= value <= self.high


# --------------------------------------------------------------------------------- loading
def target_names() -> list[str]:
    """The shipped targets, by name."""
    return sorted(p.stem for p in TARGETS_DIR.glob("*.yaml"))


def load_targets(role: str | None = None) -> list[Target]:
    """Every shipped target (of one role, if given), by name."""
    targets = [load_target(n) for n in target_names()]
    return [t for t in targets if role is None or t.role == role]


def load_target(name: str | Path) -> Target:
    """A shipped target by name, or a target file by path.

    Raises:
        ConfigError: one line naming the file and the key, for an unknown target or a bad
            field.
    """
    path = Path(name) if isinstance(name, Path) or str(name).endswith(".yaml") else None
    if path is None:
        path = TARGETS_DIR / f"{name}.yaml"
        if not path.is_file():
            raise ConfigError("target", f"one of {', '.join(target_names())}, got {name!r}")
    label = f"targets/{path.name}" if path.parent == TARGETS_DIR else path.name
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise ConfigError(label, f"a readable YAML file ({str(err).splitlines()[0]})") from None
    return parse_target(raw, label)


def parse_target(raw: Any, label: str = "target") -> Target:
    """Check a target's fields (as read from YAML) and build it; ``label`` names the file in
    errors."""

    def bad(key: str, allowed: str) -> ConfigError:
        return ConfigError(f"{label}: {key}", allowed)

    if not isinstance(raw, dict):
        raise bad("(top level)", "a mapping of the target's fields")
    known = set(FIELDS)
    for key in raw:
        if key not in known:
            raise bad(str(key), f"not a target field (fields: {', '.join(sorted(known))})")

    def text(key: str, required: bool = True) -> str:
        value = raw.get(key, None if required else "")
        if not isinstance(value, str) or (required and not value.strip()):
            raise bad(key, "a non-empty text" if required else "a text")
        return value.strip()

    def number(key: str, where: dict[str, Any] = raw, prefix: str = "") -> float:
        value = where.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            raise bad(prefix + key, f"a number, got {value!r}")
        return float(value)

    name = text("name")
    role = text("role")
    if role not in ROLES:
        raise bad("role", f"one of {', '.join(ROLES)}, got {role!r}")
    scenario = text("scenario")
    if not (SCENARIO_DIR / f"{scenario}.yaml").is_file():
        raise bad("scenario", f"a scenario of configs/scenario, got {scenario!r}")
    overrides = raw.get("overrides", [])
    if not isinstance(overrides, list) or not all(
        isinstance(o, str) and "=" in o for o in overrides
    ):
        raise bad("overrides", "a list of key=value overrides")

    out = raw.get("outcome")
    if not isinstance(out, dict):
        raise bad("outcome", "a mapping with metric, and sector or asset_type")
    for key in out:
        if key not in OUTCOME_FIELDS:
            raise bad(f"outcome.{key}", f"an outcome field ({', '.join(OUTCOME_FIELDS)})")
    metric = out.get("metric")
    if metric not in METRICS:
        raise bad("outcome.metric", f"one of {', '.join(METRICS)}, got {metric!r}")
    sector = out.get("sector")
    if metric in SECTOR_METRICS and sector not in SECTORS:
        raise bad("outcome.sector", f"a sector ({', '.join(SECTORS)}), got {sector!r}")
    asset_type = out.get("asset_type")
    if metric in ASSET_METRICS and not (isinstance(asset_type, str) and asset_type):
        raise bad("outcome.asset_type", f"an asset type of the world, got {asset_type!r}")
    regions = out.get("regions", [])
    if isinstance(regions, str):
        regions = [regions]
    if not isinstance(regions, list) or not all(isinstance(r, str) for r in regions):
        raise bad("outcome.regions", "a list of region or province names")
    threshold = number("threshold", out, "outcome.") if "threshold" in out else 0.95
    if not 0 < threshold <= 1:
        raise bad("outcome.threshold", f"a share of normal service in (0, 1], got {threshold}")
    from_hour = None
    if out.get("from_hour") is not None:
        from_hour = number("from_hour", out, "outcome.")

    observed, low, high = number("observed"), number("low"), number("high")
    if not low <= observed <= high:
        raise bad("observed", f"within [low, high] = [{low:g}, {high:g}], got {observed:g}")

    params = raw.get("parameters")
    if not isinstance(params, dict) or not params:
        raise bad("parameters", "a mapping of dotted config paths to {low, high}")
    parameters: dict[str, Bounds] = {}
    for path, b in params.items():
        key = f"parameters.{path}"
        if not isinstance(b, dict) or set(b) != {"low", "high"}:
            raise bad(key, "a mapping {low: <number>, high: <number>}")
        lo, hi = number("low", b, f"{key}."), number("high", b, f"{key}.")
        if not lo < hi:
            raise bad(key, f"low < high, got [{lo:g}, {hi:g}]")
        parameters[str(path)] = Bounds(lo, hi)

    replicates = raw.get("replicates", 10)
    if isinstance(replicates, bool) or not isinstance(replicates, int) or replicates < 1:
        raise bad("replicates", f"a whole number >= 1, got {replicates!r}")
    return Target(
        name=name,
        incident=text("incident"),
        figure=text("figure"),
        source=text("source"),
        role=role,
        scenario=scenario,
        outcome=Outcome(
            metric=metric,
            sector=sector if metric in SECTOR_METRICS else None,
            regions=tuple(regions),
            asset_type=asset_type if metric in ASSET_METRICS else None,
            threshold=threshold,
            from_hour=from_hour,
        ),
        observed=observed,
        low=low,
        high=high,
        parameters=parameters,
        replicates=replicates,
        overrides=tuple(overrides),
        reproduce=text("reproduce", required=False),
        note=text("note", required=False),
    )


# --------------------------------------------------------------------------------- metrics
def outcome_of(model: Any, outcome: Outcome) -> tuple[float, bool]:
    """A finished model's value of a target's outcome, and whether it is censored (the event
    was still going on at the horizon, so the value is a lower bound)."""
    w = model.world
    region_mask = w.regions.mask(outcome.regions) if outcome.regions else np.ones(w.regions.n, bool)
    if outcome.metric in SECTOR_METRICS:
        return _sector_outcome(model, outcome, region_mask)
    in_type = w.asset_type == w.type_names.index(outcome.asset_type)
    chosen = in_type & region_mask[w.asset_region]
    if outcome.metric == "asset_down_hours":
        return _down_hours(model, chosen)
    return _repair_hours(model, chosen)


def _end(model: Any) -> float:
    """Hours simulated (a run may stop before its horizon: :func:`run_until_settled`)."""
    return float(model.steps * model.dt)


def _service(model: Any, sector: int, region_mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Recorded hours and the sector's service over the regions, weighted by its dependents,
    for the rows recorded so far."""
    rows = -(-model.steps // model.recorder.every)
    dep = model.regional.dependents[region_mask, sector]
    series = model.recorded_service[:rows, region_mask, sector]
    service = series @ dep / dep.sum() if dep.sum() > 0 else series.mean(axis=1)
    return model.recorded_hours[:rows], service


def _sector_outcome(model: Any, outcome: Outcome, region_mask: np.ndarray) -> tuple[float, bool]:
    sector = SECTORS.index(outcome.sector)
    hours, service = _service(model, sector, region_mask)
    peak = float(1.0 - service.min())
    if outcome.metric == "peak_share_out":
        return peak, False
    below = np.flatnonzero(service < outcome.threshold - 1e-12)
    if peak <= 0 or not below.size:
        return 0.0, False  # never below the threshold: no outage to time
    last = below[-1]
    censored = bool(last + 1 >= len(service))
    start = outcome.from_hour
    if start is None:
        start = min((s.at_hour for s in model.cfg.scenario.shocks), default=0.0)
    if outcome.metric == "outage_duration_hours":
        # the outage episode: from the start until service is back at the threshold for good
        row_hours = model.recorder.every * model.dt
        episode = (hours >= start) & (np.arange(len(service)) <= last)
        lost = float(((1.0 - service) * episode).sum() * row_hours)
        return lost / peak, censored
    if censored:
        return _end(model) - start, True
    s0, s1 = service[last], service[last + 1]
    h0, h1 = hours[last], hours[last + 1]
    back = h0 + (outcome.threshold - s0) / (s1 - s0) * (h1 - h0)
    return max(float(back) - start, 0.0), False


def _down_hours(model: Any, chosen: np.ndarray) -> tuple[float, bool]:
    """Mean hours not working of the chosen assets that stopped working. An asset still down at
    the end only because of its own cyber outage or trip (its end drawn when it was hit) counts
    to the step that ends it; any other counts to the end (censored)."""
    a, dt, end = model.assets, model.dt, _end(model)
    down_since: dict[int, float] = {}
    total: dict[int, float] = {}
    for hour, kind, asset, _ in model.events:
        if asset < 0 or not chosen[asset]:
            continue
        if kind == "failure":
            down_since[asset] = hour
            total.setdefault(asset, 0.0)
        elif kind == "restored" and asset in down_since:
            total[asset] += hour - down_since.pop(asset)
    censored = False
    for asset, since in down_since.items():
        until = float(a.compromised_until[asset])
        if not a.damaged[asset] and until > model.hour and _only_own_outages(model):
            total[asset] += math.ceil(until / dt - 1e-9) * dt - since
        else:
            total[asset] += end - since
            censored = True
    if not total:
        return 0.0, False
    return float(np.mean(list(total.values()))), censored


def _repair_hours(model: Any, chosen: np.ndarray) -> tuple[float, bool]:
    """Mean hours from damage to the end of the repair of the chosen assets damaged in the
    run (see the module docstring for repairs that outlast the run)."""
    a, dt = model.assets, model.dt
    end = _end(model)
    damaged_at: dict[int, float] = {}
    durations: list[float] = []
    for hour, kind, asset, _ in model.events:
        if asset < 0 or not chosen[asset]:
            continue
        if kind == "shock":
            damaged_at.setdefault(asset, hour)
        elif kind == "repaired" and asset in damaged_at:
            # repaired in the step starting at ``hour``: it ended by the step's end
            durations.append(hour + dt - damaged_at.pop(asset))
    censored = False
    response = model.operators.response_hours[model.world.asset_operator]
    for asset, since in damaged_at.items():
        if a.in_repair[asset]:
            durations.append(float(a.repair_end[asset]) - since)
            continue
        ready = max(since + float(response[asset]), float(a.parts_at[asset]))
        start = math.ceil(ready / dt - 1e-9) * dt
        if start < end:  # waiting for a free crew at the horizon: the end is not known yet
            durations.append(end - since)
            censored = True
        else:
            durations.append(start + float(a.repair_hours[asset]) - since)
    if not durations:
        return 0.0, False
    return float(np.mean(durations)), censored


# ----------------------------------------------------------------------------- stopping
#: Hours a settled state must last before a run stops early: longer than any recovery blip.
SETTLE_HOURS = 24.0


def causes_over(model: Any) -> bool:
    """No asset damaged, compromised, tripped or cut off: the incident's physical causes are
    over and only the sectors' recovery remains. Assets in manual or degraded operation may
    remain: their share of capacity only rises when it ends."""
    a = model.assets
    return bool(
        not a.damaged.any()
        and a.working.all()
        and np.all(a.compromised_until <= model.hour + model.dt)
    )


def _only_own_outages(model: Any) -> bool:
    """Nothing is damaged, every asset out of service is out for its own cyber outage or trip
    (its end drawn when it was hit), and no consumer is drawing on a backup: nothing can fail
    any more, and each outage ends at its drawn hour."""
    a = model.assets
    return bool(
        not a.damaged.any()
        and np.all(a.working | (a.compromised_until > model.hour))
        and np.all(a.backup_left >= a.backup_capacity)
    )


def _last_scripted_hour(cfg: RunConfig) -> float:
    sc = cfg.scenario
    hours = [s.at_hour for s in sc.shocks]
    hours += [h.at_hour + h.duration_hours for h in sc.hazards]
    hours += [d.at_hour + d.hours for d in sc.drone_incursions]
    hours += [m.end_hour for m in sc.migration_pushes]
    return max(hours, default=0.0)


def run_until_settled(model: Any, outcome: Outcome) -> None:
    """Run a model until its horizon, or until the target's outcome can no longer change.

    The incident scenarios run the horizon needed by their slowest replicate; most replicates
    settle long before, and stopping them saves most of an evaluation's time. A run without an
    adversary stops once every scripted event has landed and, for ``SETTLE_HOURS`` hours in a
    row: the incident's causes are over (:func:`causes_over`), and the sector's service in the
    target's regions is at or above the threshold in every region (the sector metrics: the
    outage is over, and its peak has passed); for asset_down_hours, every asset out of service
    is out for its own drawn outage and nothing else can fail (:func:`_only_own_outages`); for
    repair_hours, every damaged asset of the type has a scheduled end (see the module
    docstring).
    """
    cfg = model.cfg
    if cfg.scenario.adversary_dimensions:
        model.run_model()
        return
    after = _last_scripted_hour(cfg)
    w = model.world
    regions = w.regions.mask(outcome.regions) if outcome.regions else np.ones(w.regions.n, bool)
    sector = SECTORS.index(outcome.sector) if outcome.sector is not None else None
    chosen = None
    if outcome.asset_type is not None:
        chosen = (w.asset_type == w.type_names.index(outcome.asset_type)) & regions[w.asset_region]
    settled_since: float | None = None
    while model.running:
        model.step()
        if model.hour < after:
            continue
        if outcome.metric == "repair_hours":
            a = model.assets
            if not (a.damaged & chosen & ~a.in_repair).any():
                return
            continue
        if outcome.metric == "asset_down_hours":
            quiet = _only_own_outages(model)
        else:
            quiet = causes_over(model)
        if quiet and sector is not None:
            q = model.sectors.inoperability[regions, sector]
            quiet = bool(np.all(q <= 1 - outcome.threshold))
        if not quiet:
            settled_since = None
            continue
        settled_since = model.hour if settled_since is None else settled_since
        if model.hour + model.dt - settled_since >= SETTLE_HOURS:
            return


# ------------------------------------------------------------------------------ evaluation
@dataclass
class Evaluation:
    """A target's outcome over replicates at some parameter values."""

    target: Target
    values: dict[str, float]
    outcomes: np.ndarray
    censored: int

    @property
    def mean(self) -> float:
        return float(self.outcomes.mean())

    @property
    def passed(self) -> bool:
        return self.target.passes(self.mean)


def base_config(target: Target, extra_overrides: Sequence[str] = ()) -> RunConfig:
    """The target's run config: its scenario and overrides on the composed defaults (with the
    calibrated values of ``configs/calibration``), recorded every step."""
    cfg = load_config(target.scenario, overrides=[*target.overrides, *extra_overrides])
    cfg.record_every_hours = cfg.dt_hours  # the time-resolved metrics need every step
    for path in target.parameters:
        current_value(cfg, path)  # the path exists and is a number
    regions = list(target.outcome.regions)
    if regions:
        from abm.world import load_regions

        selectable = load_regions(cfg.world.regions_file).selectable
        missing = [r for r in regions if r not in selectable]
        if missing:
            raise ConfigError(
                f"{target.name}: outcome.regions", f"places of the world, got {missing}"
            )
    if target.outcome.asset_type is not None and target.outcome.asset_type not in (
        cfg.world.asset_types
    ):
        raise ConfigError(
            f"{target.name}: outcome.asset_type",
            f"an asset type of the world, got {target.outcome.asset_type!r}",
        )
    return cfg


def _walk(cfg: Any, path: str) -> tuple[Any, str]:
    parts = path.split(".")
    obj = cfg
    for part in parts[:-1]:
        obj = obj[part] if isinstance(obj, dict) else getattr(obj, part)
    return obj, parts[-1]


def current_value(cfg: RunConfig, path: str) -> float:
    """The value at a dotted config path (``world.asset_types.substation.repair_median_hours``).

    Raises:
        ConfigError: if the path names no numeric value of the run config.
    """
    try:
        obj, last = _walk(cfg, path)
        value = obj[last] if isinstance(obj, dict) else getattr(obj, last)
    except (AttributeError, KeyError, TypeError):
        value = None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"parameters.{path}", "a numeric value of the run config")
    return float(value)


def with_values(cfg: RunConfig, values: dict[str, float]) -> RunConfig:
    """A copy of ``cfg`` with the parameters set (validated when a model is built from it)."""
    out = copy.deepcopy(cfg)
    for path, value in values.items():
        obj, last = _walk(out, path)
        if isinstance(obj, dict):
            obj[last] = float(value)
        else:
            setattr(obj, last, float(value))
    return out


def evaluate(
    target: Target,
    extra_overrides: Sequence[str] = (),
    replicates: int | None = None,
    seed: int = 0,
    values: dict[str, float] | None = None,
    config: RunConfig | None = None,
) -> Evaluation:
    """Run the target's replicates ``0..n-1`` of ``seed`` and compute its outcome in each.

    Args:
        target: The target.
        extra_overrides: Hydra overrides added to the target's (ignored if ``config`` is given).
        replicates: Replicates to run; the target's own number if omitted.
        seed: The job seed; the same for every evaluation (common random numbers).
        values: Parameter values set on the config (a fit's trial point); the composed
            defaults if omitted.
        config: A config composed by :func:`base_config` (composing once saves a second per
            evaluation).
    """
    from abm.model import HybridThreatModel

    cfg = config if config is not None else base_config(target, extra_overrides)
    if values:
        cfg = with_values(cfg, values)
    n = replicates or target.replicates
    outcomes, censored = np.empty(n), 0
    for r in range(n):
        model = HybridThreatModel(cfg, rng=seed, replicate=r)
        run_until_settled(model, target.outcome)
        outcomes[r], cut = outcome_of(model, target.outcome)
        censored += cut
    return Evaluation(target, dict(values or {}), outcomes, censored)


# ------------------------------------------------------------------------------------- fit
@dataclass
class ParameterFit:
    """One fitted parameter: its value, the interval of values whose outcome stays within the
    target's reported spread, and the bounds it was searched in."""

    value: float
    interval: tuple[float, float]
    bounds: tuple[float, float]
    default: float


@dataclass
class Fit:
    """The record of a fit (``abm/data/targets/fits/<name>.json``), free of dates so that a
    refit with the same code gives the same file."""

    target: str
    metric: str
    observed: float
    low: float
    high: float
    parameters: dict[str, ParameterFit]
    outcome: float
    outcome_replicates: list[float]
    method: str
    replicates: int
    seed: int
    evaluations: int
    censored: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.low <= self.outcome <= self.high

    def to_json(self) -> str:
        data = asdict(self)
        for p in data["parameters"].values():
            p["interval"], p["bounds"] = list(p["interval"]), list(p["bounds"])
        return json.dumps(data, indent=2) + "\n"


def _round(x: float) -> float:
    return float(f"{x:.{DIGITS}g}")


def fit(
    target: Target,
    replicates: int | None = None,
    seed: int = 0,
    extra_overrides: Sequence[str] = (),
) -> Fit:
    """Fit the target's parameters so that the model's mean outcome equals the observed value.

    Method. The mean outcome over replicates ``0..n-1`` of one seed (common random numbers) is
    a deterministic function of the parameters, f. With one parameter x in bounds [a, b]:
    if f(a) - observed and f(b) - observed differ in sign, x solves f(x) = observed by Brent's
    method (:func:`scipy.optimize.brentq`); otherwise x minimises (f(x) - observed)^2 on [a, b]
    (bounded Brent, :func:`scipy.optimize.minimize_scalar`). The parameter's uncertainty is the
    interval whose ends give the target's reported low and high (the same root-finding, each
    end clipped to the bounds where the outcome never reaches that level): every value inside
    reproduces the incident within what its sources report. An outcome resolved to the
    model's time step (hours out of service) can equal the observed value over a whole range of
    x: the fit then takes the middle of that range, and the interval its outer ends. With
    several parameters, the squared error is minimised by Nelder-Mead within the bounds (on
    parameters scaled to [0, 1]), and each parameter's interval is found as above with the
    others at their fit. Fitted values are rounded to :data:`DIGITS` significant digits and the
    outcome is the model's at the rounded values.

    Raises:
        ConfigError: for a holdout target (held out of fitting: only checked).
    """
    if target.role != "fit":
        raise ConfigError(
            "target",
            f"{target.name!r} is a {target.role} target: it is only checked "
            "(python -m experiments.validate), never fitted",
        )
    n = replicates or target.replicates
    cfg = base_config(target, extra_overrides)
    names = list(target.parameters)
    # the hand-set values (without configs/calibration), for the record
    hand_set = load_config(
        target.scenario, overrides=[*target.overrides, *extra_overrides, "calibration=none"]
    )
    defaults = {p: current_value(hand_set, p) for p in names}
    cache: dict[tuple[float, ...], Evaluation] = {}

    def run(values: dict[str, float]) -> Evaluation:
        key = tuple(float(values[p]) for p in names)
        if key not in cache:
            cache[key] = evaluate(target, replicates=n, seed=seed, values=values, config=cfg)
        return cache[key]

    notes: list[str] = []
    if len(names) == 1:
        (path,) = names
        b = target.parameters[path]
        f = _memo(lambda x: run({path: x}).mean)
        x, method = _solve(f, target.observed, b.low, b.high)
        best = {path: _round(x)}
    else:
        lo = np.array([target.parameters[p].low for p in names])
        span = np.array([target.parameters[p].high for p in names]) - lo

        def loss(u: np.ndarray) -> float:
            u = np.clip(u, 0.0, 1.0)
            return (run(dict(zip(names, lo + u * span, strict=True))).mean - target.observed) ** 2

        start = np.clip((np.array([defaults[p] for p in names]) - lo) / span, 0.0, 1.0)
        res = minimize(
            loss,
            start,
            method="Nelder-Mead",
            bounds=[(0.0, 1.0)] * len(names),
            options={"xatol": 1e-3, "fatol": 1e-6 * max(target.observed, 1.0) ** 2},
        )
        best = {p: _round(v) for p, v in zip(names, lo + np.clip(res.x, 0, 1) * span, strict=True)}
        method = "Nelder-Mead (bounded) on the squared error"
    fitted: dict[str, ParameterFit] = {}
    for path in names:
        b = target.parameters[path]
        f = _memo(lambda x, path=path: run({**best, path: x}).mean)
        ends = sorted(
            _level(f, level, b.low, b.high, best[path]) for level in (target.low, target.high)
        )
        fitted[path] = ParameterFit(
            value=best[path],
            interval=(_round(ends[0]), _round(ends[1])),
            bounds=(b.low, b.high),
            default=defaults[path],
        )
    final = run(best)
    if final.censored:
        notes.append(
            f"{final.censored} of {n} replicates censored at the horizon: lengthen horizon_days"
        )
    if not target.passes(final.mean):
        notes.append("the fitted outcome is outside the target's [low, high]")
    return Fit(
        target=target.name,
        metric=target.outcome.metric,
        observed=target.observed,
        low=target.low,
        high=target.high,
        parameters=fitted,
        outcome=final.mean,
        outcome_replicates=[float(v) for v in final.outcomes],
        method=method,
        replicates=n,
        seed=seed,
        evaluations=len(cache),
        censored=final.censored,
        notes=notes,
    )


def _memo(f: Callable[[float], float]) -> Callable[[float], float]:
    """``f`` remembered per argument (brentq and the interval search revisit the bounds)."""
    seen: dict[float, float] = {}

    def g(x: float) -> float:
        x = float(x)
        if x not in seen:
            seen[x] = f(x)
        return seen[x]

    return g


def _tolerance(a: float, b: float) -> float:
    """Root-finding resolution: a thousandth of the bounds' width."""
    return 1e-3 * (b - a)


def _flat_edge(
    f: Callable[[float], float], x: float, level: float, toward: float, tol: float
) -> float:
    """The end, towards ``toward``, of the run of values around ``x`` whose outcome equals
    ``level`` exactly. Outcomes in hours are resolved to the model's time step, so a parameter
    of a few hours maps a whole interval of values onto one outcome: the fit then reports the
    middle of that interval and the uncertainty its outer ends, not an arbitrary point in it."""
    step = math.copysign(tol, toward - x)
    if abs(toward - x) <= tol or f(x + step) != level:
        return x  # no run of equal outcomes (a continuous outcome): x itself
    if f(toward) == level:
        return toward
    inside, outside = x + step, toward
    while abs(outside - inside) > tol:
        mid = (inside + outside) / 2
        if f(mid) == level:
            inside = mid
        else:
            outside = mid
    return inside


def _solve(f: Callable[[float], float], level: float, a: float, b: float) -> tuple[float, str]:
    """x in [a, b] with f(x) = level (Brent), or minimising (f - level)^2 if f does not cross
    the level in [a, b]; the middle of the values giving the level exactly if there are many."""
    fa, fb = f(a) - level, f(b) - level
    tol = _tolerance(a, b)
    if fa * fb < 0:
        x = float(brentq(lambda x: f(x) - level, a, b, xtol=tol, rtol=1e-6))
        method = "brentq (root of mean outcome - observed)"
    elif fa == 0 or fb == 0:
        x, method = (a if fa == 0 else b), "brentq (root of mean outcome - observed)"
    else:
        res = minimize_scalar(
            lambda x: (f(x) - level) ** 2, bounds=(a, b), method="bounded", options={"xatol": tol}
        )
        return float(res.x), "bounded minimisation of the squared error (no sign change in bounds)"
    if f(x) == level:
        lo, hi = _flat_edge(f, x, level, a, tol), _flat_edge(f, x, level, b, tol)
        if hi - lo > tol:
            x = (lo + hi) / 2
            method += f"; every value in [{_round(lo)}, {_round(hi)}] gives it: the middle"
    return x, method


def _level(f: Callable[[float], float], level: float, a: float, b: float, at: float) -> float:
    """The parameter value nearest to ``at`` beyond which the outcome passes ``level``: a root
    between ``at`` and a bound where f crosses the level (the far end of the values giving the
    level exactly, if there are many), else the bound on the side the outcome moves towards the
    level (the interval is clipped to the bounds)."""
    g = f(at) - level
    if g == 0:
        return at
    tol = _tolerance(a, b)
    for edge in (a, b):
        if edge == at:
            continue
        ge = f(edge) - level
        if ge == 0:
            return edge
        if g * ge < 0:
            lo, hi = sorted((at, edge))
            root = float(brentq(lambda x: f(x) - level, lo, hi, xtol=tol))
            return _flat_edge(f, root, level, edge, tol) if f(root) == level else root
    # never reaches the level: the bound where the outcome is nearest to it
    return a if abs(f(a) - level) <= abs(f(b) - level) else b


def write_fit_record(record: Fit, directory: Path = FITS_DIR) -> Path:
    """Write a fit's record as ``<directory>/<target>.json``."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{record.target}.json"
    path.write_text(record.to_json(), encoding="utf-8")
    return path


# ------------------------------------------------------------------- configs/calibration
#: The calibrated defaults, selected by ``- calibration: fitted`` in ``configs/config.yaml``.
FITTED = Path(__file__).parents[1] / "configs" / "calibration" / "fitted.yaml"

FITTED_HEADER = """\
# @package _global_
# Calibrated values: the defaults of every run (`- calibration: fitted` in config.yaml), over
# the hand-set values of the world and adversary configs; `calibration=none` runs without them.
# Written by `python -m experiments.calibrate target=<name> write=true` (do not edit by hand:
# a refit rewrites the file, keeping the other targets' values). Each value names its target,
# the fit's method and the interval of values that keeps the model within the target's reported
# spread (abm/data/targets/README.md; fit records in abm/data/targets/fits/).
"""


def fitted_values(path: Path = FITTED) -> dict[str, float]:
    """The calibrated values of a fitted.yaml, by dotted config path."""
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    flat: dict[str, float] = {}

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{prefix}.{key}" if prefix else str(key))
        else:
            flat[prefix] = node

    walk(data, "")
    return flat


def fit_records(directory: Path = FITS_DIR) -> dict[str, dict[str, Any]]:
    """The fit records (as read from JSON), by target name."""
    return {
        p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(directory.glob("*.json"))
    }


def _comment(path: str, records: dict[str, dict[str, Any]]) -> str:
    """The comment above a calibrated value: the target that set it, method and interval."""
    for name, rec in records.items():
        p = rec["parameters"].get(path)
        if p is not None:
            lo, hi = p["interval"]
            return (
                f"{name}: {rec['metric']} {rec['outcome']:.4g} (observed {rec['observed']:g}, "
                f"[{rec['low']:g}, {rec['high']:g}]); {rec['method']}, {rec['replicates']} "
                f"replicates, seed {rec['seed']}; interval [{lo:g}, {hi:g}]; hand-set "
                f"{p['default']:g}"
            )
    return "no fit record: set by hand"


def render_fitted(values: dict[str, float], records: dict[str, dict[str, Any]]) -> str:
    """fitted.yaml's text: nested keys, each value under a comment naming its target."""
    tree: dict[str, Any] = {}
    for path in sorted(values):
        node = tree
        *parents, last = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = path
    lines = [FITTED_HEADER.rstrip("\n")]

    def emit(node: dict[str, Any], depth: int) -> None:
        pad = "  " * depth
        for key, value in node.items():
            if isinstance(value, dict):
                lines.append(f"{pad}{key}:")
                emit(value, depth + 1)
            else:
                width = max(100 - len(pad) - 2, 40)
                text = textwrap.wrap(_comment(value, records), width)
                lines.extend(f"{pad}# {line}" for line in text)
                lines.append(f"{pad}{key}: {values[value]!r}")

    emit(tree, 0)
    if not values:
        lines.append("{}")
    return "\n".join(lines) + "\n"


def write_fitted(record: Fit, path: Path = FITTED, records_dir: Path = FITS_DIR) -> Path:
    """Put a fit's values into fitted.yaml, keeping the other targets' values, and write the
    fit's record next to the target (the comments are read from the records)."""
    write_fit_record(record, records_dir)
    values = fitted_values(path)
    values.update({p: v.value for p, v in record.parameters.items()})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_fitted(values, fit_records(records_dir)), encoding="utf-8")
    return path
