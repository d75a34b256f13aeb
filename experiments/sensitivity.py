"""Which uncertainties matter: ``python -m experiments.sensitivity method=sobol n=64 out=<dir>``.

Arguments are ``key=value``:

- ``method``: ``sobol`` (first-order and total indices; ``n`` a power of 2, ``n * (D + 2)``
  runs for D parameters) or ``morris`` (``n`` trajectories, ``n * (D + 1)`` runs);
- ``n``: base sample size (default 64 for Sobol, 20 for Morris);
- ``out``: the directory of the design, the runs, the indices and the report (default
  ``outputs/sensitivity/<method>``);
- ``uncertainty``: a shipped set (``configs/uncertainty``, default ``default``) or a YAML file;
- ``block_size``: design rows per job (default 16; Hydra costs about 60 ms per job);
- ``discover``: the outcome of scenario discovery (default ``total_loss``) and ``above``: its
  threshold (default: the 80th percentile of the runs, "the worst fifth");
- ``seed``: of the design and the bootstrap (the model's seed is the usual ``seed``);
- anything else is an override of the model (``size=smoke``, ``scenario=cyber_only``,
  ``replicates=2``) or of Hydra (``hydra/launcher=joblib hydra.launcher.n_jobs=2``, or a SLURM
  or Ray launcher), passed to every job.

The uncertainty set is checked against the composed config before anything runs. The design is
written to ``<out>/design.parquet`` and run as an ordinary sweep of ``experiments.run`` in
``<out>/runs`` (so any launcher works, the catalog reads it like any other sweep, and a re-run
resumes it). Every design row runs on the same seeds (common random numbers). Then the indices
of every outcome go to ``<out>/sobol_indices.csv`` or ``<out>/morris_indices.csv``, scenario
discovery to ``<out>/discovery_box.csv``, and figures and a report to ``<out>/report.html``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
from omegaconf import OmegaConf

from abm.api import load_config
from abm.errors import ConfigError
from abm.results import write_json
from abm.uncertainty import load_uncertainty, salib_problem, validate_uncertainty
from analysis import sensitivity as gsa
from analysis.sensitivity_report import write_report
from experiments import designs

DRIVER_KEYS = ("method", "n", "out", "uncertainty", "block_size", "discover", "above", "seed")
DEFAULT_N = {"sobol": 64, "morris": 20}


def _int(driver: dict[str, str], key: str, default: int, minimum: int) -> int:
    try:
        value = int(driver.get(key, default))
    except ValueError:
        raise ConfigError(key, f"an integer, got {driver[key]!r}") from None
    if value < minimum:
        raise ConfigError(key, f"an integer >= {minimum}, got {value}")
    return value


def prepare(argv: list[str]) -> dict[str, Any]:
    """Check everything and write the design; nothing runs if any input is wrong."""
    driver, model_overrides, hydra_overrides = designs.split_arguments(argv, DRIVER_KEYS)
    method = driver.get("method", "sobol")
    if method not in gsa.METHODS:
        raise ConfigError("method", f"one of {', '.join(gsa.METHODS)}, got {method!r}")
    n = _int(driver, "n", DEFAULT_N[method], 2)
    if method == "sobol" and n & (n - 1):
        raise ConfigError("n", f"a power of 2 for Sobol sequences, got {n}")
    block_size = _int(driver, "block_size", 16, 1)
    seed = _int(driver, "seed", 0, 0)
    out = Path(driver.get("out", f"outputs/sensitivity/{method}")).resolve()
    cfg = load_config(overrides=model_overrides)
    spec = load_uncertainty(driver.get("uncertainty", "default"))
    validate_uncertainty(spec, cfg)
    outcome = driver.get("discover", "total_loss")
    if outcome not in gsa.OUTCOMES:
        raise ConfigError("discover", f"one of {', '.join(gsa.OUTCOMES)}, got {outcome!r}")
    above = driver.get("above")
    if above is not None:
        try:
            float(above)
        except ValueError:
            raise ConfigError("above", f"a number, got {above!r}") from None

    problem = salib_problem(spec)
    plan = {
        "method": method,
        "n": n,
        "seed": seed,
        "problem": problem,
        "uncertainty": OmegaConf.to_container(OmegaConf.structured(spec)),
        "model_overrides": model_overrides,
        "block_size": block_size,
    }
    out.mkdir(parents=True, exist_ok=True)
    plan_file = out / "design.json"
    if plan_file.is_file() and json.loads(plan_file.read_text()) != plan:
        raise ConfigError(
            "out", f"{out} holds another design; choose another out= (or delete it to redo)"
        )
    design = gsa.sample(problem, method, n, seed)
    table = pd.DataFrame(design, columns=problem["names"])
    designs.write_design(out, table, spec)
    write_json(plan, plan_file)
    return {
        **plan,
        "out": out,
        "design": table,
        "hydra_overrides": hydra_overrides,
        "discover": outcome,
        "above": None if above is None else float(above),
        "scenario": cfg.scenario.name,
    }


def run_design(plan: dict[str, Any]) -> int:
    """Run the design as a sweep of ``experiments.run``, one job per block of rows."""
    rows, size = len(plan["design"]), plan["block_size"]
    print(
        f"{plan['method']}: {rows} runs of {plan['problem']['num_vars']} parameters in "
        f"{-(-rows // size)} jobs -> {plan['out']}",
        flush=True,
    )
    return designs.run_design(
        plan["out"], rows, size, plan["model_overrides"], plan["hydra_overrides"]
    )


def collect(plan: dict[str, Any]) -> pd.DataFrame:
    """Per design row, the mean of each outcome over its replicates (in design order)."""
    return designs.collect(plan["out"], list(gsa.OUTCOMES), len(plan["design"]))[list(gsa.OUTCOMES)]


def analyse(plan: dict[str, Any], outcomes: pd.DataFrame) -> Path:
    """Indices per outcome, scenario discovery, figures and the report."""
    out, problem = plan["out"], plan["problem"]
    inputs = plan["design"][problem["names"]]
    if plan["method"] == "sobol":
        indices = gsa.sobol_indices(problem, outcomes, seed=plan["seed"])
    else:
        indices = gsa.morris_indices(problem, inputs.to_numpy(), outcomes, seed=plan["seed"])
    name = f"{plan['method']}_indices.csv"
    tmp = out / f".{name}.tmp"
    indices.to_csv(tmp, index=False)
    tmp.replace(out / name)

    target = outcomes[plan["discover"]].rename(plan["discover"])
    threshold = plan["above"] if plan["above"] is not None else gsa.default_threshold(target)
    try:
        box = gsa.discover(inputs, target, threshold)
    except ValueError as err:
        print(f"scenario discovery skipped: {err}", file=sys.stderr)
        box = None
    if box is not None:
        box.limits.to_csv(out / "discovery_box.csv", index=False)
        write_json(
            {
                "outcome": box.outcome,
                "threshold": box.threshold,
                "coverage": box.coverage,
                "density": box.density,
                "mass": box.mass,
                "cases": box.cases,
                "runs": box.runs,
            },
            out / "discovery.json",
        )
    return write_report(out, plan, indices, outcomes, box)


def main(argv: list[str] | None = None) -> int:
    """Validate, write the design, run it, analyse it; exit 2 on bad input."""
    argv = sys.argv[1:] if argv is None else argv
    start = time.perf_counter()
    try:
        plan = prepare(argv)
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    status = run_design(plan)
    try:
        outcomes = collect(plan)
    except RuntimeError as err:
        print(f"error: {err}", file=sys.stderr)
        return status or 1
    report = analyse(plan, outcomes)
    print(_headline(plan, outcomes))
    print(f"Indices: {plan['out'] / (plan['method'] + '_indices.csv')}")
    print(f"Report: {report}  ({time.perf_counter() - start:.0f} s)")
    return status


def _headline(plan: dict[str, Any], outcomes: pd.DataFrame) -> str:
    """The parameters that matter most for total loss, as a line of text."""
    indices = pd.read_csv(plan["out"] / f"{plan['method']}_indices.csv")
    key = "ST" if plan["method"] == "sobol" else "mu_star"
    top = indices[indices.outcome == "total_loss"].sort_values(key, ascending=False).head(3)
    parts = ", ".join(f"{r.parameter} ({key} {getattr(r, key):.2f})" for r in top.itertuples())
    return f"total_loss over {len(outcomes)} runs depends most on: {parts}"


if __name__ == "__main__":
    sys.exit(main())
