"""Per-replicate parts of a running job, and their merge into the job's files.

Why: a job used to hold every replicate's tables in memory and write them when it ended, so its
peak memory grew with its replicates (about 139 MiB per replicate on the municipality world) and
a job killed late lost every replicate it had run. Now each replicate's rows are written when the
replicate ends, into ``<outdir>/.staging/``; when every replicate is there, the job merges the
parts into its single files, one part in memory at a time.

Layout of ``<outdir>/.staging/``:

- ``key.json``: the job's resume key (:func:`abm.results.resume_key`): the parts were computed
  under it. Parts staged under another key (another config, seed, design, code or packages) are
  never merged: the staging is discarded and the job starts afresh.
- ``<unit>.<table>.parquet`` for each table of :data:`TABLES`, where ``<unit>`` is
  ``replicate-00002`` (or ``row-000007.replicate-00002`` in a design job);
- ``<unit>.done.json``, written last, with the SHA-256 of the unit's parts: a unit counts as
  staged only once it exists, so a replicate killed while its parts were being written is run
  again. Every file is written under a unique temporary name and renamed (atomic).

A resumed job runs only the units that are not staged; a done file or part that cannot be read
or does not match its checksum discards the whole staging (something outside the job touched it,
so none of it is trusted).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from abm.results import atomic_write, file_sha256, key_changes, write_json, write_parquet

STAGING_DIR = ".staging"
KEY_FILE = "key.json"
#: The tables of one replicate, in the order they are staged; each merges into ``<name>.parquet``.
TABLES = ("summary", "timeseries", "groups", "events", "regions")
#: The files a merge writes into the job directory.
MERGED_FILES = tuple(f"{name}.parquet" for name in TABLES)
#: Compression of the merged files (that of :func:`abm.results.write_parquet`).
COMPRESSION = "zstd"


@dataclass(frozen=True, order=True)
class Unit:
    """One replicate of a job: its design row (None outside a design) and replicate index."""

    design_row: int | None
    replicate: int

    @property
    def name(self) -> str:
        """The unit's file prefix in the staging folder."""
        rep = f"replicate-{self.replicate:05d}"
        return rep if self.design_row is None else f"row-{self.design_row:06d}.{rep}"


class Staging:
    """The staging folder of the job in ``outdir``, for the job's resume ``key``."""

    def __init__(self, outdir: Path, key: dict[str, Any]) -> None:
        self.outdir = outdir
        self.dir = outdir / STAGING_DIR
        self.key = key

    def open(self) -> tuple[set[str], str | None]:
        """Make the folder ready: keep what was staged under this key, discard anything else.

        Returns:
            The names of the units already staged (intact), and why an earlier staging was
            discarded (None if there was none or it was kept).
        """
        why = None
        if self.dir.exists():
            staged, why = self._staged()
            if why is None:
                return staged, None
            shutil.rmtree(self.dir)
        self.dir.mkdir(parents=True)
        write_json(self.key, self.dir / KEY_FILE)
        return set(), why

    def _staged(self) -> tuple[set[str], str | None]:
        """The intact units of an existing folder, or why the folder cannot be kept."""
        try:
            stored = json.loads((self.dir / KEY_FILE).read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            return set(), f"{KEY_FILE} unreadable ({type(err).__name__})"
        if not isinstance(stored, dict):
            return set(), f"{KEY_FILE} holds no key"
        changes = key_changes(stored, self.key)
        if changes:
            return set(), "changed: " + "; ".join(changes)
        staged = set()
        for done in sorted(self.dir.glob("*.done.json")):
            unit = done.name.removesuffix(".done.json")
            try:
                files = json.loads(done.read_text())["files"]
                for name, digest in files.items():
                    if file_sha256(self.dir / name) != digest:
                        return set(), f"{name} altered (checksum differs)"
            except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as err:
                return set(), f"{done.name} or its parts unreadable ({type(err).__name__})"
            if set(files) != {self._part(unit, t).name for t in TABLES}:
                return set(), f"{done.name} does not list the unit's {len(TABLES)} parts"
            staged.add(unit)
        return staged, None

    def _part(self, unit: str, table: str) -> Path:
        return self.dir / f"{unit}.{table}.parquet"

    def stage(self, unit: Unit, tables: dict[str, pa.Table]) -> None:
        """Write one unit's tables (one per name of :data:`TABLES`), then its done file."""
        files = {}
        for table in TABLES:
            path = self._part(unit.name, table)
            write_parquet(tables[table], path)
            files[path.name] = file_sha256(path)
        write_json({"files": files}, self.dir / f"{unit.name}.done.json")

    def merge(self, units: Sequence[Unit]) -> pa.Table:
        """Merge the parts of ``units``, in that order, into the job's files in ``outdir``.

        The summary (one row per unit) is concatenated in memory, promoting a column that is
        null in one row to its type in the others (what one table built from every row gives).
        The other tables are streamed through a Parquet writer, one part in memory at a time
        (a row group per unit): the merge's peak memory is one replicate's, not the job's.
        Every merged file is written under a unique temporary name and renamed.

        Returns:
            The summary table.
        """
        if not units:
            raise ValueError("a job with no replicates has nothing to merge")
        summary = pa.concat_tables(
            [pq.read_table(self._part(u.name, "summary")) for u in units],
            promote_options="default",
        )
        write_parquet(summary, self.outdir / "summary.parquet")
        for table in TABLES[1:]:
            self._stream(table, units)
        return summary

    def _stream(self, table: str, units: Sequence[Unit]) -> None:
        atomic_write(self.outdir / f"{table}.parquet", lambda tmp: self._write(tmp, table, units))

    def _write(self, path: Path, table: str, units: Sequence[Unit]) -> None:
        writer: pq.ParquetWriter | None = None
        try:
            for unit in units:
                part = pq.read_table(self._part(unit.name, table))
                if writer is None:
                    writer = pq.ParquetWriter(path, part.schema, compression=COMPRESSION)
                writer.write_table(part)
                del part
        finally:
            if writer is not None:
                writer.close()

    def remove(self) -> None:
        """Delete the staging folder (once the job's marker is written)."""
        shutil.rmtree(self.dir, ignore_errors=True)
