"""The search for the cheapest mitigation packages that work, and how robust they are.

``python -m experiments.optimize`` runs it: :func:`prepare` checks every input against the
composed model config; :func:`search_packages` then drives NSGA-II (:func:`analysis.search.nsga2`)
over the lever intensities of the ``combined`` package (:func:`abm.designs.lever_space`), one
generation a design, re-runs the Pareto packages on scenarios of the uncertainties, and writes
the tables and the report. Each design is run by the :data:`analysis.designs.DesignRunner` the
entry point supplies: this module never starts a run itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from SALib.sample import latin

from abm.api import load_config
from abm.designs import lever_space, write_design
from abm.errors import ConfigError
from abm.mitigation import annualised_cost
from abm.results import write_json
from abm.study_config import DEFAULT_OBJECTIVES, OptimizeConfig, Overrides
from abm.uncertainty import (
    UncertaintyConfig,
    load_uncertainty,
    salib_problem,
    validate_uncertainty,
)
from analysis.designs import DesignRunner
from analysis.search import nsga2, pareto_mask, robustness
from analysis.search_report import write_report

#: The plan's entries that are objects, not settings: left out of ``<out>/plan.json``.
OBJECTS = ("cfg", "space", "uncertainty", "out")


def prepare(settings: OptimizeConfig, overrides: Overrides) -> dict[str, Any]:
    """Check every input before anything runs; the plan of the search.

    Raises:
        ConfigError: For an override the model refuses, or an uncertainty set that does not fit
            the model's config or names a lever.
    """
    model_overrides = ["mitigation=combined", *overrides.model]
    cfg = load_config(overrides=model_overrides)
    space = lever_space(cfg)
    validate_uncertainty(space, cfg)
    plan: dict[str, Any] = {
        "objectives": list(settings.objectives) or list(DEFAULT_OBJECTIVES),
        "budget": settings.budget,
        "n_trials": settings.n_trials,
        "population": settings.population,
        "robust": settings.robust,
        "robust_max": settings.robust_max,
        "satisfice": settings.satisfice,
        "seed": settings.seed,
        "block_size": settings.block_size,
        "out": Path(settings.out).resolve(),
        "model_overrides": model_overrides,
        "hydra_overrides": overrides.hydra,
        "scenario": cfg.scenario.name,
        "cfg": cfg,
        "space": space,
        "costs": {k: annualised_cost(lv) for k, lv in cfg.mitigation.levers.items()},
    }
    if plan["block_size"] is None:  # four jobs a generation, so workers share it evenly
        plan["block_size"] = max(1, -(-plan["population"] // 4))
    if plan["robust"]:
        plan["uncertainty"] = load_uncertainty(settings.uncertainty)
        validate_uncertainty(plan["uncertainty"], cfg)
        clash = set(plan["uncertainty"].parameters) & set(space.parameters)
        if clash:
            raise ConfigError("uncertainty", f"names other than the levers' ({sorted(clash)})")
    return plan


def cost(plan: dict[str, Any], intensities: dict[str, float]) -> float:
    """A package's annualised cost (M EUR a year): every lever's times its intensity (linear,
    an assumption)."""
    return float(sum(plan["costs"][k] * x for k, x in intensities.items()))


def evaluate(
    run: DesignRunner, directory: Path, rows: pd.DataFrame, spec: UncertaintyConfig
) -> pd.DataFrame:
    """Run ``rows`` (one column per parameter of ``spec``) as one design; outcomes per row."""
    write_design(directory, rows, spec)
    return run(directory, len(rows))


def search(plan: dict[str, Any], run: DesignRunner) -> pd.DataFrame:
    """NSGA-II over the lever intensities; every package evaluated, with its outcomes."""
    levers = list(plan["space"].parameters)
    outcomes: list[pd.DataFrame] = []

    def batch(candidates: list[dict[str, float]]) -> list[list[float]]:
        generation = len(outcomes)
        rows = pd.DataFrame(candidates, columns=levers)
        directory = plan["out"] / "generations" / f"{generation:03d}"
        result = evaluate(run, directory, rows, plan["space"])
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


def robust_check(plan: dict[str, Any], pareto: pd.DataFrame, run: DesignRunner) -> pd.DataFrame:
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
    result = evaluate(run, plan["out"] / "robustness", rows, spec)
    loss = result["total_loss"].to_numpy().reshape(len(chosen), len(scenarios))
    loss = pd.DataFrame(loss, index=chosen["trial"].to_numpy())
    threshold = plan["satisfice"] if plan["satisfice"] is not None else float(np.median(loss))
    table = robustness(loss, threshold)
    table.insert(0, "trial", loss.index)
    table.insert(1, "mitigation_cost_meur", chosen["mitigation_cost_meur"].to_numpy())
    table["satisfice_threshold"] = threshold
    return table.reset_index(drop=True)


def search_packages(plan: dict[str, Any], run: DesignRunner) -> Path:
    """Search, re-evaluate the Pareto set, write the tables and the report; the report's path.

    Raises:
        analysis.designs.DesignIncomplete: If a design's job failed (running the same command
            again resumes).
    """
    out = plan["out"]
    out.mkdir(parents=True, exist_ok=True)
    trials = search(plan, run)
    trials.to_csv(out / "trials.csv", index=False)
    # NSGA-II may propose the same package twice: keep one of each on the front.
    unique = trials.drop_duplicates(subset=list(plan["space"].parameters))
    front = unique[pareto_mask(unique[plan["objectives"]].to_numpy())]
    front.sort_values("mitigation_cost_meur").to_csv(out / "pareto.csv", index=False)
    robust = robust_check(plan, front, run) if plan["robust"] else None
    if robust is not None:
        robust.to_csv(out / "robustness.csv", index=False)
    write_json({k: v for k, v in plan.items() if k not in OBJECTS}, out / "plan.json")
    report = write_report(out, plan, trials, front, robust)
    print(
        f"{len(trials)} packages evaluated, {len(front)} on the Pareto front: {out / 'pareto.csv'}"
    )
    return report
