"""The results contract (DESIGN.md section 8): what one job writes, and how.

Tables are built from arrays straight into Arrow (no pandas index metadata), so the same inputs
give byte-identical Parquet files. Each file is written under a temporary name and renamed; the
completion marker, with a hash of the resolved config, is written last, so a killed job never
leaves a directory that looks complete.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import sys
import uuid
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from abm.recorder import national_series
from abm.sectors import SECTORS

if TYPE_CHECKING:
    from abm.model import HybridThreatModel

COMPLETE_MARKER = "_COMPLETE.json"
ERROR_RECORD = "error.json"
PACKAGES = (
    "hybrid-resilience-abm",
    "mesa",
    "hydra-core",
    "omegaconf",
    "numpy",
    "scipy",
    "pandas",
    "pyarrow",
    "networkx",
)


def timeseries_table(model: HybridThreatModel) -> pa.Table:
    """Per recorded time, region and sector, in long format: the sector's service, and the
    region's present population, displaced arrivals, mean trust and highest narrative reach
    (repeated on the region's nine sector rows, so any sector filter keeps them); and the
    national series of the allied movement (:data:`~abm.vocabulary.NATIONAL_SERIES`: serials
    delivered and tonnes across the border so far), repeated on every row of their time.

    The ``subservice`` column is empty on the sector rows; after them, each sector's
    sub-services (abm/subservices.py) add one row per recorded time and region with their own
    service, their sector's key and the same regional series. A reader of sector service takes
    the rows with ``subservice == ""`` (a sector's service is the need-weighted mean of its
    sub-services').
    """
    hours = model.recorded_hours
    n_t, n_r, n_s = model.recorded_service.shape
    regions = np.array(model.world.regions.keys)
    provinces = np.array(model.world.regions.province)
    columns = {
        "replicate": np.full(n_t * n_r * n_s, model.replicate, dtype=np.int32),
        "time_h": np.repeat(hours, n_r * n_s),
        "region": np.tile(np.repeat(regions, n_s), n_t),
        "province": np.tile(np.repeat(provinces, n_s), n_t),
        "sector": np.tile(np.array(SECTORS), n_t * n_r),
        "subservice": np.full(n_t * n_r * n_s, ""),
        "service": model.recorded_service.reshape(-1),
    }
    for name, series in model.recorded_regions.items():
        columns[name] = np.repeat(series.reshape(-1), n_s)
    national = national_series(model)
    for name, values in national.items():
        columns[name] = np.repeat(values, n_r * n_s)
    table = pa.table(columns)
    subs = getattr(model, "subservices", None)
    if subs is None or not subs.n:
        return table
    n_u = subs.n
    recorded = model.recorder.subservice_service
    service = np.ones((n_t, n_r, n_u)) if recorded is None else recorded[:n_t]
    extra = {
        "replicate": np.full(n_t * n_r * n_u, model.replicate, dtype=np.int32),
        "time_h": np.repeat(hours, n_r * n_u),
        "region": np.tile(np.repeat(regions, n_u), n_t),
        "province": np.tile(np.repeat(provinces, n_u), n_t),
        "sector": np.tile(np.array(SECTORS)[subs.sector], n_t * n_r),
        "subservice": np.tile(np.array(subs.names), n_t * n_r),
        "service": service.reshape(-1),
    }
    for name, series in model.recorded_regions.items():
        extra[name] = np.repeat(series.reshape(-1), n_u)
    for name, values in national.items():
        extra[name] = np.repeat(values, n_r * n_u)
    return pa.concat_tables([table, pa.table(extra)])


def events_table(model: HybridThreatModel) -> pa.Table:
    """Every shock, failure, restoration, repair and narrative seeding, with its time.

    Asset columns are empty for events that concern no asset (asset -1).
    """
    w = model.world
    hours, kinds, asset_ids, details = (
        zip(*model.events, strict=True) if model.events else ([],) * 4
    )
    assets = np.array(asset_ids, dtype=np.int64)

    def lookup(names: tuple[str, ...] | np.ndarray, index: np.ndarray) -> pa.Array:
        return pa.array(
            [
                names[i] if a >= 0 else ""
                for a, i in zip(assets, index[np.maximum(assets, 0)], strict=True)
            ]
            if len(assets)
            else [],
            type=pa.string(),
        )

    return pa.table(
        {
            "replicate": np.full(len(assets), model.replicate, dtype=np.int32),
            "time_h": np.array(hours, dtype=float),
            "kind": pa.array(kinds, type=pa.string()),
            "asset": assets,
            "asset_type": lookup(w.type_names, w.asset_type),
            "sector": lookup(SECTORS, w.asset_sector),
            "region": lookup(w.regions.keys, w.asset_region),
            "operator": lookup(w.operators.names, w.asset_operator),
            "detail": pa.array(details, type=pa.string()),
        }
    )


def groups_table(model: HybridThreatModel) -> pa.Table:
    """Per region, cohort and sector: unmet need (person-hours), displaced people (the group's
    peak and final count, repeated on its sector rows) and final trust."""
    people = model.people
    g = people.groups
    n_s = len(SECTORS)
    n = g.n * n_s
    state = people.state
    per_group = {
        "displaced": state.peak_displaced,
        "displaced_final": state.displaced.sum(axis=1),
        "final_trust": state.trust,
    }
    return pa.table(
        {
            "replicate": np.full(n, model.replicate, dtype=np.int32),
            "region": np.repeat(np.array(model.world.regions.keys)[g.region], n_s),
            "province": np.repeat(np.array(model.world.regions.province)[g.region], n_s),
            "cohort": np.repeat(np.array(g.cohort_names)[g.cohort], n_s),
            "sector": np.tile(np.array(SECTORS), g.n),
            "unmet_need_person_hours": state.unmet.reshape(-1),
            **{k: np.repeat(v, n_s) for k, v in per_group.items()},
        }
    )


def regions_table(model: HybridThreatModel) -> pa.Table:
    """Per region and sector, the replicate's outcomes in natural units: the dependents at the
    start, person-hours lost, hours below the minimum service level, the lowest service, and
    the people affected (dependents present while service was below the minimum)."""
    out = model.regional
    n_r, n_s = out.loss.shape
    return pa.table(
        {
            "replicate": np.full(n_r * n_s, model.replicate, dtype=np.int32),
            "region": np.repeat(np.array(model.world.regions.keys), n_s),
            "province": np.repeat(np.array(model.world.regions.province), n_s),
            "sector": np.tile(np.array(SECTORS), n_r),
            "dependents": out.dependents.reshape(-1),
            "loss_person_hours": out.loss.reshape(-1),
            "hours_below_min": out.hours_below_min.reshape(-1),
            "min_service": out.min_service.reshape(-1),
            "affected": out.affected.reshape(-1),
        }
    )


def summary_table(rows: list[dict[str, Any]]) -> pa.Table:
    """One row per replicate, columns in the contract's order."""
    return pa.Table.from_pylist(rows)


def temporary_name(path: Path) -> Path:
    """A hidden name next to ``path`` that no other process uses: two writers of the same file
    (two sweeps into one directory) never share a temporary file, so neither can rename the
    other's half-written one into place."""
    return path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:12]}.tmp")


def _atomic_write(path: Path, write: Any) -> None:
    tmp = temporary_name(path)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_parquet(table: pa.Table, path: Path) -> None:
    """Write one table atomically, compressed, with no timestamps in it."""
    _atomic_write(path, lambda tmp: pq.write_table(table, tmp, compression="zstd"))


def write_json(obj: Any, path: Path) -> None:
    _atomic_write(path, lambda tmp: tmp.write_text(json.dumps(obj, indent=2, sort_keys=True)))


def config_hash(resolved_yaml: str) -> str:
    """SHA-256 of the resolved config: what a completed directory was computed from."""
    return hashlib.sha256(resolved_yaml.encode()).hexdigest()


def git_commit() -> str | None:
    """The commit of the source tree the package runs from, if it is a git checkout."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def provenance(
    seed: int, replicates: int, wall_seconds: float, ran: Sequence[int] | None = None
) -> dict[str, Any]:
    """Seeds, package versions, git commit, platform and wall time of a job.

    Args:
        ran: The replicate indices the job ran, when not ``0 .. replicates - 1`` (a design
            whose row j runs replicate j only).
    """
    indices = sorted(set(ran)) if ran is not None else list(range(replicates))
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "seed": seed,
        "replicates": replicates,
        "seed_sequences": [{"replicate": r, "entropy": seed, "spawn_key": [r]} for r in indices],
        "packages": versions,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "git_commit": git_commit(),
        "wall_seconds": round(wall_seconds, 3),
    }


#: Keys that do not change what a job computes, left out of its config hash.
NOT_HASHED = ("print_summary", "debug_fail_job")


def results_yaml(cfg: Any) -> str:
    """The resolved config that determines a job's results, as YAML (the hash's input)."""
    from omegaconf import OmegaConf

    container = OmegaConf.to_container(cfg, resolve=True)
    if not isinstance(container, dict):
        raise TypeError(f"a config mapping, got {type(container).__name__}")
    for key in NOT_HASHED:
        container.pop(key, None)
    if (container.get("design") or {}).get("file") is None:
        container.pop("design", None)  # not a design job: the hash of before designs existed
    return OmegaConf.to_yaml(OmegaConf.create(container))


def is_complete(outdir: Path, resolved_yaml: str) -> bool:
    """True if ``outdir`` holds a finished job computed from exactly this config."""
    marker = outdir / COMPLETE_MARKER
    if not marker.is_file():
        return False
    try:
        stored = json.loads(marker.read_text())
    except (OSError, json.JSONDecodeError):
        return False
    return stored.get("config_sha256") == config_hash(resolved_yaml)


def write_error(outdir: Path, error: BaseException, overrides: list[str], tb: str) -> None:
    """Record a failed job: what was raised, where, and with which overrides."""
    outdir.mkdir(parents=True, exist_ok=True)
    write_json(
        {
            "exception": type(error).__name__,
            "message": str(error),
            "traceback": tb,
            "overrides": overrides,
        },
        outdir / ERROR_RECORD,
    )


def write_job(
    outdir: Path,
    summaries: list[dict[str, Any]],
    tables: dict[str, list[pa.Table]],
    prov: dict[str, Any],
    resolved_yaml: str,
) -> None:
    """Write every file of the contract into ``outdir``, the completion marker last."""
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / COMPLETE_MARKER).unlink(missing_ok=True)
    (outdir / ERROR_RECORD).unlink(missing_ok=True)
    write_parquet(summary_table(summaries), outdir / "summary.parquet")
    for name, parts in tables.items():
        write_parquet(pa.concat_tables(parts), outdir / f"{name}.parquet")
    write_json(prov, outdir / "provenance.json")
    write_json({"config_sha256": config_hash(resolved_yaml)}, outdir / COMPLETE_MARKER)
