"""Evaluating a target on common random numbers, and fitting its parameters."""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import brentq, minimize, minimize_scalar

from abm.api import load_config
from abm.calibration.outcomes import outcome_of, run_until_settled
from abm.calibration.targets import DIGITS, Target
from abm.config import RunConfig
from abm.errors import ConfigError


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

        def mean_at(x: float, path: str = path) -> float:
            return run({**best, path: x}).mean

        f = _memo(mean_at)
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
