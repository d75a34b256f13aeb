"""A catalog of a sweep: every job's summary rows with their overrides, queryable in SQL.

``python -m analysis.catalog <sweep_dir>`` (or :func:`build_catalog`) finds every job under the
sweep directory (a job is a directory with ``.hydra/overrides.yaml``), reads all
``summary.parquet`` files in one DuckDB query, and joins them with the jobs' overrides and
status. Jobs that failed, never finished or are damaged (a file missing, truncated or altered
since the job wrote it, or a marker or overrides file that cannot be read) appear as rows with
their status and the reason; they are never silently missing, and never stop the others from
being read. The result is also written to ``<sweep_dir>/catalog.duckdb`` with a
``summary`` table (every row) and a ``jobs`` table (one row per job).

Given a path that is no sweep (missing, a file, or a folder without a job) or a sweep folder it
cannot write, the command says so in one line ``error: sweep_dir: ...`` with exit status 2 and
writes nothing.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import duckdb
import pandas as pd
import yaml

from abm.cli import guarded
from abm.errors import ConfigError
from abm.results import ERROR_RECORD, job_state, temporary_name
from abm.study_config import OneLineParser, check_output_dir
from abm.weighting import load_weighting

CATALOG_FILE = "catalog.duckdb"


def _overrides(job_dir: Path) -> tuple[list[str] | None, str | None]:
    """A job's overrides from ``.hydra/overrides.yaml``, or None and why they cannot be read."""
    path = job_dir / ".hydra" / "overrides.yaml"
    try:
        overrides = yaml.safe_load(path.read_text()) or []
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        return None, f".hydra/overrides.yaml unreadable ({type(err).__name__})"
    if not isinstance(overrides, list) or not all(isinstance(o, str) for o in overrides):
        return None, ".hydra/overrides.yaml is not a list of overrides"
    return overrides, None


def _error(job_dir: Path) -> str:
    """What a failed job's ``error.json`` says it raised."""
    try:
        record = json.loads((job_dir / ERROR_RECORD).read_text())
        return f"{record.get('exception')}: {record.get('message')}"
    except (OSError, UnicodeDecodeError, ValueError, AttributeError) as err:
        return f"{ERROR_RECORD} unreadable ({type(err).__name__})"


def find_jobs(sweep_dir: Path) -> pd.DataFrame:
    """One row per job: its directory, overrides, status and error message.

    Status: ``complete`` (a marker, and every file it lists has its checksum:
    :func:`abm.results.job_state`), ``failed`` (an ``error.json``, even beside the marker of an
    earlier run), ``damaged`` (a marker, but a file is missing, truncated or altered, or the
    marker or the overrides cannot be read; ``error`` says which) or ``incomplete``. Each job is
    read on its own: one bad file never stops the others from being listed.
    """
    rows = []
    for overrides_file in sorted(sweep_dir.glob("**/.hydra/overrides.yaml")):
        job_dir = overrides_file.parent.parent
        overrides, error = _overrides(job_dir)
        if (job_dir / ERROR_RECORD).is_file():
            status, error = "failed", _error(job_dir)
        elif error is not None:
            status = "damaged"
        else:
            state, reason = job_state(job_dir)
            status = {"complete": "complete", "absent": "incomplete"}.get(state, "damaged")
            error = reason
        rows.append(
            {
                "job": str(job_dir.relative_to(sweep_dir)) if job_dir != sweep_dir else ".",
                "overrides": " ".join(overrides or []),
                "status": status,
                "error": error,
            }
        )
    return pd.DataFrame(rows, columns=["job", "overrides", "status", "error"])


def _read_summaries(con: duckdb.DuckDBPyConnection, files: list[str]) -> list[str]:
    """Load the summary files into the table ``rows`` in one query; if that fails (a file that
    verified but cannot be read after all), read them one by one and return the files that
    could not be read, so that only their jobs are lost."""
    query = (
        "CREATE OR REPLACE TABLE rows AS SELECT * FROM read_parquet(?, filename = true, "
        "union_by_name = true)"
    )
    try:
        con.execute(query, [files])
        return []
    except duckdb.Error:
        pass
    good, bad = [], []
    for f in files:
        try:
            con.execute("SELECT count(*) FROM read_parquet(?)", [f]).fetchall()
            good.append(f)
        except duckdb.Error:
            bad.append(f)
    if good:
        con.execute(query, [good])
    return bad


def build_catalog(sweep_dir: str | Path, write: bool = True) -> pd.DataFrame:
    """Every summary row of a sweep with its job's overrides and status.

    Args:
        sweep_dir: The sweep directory (``hydra.sweep.dir``), or a single job's directory.
        write: Also write ``<sweep_dir>/catalog.duckdb``.

    Returns:
        One row per replicate of every complete job, and one row per failed, damaged or
        incomplete job (metrics empty, ``status`` and ``error`` set). Only complete jobs'
        files are read, so every analysis built on the catalog skips the others.
    """
    sweep_dir = Path(sweep_dir)
    if not sweep_dir.is_dir():
        raise FileNotFoundError(f"no such sweep directory: {sweep_dir}")
    jobs = find_jobs(sweep_dir)
    con = duckdb.connect()
    try:
        files = {
            str(job_dir(sweep_dir, job) / "summary.parquet"): job
            for job in jobs.job[jobs.status == "complete"]
        }
        unreadable = _read_summaries(con, list(files)) if files else []
        for f in unreadable:
            at = jobs.job == files[f]
            jobs.loc[at, "status"] = "damaged"
            jobs.loc[at, "error"] = "summary.parquet unreadable"
        if len(files) > len(unreadable):
            con.register("jobs", jobs)
            base = str(sweep_dir) + os.sep
            summary = con.execute(
                """
                SELECT j.job, j.overrides, j.status, j.error, r.* EXCLUDE (filename)
                FROM rows r JOIN jobs j
                  ON regexp_replace(r.filename, '/summary.parquet$', '')
                     = CASE WHEN j.job = '.' THEN rtrim(?, '/')
                            ELSE ? || j.job END
                ORDER BY j.job, r.replicate
                """,
                [base, base],
            ).df()
        else:
            summary = pd.DataFrame(columns=["job", "overrides", "status", "error"])
        others = jobs[jobs.status != "complete"]
        summary = pd.concat([summary, others], ignore_index=True) if len(others) else summary
    finally:
        con.close()
    if write:
        write_catalog(sweep_dir / CATALOG_FILE, summary, jobs)
    return summary


def arm_rows(catalog: pd.DataFrame) -> pd.DataFrame:
    """The complete replicates of the arms of a study: design runs under it (rows of a
    sensitivity or lever-sample design, ``design_row`` set) are no replicates of an arm and
    would break the pairing of arms on common random numbers."""
    keep = catalog.status == "complete"
    if "design_row" in catalog.columns:
        keep &= catalog.design_row.isna()
    return catalog[keep].copy()


def job_dir(sweep_dir: Path, job: str) -> Path:
    """The directory of a catalog's job (``.`` is the sweep directory itself)."""
    return sweep_dir / job if job != "." else sweep_dir


def read_results(
    sweep_dir: str | Path, jobs: pd.DataFrame, name: str, columns: str = "*"
) -> pd.DataFrame:
    """The rows of one results file (``groups.parquet``, ``regions.parquet``...) of the given
    jobs in one DuckDB query, each row with its job's ``scenario`` and ``mitigation``.

    Args:
        jobs: Catalog rows with ``job``, ``scenario`` and ``mitigation`` (one per job).
        columns: The SQL column list to read.
    """
    sweep_dir = Path(sweep_dir)
    jobs = jobs.drop_duplicates("job")
    files = [str(job_dir(sweep_dir, job) / name) for job in jobs.job]
    arm = {f: (sc, m) for f, sc, m in zip(files, jobs.scenario, jobs.mitigation, strict=True)}
    select = columns if columns.strip() == "*" else f"{columns}, filename"
    con = duckdb.connect()
    try:
        frame = con.execute(
            f"SELECT {select} FROM read_parquet(?, filename = true, union_by_name = true)",
            [files],
        ).df()
    finally:
        con.close()
    frame["scenario"] = [arm[f][0] for f in frame.filename]
    frame["mitigation"] = [arm[f][1] for f in frame.filename]
    return frame.drop(columns="filename")


def write_catalog(path: Path, summary: pd.DataFrame, jobs: pd.DataFrame) -> None:
    """Write the ``summary`` and ``jobs`` tables to a DuckDB file (atomically)."""
    tmp = temporary_name(path)
    try:
        con = duckdb.connect(str(tmp))
        try:
            con.register("summary_df", summary)
            con.register("jobs_df", jobs)
            con.execute("CREATE TABLE summary AS SELECT * FROM summary_df")
            con.execute("CREATE TABLE jobs AS SELECT * FROM jobs_df")
        finally:
            con.close()
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _total_label(name: str) -> str:
    """``total_loss [weighting equal: person-hours]``, or the bare name of a weighting that is
    not shipped (a run's own YAML file)."""
    try:
        return f"total_loss [weighting {name}: {load_weighting(name).unit}]"
    except ValueError:
        return f"total_loss [weighting {name}]"


def check_sweep_dir(sweep_dir: Path, key: str = "sweep_dir") -> pd.DataFrame:
    """The jobs of a sweep folder a command reads and writes into, or :class:`ConfigError`
    naming ``key`` if it is no such folder: missing, a file, without a job (a catalog of it
    would be empty and say nothing), or not writable (``catalog.duckdb`` goes there)."""
    if not sweep_dir.exists():
        raise ConfigError(key, f"an existing sweep directory; {sweep_dir} does not exist")
    if not sweep_dir.is_dir():
        raise ConfigError(key, f"a sweep directory; {sweep_dir} is a file")
    jobs = find_jobs(sweep_dir)
    if jobs.empty:
        raise ConfigError(
            key,
            f"a sweep directory holding jobs (each with .hydra/overrides.yaml); {sweep_dir} "
            "holds none",
        )
    check_output_dir(key, sweep_dir)
    return jobs


def main(argv: list[str] | None = None) -> int:
    """Build the catalog of a sweep and print what it holds; one line and exit status 2 for
    bad input, with nothing written."""
    return guarded(lambda: _main(argv))


def _main(argv: list[str] | None) -> int:
    parser = OneLineParser(description=__doc__.splitlines()[0])
    parser.add_argument("sweep_dir", type=Path)
    args = parser.parse_args(argv)
    check_sweep_dir(args.sweep_dir)
    summary = build_catalog(args.sweep_dir)
    jobs = summary.drop_duplicates("job")
    counts = jobs.status.value_counts()
    print(f"{len(jobs)} jobs: " + ", ".join(f"{n} {s}" for s, n in counts.items()))
    print(
        f"{int((summary.status == 'complete').sum())} summary rows -> "
        f"{args.sweep_dir / CATALOG_FILE} (tables: summary, jobs)"
    )
    done = summary[summary.status == "complete"]
    if len(done):
        # total_loss as the jobs wrote it, under the weighting each recorded (named beside it)
        if "weighting" not in done:
            done = done.assign(weighting="equal")
        for name, rows in done.groupby("weighting"):
            label = _total_label(str(name))
            arm = ["scenario", "mitigation"]
            if "couplings" in rows and rows.couplings.nunique() > 1:
                arm.append("couplings")  # arms with couplings switched off (synergy sweeps)
            table = rows.groupby(arm)["total_loss"].agg(["count", "mean"])
            table.columns = ["replicates", f"mean {label}"]
            print("\n" + table.to_string(float_format=lambda v: f"{v:14,.1f}"))
    for row in jobs[jobs.status != "complete"].itertuples():
        print(f"{row.status}: {row.job}" + (f" ({row.error})" if row.error else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
