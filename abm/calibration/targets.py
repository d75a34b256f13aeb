"""Calibration targets: one observed incident outcome per YAML file, read and checked."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from abm.errors import ConfigError
from abm.vocabulary import SECTORS

#: Where the shipped targets live, and the fit records next to them.
TARGETS_DIR = Path(__file__).parents[1] / "data" / "targets"
FITS_DIR = TARGETS_DIR / "fits"
#: The scenario configs a target may name.
SCENARIO_DIR = Path(__file__).parents[2] / "configs" / "scenario"

ROLES: tuple[str, ...] = ("fit", "holdout")
#: Metrics of a sector's service, and of the assets of a type.
SECTOR_METRICS: tuple[str, ...] = ("outage_duration_hours", "peak_share_out", "restoration_hours")
ASSET_METRICS: tuple[str, ...] = ("asset_down_hours", "repair_hours")
#: Metrics of a sub-service's national demand met (sales), from the recorder's series.
SALES_METRICS: tuple[str, ...] = ("peak_week_sales_rise", "sales_elevated_hours")
#: Metrics of the allied transit's military trains (the serials' trains, not sustainment).
TRANSIT_METRICS: tuple[str, ...] = ("rail_trains", "rail_trains_per_day")
METRICS: tuple[str, ...] = SECTOR_METRICS + ASSET_METRICS + SALES_METRICS + TRANSIT_METRICS

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
    "subservice",
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
    #: A sub-service of the sector (sectors.subservices): its service or sales, not the
    #: sector's.
    subservice: str | None = None


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
    if metric in SECTOR_METRICS + SALES_METRICS and sector not in SECTORS:
        raise bad("outcome.sector", f"a sector ({', '.join(SECTORS)}), got {sector!r}")
    subservice = out.get("subservice")
    if subservice is not None and not (isinstance(subservice, str) and subservice):
        raise bad("outcome.subservice", f"a sub-service of sectors.subservices, got {subservice!r}")
    if metric in SALES_METRICS and subservice is None:
        raise bad("outcome.subservice", f"a sub-service (metric {metric} is of one)")
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
            sector=sector if metric in SECTOR_METRICS + SALES_METRICS else None,
            regions=tuple(regions),
            asset_type=asset_type if metric in ASSET_METRICS else None,
            threshold=threshold,
            from_hour=from_hour,
            subservice=subservice,
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
