"""The after-action report of a table-top exercise, as tables, text and a self-contained page.

It reads the report :func:`abm.exercise.after_action` builds (the content of
``after_action.json``): the decisions taken, with their timing and cost, and per arm (the
played decisions, no decisions, today's automatic rule, a prepared package) the outcomes in
natural units on the same random numbers. Nothing here runs the model.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from abm.vocabulary import SECTORS  # noqa: E402
from analysis.report import Report  # noqa: E402
from analysis.tables import describe, readable, to_text  # noqa: E402

#: What each arm is, in a few words.
ARM_TEXT = {
    "played": "the players' decisions",
    "no_decisions": "nobody decides",
    "automatic": "today's automatic rule of the crisis centre",
    "package": "today's rule with the package in place from the start",
    "shifted": "the played decisions with one measure moved in time",
}
#: The headline outcomes, with their units.
HEADLINE = {
    "total_loss": "person-hours (weighting {w})",
    "unmet_need_person_hours": "person-hours",
    "min_trust": "share",
    "peak_belief": "share",
    "transit_completed_fraction": "share of serials",
    "transit_mean_delay_h": "h",
    "transit_max_delay_h": "h",
    "n_sabotage_success": "attacks",
    "cells_found": "cells",
}


def summarise(report: dict[str, Any]) -> dict[str, Any]:
    """The report with, for the headline outcomes of ``replicate_outcomes``, played minus
    each alternative: ``differences`` on the players' run (replicate 0), and with more than
    one replicate ``paired``, the mean of the paired differences with its 95% t-interval
    (:func:`analysis.tables.describe`). A difference with a missing side is missing."""
    runs = report["replicate_outcomes"]
    played = pd.DataFrame(runs["played"], dtype=float)
    differences: dict[str, dict[str, float | None]] = {}
    paired: dict[str, dict[str, dict[str, float | None]]] = {}
    for arm in runs:
        if arm == "played":
            continue
        d = played - pd.DataFrame(runs[arm], dtype=float)
        differences[arm] = {name: _value(d[name].iloc[0]) for name in d}
        stats = describe(d, list(d), lower_bound=None)
        paired[arm] = {
            name: {
                "mean": _value(stats.at[name, "mean"]),
                "ci95_low": _value(stats.at[name, "ci95_low"]),
                "ci95_high": _value(stats.at[name, "ci95_high"]),
                "n": int(d[name].notna().sum()),
            }
            for name in d
        }
    out = {**report, "differences": differences}
    if report["replicates"] > 1:
        out["paired"] = paired
    return out


def _value(x: float) -> float | None:
    """A number for JSON: None where missing (NaN)."""
    return None if pd.isna(x) else float(x)


def arms_table(report: dict[str, Any]) -> pd.DataFrame:
    """Per arm (columns), the headline outcomes, the decisions' cost and when measures came."""
    rows: dict[str, dict[str, Any]] = {}
    w = report["weighting"]
    for arm, rec in report["arms"].items():
        col: dict[str, Any] = {}
        for name, unit in HEADLINE.items():
            col[f"{name} [{unit.format(w=w)}]"] = rec["outcomes"][name]
        col["decisions taken"] = float(len(rec["decisions"]))
        col["cost of the decisions [MEUR]"] = rec["decisions_cost_meur"]
        col["package cost [MEUR a year]"] = rec["package_cost_meur_per_year"]
        col["measures activated at [h]"] = rec["activation_hour"]
        col["federal phase from [h]"] = next(
            (hour for hour, phase, _ in rec["phases"] if phase == "federal"), None
        )
        rows[arm] = col
    return pd.DataFrame(rows).astype(float)


def sectors_table(report: dict[str, Any]) -> pd.DataFrame:
    """Per sector (rows) and arm (columns), person-hours of service lost."""
    return pd.DataFrame(
        {
            arm: [rec["outcomes"][f"loss_{s}"] for s in SECTORS]
            for arm, rec in report["arms"].items()
        },
        index=pd.Index(SECTORS, name="person-hours lost"),
    ).astype(float)


def decisions_table(report: dict[str, Any]) -> pd.DataFrame:
    """The decisions taken: where, when decided, when the deciding phase was in force, when
    they took effect, the delay and the cost."""
    columns = ["point", "label", "level", "hour", "phase_hour", "effective_hour", "delay_hours"]
    frame = pd.DataFrame(report["decisions"], columns=[*columns, "cost_meur"])
    return frame.rename(
        columns={
            "label": "measure",
            "hour": "decided [h]",
            "phase_hour": "phase in force [h]",
            "effective_hour": "effective [h]",
            "delay_hours": "delay [h]",
            "cost_meur": "cost [MEUR]",
        }
    )


def differences_table(report: dict[str, Any]) -> pd.DataFrame:
    """Played minus each alternative: on the players' run and, with several replicates, the
    mean paired difference with its 95% t-interval."""
    rows = []
    paired = report.get("paired", {})
    for arm, diffs in report["differences"].items():
        for name, value in diffs.items():
            row: dict[str, Any] = {"played minus": arm, "outcome": name, "on the played run": value}
            if arm in paired:
                p = paired[arm][name]
                row.update(
                    {
                        f"mean over {p['n']} replicates": p["mean"],
                        "ci95_low": p["ci95_low"],
                        "ci95_high": p["ci95_high"],
                    }
                )
            rows.append(row)
    return pd.DataFrame(rows).set_index(["played minus", "outcome"])


def service_figure(report: dict[str, Any], path: Path) -> Path:
    """Mean national service of the nine sectors per arm, with the decisions' effective hours."""
    fig, ax = plt.subplots(figsize=(9, 3.6))
    for arm, rec in report["arms"].items():
        series = rec["national_service"]
        hours = [rec["dt_hours"] * (k + 1) for k in range(len(series))]
        ax.plot(hours, series, label=f"{arm}: {ARM_TEXT.get(arm, arm)}", lw=1.4)
    for d in report["decisions"]:
        ax.axvline(d["effective_hour"], color="0.6", lw=0.8, ls=":")
    ax.set_xlabel("hour (dotted: a decided measure takes effect)")
    ax.set_ylabel("mean national service")
    ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def by_row(frame: pd.DataFrame) -> pd.DataFrame:
    """A table of outcomes (rows) per arm (columns), each row formatted for its own magnitude
    and unit (shares with significant digits, person-hours whole)."""
    return readable(frame.T).T


def _intro(report: dict[str, Any]) -> list[str]:
    n = report["replicates"]
    return [
        f"Exercise '{report['exercise']}' ({report['title']}) on scenario "
        f"'{report['scenario']}', seed {report['seed']}, {report['horizon_hours']:g} h; the "
        f"country holds '{report['mitigation']}' in every arm; the package arm adds "
        f"'{report['package']}'.",
        "Every arm runs on the same random numbers (common random numbers): what differs is "
        "what was decided. "
        + (
            f"The players' run is replicate 0; the same decisions were also played on {n - 1} "
            "more replicates, and the paired differences over them say how much of a "
            "difference is the decisions' and how much the dice's."
            if n > 1
            else "One replicate: a difference here may be the dice's as much as the "
            "decisions' (python -m experiments.exercise ... replicates=20 says which)."
        ),
    ]


def build(report: dict[str, Any], figure: Path | None = None) -> Report:
    """The report's sections (for the page and the Markdown)."""
    rep = Report(f"After-action report: {report['title'] or report['exercise']}")
    for line in _intro(report):
        rep.text(line)
    rep.heading("Decisions taken")
    decisions = decisions_table(report)
    if decisions.empty:
        rep.text("No decision was taken.")
    else:
        rep.formatted(readable(decisions, formats={"cost [MEUR]": ",.2f"}))
    rep.heading("Outcomes per arm, in natural units")
    rep.bullets([f"{arm}: {ARM_TEXT.get(arm, arm)}" for arm in report["arms"]])
    rep.formatted(by_row(arms_table(report)))
    rep.heading("Played minus each alternative")
    rep.formatted(by_row(differences_table(report)))
    rep.heading("Person-hours lost per sector")
    rep.formatted(by_row(sectors_table(report)))
    if figure is not None:
        rep.figure(figure, "Mean national service of the nine sectors, per arm")
    rep.heading("Phases of the crisis organisation")
    rep.bullets(
        [
            f"{arm}: "
            + (
                "; ".join(
                    f"{phase} from hour {hour:g} ({why})" for hour, phase, why in rec["phases"]
                )
                or "no phase declared"
            )
            for arm, rec in report["arms"].items()
        ]
    )
    if report["injects"]:
        rep.heading("Injects")
        rep.bullets([f"hour {i['hour']:g}, {i['kind']}: {i['title']}" for i in report["injects"]])
    return rep


def render_html(report: dict[str, Any]) -> str:
    """The after-action report as one self-contained HTML page (the figure inline)."""
    with tempfile.TemporaryDirectory() as tmp:
        figure = service_figure(report, Path(tmp) / "service.png")
        return build(report, figure).html()


def render_text(report: dict[str, Any]) -> str:
    """The report's main tables for the console."""
    out = [*_intro(report), "", "Decisions taken:"]
    decisions = decisions_table(report)
    out.append(to_text(decisions) if not decisions.empty else "none")
    out += ["", "Outcomes per arm, in natural units:", by_row(arms_table(report)).to_string()]
    out += ["", "Played minus each alternative:", by_row(differences_table(report)).to_string()]
    return "\n".join(out)
