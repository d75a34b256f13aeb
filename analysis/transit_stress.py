"""What does it take to delay the allied brigades by more than 24 h, and 48 h?

``python -m analysis.transit_stress <sweep_dir>`` (or :func:`transit_stress`) reads a sweep of
``scenario.corridor_effort`` x mitigation (the ``transit_stress`` preset,
``configs/experiment/transit_stress.yaml``) and answers the planner's question in hours of delay:

- a table of the mean delay of the serials per corridor effort and mitigation, mean over the
  replicates with a 95% t-interval, with the share of replicates above 24 h and 48 h;
- scenario discovery: PRIM (:func:`analysis.sensitivity.discover`, the EMA Workbench's) over the
  corridor effort and the mitigation, for the cases "this replicate's mean delay exceeds 24 h"
  and "... 48 h", written to ``<sweep_dir>/transit_boxes.csv`` (one row per threshold, outcome
  and box limit, with the box's coverage and density). Where no replicate, or every replicate,
  crosses a threshold there is no box to find: the file and the report say so instead.

Why the mitigation enters PRIM as one 0/1 column per mitigation: PRIM peels numeric ranges, and
:func:`~analysis.sensitivity.discover` reports numeric limits; a box that keeps
``mitigation_none`` at 1 means "without mitigation", one that keeps ``mitigation_hardening`` at
0 means "any mitigation but hardening". The box is read back as the set of mitigations it holds.

The delay is ``transit_mean_delay_h``: behind the peacetime schedule (what the capacities allow
with every asset working), so it is what attacks and outages add, the planner's "late". The
queue the capacities form in peacetime is ``transit_queue_h``, the same in every arm.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd
import yaml
from scipy import stats

from analysis.catalog import arm_rows, build_catalog, job_dir
from analysis.sensitivity import discover
from analysis.tables import readable, to_text


class Report(Protocol):
    """What the section writes to: the report document of :mod:`analysis.report` (typed here
    by what it offers, so that this module does not import the report, which imports it)."""

    def heading(self, text: str) -> None: ...

    def subheading(self, text: str) -> None: ...

    def text(self, text: str) -> None: ...

    def bullets(self, items: list[str]) -> None: ...

    def formatted(self, frame: pd.DataFrame) -> None: ...


#: The thresholds of the planner's question, in hours of mean delay per replicate.
THRESHOLDS_H = (24.0, 48.0)
#: The delay outcomes discovered, in this order, with what they measure (h).
OUTCOMES = {
    "transit_mean_delay_h": "mean delay of the serials behind the peacetime schedule",
}
#: The outcomes in a few words, for the report's sentences.
SHORT = {"transit_mean_delay_h": "mean delay"}
#: The column holding each row's ``scenario.corridor_effort``.
EFFORT = "corridor_effort"
#: The prefix of the 0/1 column of each mitigation in PRIM's inputs.
MITIGATION_PREFIX = "mitigation_"
BOXES_FILE = "transit_boxes.csv"
#: Below this many cases a box is called indicative (PRIM's box then rests on a handful of runs).
FEW_CASES = 10
CONFIDENCE = 0.95
#: PRIM keeps the box of highest coverage among those at least this dense (the workbench's
#: usual 0.8: four runs in five inside the box are cases).
MIN_DENSITY = 0.8
BOX_COLUMNS = [
    "outcome",
    "threshold_h",
    "parameter",
    "low",
    "high",
    "values",
    "restricted",
    "coverage",
    "density",
    "mass",
    "cases",
    "runs",
    "note",
]


@dataclass(frozen=True)
class StressResult:
    """What the report shows: the delay table, the box rows (as in ``transit_boxes.csv``) and
    one sentence per outcome and threshold."""

    table: pd.DataFrame
    boxes: pd.DataFrame
    sentences: list[str]
    reference_effort: float


# ----------------------------------------------------------------------------- the rows
def with_corridor_effort(sweep_dir: str | Path, rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` (catalog rows of complete jobs) with a ``corridor_effort`` column, read from
    each job's composed config (``.hydra/config.yaml``): the value the job ran with, whether it
    came from the sweep, the command line or the scenario's default."""
    sweep_dir = Path(sweep_dir)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    effort = {}
    for job in dict.fromkeys(rows.job):
        text = (job_dir(sweep_dir, job) / ".hydra" / "config.yaml").read_text()
        cfg = yaml.load(text, Loader=loader)
        effort[job] = float(cfg["scenario"].get("corridor_effort", 1.0))
    return rows.assign(**{EFFORT: rows.job.map(effort).astype(float)})


def varies_effort(sweep_dir: str | Path, rows: pd.DataFrame) -> pd.DataFrame | None:
    """The rows with their corridor effort if the sweep varies it (a transit stress sweep),
    else None."""
    if rows.empty:
        return None
    stressed = with_corridor_effort(sweep_dir, rows)
    return stressed if stressed[EFFORT].nunique() > 1 else None


def reference_effort(rows: pd.DataFrame) -> float:
    """The effort the other sections of a report read: 1 (the scenario as configured) when the
    sweep has it, else the effort nearest to 1 on a ratio scale."""
    efforts = np.array(sorted(set(rows[EFFORT])), dtype=float)
    if 1.0 in efforts:
        return 1.0
    return float(efforts[np.argmin(np.abs(np.log(np.maximum(efforts, 1e-9))))])


def at_reference_effort(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows of the reference effort, without the effort column: one job per arm again, so
    that arms pair by replicate in the ranking and comparisons."""
    keep = rows[EFFORT] == reference_effort(rows)
    return rows[keep].drop(columns=EFFORT)


# ----------------------------------------------------------------------------- the table
def delay_table(rows: pd.DataFrame, confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Per corridor effort and mitigation: replicates, the mean delay (h) with its t-interval, the
    90th percentile and worst delay (means over replicates, h), the shares of replicates whose mean
    delay exceeds each threshold, the share of serials across by the deadline and the serials still
    in Belgium at the horizon."""
    level = round(confidence * 100)
    out = []
    for (effort, mitigation), group in rows.groupby([EFFORT, "mitigation"], sort=True):
        delay = group.transit_mean_delay_h.to_numpy(dtype=float)
        delay = delay[~np.isnan(delay)]
        n = len(delay)
        mean = float(delay.mean()) if n else np.nan
        half = (
            float(stats.t.ppf(0.5 + confidence / 2, n - 1) * delay.std(ddof=1) / np.sqrt(n))
            if n > 1
            else np.nan
        )
        row: dict[str, object] = {
            EFFORT: effort,
            "mitigation": mitigation,
            "replicates": n,
            "mean_delay_h": mean,
            f"ci{level}_low_h": max(0.0, mean - half) if not np.isnan(half) else np.nan,
            f"ci{level}_high_h": mean + half,
        }
        for col, name in (
            ("transit_p90_delay_h", "p90_delay_h"),
            ("transit_max_delay_h", "worst_delay_h"),
        ):
            if col in group:
                row[name] = float(group[col].astype(float).mean())
        for threshold in THRESHOLDS_H:
            row[f"share_above_{threshold:g}h"] = float((delay > threshold).mean()) if n else np.nan
        for col, name in (
            ("transit_completed_fraction", "completed_share"),
            ("transit_censored", "censored_serials"),
        ):
            if col in group:
                row[name] = float(group[col].astype(float).mean())
        out.append(row)
    return pd.DataFrame(out).set_index([EFFORT, "mitigation"])


# ----------------------------------------------------------------------------- discovery
def prim_inputs(rows: pd.DataFrame) -> pd.DataFrame:
    """PRIM's inputs, one row per replicate: the corridor effort, and one 0/1 column per
    mitigation (when more than one ran). Inputs that do not vary are left out."""
    inputs = pd.DataFrame({EFFORT: rows[EFFORT].to_numpy(dtype=float)})
    mitigations = sorted(set(rows.mitigation))
    if len(mitigations) > 1:
        for m in mitigations:
            inputs[MITIGATION_PREFIX + m] = (rows.mitigation.to_numpy() == m).astype(float)
    return inputs.loc[:, inputs.nunique() > 1]


def discover_delay(rows: pd.DataFrame, outcome: str, threshold: float) -> pd.DataFrame:
    """The PRIM box in which a replicate's ``outcome`` exceeds ``threshold`` hours, as rows of
    ``transit_boxes.csv``: one for the corridor effort, one for the mitigation; a single row with
    a note and no limits where there is nothing to discover."""
    y = rows[outcome].astype(float).reset_index(drop=True)
    known = y.notna().to_numpy()
    y = y[known].rename(outcome)
    data = rows.reset_index(drop=True)[known]
    cases = int((y > threshold).sum())
    base = {"outcome": outcome, "threshold_h": threshold, "cases": cases, "runs": len(y)}
    worst = float(y.max()) if len(y) else np.nan
    note = ""
    if cases == 0:
        note = f"no replicate above {threshold:g} h (the largest is {worst:.1f} h)"
    elif cases == len(y):
        note = f"every replicate above {threshold:g} h (the smallest is {float(y.min()):.1f} h)"
    inputs = prim_inputs(data)
    if not note and inputs.empty:
        note = "neither the corridor effort nor the mitigation varies: nothing to discover"
    if note:
        return pd.DataFrame([{**base, "note": note}], columns=BOX_COLUMNS)
    try:
        box = discover(
            inputs.reset_index(drop=True), y.reset_index(drop=True), threshold, MIN_DENSITY
        )
    except ValueError as err:  # the workbench refuses some degenerate inputs: say why
        return pd.DataFrame([{**base, "note": f"PRIM found no box: {err}"}], columns=BOX_COLUMNS)
    lims = box.limits.set_index("parameter")
    stats_ = {"coverage": box.coverage, "density": box.density, "mass": box.mass}
    out = []
    efforts = sorted(set(data[EFFORT]))
    if EFFORT in lims.index:
        low, high = float(lims.loc[EFFORT, "low"]), float(lims.loc[EFFORT, "high"])
        inside = [e for e in efforts if low <= e <= high]
        restricted = bool(lims.loc[EFFORT, "restricted"])
    else:
        low, high, inside, restricted = min(efforts), max(efforts), efforts, False
    out.append(
        {
            **base,
            **stats_,
            "parameter": EFFORT,
            "low": low,
            "high": high,
            "values": ",".join(f"{e:g}" for e in inside),
            "restricted": restricted,
        }
    )
    mitigations = sorted(set(data.mitigation))
    held = [m for m in mitigations if _in_box(m, mitigations, lims)]
    out.append(
        {
            **base,
            **stats_,
            "parameter": "mitigation",
            "values": ",".join(held),
            "restricted": len(held) < len(mitigations),
        }
    )
    return pd.DataFrame(out, columns=BOX_COLUMNS).assign(note="")


def _in_box(mitigation: str, mitigations: list[str], lims: pd.DataFrame) -> bool:
    """Whether a run of ``mitigation`` lies inside the box's limits on the 0/1 columns."""
    for m in mitigations:
        col = MITIGATION_PREFIX + m
        if col in lims.index:
            value = 1.0 if m == mitigation else 0.0
            if not lims.loc[col, "low"] <= value <= lims.loc[col, "high"]:
                return False
    return True


def _effort_words(limit: pd.Series) -> str:
    """The efforts swept that the box holds, in words (PRIM's limits fall between the values
    swept; the values are what a planner reads)."""
    inside = [float(v) for v in str(limit["values"]).split(",") if v]
    if not inside:
        return "no corridor effort swept"
    lo, hi = min(inside), max(inside)
    if lo == hi:
        return f"corridor effort {lo:g} (x the scenario's)"
    return f"corridor effort {lo:g} to {hi:g} (x the scenario's; swept values {limit['values']})"


def describe_box(boxes: pd.DataFrame) -> str:
    """One sentence for the rows of one outcome and threshold."""
    first = boxes.iloc[0]
    what = f"{SHORT[first.outcome]} above {first.threshold_h:g} h ({first.outcome})"
    if first.note:
        return f"{what}: {first.note}, of {int(first.runs)} replicates; no box."
    by = boxes.set_index("parameter")
    parts = []
    effort = by.loc[EFFORT]
    parts.append(_effort_words(effort) if effort.restricted else "any corridor effort swept")
    mit = by.loc["mitigation"]
    parts.append(
        f"mitigation {' or '.join(str(mit['values']).split(','))}"
        if mit.restricted
        else "any mitigation swept"
    )
    return (
        f"{what}: {int(first.cases)} of {int(first.runs)} replicates; PRIM box: "
        + " and ".join(parts)
        + f" (coverage {first.coverage:.0%} of the cases, density {first.density:.0%} of the "
        "box's replicates are cases)"
        + (
            f"; only {int(first.cases)} cases: indicative, more replicates would firm it up."
            if first.cases < FEW_CASES
            else "."
        )
    )


# ----------------------------------------------------------------------------- the whole
def transit_stress(
    sweep_dir: str | Path, rows: pd.DataFrame | None = None, write: bool = True
) -> StressResult:
    """The delay table and the PRIM boxes of a transit stress sweep.

    Args:
        sweep_dir: The sweep directory (a ``transit_stress`` sweep, or any sweep whose jobs
            record transit outcomes).
        rows: Its complete replicates with their ``corridor_effort`` (default: read from the
            catalog and the jobs' configs).
        write: Write ``<sweep_dir>/transit_boxes.csv``.
    """
    sweep_dir = Path(sweep_dir)
    if rows is None:
        done = arm_rows(build_catalog(sweep_dir, write=False))
        if done.empty:
            raise ValueError(f"no complete job in {sweep_dir}")
        rows = with_corridor_effort(sweep_dir, done)
    if "transit_mean_delay_h" not in rows:
        raise ValueError(f"no transit outcomes in {sweep_dir}: the jobs moved no serials")
    if "couplings" in rows and rows.couplings.nunique() > 1:
        raise ValueError("the sweep varies the couplings too: run the transit stress alone")
    frames = [
        discover_delay(rows, outcome, threshold)
        for outcome in OUTCOMES
        if outcome in rows
        for threshold in THRESHOLDS_H
    ]
    boxes = pd.concat(frames, ignore_index=True)
    if write:
        boxes.to_csv(sweep_dir / BOXES_FILE, index=False)
    sentences = [
        describe_box(group) for _, group in boxes.groupby(["outcome", "threshold_h"], sort=False)
    ]
    return StressResult(delay_table(rows), boxes, sentences, reference_effort(rows))


def report_section(rep: Report, sweep_dir: Path, rows: pd.DataFrame) -> None:
    """The report's "Transit stress" section: the delay table and the boxes, in hours."""
    result = transit_stress(sweep_dir, rows)
    scenarios = ", ".join(sorted(set(rows.scenario)))
    rep.heading("Transit stress: what it takes to delay the brigades by 24 h and 48 h")
    rep.text(
        f"Scenario {scenarios} at corridor efforts "
        + ", ".join(f"{e:g}" for e in sorted(set(rows[EFFORT])))
        + " (scenario.corridor_effort: the corridor-focused sabotage cells' budgets and actions "
        "per day, x the scenario's) x the mitigations, on common random numbers. Delay in hours "
        "behind the peacetime schedule (what the capacities allow with every asset working), per "
        "replicate the mean over the serials (serials still in Belgium at the horizon count up "
        "to it). "
        f"The other sections of this report read the jobs at corridor effort "
        f"{result.reference_effort:g}."
    )
    rep.subheading("Mean delay per corridor effort and mitigation (h)")
    rep.text(
        "Mean over the replicates with a 95% t-interval; 90th percentile and worst delay: "
        "means over the replicates; share_above_24h / 48h: share of the replicates whose mean "
        "delay exceeds 24 h / 48 h; completed_share: serials across by the deadline; "
        "censored_serials: still in Belgium at the horizon."
    )
    rep.formatted(readable(result.table.reset_index().set_index(EFFORT), 3))
    rep.subheading("Scenario discovery: the conditions of a 24 h and a 48 h delay (PRIM)")
    rep.text(
        "PRIM (Friedman & Fisher 1999, as the EMA Workbench implements it) over the corridor "
        "effort and the mitigation, cases = replicates whose mean delay exceeds the threshold; "
        f"the box kept is the one of highest coverage with density at least {MIN_DENSITY:.0%}. "
        f"Coverage: share of the cases inside the box; density: share of the box's replicates "
        f"that are cases. Also in {BOXES_FILE}."
    )
    rep.bullets(result.sentences)
    shown = result.boxes[result.boxes.note == ""]
    if len(shown):
        rep.formatted(
            readable(
                shown.drop(columns=["note"])
                .assign(restricted=shown.restricted.astype(bool).map({True: "yes", False: "no"}))
                .set_index(["outcome", "threshold_h"]),
                3,
                {"low": "g", "high": "g"},
            )
        )


def main(argv: list[str] | None = None) -> int:
    """Print the delay table and the boxes of a transit stress sweep; write the boxes' file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sweep_dir", type=Path)
    args = parser.parse_args(argv)
    try:
        result = transit_stress(args.sweep_dir)
    except (FileNotFoundError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print("Mean delay per corridor effort and mitigation (h, 95% t-interval):")
    print(to_text(result.table, 3))
    print()
    for sentence in result.sentences:
        print(f"- {sentence}")
    print(f"\nBoxes: {args.sweep_dir / BOXES_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
