"""Refresh the fixed-seed baseline: ``python -m experiments.refresh_baseline``.

The baseline is the summary of a small default study (the default scenario against ``none`` and
``combined``, 2 replicates of 14 days, seed 0; :mod:`abm.baseline`), stored in
``tests/baseline/summary.csv``. ``tests/test_baseline.py`` fails on any change to it; after an
intended change, run this script, read what it says changed, and commit the new file with the
change that caused it.
"""

from __future__ import annotations

import sys

import pandas as pd

from abm.baseline import BASELINE, baseline_summary


def main() -> int:
    """Recompute the baseline, say which columns changed, and write it."""
    new = baseline_summary()
    if BASELINE.is_file():
        old = pd.read_csv(BASELINE)
        numeric = [
            c for c in new.columns if c in old.columns and pd.api.types.is_numeric_dtype(new[c])
        ]
        diff = (new[numeric] - old[numeric]).abs()
        changed = [c for c in numeric if (diff[c] > 1e-9 * (1 + old[c].abs())).any()]
        added = sorted(set(new.columns) - set(old.columns))
        print(f"changed columns: {changed or 'none'}; new columns: {added or 'none'}")
        for c in changed:
            print(f"  {c}: {old[c].tolist()} -> {new[c].tolist()}")
    BASELINE.parent.mkdir(parents=True, exist_ok=True)
    new.to_csv(BASELINE, index=False, float_format="%.17g")
    print(f"wrote {BASELINE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
