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
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import OmegaConf

from abm.api import load_config
from abm.errors import ConfigError
from abm.results import write_json, write_parquet
from abm.uncertainty import load_uncertainty, salib_problem, validate_uncertainty
from analysis import sensitivity as gsa
from analysis.catalog import build_catalog
from analysis.sensitivity_report import write_report

DRIVER_KEYS = ("method", "n", "out", "uncertainty", "block_size", "discover", "above", "seed")
DEFAULT_N = {"sobol": 64, "morris": 20}


def parse(argv: list[str]) -> tuple[dict[str, str], list[str], list[str]]:
    """Split ``key=value`` arguments into the driver's, the model's and Hydra's."""
    driver, model, hydra_args = {}, [], []
    for arg in argv:
        key, sep, value = arg.partition("=")
        if not sep:
            raise ConfigError(arg, "arguments are key=value")
        if key in DRIVER_KEYS:
            driver[key] = value
        elif key.startswith(("hydra.", "hydra/")):
            hydra_args.append(arg)
        else:
            model.append(arg)
    return driver, model, hydra_args


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
    driver, model_overrides, hydra_overrides = parse(argv)
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
    table.insert(0, "design_row", np.arange(len(table)))
    write_parquet(_arrow(table), out / "design.parquet")
    (out / "uncertainty.yaml").write_text(OmegaConf.to_yaml(OmegaConf.structured(spec)))
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


def _arrow(table: pd.DataFrame):
    import pyarrow as pa

    return pa.Table.from_pandas(table, preserve_index=False)


def run_design(plan: dict[str, Any]) -> int:
    """Run the design as a sweep of ``experiments.run``, one job per block of rows."""
    out = plan["out"]
    blocks = -(-len(plan["design"]) // plan["block_size"])
    cmd = [
        sys.executable,
        "-m",
        "experiments.run",
        "-m",
        *plan["model_overrides"],
        f"design.file='{out / 'design.parquet'}'",
        f"design.uncertainty='{out / 'uncertainty.yaml'}'",
        f"design.block_size={plan['block_size']}",
        f"design.block=range(0,{blocks})",
        "print_summary=false",
        f"hydra.sweep.dir='{out / 'runs'}'",
        *plan["hydra_overrides"],
    ]
    print(
        f"{plan['method']}: {len(plan['design'])} runs of {plan['problem']['num_vars']} "
        f"parameters in {blocks} jobs -> {out}",
        flush=True,
    )
    return subprocess.run(cmd, stdout=subprocess.DEVNULL).returncode


def collect(plan: dict[str, Any]) -> pd.DataFrame:
    """Per design row, the mean of each outcome over its replicates (in design order)."""
    catalog = build_catalog(plan["out"] / "runs")
    failed = catalog[catalog.status != "complete"]
    if len(failed):
        jobs = ", ".join(sorted(set(failed.job)))
        raise RuntimeError(
            f"{failed.job.nunique()} job(s) did not finish ({jobs}); see their error.json, fix, "
            "and run the same command again to resume"
        )
    done = catalog[catalog.design_row.notna()]
    outcomes = done.groupby("design_row")[list(gsa.OUTCOMES)].mean()
    missing = np.setdiff1d(plan["design"].design_row, outcomes.index.astype(int))
    if missing.size:
        raise RuntimeError(f"{missing.size} design rows have no results (first: {missing[0]})")
    return outcomes.reindex(plan["design"].design_row)


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
