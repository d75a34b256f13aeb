"""Designs: tables of variants of one config, run as an ordinary sweep.

Sensitivity analysis and the search over mitigation packages both need the same thing: many
variants of one config, each run on the same seeds. A *design* is a table of values of declared
parameters (:mod:`abm.uncertainty`), one row per variant. It is written with its parameter set
into a directory and run as a sweep of ``experiments.run`` in ``<dir>/runs``, ``block_size``
rows per job (a job costs about 1 s of CPU beyond its replicates), so any launcher works, the
catalog reads it like any other sweep, and a re-run resumes it. A job finds its rows through
the ``design`` keys of the run config; :func:`analysis.designs.design_outcomes` reads the
results back per row.

The levers of a package become the variables of a design with :func:`lever_space`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from omegaconf import OmegaConf

from abm.config import RunConfig
from abm.results import write_parquet
from abm.sweeps import REFUSED, SweepRefused, launch_sweep, quoted
from abm.uncertainty import UncertainParameter, UncertaintyConfig

DESIGN_FILE = "design.parquet"
PARAMETERS_FILE = "uncertainty.yaml"
RUNS_DIR = "runs"


def write_design(directory: Path, values: pd.DataFrame, spec: UncertaintyConfig) -> None:
    """Write ``values`` (one column per parameter of ``spec``) as design rows 0, 1, ..."""
    directory.mkdir(parents=True, exist_ok=True)
    table = values[list(spec.parameters)].reset_index(drop=True)
    table.insert(0, "design_row", np.arange(len(table)))
    write_parquet(pa.Table.from_pandas(table, preserve_index=False), directory / DESIGN_FILE)
    (directory / PARAMETERS_FILE).write_text(OmegaConf.to_yaml(OmegaConf.structured(spec)))


def run_design(
    directory: Path,
    rows: int,
    block_size: int,
    model_overrides: Sequence[str],
    hydra_overrides: Sequence[str],
) -> int:
    """Run the design in ``directory`` as a sweep of ``experiments.run`` into
    ``<directory>/runs``, ``block_size`` rows per job; the sweep's exit status (non-zero if a
    job failed: the others still ran, and running it again resumes).

    Raises:
        SweepRefused: The sweep did not start (its directory is in use by another sweep, or
            holds jobs of other code with ``stale_jobs=refuse``); it has said why in one line.
    """
    blocks = -(-rows // block_size)
    overrides = [
        *model_overrides,
        f"design.file={quoted(directory / DESIGN_FILE)}",
        f"design.uncertainty={quoted(directory / PARAMETERS_FILE)}",
        f"design.block_size={block_size}",
        f"design.block=range(0,{blocks})",
        "print_summary=false",
        *hydra_overrides,
    ]
    status = launch_sweep(overrides, directory / RUNS_DIR, check=False, quiet=True).returncode
    if status == REFUSED:
        raise SweepRefused(str(directory / RUNS_DIR))
    return status


#: The fields of a lever that scale with its intensity in :func:`lever_space`: the strength
#: with its plausible range, and the investment and running cost with their bounds (so the
#: bounds stay ordered around the values; the lifetime does not scale).
SCALED_LEVER_FIELDS = (
    "strength_low",
    "strength_high",
    "investment_meur",
    "investment_low_meur",
    "investment_high_meur",
    "yearly_meur",
    "yearly_low_meur",
    "yearly_high_meur",
)


def lever_space(cfg: RunConfig) -> UncertaintyConfig:
    """One decision variable per lever of the package: its intensity, 0 to 1, scaling the
    lever's strength and its costs (investment and running cost, with their bounds) alike.

    Linear scaling is an assumption (costs of such measures are rarely linear, and a lever may
    have a minimum size), stated here so that it can be replaced. Intensity 0 everywhere is
    exactly no mitigation, 1 everywhere exactly the package. A bound left unset (null) stays
    unset: it means the value, which scales.
    """
    parameters = {}
    for key in cfg.mitigation.levers:
        base = f"mitigation.levers.{key}"
        parameters[key] = UncertainParameter(
            path=f"{base}.strength",
            paths=[f"{base}.{name}" for name in SCALED_LEVER_FIELDS],
            low=0.0,
            high=1.0,
            mode="scale",
            description=f"intensity of {key} (strength and costs scale with it)",
        )
    return UncertaintyConfig(name="levers", parameters=parameters)
