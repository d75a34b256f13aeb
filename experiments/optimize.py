"""The cheapest package that works: ``python -m experiments.optimize budget=300 n_trials=200``.

Arguments are ``key=value``:

- ``objectives``: summary columns to minimise (default
  ``[total_loss,mitigation_cost_meur,transit_mean_delay_h]``);
- ``budget``: the most a package may cost, in million euro (default: no limit);
- ``n_trials``: packages to evaluate (default 200), ``population``: per generation (default 20);
- ``robust``: scenarios of the uncertainties on which the Pareto packages are re-evaluated
  (default 10; 0 skips it), ``robust_max``: how many Pareto packages at most (default 10),
  ``uncertainty``: the set they are drawn from (default ``default``), ``satisfice``: the total
  loss a package should stay at or below (default: the median over packages and scenarios);
- ``out`` (default ``outputs/optimize``), ``seed`` (of the search), ``block_size`` (packages
  per job; default a quarter of a generation);
- anything else overrides the model (``size=smoke``, ``replicates=10``, ``scenario=...``) or
  Hydra (a launcher), for every evaluation.

**Levers as decision variables.** Each lever of the ``combined`` package gets an intensity
between 0 (not bought) and 1 (the lever as configured). Its strength and its cost both scale
linearly with the intensity: an assumption (costs of such measures are rarely linear, and a
lever may have a minimum size), stated so it can be replaced.

**Search.** NSGA-II (Optuna's sampler, driven by ask and tell) over the intensities. A
generation's packages are evaluated together as one design (:mod:`experiments.designs`): an
ordinary sweep of ``experiments.run`` on any launcher, every package on the same seeds (common
random numbers). Packages over budget are never run. ``<out>/trials.csv`` holds every package
evaluated, ``<out>/pareto.csv`` the non-dominated ones: intensities, each objective's mean over
the replicates and its 95% interval.

**Robustness.** The Pareto packages are run again on ``robust`` scenarios drawn from the
uncertainty set (Latin hypercube), and ``<out>/robustness.csv`` gives per package the regret
(its loss minus the best package's, per scenario: the largest and the mean) and satisficing
(the share of scenarios with total loss at or below ``satisfice``).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from SALib.sample import latin

from abm.api import load_config
from abm.config import RunConfig
from abm.errors import ConfigError
from abm.results import write_json
from abm.uncertainty import (
    UncertainParameter,
    UncertaintyConfig,
    load_uncertainty,
    salib_problem,
    validate_uncertainty,
)
from analysis.search import nsga2, pareto_mask, robustness
from analysis.search_report import write_report
from experiments import designs

DRIVER_KEYS = (
    "objectives",
    "budget",
    "n_trials",
    "population",
    "robust",
    "robust_max",
    "uncertainty",
    "satisfice",
    "out",
    "seed",
    "block_size",
)
DEFAULT_OBJECTIVES = ("total_loss", "mitigation_cost_meur", "transit_mean_delay_h")
SUMMARY_OUTCOMES = (
    "total_loss",
    "mitigation_cost_meur",
    "transit_mean_delay_h",
    "unmet_need_person_hours",
    "transit_completed_fraction",
    "min_trust",
)


def lever_space(cfg: RunConfig) -> UncertaintyConfig:
    """One decision variable per lever of the package: its intensity, 0 to 1, scaling the
    lever's strength and its cost (with the cost's bounds) alike."""
    parameters = {}
    for key in cfg.mitigation.levers:
        base = f"mitigation.levers.{key}"
        parameters[key] = UncertainParameter(
            path=f"{base}.strength",
            paths=[f"{base}.cost_meur", f"{base}.cost_low_meur", f"{base}.cost_high_meur"],
            low=0.0,
            high=1.0,
            mode="scale",
            description=f"intensity of {key} (strength and cost scale with it)",
        )
    return UncertaintyConfig(name="levers", parameters=parameters)


def _number(driver: dict[str, str], key: str, default: float | None, kind: type = float) -> Any:
    if key not in driver:
        return default
    try:
        value = kind(driver[key])
    except ValueError:
        raise ConfigError(key, f"a number, got {driver[key]!r}") from None
    if value < 0:
        raise ConfigError(key, f"a number >= 0, got {value}")
    return value


def prepare(argv: list[str]) -> dict[str, Any]:
    """Check every input before anything runs."""
    driver, model_overrides, hydra_overrides = designs.split_arguments(argv, DRIVER_KEYS)
    objectives = [o for o in driver.get("objectives", "").strip("[]").split(",") if o]
    objectives = objectives or list(DEFAULT_OBJECTIVES)
    for o in objectives:
        if o not in SUMMARY_OUTCOMES:
            raise ConfigError("objectives", f"names among {', '.join(SUMMARY_OUTCOMES)}; got {o!r}")
    model_overrides = ["mitigation=combined", *model_overrides]
    cfg = load_config(overrides=model_overrides)
    space = lever_space(cfg)
    validate_uncertainty(space, cfg)
    plan = {
        "objectives": objectives,
        "budget": _number(driver, "budget", None),
        "n_trials": _number(driver, "n_trials", 200, int),
        "population": _number(driver, "population", 20, int),
        "robust": _number(driver, "robust", 10, int),
        "robust_max": _number(driver, "robust_max", 10, int),
        "satisfice": _number(driver, "satisfice", None),
        "seed": _number(driver, "seed", 0, int),
        "block_size": _number(driver, "block_size", None, int),
        "out": Path(driver.get("out", "outputs/optimize")).resolve(),
        "model_overrides": model_overrides,
        "hydra_overrides": hydra_overrides,
        "scenario": cfg.scenario.name,
        "cfg": cfg,
        "space": space,
        "costs": {k: lv.cost_meur for k, lv in cfg.mitigation.levers.items()},
    }
    if plan["block_size"] is None:  # four jobs a generation, so workers share it evenly
        plan["block_size"] = max(1, -(-plan["population"] // 4))
    if plan["block_size"] < 1:
        raise ConfigError("block_size", f"at least 1 package per job, got {plan['block_size']}")
    if plan["n_trials"] < 1 or plan["population"] < 2:
        raise ConfigError("n_trials", "at least 1 trial and a population of at least 2")
    if plan["budget"] is not None and plan["budget"] <= 0:
        raise ConfigError("budget", f"a positive number of million euro, got {plan['budget']}")
    if plan["robust"]:
        plan["uncertainty"] = load_uncertainty(driver.get("uncertainty", "default"))
        validate_uncertainty(plan["uncertainty"], cfg)
        clash = set(plan["uncertainty"].parameters) & set(space.parameters)
        if clash:
            raise ConfigError("uncertainty", f"names other than the levers' ({sorted(clash)})")
    return plan


def cost(plan: dict[str, Any], intensities: dict[str, float]) -> float:
    """A package's cost: every lever's cost times its intensity (linear, an assumption)."""
    return float(sum(plan["costs"][k] * x for k, x in intensities.items()))


def evaluate(
    plan: dict[str, Any], directory: Path, rows: pd.DataFrame, spec: UncertaintyConfig
) -> pd.DataFrame:
    """Run ``rows`` (one column per parameter of ``spec``) as one design; outcomes per row."""
    designs.write_design(directory, rows, spec)
    status = designs.run_design(
        directory, len(rows), plan["block_size"], plan["model_overrides"], plan["hydra_overrides"]
    )
    try:
        return designs.collect(directory, list(SUMMARY_OUTCOMES), len(rows))
    except RuntimeError as err:
        raise RuntimeError(f"{err} (sweep exit status {status})") from None


def search(plan: dict[str, Any]) -> pd.DataFrame:
    """NSGA-II over the lever intensities; every package evaluated, with its outcomes."""
    levers = list(plan["space"].parameters)
    outcomes: list[pd.DataFrame] = []

    def batch(candidates: list[dict[str, float]]) -> list[list[float]]:
        generation = len(outcomes)
        rows = pd.DataFrame(candidates, columns=levers)
        result = evaluate(
            plan, plan["out"] / "generations" / f"{generation:03d}", rows, plan["space"]
        )
        outcomes.append(pd.concat([rows, result], axis=1))
        print(f"[optimize] generation {generation}: {len(rows)} packages", flush=True)
        return result[plan["objectives"]].to_numpy().tolist()

    budget = plan["budget"]
    trials = nsga2(
        batch,
        levers,
        plan["objectives"],
        plan["n_trials"],
        plan["population"],
        plan["seed"],
        feasible=None if budget is None else (lambda x: cost(plan, x) <= budget + 1e-9),
    )
    evaluated = pd.concat(outcomes, ignore_index=True)
    return pd.concat([trials[["trial", "generation"]].reset_index(drop=True), evaluated], axis=1)


def robust_check(plan: dict[str, Any], pareto: pd.DataFrame) -> pd.DataFrame:
    """Re-run up to ``robust_max`` Pareto packages on ``robust`` scenarios of the
    uncertainties; regret and satisficing per package."""
    levers = list(plan["space"].parameters)
    chosen = pareto.sort_values("mitigation_cost_meur")
    if len(chosen) > plan["robust_max"]:
        picks = np.unique(np.linspace(0, len(chosen) - 1, plan["robust_max"]).round().astype(int))
        chosen = chosen.iloc[picks]
    uncertainty = plan["uncertainty"]
    problem = salib_problem(uncertainty)
    scenarios = pd.DataFrame(
        latin.sample(problem, plan["robust"], seed=np.random.default_rng(plan["seed"])),
        columns=problem["names"],
    )
    rows = chosen[levers].reset_index(drop=True).merge(scenarios, how="cross")
    spec = UncertaintyConfig(
        name="robustness", parameters={**plan["space"].parameters, **uncertainty.parameters}
    )
    result = evaluate(plan, plan["out"] / "robustness", rows, spec)
    loss = result["total_loss"].to_numpy().reshape(len(chosen), len(scenarios))
    loss = pd.DataFrame(loss, index=chosen["trial"].to_numpy())
    threshold = plan["satisfice"] if plan["satisfice"] is not None else float(np.median(loss))
    table = robustness(loss, threshold)
    table.insert(0, "trial", loss.index)
    table.insert(1, "mitigation_cost_meur", chosen["mitigation_cost_meur"].to_numpy())
    table["satisfice_threshold"] = threshold
    return table.reset_index(drop=True)


def main(argv: list[str] | None = None) -> int:
    """Validate, search, re-evaluate the Pareto set, write tables and the report."""
    argv = sys.argv[1:] if argv is None else argv
    start = time.perf_counter()
    try:
        plan = prepare(argv)
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    out = plan["out"]
    out.mkdir(parents=True, exist_ok=True)
    try:
        trials = search(plan)
        trials.to_csv(out / "trials.csv", index=False)
        # NSGA-II may propose the same package twice: keep one of each on the front.
        unique = trials.drop_duplicates(subset=list(plan["space"].parameters))
        front = unique[pareto_mask(unique[plan["objectives"]].to_numpy())]
        front.sort_values("mitigation_cost_meur").to_csv(out / "pareto.csv", index=False)
        robust = robust_check(plan, front) if plan["robust"] else None
    except RuntimeError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    if robust is not None:
        robust.to_csv(out / "robustness.csv", index=False)
    write_json(
        {k: v for k, v in plan.items() if k not in ("cfg", "space", "uncertainty", "out")},
        out / "plan.json",
    )
    report = write_report(out, plan, trials, front, robust)
    print(
        f"{len(trials)} packages evaluated, {len(front)} on the Pareto front: {out / 'pareto.csv'}"
    )
    print(f"Report: {report}  ({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
