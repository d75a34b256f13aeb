"""The fixed-seed baseline: the summary of a small default study, to catch unintended changes.

The baseline is the default scenario against ``none`` and ``combined``, 2 replicates of 14 days,
seed 0. Its stored summary, :data:`BASELINE` (in the checkout's tests), is what
``tests/test_baseline.py`` compares :func:`baseline_summary` with, and what ``python -m
experiments.refresh_baseline`` rewrites after an intended change.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from abm.api import load_config
from abm.model import HybridThreatModel

#: The stored summary, in the checkout (the tests are not installed with the package).
BASELINE = Path(__file__).parents[1] / "tests" / "baseline" / "summary.csv"
ARMS = ("none", "combined")
REPLICATES = 2
#: Long enough for the allied movement to cross (about day 12 in peacetime), so that the
#: baseline covers the transit outcomes uncensored.
HORIZON_DAYS = 14


def baseline_summary() -> pd.DataFrame:
    """Recompute the baseline's rows."""
    rows = []
    for mitigation in ARMS:
        cfg = load_config(overrides=[f"mitigation={mitigation}"], horizon_days=HORIZON_DAYS)
        for r in range(REPLICATES):
            model = HybridThreatModel(cfg, rng=0, replicate=r)
            model.run_model()
            rows.append(model.summary())
    return pd.DataFrame(rows)
