"""One job: validate, run every replicate in-process, write the results contract."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa

from abm.config import RunConfig
from abm.errors import ConfigError
from abm.model import HybridThreatModel
from abm.results import (
    events_table,
    groups_table,
    provenance,
    regions_table,
    timeseries_table,
    write_job,
)
from abm.validation import validate


def run_job(cfg: RunConfig, outdir: Path, resolved_yaml: str) -> pd.DataFrame:
    """Run ``cfg.replicates`` replicates of ``cfg`` and write them into ``outdir``.

    Replicates run inside the job (not as separate Hydra jobs), each from
    ``SeedSequence(cfg.seed, spawn_key=(r,))``. Nothing is written until every replicate has
    finished, so a failure leaves no partial results. A design job (``design.file`` set) runs
    its block of design rows, every row on the same seeds (common random numbers across the
    design), and marks each row of every table with its ``design_row``.

    Returns:
        The summary table, one row per replicate (and design row).
    """
    validate(cfg)
    start = time.perf_counter()
    summaries = []
    tables: dict[str, list[pa.Table]] = {
        "timeseries": [],
        "groups": [],
        "events": [],
        "regions": [],
    }
    ran: list[int] = []
    for design_row, values, row_cfg in design_rows(cfg):
        for r in row_replicates(cfg, design_row):
            ran.append(r)
            model = HybridThreatModel(row_cfg, rng=cfg.seed, replicate=r)
            model.run_model()
            summary = model.summary()
            parts = {
                "timeseries": timeseries_table(model),
                "groups": groups_table(model),
                "events": events_table(model),
                "regions": regions_table(model),
            }
            if design_row is not None:
                summary.update(
                    design_row=design_row, **{f"param_{k}": v for k, v in values.items()}
                )
                parts = {k: _with_row(t, design_row) for k, t in parts.items()}
            summaries.append(summary)
            for name, table in parts.items():
                tables[name].append(table)
    prov = provenance(cfg.seed, cfg.replicates, time.perf_counter() - start, ran)
    write_job(outdir, summaries, tables, prov, resolved_yaml)
    return pd.DataFrame(summaries)


def design_rows(cfg: RunConfig) -> Iterator[tuple[int | None, dict[str, float], RunConfig]]:
    """``(design_row, parameter values, config)`` of every row this job runs; a job without a
    design runs its config once, as ``(None, {}, cfg)``. Which replicates a row runs is
    :func:`row_replicates`'s answer."""
    d = cfg.design
    if d.file is None:
        yield None, {}, cfg
        return
    from abm.uncertainty import apply, load_uncertainty

    if d.uncertainty is None:
        raise ConfigError("design.uncertainty", "the uncertainty set of the design (a YAML file)")
    if d.block < 0 or d.block_size < 1:
        raise ConfigError("design.block", "a block >= 0 of block_size >= 1 rows")
    path = Path(d.file)
    if not path.is_file():
        raise ConfigError("design.file", f"an existing design file, got {d.file!r}")
    spec = load_uncertainty(d.uncertainty)
    design = pd.read_parquet(path)
    block = design[(design.design_row // d.block_size) == d.block]
    if block.empty:
        raise ConfigError("design.block", f"a block with rows in {d.file} (it has {len(design)})")
    for row in block.itertuples(index=False):
        values = {name: float(getattr(row, name)) for name in spec.parameters}
        row_cfg = apply(cfg, spec, values)
        validate(row_cfg)
        yield int(row.design_row), values, row_cfg


def row_replicates(cfg: RunConfig, design_row: int | None) -> range:
    """The replicates a design row runs: ``0 .. replicates - 1`` (every row on the same seeds),
    or with ``design.replicate_per_row`` replicate ``design_row`` alone.

    Why the second: a design that samples uncertain inputs can pair its sample j with replicate j
    of an ordinary arm run on the same seed (the unmitigated arm of a study), so that one run per
    sample carries both the input's uncertainty and the replicate noise, and every difference
    with that arm is still paired (common random numbers).
    """
    if design_row is not None and cfg.design.replicate_per_row:
        return range(design_row, design_row + 1)
    return range(cfg.replicates)


def _with_row(table: pa.Table, design_row: int) -> pa.Table:
    column = pa.array([design_row] * table.num_rows, type=pa.int32())
    return table.add_column(0, "design_row", column)
