"""A design's results, read back per design row (see :mod:`abm.designs` for how it runs).

Every job of a design's sweep writes the summary rows of its design rows, each replicate
carrying its ``design_row``; the catalog reads them like any other sweep, and
:func:`design_outcomes` reduces them to one row per variant: the mean of each outcome over the
replicates, with the half-width of its 95 % t-interval.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from abm.designs import RUNS_DIR
from analysis.catalog import build_catalog

#: Runs the design written in a directory (of so many rows) to the end and returns its
#: :func:`design_outcomes`. The entry points supply it (with :func:`abm.designs.run_design`):
#: analysis reads results and never starts a run itself.
DesignRunner = Callable[[Path, int], pd.DataFrame]


class DesignIncomplete(RuntimeError):
    """A job of the design failed or a row has no results: nothing can be analysed, and
    running the same command again resumes the design."""


def design_outcomes(
    directory: Path, outcomes: Sequence[str], rows: int, sweep_status: int | None = None
) -> pd.DataFrame:
    """Per design row (in order), the mean of each outcome over the row's replicates, with
    ``<outcome>_ci`` the half-width of its 95 % t-interval (NaN with one replicate).

    Args:
        directory: The design's directory (its runs are in ``<directory>/runs``).
        outcomes: Columns of ``summary.parquet``.
        rows: How many rows the design has.
        sweep_status: The sweep's exit status, quoted in the error if the design is incomplete.

    Raises:
        DesignIncomplete: If a job failed or a row has no results.
    """
    catalog = build_catalog(directory / RUNS_DIR)
    failed = catalog[catalog.status != "complete"]
    status = "" if sweep_status is None else f" (sweep exit status {sweep_status})"
    if len(failed):
        jobs = ", ".join(sorted(set(failed.job)))
        raise DesignIncomplete(
            f"{failed.job.nunique()} job(s) did not finish ({jobs}); see their error.json, fix, "
            f"and run the same command again to resume{status}"
        )
    done = catalog[catalog.design_row.notna()].astype({"design_row": int})
    grouped = done.groupby("design_row")[list(outcomes)]
    mean, sd, n = grouped.mean(), grouped.std(ddof=1), grouped.count()
    missing = np.setdiff1d(np.arange(rows), mean.index)
    if missing.size:
        raise DesignIncomplete(
            f"{missing.size} design rows have no results (first: {missing[0]}){status}"
        )
    half = stats.t.ppf(0.975, np.maximum(n - 1, 1)) * sd / np.sqrt(n)
    half = half.where(n > 1)
    return pd.concat([mean, half.add_suffix("_ci")], axis=1).reindex(np.arange(rows))
