"""A sensitivity study of the model: its design before the runs, its analysis after them.

``python -m experiments.sensitivity`` runs it in three steps: :func:`prepare` checks every
input against the composed model config and writes the design (:mod:`abm.designs`) into
``<out>``; the entry point runs the design as a sweep and reads each row's outcomes back
(:func:`analysis.designs.design_outcomes`); :func:`analyse` writes the indices of every outcome,
the scenario discovered and the report. This module never starts a run: what runs the model is
the entry point's, through :mod:`abm`.

The plan (a dict) holds what the runs and the analysis need; what defines the design (method,
n, seeds, parameters, model overrides, block size) is written to ``<out>/design.json``, so
that a second command into the same ``out`` resumes the same design, and one with another
design is refused before anything runs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pandas as pd
from omegaconf import OmegaConf

from abm.api import load_config
from abm.designs import write_design
from abm.errors import ConfigError
from abm.results import temporary_name, write_json
from abm.study_config import Overrides, SensitivityConfig, sample_size
from abm.uncertainty import load_uncertainty, salib_problem, validate_uncertainty
from abm.weighting import from_overrides
from analysis import sensitivity as gsa
from analysis.sensitivity_report import write_report


def prepare(settings: SensitivityConfig, overrides: Overrides) -> dict[str, Any]:
    """Check everything and write the design; nothing runs if any input is wrong.

    Raises:
        ConfigError: For an override the model refuses, an uncertainty set that does not fit
            the model's config, or an ``out`` that holds another design.
    """
    out = Path(settings.out).resolve()
    cfg = load_config(overrides=overrides.model)
    spec = load_uncertainty(settings.uncertainty)
    validate_uncertainty(spec, cfg)
    problem = salib_problem(spec)
    plan: dict[str, Any] = {
        "method": settings.method,
        "n": sample_size(settings),
        "seed": settings.seed,
        "problem": problem,
        "uncertainty": OmegaConf.to_container(OmegaConf.structured(spec)),
        "model_overrides": overrides.model,
        "block_size": settings.block_size,
    }
    out.mkdir(parents=True, exist_ok=True)
    plan_file = out / "design.json"
    if plan_file.is_file() and json.loads(plan_file.read_text()) != plan:
        raise ConfigError(
            "out", f"{out} holds another design; choose another out= (or delete it to redo)"
        )
    design = gsa.sample(problem, plan["method"], plan["n"], plan["seed"])
    table = pd.DataFrame(design, columns=problem["names"])
    write_design(out, table, spec)
    write_json(plan, plan_file)
    return {
        **plan,
        "out": out,
        "design": table,
        "hydra_overrides": overrides.hydra,
        "discover": settings.discover,
        "above": settings.above,
        "scenario": cfg.scenario.name,
    }


def announce(plan: dict[str, Any]) -> str:
    """What is about to run, in a line."""
    rows, size = len(plan["design"]), plan["block_size"]
    return (
        f"{plan['method']}: {rows} runs of {plan['problem']['num_vars']} parameters in "
        f"{-(-rows // size)} jobs -> {plan['out']}"
    )


def analyse(plan: dict[str, Any], outcomes: pd.DataFrame) -> Path:
    """Indices per outcome, scenario discovery, figures and the report; the report's path.

    Args:
        plan: From :func:`prepare`.
        outcomes: Per design row (in order), the mean of each of :data:`gsa.OUTCOMES`.
    """
    out, problem = plan["out"], plan["problem"]
    inputs = plan["design"][problem["names"]]
    if plan["method"] == "sobol":
        indices = gsa.sobol_indices(problem, outcomes, seed=plan["seed"])
    else:
        indices = gsa.morris_indices(problem, inputs.to_numpy(), outcomes, seed=plan["seed"])
    name = indices_file(plan).name
    tmp = temporary_name(out / name)
    try:
        indices.to_csv(tmp, index=False)
        tmp.replace(out / name)
    finally:
        tmp.unlink(missing_ok=True)

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


def indices_file(plan: dict[str, Any]) -> Path:
    """Where :func:`analyse` writes the indices: ``<out>/<method>_indices.csv``."""
    return plan["out"] / f"{plan['method']}_indices.csv"


def headline(plan: dict[str, Any], outcomes: pd.DataFrame) -> str:
    """The parameters that matter most for total loss, as a line of text."""
    indices = pd.read_csv(indices_file(plan))
    key = "ST" if plan["method"] == "sobol" else "mu_star"
    top = indices[indices.outcome == "total_loss"].sort_values(key, ascending=False).head(3)
    parts = ", ".join(f"{r.parameter} ({key} {getattr(r, key):.2f})" for r in top.itertuples())
    weighting = from_overrides(plan["model_overrides"])
    return (
        f"total_loss (weighting {weighting!r}) over {len(outcomes)} runs depends most on: {parts}"
    )
