"""Readable tables from the results files, in natural units first.

Per sector, the outcomes are person-hours (or user-hours) of service lost, people affected and
hours below the minimum service level; hours per inhabitant are derived from them
(person-hours / population), never the other way round. A sum over sectors appears only under a
named weighting (:func:`total_summary`), never as a silent row of a sector table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from abm.config import WeightingConfig
from abm.sectors import SECTORS
from abm.vocabulary import ACTIONS
from abm.weighting import as_weighting, weighted_total

#: Population outcomes shown after a run, with their units.
POPULATION_COLUMNS = {
    "unmet_need_person_hours": "person-hours",
    "min_trust": "0 to 1",
    "peak_belief": "share reached",
    "peak_displaced": "persons",
}
#: The allied transit outcomes, with their units.
TRANSIT_COLUMNS = {
    "transit_completed_fraction": "share of serials",
    "transit_mean_delay_h": "h",
    "transit_max_delay_h": "h",
    "transit_p90_delay_h": "h",
    "transit_queue_h": "h",
    "transit_tonnes_delivered": "t",
    "transit_censored": "serials",
    "sustainment_tonnes_delivered": "t",
    "sustainment_mean_delay_h": "h",
}
#: Host-nation support of housed troops, with its units (NaN without housed troops).
HOST_NATION_COLUMNS = {
    "hns_days_delivered": "days per soldier",
    "hns_troop_days": "troop-days",
}
#: One sentence per outcome, with its unit: what the report and the console explain.
OUTCOME_SENTENCES = {
    "person_hours": "Person-hours lost (per sector): the sum over hours and regions of the "
    "people (or users) who depend on the sector times the share of its service they lack, so "
    "1,000 people without water for 2 h is 2,000 person-hours.",
    "dependents": "Dependents (per sector): the people or users who depend on the sector at "
    "the start, nationally (residents for most sectors; people in or needing reception, "
    "patients, travellers and freight, workers for the others).",
    "affected": "People affected (per sector): the dependents in regions where the sector's "
    "service fell below its minimum service level at some time.",
    "hours_below_min": "Hours below minimum (per sector): the hours the worst-hit region spent "
    "below the sector's minimum service level.",
    "per_inhabitant_h": "Hours per inhabitant (per sector): person-hours lost divided by the "
    "national population, a derived figure for comparison with other studies.",
    "unmet_need": "Unmet need (per cohort): person-hours of need households could not meet from "
    "the service or their own stocks, summed over sectors with weight 1.",
    "transit_completed_fraction": "Transit completed: the share of the allied serials across "
    "the German border by the deadline.",
    "transit_mean_delay_h": "Mean transit delay: the hours by which the serials crossed later "
    "than planned, on average (serials still in Belgium at the horizon count up to it).",
    "transit_max_delay_h": "Worst transit delay: the hours by which the latest serial crossed "
    "later than planned.",
    "total_loss": "total_loss: the per-sector outcome a weighting names, times the weighting's "
    "sector weights, summed; always shown with the weighting's name and unit.",
}


def describe(
    summary: pd.DataFrame,
    columns: list[str],
    confidence: float = 0.95,
    lower_bound: float | None = 0.0,
) -> pd.DataFrame:
    """Mean, a t confidence interval, min and max of ``columns`` across replicates.

    With one replicate the interval is undefined and shown as NaN rather than as a misleadingly
    narrow range. Where the quantity cannot fall below ``lower_bound`` (losses, counts), the
    interval's lower end is clipped there. Missing values (transit without serials) are left
    out; a column that is missing altogether gives NaN.
    """
    level = round(confidence * 100)
    rows = []
    for col in columns:
        x = summary[col].to_numpy(dtype=float) if col in summary else np.array([])
        x = x[~np.isnan(x)]
        n = len(x)
        mean = x.mean() if n else np.nan
        half = (
            stats.t.ppf(0.5 + confidence / 2, n - 1) * x.std(ddof=1) / np.sqrt(n)
            if n > 1
            else np.nan
        )
        low = mean - half
        if lower_bound is not None and not np.isnan(low):
            low = float(np.maximum(lower_bound, low))
        rows.append(
            {
                "outcome": col,
                "mean": mean,
                f"ci{level}_low": low,
                f"ci{level}_high": mean + half,
                "min": x.min() if n else np.nan,
                "max": x.max() if n else np.nan,
            }
        )
    return pd.DataFrame(rows).set_index("outcome")


def _mean(summary: pd.DataFrame, col: str) -> float:
    return float(summary[col].astype(float).mean()) if col in summary else np.nan


def sector_summary(summary: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Per sector, in natural units: dependents, person-hours lost (mean, CI, min, max), people
    affected and hours below minimum service (means), and hours per inhabitant (derived:
    person-hours / population). No total row: a sum over sectors needs a weighting
    (:func:`total_summary`)."""
    table = describe(summary, [f"loss_{s}" for s in SECTORS], confidence)
    table.columns = ["person_hours", *table.columns[1:]]
    table.index = [i.removeprefix("loss_") for i in table.index]
    table.index.name = "sector"
    table.insert(0, "dependents", [_mean(summary, f"dependents_{s}") for s in SECTORS])
    table["people_affected"] = [_mean(summary, f"affected_{s}") for s in SECTORS]
    table["hours_below_min"] = [_mean(summary, f"hours_below_min_{s}") for s in SECTORS]
    population = summary["population"].astype(float) if "population" in summary else None
    table["h_per_inhabitant"] = [
        float((summary[f"loss_{s}"].astype(float) / population).mean())
        if population is not None
        else np.nan
        for s in SECTORS
    ]
    return table


def total_summary(
    summary: pd.DataFrame, weighting: WeightingConfig | str, confidence: float = 0.95
) -> pd.DataFrame:
    """``total_loss`` recomputed under ``weighting``: one row, labelled with the weighting's
    name and unit (``total_loss [weighting equal: person-hours]``)."""
    w = as_weighting(weighting)
    frame = pd.DataFrame({"total_loss": weighted_total(summary, w).to_numpy(dtype=float)})
    table = describe(frame, ["total_loss"], confidence)
    table.index = [f"total_loss [weighting {w.name}: {w.unit}]"]
    return table


def population_summary(summary: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Unmet need, lowest trust, peak narrative reach and peak displacement across replicates."""
    table = describe(summary, list(POPULATION_COLUMNS), confidence)
    table.insert(0, "unit", [POPULATION_COLUMNS[c] for c in table.index])
    return table


def transit_summary(summary: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """The allied serials: share across by the deadline, mean and worst delay (h), serials
    still in Belgium at the horizon; mean, CI, min and max across replicates."""
    table = describe(summary, list(TRANSIT_COLUMNS), confidence)
    table.insert(0, "unit", [TRANSIT_COLUMNS[c] for c in table.index])
    return table


def attack_summary(summary: pd.DataFrame) -> pd.DataFrame:
    """Attempts and successes per action type, mean per replicate."""
    rows = []
    for action in ACTIONS:
        attempts = summary[f"n_{action}"].to_numpy(dtype=float)
        successes = summary[f"n_{action}_success"].to_numpy(dtype=float)
        rows.append(
            {
                "action": action,
                "attempts": attempts.mean(),
                "successes": successes.mean(),
                "success_rate": successes.sum() / attempts.sum() if attempts.sum() else np.nan,
            }
        )
    return pd.DataFrame(rows).set_index("action")


# ------------------------------------------------------------------ groups.parquet
def cohort_unmet_need(groups: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Unmet need per cohort (person-hours, summed over regions and sectors with weight 1):
    mean, CI, min and max across replicates, from the rows of ``groups.parquet`` of one arm."""
    per = groups.groupby(["cohort", "replicate"]).unmet_need_person_hours.sum().unstack("cohort")
    table = describe(per, list(per.columns), confidence)
    table.index.name = "cohort"
    return table


def cohort_sector_unmet_need(groups: pd.DataFrame) -> pd.DataFrame:
    """Unmet need per cohort and sector (person-hours, mean over replicates) of one arm."""
    per = groups.groupby(["cohort", "sector", "replicate"]).unmet_need_person_hours.sum()
    table = per.groupby(["cohort", "sector"]).mean().unstack("sector")
    return table.reindex(columns=[s for s in SECTORS if s in table.columns])


# ------------------------------------------------------------------ regions.parquet
def region_sector(regions: pd.DataFrame, value: str, place: str = "region") -> pd.DataFrame:
    """``place`` x sector table of ``value`` (``loss_person_hours``, ``affected``,
    ``hours_below_min``), mean over replicates, from the rows of ``regions.parquet`` of one arm.
    Person-hours and people are summed over the regions of a place; hours below minimum take
    the worst region's."""
    how = "max" if value == "hours_below_min" else "sum"
    per = regions.groupby([place, "sector", "replicate"])[value].agg(how)
    table = per.groupby([place, "sector"]).mean().unstack("sector")
    return table.reindex(columns=[s for s in SECTORS if s in table.columns])


def region_overview(
    regions: pd.DataFrame, weighting: WeightingConfig | str, place: str = "region"
) -> pd.DataFrame:
    """Per place, for one arm (means over replicates): the composite under ``weighting`` (named
    in the column), the people affected in the sector that affected most, the longest time
    below minimum service and its sector; sorted worst first."""
    w = as_weighting(weighting)
    wide = regions.pivot_table(
        index=[place, "replicate"],
        columns="sector",
        values=["loss_person_hours", "affected"],
        aggfunc="sum",
    )
    frame = pd.DataFrame(index=wide.index)
    for s in SECTORS:
        for src, dst in (("loss_person_hours", "loss"), ("affected", "affected")):
            frame[f"{dst}_{s}"] = wide[(src, s)] if (src, s) in wide.columns else 0.0
    label = f"total_loss [weighting {w.name}: {w.unit}]"
    frame[label] = weighted_total(frame, w)
    per_place = frame.groupby(place).mean()
    affected = per_place[[f"affected_{s}" for s in SECTORS]]
    hours = region_sector(regions, "hours_below_min", place)
    table = pd.DataFrame(
        {
            label: per_place[label],
            "people_affected_top_sector": affected.max(axis=1),
            "top_sector_by_people": affected.idxmax(axis=1).str.removeprefix("affected_"),
            "longest_hours_below_min": hours.max(axis=1),
            "sector_longest_below": hours.idxmax(axis=1),
        }
    )
    share = table[label] / table[label].sum() if table[label].sum() else np.nan
    table.insert(1, "share_of_national", share)
    return table.sort_values(label, ascending=False)


# ------------------------------------------------------------------ printing
def _format_of(values: pd.Series, digits: int) -> str:
    largest = np.nanmax(np.abs(values.to_numpy(dtype=float)), initial=0.0)
    return ",.0f" if largest >= 1000 else ",.1f" if largest >= 100 else f".{digits}g"


def _format(value: Any, fmt: str) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, float | np.floating):
        value = float(value) + 0.0  # -0.0 + 0.0 is 0.0: no "-0" in tables
    return format(value, fmt)


def readable(
    frame: pd.DataFrame, digits: int = 3, formats: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """The table with each float column as text formatted for its magnitude: people and
    person-hours (large) with thousands separators and no decimals, hours with one decimal,
    shares and p-values with ``digits`` significant digits; ``formats`` overrides per column.
    Missing values stay empty."""
    formats = dict(formats or {})
    out = frame.copy()
    for col in frame.columns:
        if col not in formats and not pd.api.types.is_float_dtype(frame[col]):
            continue
        fmt = formats.get(col) or _format_of(frame[col], digits)
        out[col] = [_format(v, fmt) for v in frame[col]]
    return out


def to_text(frame: pd.DataFrame, digits: int = 3, formats: Mapping[str, str] | None = None) -> str:
    """A table as text for the console, numbers formatted as :func:`readable` does."""
    return readable(frame, digits, formats).to_string()
