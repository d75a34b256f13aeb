"""The results contract (DESIGN.md section 8): what one job writes, and how.

Tables are built from arrays straight into Arrow (no pandas index metadata), so the same inputs
give byte-identical Parquet files. Each file is written under a temporary name and renamed; the
completion marker is written last, so a killed job never leaves a directory that looks complete.

The marker holds the job's *resume key* (:func:`resume_key`: everything that decides its results:
the resolved config and its seed, the code's version, the versions of the packages that compute,
the Python version) and the SHA-256 of every file the job wrote. A job is complete
(:func:`job_state`) only if its marker is readable, its key equals the key of the job about to
run, and every file it lists is there with the checksum it had when written: a truncated,
missing or altered file, or a change of code or packages, makes the job run again instead of
being kept with old numbers.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import sys
import uuid
from collections.abc import Callable, Sequence
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
#: The packages whose versions decide a job's numbers (the project's own code is covered by
#: :func:`code_version`, which also sees changes that are not committed or released).
COMPUTING_PACKAGES = PACKAGES[1:]
#: The source trees that compute a job's results: the model and its agents, with their data
#: files. The configs are not hashed as files: what a job reads of them is its resolved config.
CODE_DIRS = ("abm", "agents")


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


def atomic_write(path: Path, write: Callable[[Path], Any]) -> None:
    """Write ``path`` through ``write(tmp)`` into a unique temporary name, then rename it into
    place: a reader never sees a half-written file, and a failed write leaves none behind."""
    tmp = temporary_name(path)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_parquet(table: pa.Table, path: Path) -> None:
    """Write one table atomically, compressed, with no timestamps in it."""
    atomic_write(path, lambda tmp: pq.write_table(table, tmp, compression="zstd"))


def write_json(obj: Any, path: Path) -> None:
    atomic_write(path, lambda tmp: tmp.write_text(json.dumps(obj, indent=2, sort_keys=True)))


def config_hash(resolved_yaml: str) -> str:
    """SHA-256 of the resolved config: what a completed directory was computed from."""
    return hashlib.sha256(resolved_yaml.encode()).hexdigest()


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, read in blocks (a timeseries file can be large)."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def code_version(root: Path | None = None) -> str:
    """SHA-256 over the files of :data:`CODE_DIRS` (names and bytes, in sorted order).

    Why not the git commit: a job computed from a working tree with uncommitted changes, or
    from an installed copy without git, must still be told apart from one computed by other
    code. Hashing about 1 MB of source takes a few milliseconds, once per job.

    Args:
        root: The project root (the directory holding ``abm/``); this package's by default.
    """
    root = Path(__file__).parents[1] if root is None else root
    h = hashlib.sha256()
    for name in CODE_DIRS:
        for path in sorted((root / name).rglob("*")):
            if not path.is_file() or "__pycache__" in path.parts or path.suffix == ".pyc":
                continue
            h.update(path.relative_to(root).as_posix().encode() + b"\0")
            h.update(path.read_bytes() + b"\0")
    return h.hexdigest()


def package_versions(names: Sequence[str] = PACKAGES) -> dict[str, str | None]:
    """Installed versions of ``names`` (None for one that is not installed)."""
    versions: dict[str, str | None] = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def resume_key(resolved_yaml: str, design_file: str | os.PathLike[str] | None = None) -> dict:
    """Everything that decides a job's results: its resolved config (with its seed), the
    content of its design file (a design job's rows are read from it, not from the config), the
    code's version, the computing packages' versions and the Python version. Two jobs with the
    same key compute the same numbers; a completed job is kept on resume only under the same
    key."""
    key: dict[str, Any] = {
        "config_sha256": config_hash(resolved_yaml),
        "code": code_version(),
        "packages": package_versions(COMPUTING_PACKAGES),
        "python": sys.version.split()[0],
    }
    if design_file is not None:
        path = Path(design_file)
        key["design_sha256"] = file_sha256(path) if path.is_file() else None
    return key


#: What each part of the resume key is called when one differs.
KEY_PARTS = {
    "config_sha256": "the resolved config",
    "design_sha256": "the design file",
    "code": "the code (abm/, agents/)",
    "packages": "the package versions",
    "python": "the Python version",
}


def key_changes(stored: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """The parts of two resume keys that differ, named for a message (empty if equal)."""
    changed = []
    for part, label in KEY_PARTS.items():
        if stored.get(part) == current.get(part):
            continue
        if part == "packages":
            old, new = stored.get(part) or {}, current.get(part) or {}
            moved = [
                f"{n} {old.get(n)} -> {new.get(n)}"
                for n in sorted(set(old) | set(new))
                if old.get(n) != new.get(n)
            ]
            changed.append(f"{label} ({', '.join(moved)})")
        else:
            changed.append(label)
    return changed


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
        wall_seconds: The job's run time in this process: for a job resumed after a kill,
            this run's only (the replicates staged before it are not counted).
        ran: The replicate indices the job ran, when not ``0 .. replicates - 1`` (a design
            whose row j runs replicate j only).
    """
    indices = sorted(set(ran)) if ran is not None else list(range(replicates))
    versions = package_versions()
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


def block_range(replicates: int, blocks: int, block: int) -> range:
    """Block ``block`` of ``blocks`` near-equal contiguous blocks of ``range(replicates)``: the
    replicates a job of a replicate block runs (``replicate_blocks``, ``replicate_block``)."""
    return range(block * replicates // blocks, (block + 1) * replicates // blocks)


#: Keys that do not change what a job computes, left out of its config hash.
NOT_HASHED = ("print_summary", "debug_fail_job", "sweep_wait", "stale_jobs", "allow_large")


def results_yaml(cfg: Any) -> str:
    """The resolved config that determines a job's results, as YAML (the hash's input).

    The text is ``OmegaConf.to_yaml`` of the container, written by OmegaConf's own YAML dumper
    straight from the plain container: building a config from it again only to print it cost
    most of a job's overhead outside its replicates (the text is the same, byte for byte).
    """
    import yaml
    from omegaconf import OmegaConf
    from omegaconf._utils import get_omega_conf_dumper

    container = OmegaConf.to_container(cfg, resolve=True, enum_to_str=True)
    if not isinstance(container, dict):
        raise TypeError(f"a config mapping, got {type(container).__name__}")
    for key in NOT_HASHED:
        container.pop(key, None)
    if (container.get("design") or {}).get("file") is None:
        container.pop("design", None)  # not a design job: the hash of before designs existed
    if container.get("replicate_blocks", 1) == 1:  # one job: the hash of before blocks existed
        container.pop("replicate_blocks", None)
        container.pop("replicate_block", None)
    return yaml.dump(  # what OmegaConf.to_yaml does with a container
        container,
        default_flow_style=False,
        allow_unicode=True,
        sort_keys=False,
        Dumper=get_omega_conf_dumper(),
    )


def read_marker(outdir: Path) -> dict[str, Any] | None:
    """The completion marker of ``outdir``: None if there is none, ``{"damaged": reason}`` if
    it cannot be read as a marker."""
    marker = outdir / COMPLETE_MARKER
    if not marker.is_file():
        return None
    try:
        stored = json.loads(marker.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        return {"damaged": f"{COMPLETE_MARKER} unreadable ({type(err).__name__})"}
    if not isinstance(stored, dict) or not isinstance(stored.get("files"), dict):
        return {"damaged": f"{COMPLETE_MARKER} lists no files (written by an older version)"}
    return stored


def verify_files(outdir: Path, marker: dict[str, Any]) -> str | None:
    """Why the files a marker lists are not as written (missing, or another checksum), or
    None if they all are."""
    for name, digest in sorted(marker["files"].items()):
        path = outdir / name
        if not path.is_file():
            return f"{name} missing"
        if file_sha256(path) != digest:
            return f"{name} altered or truncated (checksum differs from the marker's)"
    return None


def job_state(outdir: Path, key: dict[str, Any] | None = None) -> tuple[str, str | None]:
    """The state of the job in ``outdir`` and why: ``("complete", None)``, ``("absent",
    None)`` (no marker), ``("damaged", reason)`` (a marker, but a file is missing, altered or
    unreadable) or ``("stale", what changed)`` (complete, but under another resume key).

    Args:
        key: The resume key of the job about to run (:func:`resume_key`); None checks the
            files only (what the catalog does: it does not know the config a job would run).
    """
    marker = read_marker(outdir)
    if marker is None:
        return "absent", None
    if "damaged" in marker:
        return "damaged", str(marker["damaged"])
    reason = verify_files(outdir, marker)
    if reason is not None:
        return "damaged", reason
    if key is not None:
        changes = key_changes(marker.get("key") or {}, key)
        if changes:
            return "stale", "changed: " + "; ".join(changes)
    return "complete", None


def is_complete(outdir: Path, resolved_yaml: str, design_file: str | None = None) -> bool:
    """True if ``outdir`` holds a finished, intact job computed under this config's resume
    key (:func:`job_state`)."""
    return job_state(outdir, resume_key(resolved_yaml, design_file))[0] == "complete"


def write_marker(
    outdir: Path,
    resolved_yaml: str,
    files: Sequence[str],
    design_file: str | os.PathLike[str] | None = None,
) -> None:
    """Write the completion marker last: the resume key and the checksum of each of
    ``files`` (names in ``outdir``), as they are now on disk."""
    write_json(
        {
            "config_sha256": config_hash(resolved_yaml),
            "key": resume_key(resolved_yaml, design_file),
            "files": {name: file_sha256(outdir / name) for name in sorted(files)},
        },
        outdir / COMPLETE_MARKER,
    )


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
