"""Checks for what config types cannot say: ranges, names, shapes, sums.

Every check raises :class:`abm.errors.ConfigError` naming the dotted key and what is allowed. It
runs before a replicate is built, so bad input never leaves partial results behind.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from abm import interdependency
from abm.config import (
    AdversaryConfig,
    LeverConfig,
    PopulationConfig,
    RunConfig,
    WorldConfig,
)
from abm.errors import ConfigError
from abm.levers import LEVERS
from abm.vocabulary import (
    ACTIONS,
    AREA_KINDS,
    BEHAVIOURS,
    RESOURCE_SCOPES,
    SECTORS,
    SHOCK_KINDS,
    STRATEGIES,
)
from abm.world import load_regions

SHARE_TOLERANCE = 1e-6


def _choices(allowed: Iterable[str], limit: int = 40) -> str:
    """The allowed names, sorted; a long list (municipalities) is cut after ``limit``."""
    names = sorted(allowed)
    more = f", ... ({len(names) - limit} more)" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def _positive(key: str, value: float) -> None:
    if not value > 0 or not math.isfinite(value):
        raise ConfigError(key, f"a positive number, got {value!r}")


def _non_negative(key: str, value: float) -> None:
    if not value >= 0 or not math.isfinite(value):
        raise ConfigError(key, f"a number >= 0, got {value!r}")


def _count(key: str, value: int) -> None:
    if value < 1:
        raise ConfigError(key, f"a count of at least 1, got {value!r}")


def _probability(key: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
        raise ConfigError(key, f"a probability in [0, 1], got {value!r}")


def _one_of(key: str, value: str | None, allowed: Iterable[str]) -> None:
    allowed = tuple(allowed)
    if value not in allowed:
        raise ConfigError(key, f"{value!r} is not one of: {_choices(allowed)}")


def _keys(
    key: str,
    mapping: Mapping[str, Any],
    allowed: Iterable[str],
    check: Callable[[str, Any], None] | None = None,
) -> None:
    """Names must be among ``allowed``; each value passes ``check`` if given."""
    allowed = tuple(allowed)
    for name, value in mapping.items():
        if name not in allowed:
            raise ConfigError(f"{key}.{name}", f"unknown name; allowed: {_choices(allowed)}")
        if check is not None:
            check(f"{key}.{name}", value)


def _span(key: str, start: float, end: float) -> None:
    """A time span: starts at or after hour 0 and ends after it starts."""
    _non_negative(f"{key}.start_hour", start)
    if not end > start:
        raise ConfigError(f"{key}.end_hour", f"later than start_hour ({start:g}), got {end!r}")


def _per_sector(key: str, mapping: Mapping[str, float]) -> None:
    _keys(key, mapping, SECTORS)
    missing = [s for s in SECTORS if s not in mapping]
    if missing:
        raise ConfigError(key, f"needs a value for every sector; missing {_choices(missing)}")


def _multiple(key: str, value: float, dt: float) -> None:
    ratio = value / dt
    if abs(ratio - round(ratio)) > 1e-9 or round(ratio) < 1:
        raise ConfigError(key, f"a positive multiple of dt_hours ({dt:g}), got {value!r}")


def validate(cfg: RunConfig) -> None:
    """Check a composed run config; raise ConfigError on the first problem."""
    if cfg.seed < 0:
        raise ConfigError("seed", f"a non-negative integer, got {cfg.seed!r}")
    _count("replicates", cfg.replicates)
    _positive("dt_hours", cfg.dt_hours)
    _positive("horizon_days", cfg.horizon_days)
    _positive("record_every_hours", cfg.record_every_hours)
    _multiple("record_every_hours", cfg.record_every_hours, cfg.dt_hours)
    _multiple("horizon_days", cfg.horizon_days * 24, cfg.dt_hours)
    regions = validate_world(cfg.world)
    validate_sectors(cfg)
    validate_population(cfg.population)
    validate_adversary(cfg.adversary, regions)
    validate_mitigation(cfg)
    validate_transit(cfg, regions)
    validate_responders(cfg)
    validate_scenario(cfg, regions)


def validate_world(world: WorldConfig) -> tuple[str, ...]:
    """Check the world config; return the place names (regions and provinces) configs may use."""
    regions = load_regions(world.regions_file)
    if len(set(regions.keys)) != regions.n:
        raise ConfigError("world.regions_file", "region keys must be unique")
    if not np.all(regions.population > 0):
        raise ConfigError("world.regions_file", "every population must be positive")
    areas = {
        "belgium": ("belgium",),
        "federated_region": tuple(dict.fromkeys(regions.federated_region)),
        "province": regions.provinces,
    }
    _non_negative("world.capacity_cv", world.capacity_cv)
    _non_negative("world.backup_recharge_per_hour", world.backup_recharge_per_hour)
    for name, res in world.resources.items():
        _one_of(f"world.resources.{name}.scope", res.scope, RESOURCE_SCOPES)
    for name, op in world.operators.items():
        key = f"world.operators.{name}"
        _one_of(f"{key}.sector", op.sector, SECTORS)
        _one_of(f"{key}.area", op.area, AREA_KINDS)
        _count(f"{key}.count", op.count)
        _keys(f"{key}.count_by_area", op.count_by_area, areas[op.area], _count)
        _count(f"{key}.crews", op.crews)
        _non_negative(f"{key}.response_hours", op.response_hours)
        _probability(f"{key}.cyber_maturity", op.cyber_maturity)
    provided = set()
    for name, t in world.asset_types.items():
        key = f"world.asset_types.{name}"
        _one_of(f"{key}.sector", t.sector, SECTORS)
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
        for region, n in t.by_region.items():
            if n < 0:
                raise ConfigError(f"{key}.by_region.{region}", f"a count >= 0, got {n}")
        if t.national is not None and t.national < 0:
            raise ConfigError(f"{key}.national", f"a count >= 0, got {t.national}")
        _non_negative(f"{key}.per_million", t.per_million)
        if t.min_per_region < 0:
            raise ConfigError(f"{key}.min_per_region", f"a count >= 0, got {t.min_per_region}")
        _keys(f"{key}.needs", t.needs, world.resources)
        for res, need in t.needs.items():
            _count(f"{key}.needs.{res}.suppliers", need.suppliers)
            _non_negative(f"{key}.needs.{res}.backup_hours", need.backup_hours)
        _probability(f"{key}.protection", t.protection)
        _positive(f"{key}.repair_median_hours", t.repair_median_hours)
        _non_negative(f"{key}.repair_sigma", t.repair_sigma)
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
        for t, share in shares.items():
            if world.asset_types[t].sector != sector:
                raise ConfigError(f"{key}.{t}", f"an asset type of sector {sector!r}")
            _probability(f"{key}.{t}", share)
        total = sum(shares.values())
        if abs(total - 1.0) > SHARE_TOLERANCE:
            raise ConfigError(key, f"shares that sum to 1, got {total:g}")
    return regions.selectable


def validate_sectors(cfg: RunConfig) -> None:
    """Check the sector layer: rates, margins, weights, and A* (square, >= 0, radius < 1)."""
    s = cfg.sectors
    _per_sector("sectors.k", s.k)
    for name, k in s.k.items():
        if not 0 < k * cfg.dt_hours <= 1:
            raise ConfigError(
                f"sectors.k.{name}",
                f"a rate per hour with 0 < k * dt_hours <= 1, got k={k!r}, dt={cfg.dt_hours:g}",
            )
    _per_sector("sectors.reserve_margin", s.reserve_margin)
    for name, m in s.reserve_margin.items():
        _non_negative(f"sectors.reserve_margin.{name}", m)
    _per_sector("sectors.loss_weights", s.loss_weights)
    for name, w in s.loss_weights.items():
        _non_negative(f"sectors.loss_weights.{name}", w)
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
    """Check cohorts (shares sum to 1), need weights, and the behaviour and narrative rates."""
    if not pop.cohorts:
        raise ConfigError("population.cohorts", "at least one cohort")
    for name, c in pop.cohorts.items():
        key = f"population.cohorts.{name}"
        for attr in ("share", "trust", "susceptibility", "media_literacy"):
            _probability(f"{key}.{attr}", getattr(c, attr))
        _non_negative(f"{key}.health_dependency", c.health_dependency)
        _non_negative(f"{key}.mobility", c.mobility)
        _keys(f"{key}.stock_hours", c.stock_hours, SECTORS, _non_negative)
    total = sum(c.share for c in pop.cohorts.values())
    if abs(total - 1.0) > SHARE_TOLERANCE:
        raise ConfigError("population.cohorts", f"shares that sum to 1, got {total:g}")
    _per_sector("population.need_weights", pop.need_weights)
    for sector, w in pop.need_weights.items():
        _probability(f"population.need_weights.{sector}", w)
    _non_negative("population.restock_per_hour", pop.restock_per_hour)
    _positive("population.reception_baseline_persons", pop.reception_baseline_persons)
    n = pop.narratives
    _non_negative("population.narratives.contact_rate", n.contact_rate)
    _positive("population.narratives.stifling_rate", n.stifling_rate)
    _probability("population.narratives.within_region_share", n.within_region_share)
    _probability("population.narratives.trust_discount", n.trust_discount)
    _positive("population.narratives.max_substep_rate", n.max_substep_rate)
    for attr in ("loss_per_unmet", "loss_per_belief", "recovery"):
        _non_negative(f"population.trust.{attr}", getattr(pop.trust, attr))
    b = pop.behaviour
    for attr in ("behaviour_hours", "hardship_hours"):
        _positive(f"population.behaviour.{attr}", getattr(b, attr))
    for attr in (
        "panic_buying_gain",
        "bank_run_gain",
        "leave_rate",
        "fear_leave_rate",
        "return_rate",
    ):
        _non_negative(f"population.behaviour.{attr}", getattr(b, attr))
    _probability("population.behaviour.reception_share", b.reception_share)
    if not 0 <= b.hardship_threshold < 1:
        raise ConfigError(
            "population.behaviour.hardship_threshold",
            f"a share in [0, 1), got {b.hardship_threshold!r}",
        )


def validate_adversary(adv: AdversaryConfig, regions: tuple[str, ...]) -> None:
    """Check cells (budgets, capabilities, detection, strategy, regions) and action settings."""
    for name, cell in adv.cells.items():
        key = f"adversary.cells.{name}"
        _non_negative(f"{key}.budget", cell.budget)
        _one_of(f"{key}.strategy", cell.strategy, STRATEGIES)
        _non_negative(f"{key}.actions_per_day", cell.actions_per_day)
        for attr in ("capabilities", "detection"):
            _keys(f"{key}.{attr}", getattr(cell, attr), ACTIONS, _probability)
        for j, region in enumerate(cell.regions):
            _one_of(f"{key}.regions[{j}]", region, regions)
    _keys("adversary.action_costs", adv.action_costs, ACTIONS, _positive)
    c = adv.cyber
    _positive("adversary.cyber.dwell_median_hours", c.dwell_median_hours)
    _non_negative("adversary.cyber.dwell_sigma", c.dwell_sigma)
    _probability("adversary.cyber.spread_probability", c.spread_probability)
    _probability("adversary.cyber.asset_share", c.asset_share)
    for j, sector in enumerate(c.ransomware_sectors):
        _one_of(f"adversary.cyber.ransomware_sectors[{j}]", sector, SECTORS)
    _positive("adversary.cyber.ransomware_dwell_multiplier", c.ransomware_dwell_multiplier)
    d = adv.disinformation
    _keys("adversary.disinformation.behaviours", d.behaviours, BEHAVIOURS, _non_negative)
    if d.behaviours and sum(d.behaviours.values()) <= 0:
        raise ConfigError("adversary.disinformation.behaviours", "at least one positive weight")
    _non_negative("adversary.disinformation.virality", d.virality)
    _probability("adversary.disinformation.seed_fraction", d.seed_fraction)
    _probability("adversary.exploration", adv.exploration)
    _probability("adversary.learning_rate", adv.learning_rate)


def validate_mitigation(cfg: RunConfig) -> None:
    """Check every lever against its entry in the lever registry: kind, strength, targets,
    the fields only some levers read; then start and costs."""
    names_of = {
        "asset_types": tuple(cfg.world.asset_types),
        "sectors": SECTORS,
        "cohorts": tuple(cfg.population.cohorts),
    }
    defaults = LeverConfig(kind="", strength=0.0, cost_meur=0.0)
    for name, lever in cfg.mitigation.levers.items():
        key = f"mitigation.levers.{name}"
        _one_of(f"{key}.kind", lever.kind, LEVERS)
        entry = LEVERS[lever.kind]
        if not entry.range.allows(lever.strength):
            raise ConfigError(
                f"{key}.strength",
                f"{entry.strength} ({entry.unit}), in {entry.range}, got {lever.strength!r}",
            )
        if lever.targets and entry.targets is None:
            raise ConfigError(f"{key}.targets", f"none: {lever.kind} takes no targets")
        for j, target in enumerate(lever.targets):
            _one_of(f"{key}.targets[{j}]", target, names_of[entry.targets or ""])
        for field_name in ("reach", "decay_days"):
            value = getattr(lever, field_name)
            if field_name not in entry.fields and value != getattr(defaults, field_name):
                raise ConfigError(
                    f"{key}.{field_name}",
                    f"left unset: only {_levers_reading(field_name)} read it",
                )
        _non_negative(f"{key}.start_hour", lever.start_hour)
        _non_negative(f"{key}.cost_meur", lever.cost_meur)
        low = lever.cost_meur if lever.cost_low_meur is None else lever.cost_low_meur
        high = lever.cost_meur if lever.cost_high_meur is None else lever.cost_high_meur
        if not 0 <= low <= lever.cost_meur <= high:
            raise ConfigError(
                f"{key}.cost_low_meur", "0 <= cost_low_meur <= cost_meur <= cost_high_meur"
            )
        _probability(f"{key}.reach", lever.reach)
        if lever.decay_days is not None:
            _positive(f"{key}.decay_days", lever.decay_days)


def _levers_reading(field_name: str) -> str:
    return ", ".join(kind for kind, lever in LEVERS.items() if field_name in lever.fields)


def validate_transit(cfg: RunConfig, regions: tuple[str, ...]) -> None:
    """Check the allied transit: counts, ports and routes, hours, thresholds."""
    t = cfg.transit
    if not t.enabled:
        return
    _count("transit.brigades", t.brigades)
    _count("transit.serials_per_brigade", t.serials_per_brigade)
    for attr in (
        "personnel_per_serial",
        "vehicles_per_serial",
        "support_persons_per_personnel",
        "first_arrival_hour",
        "arrival_interval_hours",
        "staging_hours",
    ):
        _non_negative(f"transit.{attr}", getattr(t, attr))
    for attr in ("rail_leg_hours", "road_leg_hours", "deadline_hour"):
        _positive(f"transit.{attr}", getattr(t, attr))
    _probability("transit.min_support_service", t.min_support_service)
    _probability("transit.heavy_share", t.heavy_share)
    if not t.ports:
        raise ConfigError("transit.ports", "at least one landing region")
    _keys("transit.ports", t.ports, regions, _probability)
    for port in t.ports:
        route = t.routes.get(port)
        if not route:
            raise ConfigError(f"transit.routes.{port}", "a non-empty list of regions")
        for j, region in enumerate(route):
            _one_of(f"transit.routes.{port}[{j}]", region, regions)
    total = sum(t.ports.values())
    if abs(total - 1.0) > SHARE_TOLERANCE:
        raise ConfigError("transit.ports", f"shares that sum to 1, got {total:g}")


def validate_responders(cfg: RunConfig) -> None:
    """Check the responders' thresholds, delays, capacities and rates."""
    r = cfg.responders
    _probability("responders.alert_service", r.alert_service)
    _positive("responders.decision_delay_hours", r.decision_delay_hours)
    for attr in (
        "delay_per_admin_outage",
        "delay_per_distrust",
        "find_rate_per_hour",
        "counter_messaging",
        "surge_crews",
    ):
        _non_negative(f"responders.{attr}", getattr(r, attr))
    if r.guarded_assets < 0:
        raise ConfigError("responders.guarded_assets", f"a count >= 0, got {r.guarded_assets}")
    _probability("responders.guard_protection", r.guard_protection)


def validate_scenario(cfg: RunConfig, regions: tuple[str, ...]) -> None:
    """Check every scripted shock: when, where, what, how many."""
    for i, shock in enumerate(cfg.scenario.shocks):
        key = f"scenario.shocks[{i}]"
        _non_negative(f"{key}.at_hour", shock.at_hour)
        _one_of(f"{key}.kind", shock.kind, SHOCK_KINDS)
        _one_of(f"{key}.region", shock.region, regions)
        if shock.kind == "grid_loss":
            if "power" not in cfg.world.resources:
                raise ConfigError(f"{key}.kind", "grid_loss needs a 'power' resource")
            continue
        _one_of(f"{key}.asset_type", shock.asset_type, cfg.world.asset_types)
        if (shock.count is None) == (shock.probability is None):
            raise ConfigError(key, "exactly one of count or probability")
        if shock.count is not None:
            _count(f"{key}.count", shock.count)
        else:
            _probability(f"{key}.probability", shock.probability)
    sc = cfg.scenario
    _non_negative("scenario.adversary_budget_scale", sc.adversary_budget_scale)
    _non_negative("scenario.adversary_crisis_shift", sc.adversary_crisis_shift)
    for j, phase in enumerate(sc.adversary_phases):
        key = f"scenario.adversary_phases[{j}]"
        _non_negative(f"{key}.start_hour", phase.start_hour)
        _non_negative(f"{key}.intensity", phase.intensity)
        _keys(f"{key}.weights", phase.weights, ACTIONS, _non_negative)
    for j, hazard in enumerate(sc.hazards):
        key = f"scenario.hazards[{j}]"
        _non_negative(f"{key}.at_hour", hazard.at_hour)
        _positive(f"{key}.duration_hours", hazard.duration_hours)
        for k, region in enumerate(hazard.regions):
            _one_of(f"{key}.regions[{k}]", region, regions)
        _keys(f"{key}.damage", hazard.damage, cfg.world.asset_types, _probability)
        _probability(f"{key}.displaced_share", hazard.displaced_share)
        _non_negative(f"{key}.return_after_hours", hazard.return_after_hours)
        _keys(f"{key}.demand", hazard.demand, SECTORS, _non_negative)
    for j, drone in enumerate(sc.drone_incursions):
        key = f"scenario.drone_incursions[{j}]"
        _non_negative(f"{key}.at_hour", drone.at_hour)
        _positive(f"{key}.hours", drone.hours)
        _one_of(f"{key}.region", drone.region, regions)
        _one_of(f"{key}.asset_type", drone.asset_type, cfg.world.asset_types)
    for j, push in enumerate(sc.migration_pushes):
        key = f"scenario.migration_pushes[{j}]"
        _span(key, push.start_hour, push.end_hour)
        _one_of(f"{key}.region", push.region, regions)
        _non_negative(f"{key}.persons", push.persons)
    for j, t in enumerate(cfg.scenario.adversary_target_types):
        _one_of(f"scenario.adversary_target_types[{j}]", t, cfg.world.asset_types)
    for j, dim in enumerate(cfg.scenario.adversary_dimensions):
        _one_of(f"scenario.adversary_dimensions[{j}]", dim, ACTIONS)
    for j, win in enumerate(cfg.scenario.adversary_windows):
        key = f"scenario.adversary_windows[{j}]"
        _span(key, win.start_hour, win.end_hour)
    names = set()
    for i, n in enumerate(cfg.scenario.narratives):
        key = f"scenario.narratives[{i}]"
        if not n.name or n.name in names:
            raise ConfigError(f"{key}.name", f"a unique, non-empty name, got {n.name!r}")
        names.add(n.name)
        _non_negative(f"{key}.at_hour", n.at_hour)
        _one_of(f"{key}.behaviour", n.behaviour, BEHAVIOURS)
        _non_negative(f"{key}.virality", n.virality)
        _probability(f"{key}.seed_fraction", n.seed_fraction)
        for j, region in enumerate(n.regions):
            _one_of(f"{key}.regions[{j}]", region, regions)
        for j, cohort in enumerate(n.cohorts):
            _one_of(f"{key}.cohorts[{j}]", cohort, cfg.population.cohorts)
