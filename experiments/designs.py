"""Run a table of parameter values as an ordinary sweep, and read its results back.

Sensitivity analysis and the search over mitigation packages both need the same thing: many
variants of one config, each run on the same seeds. A *design* is a table of values of declared
parameters (:mod:`abm.uncertainty`), one row per variant. It is written with its parameter set
into a directory and run as a sweep of ``experiments.run`` in ``<dir>/runs``, ``block_size``
rows per job (Hydra costs about 60 ms a job), so any launcher works, the catalog reads it like
any other sweep, and a re-run resumes it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from omegaconf import OmegaConf
from scipy import stats

from abm.errors import ConfigError
from abm.results import write_parquet
from abm.uncertainty import UncertaintyConfig
from analysis.catalog import build_catalog


def split_arguments(
    argv: list[str], driver_keys: tuple[str, ...]
) -> tuple[dict[str, str], list[str], list[str]]:
    """Split ``key=value`` arguments into the driver's own (``driver_keys``), the model's
    overrides and Hydra's (``hydra.*``, ``hydra/*``: a launcher, say)."""
    driver, model, hydra_args = {}, [], []
    for arg in argv:
        key, sep, value = arg.partition("=")
        if not sep:
            raise ConfigError(arg, "arguments are key=value")
        if key in driver_keys:
            driver[key] = value
        elif key.startswith(("hydra.", "hydra/")):
            hydra_args.append(arg)
        else:
            model.append(arg)
    return driver, model, hydra_args


def write_design(directory: Path, values: pd.DataFrame, spec: UncertaintyConfig) -> None:
    """Write ``values`` (one column per parameter of ``spec``) as design rows 0, 1, ..."""
    directory.mkdir(parents=True, exist_ok=True)
    table = values[list(spec.parameters)].reset_index(drop=True)
    table.insert(0, "design_row", np.arange(len(table)))
    write_parquet(pa.Table.from_pandas(table, preserve_index=False), directory / "design.parquet")
    (directory / "uncertainty.yaml").write_text(OmegaConf.to_yaml(OmegaConf.structured(spec)))


def run_design(
    directory: Path,
    rows: int,
    block_size: int,
    model_overrides: list[str],
    hydra_overrides: list[str],
) -> int:
    """Run the design in ``directory`` as a sweep of ``experiments.run``; its exit status."""
    blocks = -(-rows // block_size)
    cmd = [
        sys.executable,
        "-m",
        "experiments.run",
        "-m",
        *model_overrides,
        f"design.file='{directory / 'design.parquet'}'",
        f"design.uncertainty='{directory / 'uncertainty.yaml'}'",
        f"design.block_size={block_size}",
        f"design.block=range(0,{blocks})",
        "print_summary=false",
        f"hydra.sweep.dir='{directory / 'runs'}'",
        *hydra_overrides,
    ]
    return subprocess.run(cmd, stdout=subprocess.DEVNULL).returncode


def collect(directory: Path, outcomes: list[str], rows: int) -> pd.DataFrame:
    """Per design row (in order), the mean of each outcome over the row's replicates, with
    ``<outcome>_ci`` the half-width of its 95 % t-interval (NaN with one replicate).

    Raises:
        RuntimeError: If a job failed or a row has no results (nothing can be analysed then;
            running the same command again resumes).
    """
    catalog = build_catalog(directory / "runs")
    failed = catalog[catalog.status != "complete"]
    if len(failed):
        jobs = ", ".join(sorted(set(failed.job)))
        raise RuntimeError(
            f"{failed.job.nunique()} job(s) did not finish ({jobs}); see their error.json, fix, "
            "and run the same command again to resume"
        )
    done = catalog[catalog.design_row.notna()].astype({"design_row": int})
    grouped = done.groupby("design_row")[outcomes]
    mean, sd, n = grouped.mean(), grouped.std(ddof=1), grouped.count()
    missing = np.setdiff1d(np.arange(rows), mean.index)
    if missing.size:
        raise RuntimeError(f"{missing.size} design rows have no results (first: {missing[0]})")
    half = stats.t.ppf(0.975, np.maximum(n - 1, 1)) * sd / np.sqrt(n)
    half = half.where(n > 1)
    return pd.concat([mean, half.add_suffix("_ci")], axis=1).reindex(np.arange(rows))
