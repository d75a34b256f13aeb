"""One job: validate, run every replicate in-process, stage each as it ends, merge, mark."""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa

from abm.config import RunConfig
from abm.errors import ConfigError
from abm.model import HybridThreatModel
from abm.results import (
    COMPLETE_MARKER,
    ERROR_RECORD,
    block_range,
    events_table,
    groups_table,
    provenance,
    regions_table,
    resume_key,
    summary_table,
    timeseries_table,
    write_json,
    write_marker,
)
from abm.staging import MERGED_FILES, Staging, Unit
from abm.validation import validate


def run_job(cfg: RunConfig, outdir: Path, resolved_yaml: str) -> pd.DataFrame:
    """Run ``cfg.replicates`` replicates of ``cfg`` and write them into ``outdir``.

    Replicates run inside the job (not as separate Hydra jobs), each from
    ``SeedSequence(cfg.seed, spawn_key=(r,))``. A design job (``design.file`` set) runs its block
    of design rows, every row on the same seeds (common random numbers across the design), and
    marks each row of every table with its ``design_row``.

    Each replicate's tables are staged (:mod:`abm.staging`) as soon as it ends and its model is
    dropped, so the job holds one replicate at a time. A job started again after it was killed,
    under the same resume key, runs only the replicates that are not staged (it says so on
    stderr); staging under another key is discarded. When every replicate is staged, the parts
    are merged into the job's files in (design row, replicate) order, whether the job ran in one
    go or was resumed (the same bytes either way), then ``provenance.json`` (whose wall time is
    this run's only, for a resumed job), the completion marker last, and the staging is removed.
    Until the marker is written the directory holds no marker, so it never looks complete.

    Returns:
        The summary table, one row per replicate (and design row).
    """
    validate(cfg)
    start = time.perf_counter()
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / COMPLETE_MARKER).unlink(missing_ok=True)
    (outdir / ERROR_RECORD).unlink(missing_ok=True)
    staging = Staging(outdir, resume_key(resolved_yaml, cfg.design.file))
    staged, discarded = staging.open()
    if discarded is not None:
        print(f"[job] staged replicates discarded ({discarded}): {outdir}", file=sys.stderr)
    units: list[Unit] = []
    for design_row, values, row_cfg in design_rows(cfg):
        for r in row_replicates(cfg, design_row):
            unit = Unit(design_row, r)
            units.append(unit)
            if unit.name not in staged:
                staging.stage(unit, run_replicate(row_cfg, cfg.seed, unit, values))
                gc.collect()  # the model's reference cycles: free it before the next one
    if staged:
        print(
            f"[job] resumed: {len(staged)} of {len(units)} replicates were staged, "
            f"{len(units) - len(staged)} run: {outdir}",
            file=sys.stderr,
        )
    summary = staging.merge(units)
    ran = [u.replicate for u in units]
    write_json(
        provenance(cfg.seed, cfg.replicates, time.perf_counter() - start, ran),
        outdir / "provenance.json",
    )
    write_marker(outdir, resolved_yaml, [*MERGED_FILES, "provenance.json"], cfg.design.file)
    staging.remove()
    return summary.to_pandas()


def run_replicate(
    cfg: RunConfig, seed: int, unit: Unit, values: dict[str, float]
) -> dict[str, pa.Table]:
    """Run one replicate and return its tables (summary row, timeseries, groups, events,
    regions), marked with the unit's design row and parameter values in a design job. The
    model is local: nothing refers to it once the tables are built."""
    model = HybridThreatModel(cfg, rng=seed, replicate=unit.replicate)
    model.run_model()
    summary = model.summary()
    tables = {
        "timeseries": timeseries_table(model),
        "groups": groups_table(model),
        "events": events_table(model),
        "regions": regions_table(model),
    }
    del model
    if unit.design_row is not None:
        summary.update(design_row=unit.design_row, **{f"param_{k}": v for k, v in values.items()})
        tables = {k: _with_row(t, unit.design_row) for k, t in tables.items()}
    return {"summary": summary_table([summary]), **tables}


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
    """The replicates a design row runs: ``0 .. replicates - 1`` (every row on the same seeds;
    an ordinary job, its block of them), or with ``design.replicate_per_row`` replicate
    ``design_row`` alone.

    Why the second: a design that samples uncertain inputs can pair its sample j with replicate j
    of an ordinary arm run on the same seed (the unmitigated arm of a study), so that one run per
    sample carries both the input's uncertainty and the replicate noise, and every difference
    with that arm is still paired (common random numbers).
    """
    if design_row is not None and cfg.design.replicate_per_row:
        return range(design_row, design_row + 1)
    return replicate_range(cfg)


def replicate_range(cfg: RunConfig) -> range:
    """The replicates of the job's block: block b of B runs ``floor(b N / B)`` to
    ``floor((b + 1) N / B) - 1`` of the arm's N replicates (the whole range with one block).

    Why blocks: a sweep of 15 arms on 2 workers would leave one worker idle for the last arm;
    as 30 jobs of half the replicates each it keeps both busy, and each replicate is still
    ``SeedSequence(seed, (r,))``, so the results are those of one job.
    """
    return block_range(cfg.replicates, cfg.replicate_blocks, cfg.replicate_block)


def _with_row(table: pa.Table, design_row: int) -> pa.Table:
    column = pa.array([design_row] * table.num_rows, type=pa.int32())
    return table.add_column(0, "design_row", column)
