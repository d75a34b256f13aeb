"""A fixed-seed baseline of the default study: any unintended change to results fails here.

Refresh it deliberately with ``python -m experiments.refresh_baseline`` (never from a test).
"""

import numpy as np
import pandas as pd

from abm.baseline import BASELINE, baseline_summary


def test_the_default_study_matches_its_stored_baseline():
    stored = pd.read_csv(BASELINE)
    now = baseline_summary()
    assert list(now.columns) == list(stored.columns), "columns changed: refresh the baseline"
    for col in stored.columns:
        if pd.api.types.is_numeric_dtype(stored[col]):
            np.testing.assert_allclose(
                now[col].to_numpy(dtype=float),
                stored[col].to_numpy(dtype=float),
                rtol=1e-9,
                atol=1e-12,
                err_msg=col,
            )
        else:
            assert now[col].astype(str).tolist() == stored[col].astype(str).tolist(), col
