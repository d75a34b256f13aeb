"""The report of a sensitivity analysis: indices, figures and the discovered box."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from abm.weighting import describe, from_overrides
from analysis import figures
from analysis.report import Report
from analysis.sensitivity import Box

HEADLINE_OUTCOMES = ("total_loss", "unmet_need_person_hours", "transit_mean_delay_h")


def write_report(
    out: Path, plan: dict[str, Any], indices: pd.DataFrame, outcomes: pd.DataFrame, box: Box | None
) -> Path:
    """Write ``report.md`` and a self-contained ``report.html`` into ``out``; return the HTML."""
    fig_dir = out / "figures"
    method, problem = plan["method"], plan["problem"]
    rep = Report(f"Sensitivity analysis ({method}) of {plan['scenario']}")
    rep.text(
        f"{len(outcomes)} runs of the model, {problem['num_vars']} uncertain parameters "
        f"({method}, n = {plan['n']}, design seed {plan['seed']}); model overrides: "
        f"{' '.join(plan['model_overrides']) or 'none'}. Each run's outcome is the mean over its "
        "replicates, all runs on the same seeds. "
        + describe(from_overrides(plan["model_overrides"]))
        + "."
    )
    rep.heading("Uncertain parameters")
    spec = pd.DataFrame(plan["uncertainty"]["parameters"]).T
    rep.table(spec[["path", "mode", "distribution", "low", "high", "source", "description"]])

    key = "ST" if method == "sobol" else "mu_star"
    rep.heading("Indices")
    notes = indices[indices.note.fillna("") != ""].outcome.unique()
    if len(notes):
        rep.text(f"Not decomposed (constant or missing over the design): {', '.join(notes)}.")
    rep.figure(
        figures.sensitivity_heatmap(indices[indices.note.fillna("") == ""], key, fig_dir),
        "Total Sobol index of every parameter for every outcome."
        if method == "sobol"
        else "Morris mu*, scaled by each outcome's largest, for every outcome.",
    )
    for outcome in HEADLINE_OUTCOMES:
        sub = indices[(indices.outcome == outcome) & (indices.note.fillna("") == "")]
        if sub.empty:
            continue
        if method == "sobol":
            png = figures.sobol_bars(sub, outcome, fig_dir)
            caption = (
                f"Sobol indices of {outcome}: S1 is the share of its variance a parameter "
                "explains alone, ST alone and in interaction; bars are 95% bootstrap intervals."
            )
        else:
            png = figures.morris_plot(sub, outcome, fig_dir)
            caption = f"Morris mu* against sigma for {outcome} (error bars: 95% interval of mu*)."
        rep.figure(png, caption)
        cols = (
            ["S1", "S1_conf", "ST", "ST_conf"]
            if method == "sobol"
            else ["mu_star", "mu_star_conf", "mu", "sigma"]
        )
        rep.table(
            sub.set_index("parameter")[cols].sort_values(
                cols[2 if method == "sobol" else 0], ascending=False
            )
        )

    rep.heading("Scenario discovery")
    if box is None:
        rep.text("No box: the threshold left no contrast between runs.")
    else:
        rep.text(
            f"Runs with {box.outcome} above {box.threshold:.4g}: {box.cases} of {box.runs}. "
            f"PRIM box: coverage {box.coverage:.2f} (share of those runs inside the box), "
            f"density {box.density:.2f} (share of the box's runs that are such runs), mass "
            f"{box.mass:.2f} (share of all runs in the box)."
        )
        bounds = {
            name: (float(b[0]), float(b[1]))
            for name, b in zip(problem["names"], _ranges(plan), strict=True)
        }
        rep.table(box.limits.set_index("parameter"))
        rep.figure(
            figures.discovery_box(
                box.limits, bounds, f"Where {box.outcome} exceeds {box.threshold:.4g}", fig_dir
            ),
            "The ranges of the parameters inside the box (red where PRIM restricted them).",
        )
    md = out / "report.md"
    md.write_text(rep.markdown(out))
    html = out / "report.html"
    html.write_text(rep.html())
    return html


def _ranges(plan: dict[str, Any]) -> list[tuple[float, float]]:
    """The sampled range of each parameter (low and high of its distribution)."""
    return [(p["low"], p["high"]) for p in plan["uncertainty"]["parameters"].values()]
