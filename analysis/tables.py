"""Readable tables from ``summary.parquet`` rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from abm.sectors import SECTORS


def sector_summary(summary: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Loss per sector across replicates: mean, a t confidence interval, min and max.

    Loss is hours of full outage per inhabitant (DESIGN.md section 8). With one replicate the
    interval is undefined and shown as NaN rather than as a misleadingly narrow range. Loss cannot
    be negative, so the interval's lower end is clipped at 0.
    """
    columns = [f"loss_{s}" for s in SECTORS] + ["total_loss"]
    rows = []
    for col in columns:
        x = summary[col].to_numpy(dtype=float)
        n = len(x)
        mean = x.mean()
        if n > 1:
            half = stats.t.ppf(0.5 + confidence / 2, n - 1) * x.std(ddof=1) / np.sqrt(n)
        else:
            half = np.nan
        rows.append(
            {
                "sector": col.removeprefix("loss_"),
                "mean": mean,
                f"ci{round(confidence * 100)}_low": float(np.maximum(0.0, mean - half)),
                f"ci{round(confidence * 100)}_high": mean + half,
                "min": x.min(),
                "max": x.max(),
            }
        )
    return pd.DataFrame(rows).set_index("sector")
