"""The per-sector table printed after a run."""

import numpy as np
import pandas as pd

from abm import SECTORS
from analysis.tables import sector_summary


def frame(values):
    cols = {f"loss_{s}": values for s in SECTORS}
    cols["total_loss"] = [9 * v for v in values]
    return pd.DataFrame(cols)


def test_interval_brackets_the_mean_and_is_clipped_at_zero():
    table = sector_summary(frame([0.0, 0.1, 3.0, 0.2]))
    row = table.loc["energy"]
    assert row["ci95_low"] == 0.0 <= row["mean"] <= row["ci95_high"]
    assert row["min"] == 0.0 and row["max"] == 3.0
    assert list(table.index) == [*SECTORS, "total_loss"]


def test_a_single_replicate_has_no_interval():
    table = sector_summary(frame([1.5]))
    assert np.isnan(table.loc["energy", "ci95_low"]) and np.isnan(table.loc["energy", "ci95_high"])
    assert table.loc["energy", "mean"] == 1.5
