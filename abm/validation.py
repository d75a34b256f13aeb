"""Checks a composed config before a run starts: declared ranges, then cross-field rules.

Every field of the schema declares its valid range next to itself (:mod:`abm.config.declare`);
:func:`check_declared` walks the config and checks every value against its declaration. What a
declaration cannot say, because it relates several fields, is coded here: names that must exist
(regions, asset types, cohorts, sectors as keys), shares that sum to 1, a matrix's shape and
stability, a span that ends after it starts, a lever's strength by its kind. Every check raises
:class:`abm.errors.ConfigError` naming the dotted key and what is allowed; it runs before a
replicate is built, so bad input never leaves partial results behind.
"""

from __future__ import annotations

import copy
import dataclasses
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf, open_dict, read_write

from abm import interdependency
from abm.campaign import corridor_cells
from abm.cli import Refusal, one_line
from abm.config import AdversaryConfig, LeverConfig, PopulationConfig, RunConfig, WorldConfig
from abm.config.declare import Valid, declared
from abm.dependents import build_dependents
from abm.errors import ConfigError
from abm.host_nation import INSTITUTIONS
from abm.levers import LEVERS, STOCKED_SECTORS, Lever
from abm.vocabulary import ACTIONS, BEHAVIOURS, SECTORS
from abm.world import Regions, load_regions

SHARE_TOLERANCE = 1e-6
#: The largest job run without ``allow_large=true``: replicates x design rows x steps. 2 million
#: replicate-steps is 28 jobs of the full study size (50 replicates of 60 days at 1 h steps),
#: many hours of one core; beyond it a typo (``horizon_days=100000``, a billion replicates) would
#: hold the machine for days or weeks before anyone noticed.
MAX_REPLICATE_STEPS = 2_000_000
#: The most assets a world may have: about six times the municipality world's 35,002. A count
#: rule beyond it (``min_per_region=1000000000``, ``per_million=1e300``) would exhaust memory
#: while the world is built, after the run has started.
MAX_ASSETS = 200_000
#: The integers a 64-bit results column holds (seeds, counts): a larger one fails only when the
#: results are written, after the whole simulation.
INT64 = (-(2**63), 2**63)
#: Names that become parts of paths (the run directory is ``outputs/<scenario.name>/...``): a
#: safe file name, so that no name writes outside the output folder.
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,99}")
#: Values of one swept key validated one by one before a sweep starts (beyond, a numeric
#: sweep's smallest and largest: :func:`check_every_value`).
FULLY_CHECKED_VALUES = 16
#: The groups whose names label results and paths.
NAMED_GROUPS = ("scenario", "mitigation", "weighting", "world", "adversary", "couplings")


def _choices(allowed: Iterable[str], limit: int = 40) -> str:
    """The allowed names, sorted; a long list (municipalities) is cut after ``limit``."""
    names = sorted(allowed)
    more = f", ... ({len(names) - limit} more)" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def _one_of(key: str, value: str | None, allowed: Iterable[str]) -> None:
    allowed = tuple(allowed)
    if value not in allowed:
        raise ConfigError(key, f"{value!r} is not one of: {_choices(allowed)}")


def _keys(key: str, mapping: Mapping[str, Any], allowed: Iterable[str]) -> None:
    """Names must be among ``allowed``."""
    allowed = tuple(allowed)
    for name in mapping:
        if name not in allowed:
            raise ConfigError(f"{key}.{name}", f"unknown name; allowed: {_choices(allowed)}")


def _each(key: str, names: Iterable[str], allowed: Iterable[str]) -> None:
    """Every item of a list of names must be among ``allowed``."""
    allowed = tuple(allowed)
    for j, name in enumerate(names):
        _one_of(f"{key}[{j}]", name, allowed)


def _span(key: str, start: float, end: float) -> None:
    """A time span ends after it starts."""
    if not end > start:
        raise ConfigError(f"{key}.end_hour", f"later than start_hour ({start:g}), got {end!r}")


def _sums_to_one(key: str, values: Iterable[float]) -> None:
    total = sum(values)
    if abs(total - 1.0) > SHARE_TOLERANCE:
        raise ConfigError(key, f"shares that sum to 1, got {total:g}")


def _per_sector(key: str, mapping: Mapping[str, Any]) -> None:
    _keys(key, mapping, SECTORS)
    missing = [s for s in SECTORS if s not in mapping]
    if missing:
        raise ConfigError(key, f"needs a value for every sector; missing {_choices(missing)}")


def _multiple(key: str, value: float, dt: float) -> None:
    ratio = value / dt
    if abs(ratio - round(ratio)) > 1e-9 or round(ratio) < 1:
        raise ConfigError(key, f"a positive multiple of dt_hours ({dt:g}), got {value!r}")


# ------------------------------------------------------------------------ declared ranges
def check_declared(node: Any, prefix: str = "") -> None:
    """Check every value of a config (a schema dataclass) against its field's declaration."""
    for f in dataclasses.fields(node):
        key, value = f"{prefix}{f.name}", getattr(node, f.name)
        if dataclasses.is_dataclass(value):
            check_declared(value, f"{key}.")
        elif isinstance(value, dict) and any(dataclasses.is_dataclass(v) for v in value.values()):
            for name, item in value.items():
                check_declared(item, f"{key}.{name}.")
        elif isinstance(value, list) and any(dataclasses.is_dataclass(v) for v in value):
            for j, item in enumerate(value):
                check_declared(item, f"{key}[{j}].")
        elif (d := declared(f)) is not None:
            _check_value(key, value, d.valid)


def _check_value(key: str, value: Any, valid: Valid) -> None:
    """A value, or each value of a mapping or list, must be allowed (None means unset)."""
    if value is None:
        return
    if isinstance(value, dict):
        for name, item in value.items():
            _check_value(f"{key}.{name}", item, valid)
    elif isinstance(value, list):
        for j, item in enumerate(value):
            _check_value(f"{key}[{j}]", item, valid)
    elif not valid.allows(value):
        raise ConfigError(key, f"{valid.describe()}, got {value!r}")
    elif isinstance(value, int) and not INT64[0] <= value < INT64[1]:
        raise ConfigError(key, f"a whole number in [-2^63, 2^63), got {value!r}")


# ---------------------------------------------------------------------- cross-field rules
def validate(cfg: RunConfig) -> None:
    """Check a composed run config; raise ConfigError on the first problem."""
    check_declared(cfg)
    validate_names(cfg)
    validate_blocks(cfg)
    validate_size(cfg)
    validate_design(cfg)
    _multiple("record_every_hours", cfg.record_every_hours, cfg.dt_hours)
    _multiple("horizon_days", cfg.horizon_days * 24, cfg.dt_hours)
    regions = validate_world(cfg.world)
    validate_sectors(cfg)
    validate_population(cfg.population)
    validate_adversary(cfg.adversary, regions)
    validate_mitigation(cfg)
    validate_transit(cfg, regions)
    validate_host_nation(cfg, regions)
    validate_scenario(cfg, regions)


def validate_names(cfg: RunConfig) -> None:
    """Names that become parts of paths and labels are safe file names."""
    for group in NAMED_GROUPS:
        name = getattr(getattr(cfg, group, None), "name", None)
        if name is not None and not SAFE_NAME.fullmatch(str(name)):
            raise ConfigError(
                f"{group}.name",
                "a file name of letters, digits and _ . + - (starting with a letter or digit, "
                f"at most 100 characters), got {name!r}",
            )


def validate_blocks(cfg: RunConfig) -> None:
    """A job's block of replicates exists and is not empty; a design job's blocks are its rows."""
    if cfg.replicate_blocks > cfg.replicates:
        raise ConfigError(
            "replicate_blocks",
            f"at most replicates ({cfg.replicates}), so that no block is empty, "
            f"got {cfg.replicate_blocks}",
        )
    if cfg.replicate_block >= cfg.replicate_blocks:
        raise ConfigError(
            "replicate_block",
            f"a block in 0 .. {cfg.replicate_blocks - 1} (replicate_blocks - 1), "
            f"got {cfg.replicate_block}",
        )
    if cfg.design.file is not None and cfg.replicate_blocks != 1:
        raise ConfigError(
            "replicate_blocks", "1 in a design job (its blocks are design rows: design.block)"
        )


def replicate_steps(cfg: RunConfig) -> float:
    """A job's estimated cost: replicates x design rows x steps (a design job runs its block of
    rows, each on every replicate or, with ``replicate_per_row``, on one)."""
    runs = float(cfg.replicates)
    if cfg.design.file is not None:
        runs = cfg.design.block_size * (1 if cfg.design.replicate_per_row else runs)
    return runs * cfg.horizon_days * 24 / cfg.dt_hours


def validate_size(cfg: RunConfig) -> None:
    """A job beyond :data:`MAX_REPLICATE_STEPS` needs ``allow_large=true``."""
    cost = replicate_steps(cfg)
    if cost > MAX_REPLICATE_STEPS and not cfg.allow_large:
        steps = cfg.horizon_days * 24 / cfg.dt_hours
        raise ConfigError(
            "horizon_days" if steps > MAX_REPLICATE_STEPS else "replicates",
            f"at most {MAX_REPLICATE_STEPS:,} replicate-steps (replicates x design rows x "
            f"horizon_days x 24 / dt_hours) unless allow_large=true, got {cost:,.0f}",
        )


def validate_design(cfg: RunConfig) -> None:
    """A design job names its uncertainty set, an existing design file and a block of it (the
    job reads them only once it has started: checked here, before anything is written)."""
    d = cfg.design
    if d.file is None:
        return
    if d.uncertainty is None:
        raise ConfigError("design.uncertainty", "the uncertainty set of the design (a YAML file)")
    if not Path(d.file).is_file():
        raise ConfigError("design.file", f"an existing design file, got {d.file!r}")


def _asset_total(world: WorldConfig, regions: Regions) -> None:
    """Refuse count rules that would build more than :data:`MAX_ASSETS` assets, reckoned in
    floating point as :func:`abm.world.asset_counts` counts them (so that a huge rule neither
    overflows nor allocates)."""
    total = 0.0
    for name, t in world.asset_types.items():
        if t.by_region:
            n = float(sum(t.by_region.values()))
        elif t.national is not None:
            n = float(t.national)
        else:
            n = float(regions.population.sum()) / 1e6 * float(t.per_million)
        total += max(n, float(t.min_per_region) * regions.n)
        if not total <= MAX_ASSETS:
            raise ConfigError(
                f"world.asset_types.{name}",
                f"count rules giving at most {MAX_ASSETS:,} assets in all; with this type's the "
                f"world would have about {total:.3g}",
            )


def validate_world(world: WorldConfig) -> tuple[str, ...]:
    """Check the world's names and shares; return the place names (regions and provinces)
    configs may use."""
    regions = load_regions(world.regions_file)
    if len(set(regions.keys)) != regions.n:
        raise ConfigError("world.regions_file", "region keys must be unique")
    if not np.all(regions.population > 0):
        raise ConfigError("world.regions_file", "every population must be positive")
    build_dependents(regions, 1.0, world.dependents_file)  # raises on a bad table
    areas = {
        "belgium": ("belgium",),
        "federated_region": tuple(dict.fromkeys(regions.federated_region)),
        "province": regions.provinces,
    }
    for name, op in world.operators.items():
        _keys(f"world.operators.{name}.count_by_area", op.count_by_area, areas[op.area])
        _each(f"world.operators.{name}.it_links", op.it_links, world.operators)
    provided = set()
    for name, t in world.asset_types.items():
        key = f"world.asset_types.{name}"
        _one_of(f"{key}.operator", t.operator, world.operators)
        if world.operators[t.operator].sector != t.sector:
            raise ConfigError(
                f"{key}.operator",
                f"an operator of sector {t.sector!r}; {t.operator!r} is in "
                f"{world.operators[t.operator].sector!r}",
            )
        if t.provides is not None:
            _one_of(f"{key}.provides", t.provides, world.resources)
            provided.add(t.provides)
        _keys(f"{key}.by_region", t.by_region, regions.selectable)
        _keys(f"{key}.needs", t.needs, world.resources)
    _asset_total(world, regions)
    for name, t in world.asset_types.items():
        for res in t.needs:
            if res not in provided:
                raise ConfigError(
                    f"world.asset_types.{name}.needs.{res}", "a resource that some type provides"
                )
    _per_sector("world.service_shares", world.service_shares)
    for sector, shares in world.service_shares.items():
        key = f"world.service_shares.{sector}"
        _keys(key, shares, world.asset_types)
        for type_name in shares:
            if world.asset_types[type_name].sector != sector:
                raise ConfigError(f"{key}.{type_name}", f"an asset type of sector {sector!r}")
        _sums_to_one(key, shares.values())
    return regions.selectable


def validate_sectors(cfg: RunConfig) -> None:
    """Check the sector layer: a value per sector, k * dt in (0, 1], and A* (square, >= 0,
    spectral radius < 1)."""
    s = cfg.sectors
    for name in ("k", "reserve_margin"):
        _per_sector(f"sectors.{name}", getattr(s, name))
    _per_sector("outcomes.minimum_service", cfg.outcomes.minimum_service)
    _per_sector("weighting.weights", cfg.weighting.weights)
    for sector, w in cfg.weighting.weights.items():
        if isinstance(w, bool) or not isinstance(w, int | float) or not 0 <= w < float("inf"):
            raise ConfigError(f"weighting.weights.{sector}", f"a weight >= 0, got {w!r}")
    for name, k in s.k.items():
        if not 0 < k * cfg.dt_hours <= 1:
            raise ConfigError(
                f"sectors.k.{name}",
                f"a rate per hour with 0 < k * dt_hours <= 1, got k={k!r}, dt={cfg.dt_hours:g}",
            )
    if s.a_star is not None:
        try:
            a_star = np.asarray(s.a_star, dtype=float)
        except (TypeError, ValueError):
            raise ConfigError("sectors.a_star", "a square list of lists of numbers") from None
        try:
            a_star = interdependency.validate_a_star(a_star, name="sectors.a_star")
        except ValueError as err:
            raise ConfigError("sectors.a_star", str(err).removeprefix("sectors.a_star: ")) from None
        if a_star.shape != (len(SECTORS), len(SECTORS)):
            raise ConfigError(
                "sectors.a_star", f"a {len(SECTORS)} x {len(SECTORS)} matrix (one row per sector)"
            )


def validate_population(pop: PopulationConfig) -> None:
    """Check cohorts (at least one, shares sum to 1, sectors named) and need weights."""
    if not pop.cohorts:
        raise ConfigError("population.cohorts", "at least one cohort")
    for name, c in pop.cohorts.items():
        _keys(f"population.cohorts.{name}.stock_hours", c.stock_hours, SECTORS)
    _sums_to_one("population.cohorts", (c.share for c in pop.cohorts.values()))
    _per_sector("population.need_weights", pop.need_weights)
    _keys("population.behaviour.acting_share", pop.behaviour.acting_share, BEHAVIOURS)
    _keys(
        "population.behaviour.acting_cohort_factor",
        pop.behaviour.acting_cohort_factor,
        tuple(pop.cohorts),
    )


def validate_adversary(adv: AdversaryConfig, regions: tuple[str, ...]) -> None:
    """Check the names cells and actions use, and that some behaviour can be pushed."""
    for name, cell in adv.cells.items():
        key = f"adversary.cells.{name}"
        for attr in ("capabilities", "detection"):
            _keys(f"{key}.{attr}", getattr(cell, attr), ACTIONS)
        _each(f"{key}.regions", cell.regions, regions)
    _keys("adversary.action_costs", adv.action_costs, ACTIONS)
    d = adv.disinformation
    _keys("adversary.disinformation.behaviours", d.behaviours, BEHAVIOURS)
    if d.behaviours and sum(d.behaviours.values()) <= 0:
        raise ConfigError("adversary.disinformation.behaviours", "at least one positive weight")


def validate_mitigation(cfg: RunConfig) -> None:
    """Check every lever against its entry in the lever registry: kind, strength and its
    plausible range, targets, the fields only some levers read; and that its cost bounds are
    ordered around the costs."""
    names_of = {
        "asset_types": tuple(cfg.world.asset_types),
        "sectors": SECTORS,
        "stocked_sectors": STOCKED_SECTORS,
        "cohorts": tuple(cfg.population.cohorts),
    }
    defaults = LeverConfig(kind="", strength=0.0, investment_meur=0.0, yearly_meur=0.0)
    for name, lever in cfg.mitigation.levers.items():
        key = f"mitigation.levers.{name}"
        _one_of(f"{key}.kind", lever.kind, LEVERS)
        entry = LEVERS[lever.kind]
        if not entry.range.allows(lever.strength):
            raise ConfigError(
                f"{key}.strength",
                f"{entry.strength} ({entry.unit}), in {entry.range}, got {lever.strength!r}",
            )
        if lever.targets:
            if entry.targets is None:
                raise ConfigError(f"{key}.targets", f"none: {lever.kind} takes no targets")
            _each(f"{key}.targets", lever.targets, names_of[entry.targets])
        for field_name in ("reach", "decay_days"):
            value = getattr(lever, field_name)
            if field_name not in entry.fields and value != getattr(defaults, field_name):
                raise ConfigError(
                    f"{key}.{field_name}",
                    f"left unset: only {_levers_reading(field_name)} read it",
                )
        _check_strength_range(key, lever, entry)
        for cost in ("investment", "yearly"):
            _ordered(key, lever, f"{cost}_meur", f"{cost}_low_meur", f"{cost}_high_meur")


def _check_strength_range(key: str, lever: LeverConfig, entry: Lever) -> None:
    """The strength's plausible range lies in the lever's range and holds the strength."""
    for end in ("strength_low", "strength_high"):
        value = getattr(lever, end)
        if value is not None and not entry.range.allows(value):
            raise ConfigError(
                f"{key}.{end}", f"{entry.strength} ({entry.unit}), in {entry.range}, got {value!r}"
            )
    _ordered(key, lever, "strength", "strength_low", "strength_high")


def _ordered(key: str, lever: LeverConfig, name: str, low_name: str, high_name: str) -> None:
    """``low <= value <= high`` for a lever's field and its bounds (an unset bound is the
    value itself)."""
    value, low, high = (getattr(lever, n) for n in (name, low_name, high_name))
    low = value if low is None else low
    high = value if high is None else high
    if not low <= value <= high:
        raise ConfigError(
            f"{key}.{low_name if low > value else high_name}",
            f"{low_name} <= {name} <= {high_name} (set the bounds too when changing {name}), "
            f"got {low!r} <= {value!r} <= {high!r}",
        )


def _levers_reading(field_name: str) -> str:
    return ", ".join(kind for kind, lever in LEVERS.items() if field_name in lever.fields)


def validate_transit(cfg: RunConfig, regions: tuple[str, ...]) -> None:
    """Check the allied transit's ports, routes, berths and airfields (when it runs)."""
    t = cfg.transit
    if not t.enabled:
        return
    if not t.ports:
        raise ConfigError("transit.ports", "at least one landing region")
    _keys("transit.ports", t.ports, regions)
    for port in t.ports:
        route = t.routes.get(port)
        if not route:
            raise ConfigError(f"transit.routes.{port}", "a non-empty list of regions")
        _each(f"transit.routes.{port}", route, regions)
    _sums_to_one("transit.ports", t.ports.values())
    _keys("transit.port_berths", t.port_berths, tuple(t.ports))
    for name, airfield in t.airfields.items():
        # an asset type the world lacks is skipped (an air base before the world has any)
        _one_of(f"transit.airfields.{name}.region", airfield.region, regions)
    if t.canal_port:  # barges up the Albert Canal from this port
        _one_of("transit.canal_port", t.canal_port, regions)
        _each("transit.canal_places", t.canal_places, regions)


def validate_host_nation(cfg: RunConfig, regions: tuple[str, ...]) -> None:
    """Check the places that host troops and institutions."""
    hn = cfg.host_nation
    _keys("scenario.housed_troops", cfg.scenario.housed_troops, regions)
    for name in INSTITUTIONS:
        _one_of(f"host_nation.{name}_place", getattr(hn, f"{name}_place"), regions)


def validate_scenario(cfg: RunConfig, regions: tuple[str, ...]) -> None:
    """Check what every scripted event names, and the spans and counts they need."""
    sc, types = cfg.scenario, cfg.world.asset_types
    for i, shock in enumerate(sc.shocks):
        key = f"scenario.shocks[{i}]"
        _one_of(f"{key}.region", shock.region, regions)
        if shock.restore_hours is not None and shock.kind != "grid_trip":
            raise ConfigError(f"{key}.restore_hours", "left unset: only grid_trip reads it")
        if shock.kind in ("grid_loss", "grid_trip"):
            if "power" not in cfg.world.resources:
                raise ConfigError(f"{key}.kind", f"{shock.kind} needs a 'power' resource")
            continue
        _one_of(f"{key}.asset_type", shock.asset_type, types)
        if (shock.count is None) == (shock.probability is None):
            raise ConfigError(key, "exactly one of count or probability")
    _each("scenario.adversary_part", sc.adversary_part, sc.adversary_dimensions)
    for j, phase in enumerate(sc.adversary_phases):
        _keys(f"scenario.adversary_phases[{j}].weights", phase.weights, ACTIONS)
    for j, hazard in enumerate(sc.hazards):
        key = f"scenario.hazards[{j}]"
        _each(f"{key}.regions", hazard.regions, regions)
        _keys(f"{key}.damage", hazard.damage, types)
        _keys(f"{key}.demand", hazard.demand, SECTORS)
    for j, drone in enumerate(sc.drone_incursions):
        _one_of(f"scenario.drone_incursions[{j}].region", drone.region, regions)
        _one_of(f"scenario.drone_incursions[{j}].asset_type", drone.asset_type, types)
    for j, push in enumerate(sc.migration_pushes):
        _span(f"scenario.migration_pushes[{j}]", push.start_hour, push.end_hour)
        _one_of(f"scenario.migration_pushes[{j}].region", push.region, regions)
    _each("scenario.adversary_target_types", sc.adversary_target_types, types)
    if sc.corridor_effort != 1.0 and not corridor_cells(cfg).any():
        raise ConfigError(
            "scenario.corridor_effort",
            "1 unless sabotage cells go for the transit corridors (a scenario whose "
            "adversary_target_types are corridor types, or a phase with corridor_focus)",
        )
    for j, win in enumerate(sc.adversary_windows):
        _span(f"scenario.adversary_windows[{j}]", win.start_hour, win.end_hour)
    names = set()
    for i, n in enumerate(sc.narratives):
        key = f"scenario.narratives[{i}]"
        if not n.name or n.name in names:
            raise ConfigError(f"{key}.name", f"a unique, non-empty name, got {n.name!r}")
        names.add(n.name)
        _each(f"{key}.regions", n.regions, regions)
        _each(f"{key}.cohorts", n.cohorts, cfg.population.cohorts)


# ----------------------------------------------------------- before Hydra writes anything
def usable_directory(key: str, directory: str | os.PathLike[str]) -> list[Path]:
    """Check that ``directory`` is, or can be made, a directory this user can write in.

    Returns:
        The directories that making it would create, outermost first.
    """
    path = Path(os.path.abspath(directory))
    missing = []
    while not path.exists():
        if path.is_symlink():
            raise ConfigError(key, f"a directory, but {path} is a broken link")
        missing.append(path)
        path = path.parent
    if not path.is_dir():
        raise ConfigError(key, f"a directory, but {path} is a file")
    if not os.access(path, os.W_OK | os.X_OK):
        raise ConfigError(key, f"a directory this user can write in, but {path} is read-only")
    return missing[::-1]


def check_composed(config: DictConfig) -> RunConfig:
    """Validate a config as Hydra composed it (with its ``hydra`` node); return the run config."""
    from abm.api import as_run_config  # abm.api imports this module

    task = copy.deepcopy(config)
    with read_write(task), open_dict(task):
        task.pop("hydra", None)
    cfg = as_run_config(task)
    validate(cfg)
    return cfg


def sweep_lines(config: DictConfig) -> list[str]:
    """A sweep's overrides as Hydra's basic sweeper reads them: its ``hydra.sweeper.params``,
    then the command line's task overrides, as written: an override's value may hold an
    interpolation (``design.file='runs/${mitigation.name}/design.parquet'``) that each job
    resolves on its own config, never on the sweep's."""
    params = OmegaConf.select(config, "hydra.sweeper.params") or {}
    if isinstance(params, DictConfig):
        params = OmegaConf.to_container(params, resolve=False)
    task = OmegaConf.to_container(config.hydra.overrides.task, resolve=False)
    assert isinstance(params, dict) and isinstance(task, list)
    return [*(f"{k}={v}" for k, v in params.items()), *map(str, task)]


def check_every_value(config: DictConfig, first: DictConfig, loader: Any) -> None:
    """Every value a sweep gives a key, checked on the first job's config before the sweep
    writes anything: a group option that does not exist, and a value of the wrong type or out
    of range (one validation per value, a few tenths of a second each, against the seconds a
    job costs; of a numeric sweep of more than :data:`FULLY_CHECKED_VALUES` values, such as
    ``design.block=range(0,400)``, the type of each and the validation of the smallest and the
    largest). Hydra would otherwise stop at a bad value only after writing
    ``multirun.yaml``, and a value out of range would fail in its own job.

    Args:
        first: The first job's config, with its ``hydra`` node (:func:`first_job_overrides`).
        loader: Hydra's config loader, for the groups' options.
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser

    overrides = OverridesParser.create(config_loader=loader).parse_overrides(sweep_lines(config))
    # a key inside a swept group (mitigation=a,b mitigation.levers...=1,2) belongs to each
    # option: its values are checked by the jobs, not on the first job's option
    swept_groups = {
        o.key_or_group.replace("/", ".")
        for o in overrides
        if o.is_sweep_override() and loader.repository.group_exists(o.key_or_group)
    }
    for override in overrides:
        if not override.is_sweep_override():
            continue
        key = override.key_or_group
        if any(key.startswith(f"{group}.") for group in swept_groups):
            continue
        values = list(override.sweep_string_iterator())[1:]
        if loader.repository.group_exists(key):
            options = loader.get_group_options(key)
            for value in values:
                if value not in options:
                    raise ConfigError(
                        key.replace("/", "."), f"{value!r} is not one of: {', '.join(options)}"
                    )
            continue  # an option's own values are checked by its job
        typed: list[Any] = list(override.sweep_iterator())[1:]
        job = copy.deepcopy(first)
        with read_write(job), open_dict(job):
            for item in typed:  # the type of every value: cheap
                OmegaConf.update(job, key, item, merge=True)
        numbers = [v for v in typed if isinstance(v, int | float) and not isinstance(v, bool)]
        if len(typed) > FULLY_CHECKED_VALUES and len(numbers) == len(typed):
            typed = [min(numbers), max(numbers)]  # a long range: where a range check fails
        for item in typed:
            with read_write(job), open_dict(job):
                OmegaConf.update(job, key, item, merge=True)
            check_composed(job)


def first_job_overrides(config: DictConfig) -> list[str]:
    """The overrides of a sweep's first job, as Hydra's basic sweeper forms them: its
    ``hydra.sweeper.params``, then the command line's task overrides, the first value of each
    sweep."""
    from hydra.core.global_hydra import GlobalHydra

    return first_of_sweeps(sweep_lines(config), GlobalHydra.instance().config_loader())


def first_of_sweeps(lines: Sequence[str], loader: Any = None) -> list[str]:
    """``lines`` (Hydra overrides) with each sweep replaced by its first value, the last of a
    key's overrides kept: the overrides of the first job of a sweep.

    Args:
        loader: Hydra's config loader, for sweeps over a group's options by glob.
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser

    first: dict[str, str] = {}
    for override in OverridesParser.create(config_loader=loader).parse_overrides(list(lines)):
        key = override.get_key_element()
        if override.is_sweep_override():
            value = next(iter(override.sweep_string_iterator()), None)
            if value is None:
                raise ConfigError(key, "a sweep of at least one value")
        else:
            value = override.get_value_element_as_str()
        first[key] = f"{key}={value}"
    return list(first.values())


def check_launcher(config: DictConfig) -> None:
    """Launcher settings that would fail only once the sweep has started."""
    n_jobs = OmegaConf.select(config, "hydra.launcher.n_jobs")
    if n_jobs is not None and (
        isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or not n_jobs
    ):
        raise ConfigError(
            "hydra.launcher.n_jobs",
            f"a number of processes >= 1, or -1 for every core (-2 all but one), got {n_jobs!r}",
        )


class InputCheck(Callback):
    """Checks a run's input before Hydra writes anything (``hydra.callbacks`` in
    ``configs/config.yaml``, first of them).

    Hydra makes the run directory (and the sweep directory) before the task runs, so bad input
    found in the task would leave ``outputs/<scenario>/<time>/`` behind. Here, in
    ``on_run_start`` and ``on_multirun_start``, nothing is written yet: a single run's config is
    validated and its directory checked; a sweep's directory and launcher are checked, its
    first job's config is composed and validated, and so is every other value a sweep gives a
    key, on the first job's config (:func:`check_every_value`). What only a combination of
    values makes wrong still fails in its job, with ``error.json``. Bad input raises
    :class:`abm.cli.Refusal`, which Hydra's callback runner lets through (it would turn an
    ``Exception`` into a warning).
    """

    #: The directories the last single run's check found missing (Hydra creates them): what a
    #: run that fails on bad input after all removes again (``experiments.run``).
    made: list[Path] = []

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        with _refusing():
            check_composed(config)
            InputCheck.made = usable_directory("hydra.run.dir", config.hydra.run.dir)

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        from hydra.core.global_hydra import GlobalHydra

        with _refusing():
            check_launcher(config)
            usable_directory("hydra.sweep.dir", config.hydra.sweep.dir)
            loader = GlobalHydra.instance().config_loader()
            first = loader.load_sweep_config(config, first_job_overrides(config))
            check_composed(first)
            check_every_value(config, first, loader)


@contextmanager
def _refusing() -> Iterator[None]:
    """Turn bad input into :class:`abm.cli.Refusal`; let any other error through."""
    try:
        yield
    except Exception as err:
        if one_line(err) is None:
            raise
        raise Refusal(err) from err
