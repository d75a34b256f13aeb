"""The report of a search over mitigation packages: the front, the levers, robustness."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from abm.weighting import describe, from_overrides
from analysis import figures
from analysis.compare import total_label
from analysis.report import Report


def write_report(
    out: Path,
    plan: dict[str, Any],
    trials: pd.DataFrame,
    front: pd.DataFrame,
    robust: pd.DataFrame | None,
) -> Path:
    """Write ``report.md`` and a self-contained ``report.html`` into ``out``; return the HTML."""
    fig_dir = out / "figures"
    levers = list(plan["space"].parameters)
    budget = plan["budget"]
    rep = Report(f"Mitigation packages against {plan['scenario']}")
    rep.text(
        f"{len(trials)} packages evaluated by NSGA-II ({plan['population']} per generation), "
        f"objectives {', '.join(plan['objectives'])}; budget "
        f"{'none' if budget is None else f'{budget:g} million euro'}; model overrides: "
        f"{' '.join(plan['model_overrides'])}. Every package on the same seeds. Lever "
        "strengths and costs scale linearly with their intensity (an assumption). "
        + describe(from_overrides(plan["model_overrides"]))
        + "; mitigation_cost_meur is the annualised cost, million euro a year."
    )
    rep.heading("Pareto front")
    rep.figure(
        figures.pareto_front(
            trials,
            front,
            fig_dir,
            loss_label=total_label(from_overrides(plan["model_overrides"])),
        ),
        "Cost against total loss: grey every package evaluated, coloured the non-dominated "
        "ones (bars: 95% interval over replicates).",
    )
    rep.figure(
        figures.lever_coordinates(front, levers, fig_dir),
        "Which levers the Pareto packages buy, and how much of each.",
    )
    cols = [*levers, *plan["objectives"], *(f"{o}_ci" for o in plan["objectives"])]
    rep.table(front.sort_values("mitigation_cost_meur").set_index("trial")[cols])
    if robust is not None:
        rep.heading("Robustness")
        rep.text(
            f"The Pareto packages (up to {plan['robust_max']}) on {plan['robust']} scenarios of "
            "the declared uncertainties. Regret: the package's total loss minus the best "
            "package's in the same scenario. Satisficing: share of scenarios with total loss "
            f"at or below {robust.satisfice_threshold.iloc[0]:.4g}."
        )
        rep.table(robust.set_index("trial").drop(columns="satisfice_threshold"))
    md = out / "report.md"
    md.write_text(rep.markdown(out))
    html = out / "report.html"
    html.write_text(rep.html())
    return html
