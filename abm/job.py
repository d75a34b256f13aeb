"""One job: validate, run every replicate in-process, write the results contract."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import pyarrow as pa

from abm.config import RunConfig
from abm.model import HybridThreatModel
from abm.results import events_table, groups_table, provenance, timeseries_table, write_job
from abm.validation import validate


def run_job(cfg: RunConfig, outdir: Path, resolved_yaml: str) -> pd.DataFrame:
    """Run ``cfg.replicates`` replicates of ``cfg`` and write them into ``outdir``.

    Replicates run inside the job (not as separate Hydra jobs), each from
    ``SeedSequence(cfg.seed, spawn_key=(r,))``. Nothing is written until every replicate has
    finished, so a failure leaves no partial results.

    Returns:
        The summary table, one row per replicate.
    """
    validate(cfg)
    start = time.perf_counter()
    summaries = []
    tables: dict[str, list[pa.Table]] = {"timeseries": [], "groups": [], "events": []}
    for r in range(cfg.replicates):
        model = HybridThreatModel(cfg, rng=cfg.seed, replicate=r)
        model.run_model()
        summaries.append(model.summary())
        tables["timeseries"].append(timeseries_table(model))
        tables["groups"].append(groups_table(model))
        tables["events"].append(events_table(model))
    prov = provenance(cfg.seed, cfg.replicates, time.perf_counter() - start)
    write_job(outdir, summaries, tables, prov, resolved_yaml)
    return pd.DataFrame(summaries)
