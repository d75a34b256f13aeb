"""Readable tables from ``summary.parquet`` rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from abm.sectors import SECTORS

#: Population outcomes shown after a run, with their units.
POPULATION_COLUMNS = {
    "unmet_need_person_hours": "person-hours",
    "min_trust": "0 to 1",
    "peak_belief": "share reached",
    "peak_displaced": "persons",
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
    interval's lower end is clipped there.
    """
    level = round(confidence * 100)
    rows = []
    for col in columns:
        x = summary[col].to_numpy(dtype=float)
        n = len(x)
        mean = x.mean()
        half = (
            stats.t.ppf(0.5 + confidence / 2, n - 1) * x.std(ddof=1) / np.sqrt(n)
            if n > 1
            else np.nan
        )
        low = mean - half
        if lower_bound is not None:
            low = float(np.maximum(lower_bound, low))
        rows.append(
            {
                "outcome": col,
                "mean": mean,
                f"ci{level}_low": low,
                f"ci{level}_high": mean + half,
                "min": x.min(),
                "max": x.max(),
            }
        )
    return pd.DataFrame(rows).set_index("outcome")


def sector_summary(summary: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Loss per sector across replicates, in hours of full outage per inhabitant."""
    table = describe(summary, [f"loss_{s}" for s in SECTORS] + ["total_loss"], confidence)
    table.index = [i.removeprefix("loss_") for i in table.index]
    table.index.name = "sector"
    return table


def population_summary(summary: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Unmet need, lowest trust, peak narrative reach and peak displacement across replicates."""
    table = describe(summary, list(POPULATION_COLUMNS), confidence)
    table.insert(0, "unit", [POPULATION_COLUMNS[c] for c in table.index])
    return table


def attack_summary(summary: pd.DataFrame) -> pd.DataFrame:
    """Attempts and successes per action type, mean per replicate."""
    rows = []
    for action in ("sabotage", "cyber", "disinformation"):
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
