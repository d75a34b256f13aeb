"""The allied movement by day: serials delivered and tonnes across the border, per arm.

``python -m analysis.movement <sweep_dir>`` (or :func:`movement`) reads the national series of
``timeseries.parquet`` (:data:`~abm.vocabulary.NATIONAL_SERIES`: serials delivered and tonnes of
their equipment across the German border so far, at every recorded time) of the complete jobs
of a sweep or run directory, and gives per arm (scenario x mitigation):

- by day d = 0, 1, 2, ... (the state at hour 24 d), the mean over replicates of the serials
  delivered and the tonnes across, written to ``<sweep_dir>/movement_by_day.csv``;
- the day by which half and all of the serials are delivered (mean and 90th percentile over
  replicates, on the recorded times) and the tonnes across by days 7 and 14;
- beside them, the delay outcomes of the summary (behind the peacetime schedule) and the
  peacetime queue ``transit_queue_h`` (how far the capacities alone hold the serials behind the
  unconstrained plan: above 0, a capacity binds even in peacetime).

Jobs whose results predate the series (or ran without the transit) are left out; with none
left there is nothing to show, and the report has no such section.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import matplotlib

matplotlib.use("Agg")  # files only, no screen

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
import seaborn as sns  # noqa: E402
import yaml  # noqa: E402
from matplotlib.ticker import StrMethodFormatter  # noqa: E402

from abm.vocabulary import NATIONAL_SERIES  # noqa: E402
from analysis.catalog import arm_rows, build_catalog, job_dir, read_results  # noqa: E402
from analysis.compare import is_increment, under_couplings  # noqa: E402
from analysis.figures import save_figure  # noqa: E402
from analysis.tables import readable, to_text  # noqa: E402
from analysis.transit_stress import at_reference_effort, varies_effort  # noqa: E402

SERIALS, TONNES = NATIONAL_SERIES
#: The days at which the milestone table gives the tonnes across the border.
TONNE_DAYS = (7, 14)
#: The upper quantile of the days to half and all serials delivered, over replicates.
QUANTILE = 0.9
#: The summary's delay outcomes shown beside the movement (h; behind the peacetime schedule),
#: and the peacetime queue (h; behind the unconstrained plan).
DELAYS = (
    "transit_mean_delay_h",
    "transit_p90_delay_h",
    "transit_max_delay_h",
    "transit_queue_h",
)
BY_DAY_FILE = "movement_by_day.csv"
#: Up to this many arms every arm has its min-max band in the figure; beyond, the reference's
#: only (a dozen overlapping bands hide the curves).
BANDS_UP_TO = 4
FIGURE = "movement_by_day"
ARM = ["scenario", "mitigation"]


class Report(Protocol):
    """What the section writes to: the report document of :mod:`analysis.report` (typed by
    what it offers, so that this module does not import the report, which imports it)."""

    def heading(self, text: str) -> None: ...

    def text(self, text: str) -> None: ...

    def formatted(self, frame: pd.DataFrame) -> None: ...

    def figure(self, png: Path, caption: str) -> None: ...


@dataclass(frozen=True)
class Movement:
    """The movement of the serials in a sweep.

    Attributes:
        series: Per arm, replicate and recorded time: serials delivered, tonnes across.
        serials: Per arm, the serials of the movement (from the jobs' configs).
        daily: Per arm and day: mean over replicates of serials delivered and tonnes across.
        milestones: Per arm: days to half and all serials (mean, 90th percentile, replicates
            that did not get there by the horizon), tonnes by days 7 and 14.
        delays: Per arm: the summary's delay outcomes and peacetime queue, means (h).
    """

    series: pd.DataFrame
    serials: pd.Series
    daily: pd.DataFrame
    milestones: pd.DataFrame
    delays: pd.DataFrame


# ----------------------------------------------------------------------------- reading
def has_series(path: Path) -> bool:
    """Whether a ``timeseries.parquet`` carries the national series (results written before
    they existed do not)."""
    if not path.is_file():
        return False
    return set(NATIONAL_SERIES) <= set(pq.read_schema(path).names)


def movement_serials(sweep_dir: Path, job: str) -> int:
    """The serials a job moves, from its composed config (0 with the transit off)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    text = (job_dir(sweep_dir, job) / ".hydra" / "config.yaml").read_text()
    transit = (yaml.load(text, Loader=loader) or {}).get("transit") or {}
    if not transit.get("enabled", False):
        return 0
    return int(transit.get("brigades", 0)) * int(transit.get("serials_per_brigade", 0))


def read_series(sweep_dir: str | Path, rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """The national series of the arms' jobs, one row per job, replicate and recorded time,
    and the serials of each arm. Jobs without the series or without transit are left out.

    Args:
        rows: Catalog rows of complete jobs (``job``, ``scenario``, ``mitigation``).
    """
    sweep_dir = Path(sweep_dir)
    columns = f"DISTINCT replicate, time_h, {SERIALS}, {TONNES}"
    frames, serials = [], {}
    for job in rows.drop_duplicates("job").itertuples():
        if is_increment(str(job.mitigation)):
            continue
        if not has_series(job_dir(sweep_dir, job.job) / "timeseries.parquet"):
            continue
        n = movement_serials(sweep_dir, job.job)
        if n == 0:
            continue
        one = pd.DataFrame([job._asdict()])[["job", *ARM]]
        frame = read_results(sweep_dir, one, "timeseries.parquet", columns)
        frames.append(frame.assign(job=job.job))
        serials[(job.scenario, job.mitigation)] = n
    if not frames:
        return pd.DataFrame(columns=["job", *ARM, "replicate", "time_h", SERIALS, TONNES]), (
            pd.Series(dtype=int)
        )
    series = pd.concat(frames, ignore_index=True)
    series = series.sort_values([*ARM, "job", "replicate", "time_h"], ignore_index=True)
    index = pd.MultiIndex.from_tuples(list(serials), names=ARM)
    return series, pd.Series(list(serials.values()), index=index, name="serials")


# ----------------------------------------------------------------------------- tables
def by_day(series: pd.DataFrame) -> pd.DataFrame:
    """Per arm, job, replicate and day d = 0, 1, ...: the series at hour 24 d (the last
    recorded time at or before it), up to the last day the recording reaches."""
    out = []
    for (scenario, mitigation, job, replicate), g in series.groupby(
        [*ARM, "job", "replicate"], sort=True
    ):
        times = g.time_h.to_numpy(dtype=float)
        days = np.arange(int(times.max() // 24) + 1)
        at = np.searchsorted(times, days * 24.0, side="right") - 1
        out.append(
            pd.DataFrame(
                {
                    "scenario": scenario,
                    "mitigation": mitigation,
                    "job": job,
                    "replicate": replicate,
                    "day": days,
                    SERIALS: g[SERIALS].to_numpy(dtype=float)[at],
                    TONNES: g[TONNES].to_numpy(dtype=float)[at],
                }
            )
        )
    return pd.concat(out, ignore_index=True)


def daily_means(series: pd.DataFrame) -> pd.DataFrame:
    """Per arm and day: replicates, and the mean over them of serials delivered and tonnes
    across by that day."""
    daily = by_day(series)
    return (
        daily.groupby([*ARM, "day"])
        .agg(
            replicates=("replicate", "size"),
            serials_delivered=(SERIALS, "mean"),
            tonnes_delivered=(TONNES, "mean"),
        )
        .reset_index()
    )


def _days_to(g: pd.DataFrame, count: float) -> float:
    """The first recorded day at which a replicate has ``count`` serials delivered (NaN: not
    by the horizon)."""
    reached = g[SERIALS].to_numpy(dtype=float) >= count
    return float(g.time_h.to_numpy(dtype=float)[reached.argmax()] / 24) if reached.any() else np.nan


def milestones(series: pd.DataFrame, serials: pd.Series) -> pd.DataFrame:
    """Per arm: the day by which half and all of the serials are delivered, mean and 90th
    percentile over replicates (a replicate that has not got there by the horizon counts at
    the horizon, so these are then lower bounds, and ``*_not_by_horizon`` says how many), and
    the mean tonnes across by days 7 and 14 (NaN past the horizon)."""
    daily = by_day(series)
    q = round(QUANTILE * 100)
    rows = []
    for (scenario, mitigation), arm in series.groupby(ARM, sort=True):
        n = int(serials[(scenario, mitigation)])
        row: dict[str, object] = {
            "scenario": scenario,
            "mitigation": mitigation,
            "replicates": arm.groupby(["job", "replicate"]).ngroups,
            "serials": n,
        }
        for label, count in (("half", np.ceil(n / 2)), ("all", n)):
            days, horizon = [], []
            for _, g in arm.groupby(["job", "replicate"]):
                days.append(_days_to(g, count))
                horizon.append(float(g.time_h.max()) / 24)
            reached = np.array(days)
            censored = np.isnan(reached)
            filled = np.where(censored, horizon, reached)
            row[f"day_{label}_mean"] = float(filled.mean())
            row[f"day_{label}_p{q}"] = float(np.quantile(filled, QUANTILE))
            row[f"{label}_not_by_horizon"] = int(censored.sum())
        arm_days = daily[(daily.scenario == scenario) & (daily.mitigation == mitigation)]
        for day in TONNE_DAYS:
            at = arm_days[arm_days.day == day]
            # every replicate must reach the day, else the mean would mix horizons
            full = len(at) == row["replicates"]
            row[f"tonnes_by_day_{day}"] = float(at[TONNES].mean()) if full else np.nan
        rows.append(row)
    return pd.DataFrame(rows).set_index(ARM)


def delay_means(rows: pd.DataFrame, arms: pd.Index) -> pd.DataFrame:
    """Per arm of ``arms``: the mean over replicates of the summary's delay outcomes (h)."""
    kept = [c for c in DELAYS if c in rows]
    values = rows[ARM].assign(**{c: rows[c].astype(float) for c in kept})
    return values.groupby(ARM)[kept].mean().reindex(arms)


def movement(sweep_dir: str | Path, rows: pd.DataFrame | None = None) -> Movement | None:
    """The movement of the serials per arm; None when no job has the series.

    Args:
        rows: Catalog rows of the arms to show (one couplings option, one corridor effort:
            what the report reads); default the sweep's arms as the report reads them (the
            main couplings option; in a transit stress sweep, the reference effort).
    """
    sweep_dir = Path(sweep_dir)
    if rows is None:
        rows = arm_rows(build_catalog(sweep_dir, write=False))
        stress = varies_effort(sweep_dir, rows)
        rows = under_couplings(rows if stress is None else at_reference_effort(stress))
    series, serials = read_series(sweep_dir, rows)
    series = series.dropna(subset=[SERIALS])
    if series.empty:
        return None
    table = milestones(series, serials)
    return Movement(
        series=series,
        serials=serials,
        daily=daily_means(series),
        milestones=table,
        delays=delay_means(rows, table.index),
    )


# ----------------------------------------------------------------------------- figure
def _label(arm: tuple[str, str], many_scenarios: bool) -> str:
    return f"{arm[0]}: {arm[1]}" if many_scenarios else arm[1]


def reference_arms(arms: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """The arms drawn for reference: peacetime where the sweep has it (the movement with
    nothing against it), else every scenario's ``none`` arm."""
    peace = {a for a in arms if a[0] == "peacetime"}
    return peace or {a for a in arms if a[1] == "none"}


def movement_figure(m: Movement, outdir: Path) -> Path:
    """Cumulative serials delivered (left) and tonnes across the border (right) over the days,
    per arm: mean over replicates on the recorded times, with a min-max band (the reference's
    only beyond :data:`BANDS_UP_TO` arms); the reference arms (:func:`reference_arms`) drawn
    dashed, in black."""
    mean = m.series.groupby([*ARM, "time_h"])[[SERIALS, TONNES]].agg(["mean", "min", "max"])
    arms = list(dict.fromkeys(mean.index.droplevel("time_h")))
    many = len({a[0] for a in arms}) > 1
    refs = reference_arms(arms)
    others = [a for a in arms if a not in refs]
    colours = sns.color_palette("colorblind" if len(others) <= 10 else "husl", len(others))
    palette = {**dict(zip(others, colours, strict=True)), **dict.fromkeys(refs, "black")}
    arms = others + sorted(refs)  # the reference drawn last, on top
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5), sharex=True)
    for ax, col, unit in zip(
        axes, (SERIALS, TONNES), ("serials delivered", "tonnes across the border"), strict=True
    ):
        for arm in arms:
            g = mean.loc[arm][col]
            day = g.index.to_numpy(dtype=float) / 24
            if arm in refs or len(arms) <= BANDS_UP_TO:
                ax.fill_between(
                    day, g["min"], g["max"], color=palette[arm], alpha=0.15, lw=0, step="post"
                )
            ax.plot(
                day,
                g["mean"],
                color=palette[arm],
                linestyle="--" if arm in refs else "-",
                linewidth=2.2 if arm in refs else 1.5,
                label=_label(arm, many),
                drawstyle="steps-post",
            )
        ax.set_xlabel("day")
        ax.set_ylabel(f"{unit} (cumulative)")
        ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
        ax.grid(alpha=0.3)
    n = int(m.serials.max())
    axes[0].axhline(n, color="grey", linewidth=0.8)
    axes[0].set_ylim(0, n + 0.5)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(  # below the panels: the curves fill every corner of them
        handles,
        labels,
        title=(
            "arm (mean; band: min-max over replicates"
            + ("" if len(arms) <= BANDS_UP_TO else ", the reference's only")
            + "; dashed: reference)"
        ),
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncol=min(len(arms), 3),
        fontsize=8,
        title_fontsize=8,
    )
    fig.suptitle("Allied movement by day: serials delivered and tonnage across the border")
    return save_figure(fig, outdir, FIGURE)


# ----------------------------------------------------------------------------- report
def queue_sentence(delays: pd.DataFrame, censored: bool = False) -> str:
    """What the peacetime queue says: whether a capacity binds without any attack.

    Args:
        censored: Some replicate ends with serials still in Belgium: the queue (measured at
            the horizon) is then a lower bound, and 0 says nothing.
    """
    if "transit_queue_h" not in delays or delays.transit_queue_h.isna().all():
        return "The results record no peacetime queue."
    queue = float(delays.transit_queue_h.mean())
    if queue > 0:
        bound = " at least" if censored else ""
        return (
            f"Even in peacetime a capacity binds: the berths, rail paths, convoy slots and "
            f"airfields hold the serials on average{bound} {queue:.1f} h behind the "
            "unconstrained plan (transit_queue_h, the same in every arm: it depends on the "
            "capacities alone"
            + ("; serials still in Belgium at the horizon count there)." if censored else ").")
        )
    if censored:
        return (
            "The horizon ends before the serials have moved far enough for the peacetime queue "
            "to show (transit_queue_h = 0, censored at the horizon): a longer horizon shows "
            "which capacity binds."
        )
    return (
        "No capacity binds in peacetime: the serials move as the unconstrained plan has them "
        "(transit_queue_h = 0)."
    )


def report_section(
    rep: Report, sweep_dir: str | Path, rows: pd.DataFrame, fig_dir: Path
) -> Movement | None:
    """The report's "Allied movement by day": figure, milestones, delays and the peacetime
    queue; nothing when the results have no series (older runs). Also writes
    ``<sweep_dir>/movement_by_day.csv``."""
    m = movement(sweep_dir, rows)
    if m is None:
        return None
    m.daily.to_csv(Path(sweep_dir) / BY_DAY_FILE, index=False)
    rep.heading("Allied movement by day")
    rep.text(
        "Serials delivered (their last train, convoy and barge across the German border) and "
        "tonnes of their equipment across, so far, per arm (mean over replicates; the mean per "
        f"day is in {BY_DAY_FILE}). The delay is behind the peacetime schedule (what the "
        "capacities allow with every asset working), so it is what attacks and outages add."
    )
    rep.figure(
        movement_figure(m, fig_dir),
        "Cumulative serials delivered and tonnes across the border by day, per arm: mean and "
        f"min-max band over replicates (beyond {BANDS_UP_TO} arms, the reference's only); "
        "dashed, for reference: peacetime if the sweep has it, else the arms without "
        "mitigation.",
    )
    q = round(QUANTILE * 100)
    rep.text(
        f"Day by which half and all of the serials are delivered: mean and {q}th percentile "
        "over replicates (a replicate that has not got there by the horizon counts at the "
        "horizon, so the figure is then a lower bound, marked >=, and *_not_by_horizon counts "
        "those replicates); tonnes across by days 7 and 14 (mean; empty past the horizon)."
    )
    rep.formatted(_readable(m.milestones))
    rep.text(
        "Delay of the serials behind the peacetime schedule, mean over replicates (h): their "
        "mean, 90th percentile and worst; and the peacetime queue transit_queue_h. "
        + queue_sentence(m.delays, censored=bool(m.milestones.all_not_by_horizon.any()))
    )
    rep.formatted(_readable(m.delays))
    return m


def _readable(frame: pd.DataFrame) -> pd.DataFrame:
    """Arms as one index of ``scenario: mitigation`` when there are several scenarios, else
    the mitigation; numbers formatted for their magnitude."""
    out = frame.copy()
    scenarios = out.index.get_level_values("scenario")
    if scenarios.nunique() == 1:
        out.index = out.index.get_level_values("mitigation")
    else:
        out.index = [f"{s}: {mi}" for s, mi in out.index]
        out.index.name = "scenario: mitigation"
    formats = {c: ",.1f" for c in out.columns if c.startswith("day_") or c.endswith("_h")}
    formats.update({c: ",.0f" for c in out.columns if c.startswith("tonnes")})
    text = readable(out, formats=formats)
    for label in ("half", "all"):  # a day some replicate did not reach: a lower bound
        if f"{label}_not_by_horizon" in out:
            short = (out[f"{label}_not_by_horizon"] > 0).to_numpy()
            for col in [c for c in out.columns if c.startswith(f"day_{label}_")]:
                text.loc[short, col] = ">= " + text.loc[short, col]
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sweep_dir", type=Path)
    args = parser.parse_args(argv)
    m = movement(args.sweep_dir)
    if m is None:
        print("no job of this sweep records the allied movement's series", file=sys.stderr)
        return 1
    m.daily.to_csv(args.sweep_dir / BY_DAY_FILE, index=False)
    print(to_text(m.milestones))
    print(to_text(m.delays))
    print(queue_sentence(m.delays, censored=bool(m.milestones.all_not_by_horizon.any())))
    print(f"by day: {args.sweep_dir / BY_DAY_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
