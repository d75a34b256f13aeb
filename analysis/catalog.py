"""A catalog of a sweep: every job's summary rows with their overrides, queryable in SQL.

``python -m analysis.catalog <sweep_dir>`` (or :func:`build_catalog`) finds every job under the
sweep directory (a job is a directory with ``.hydra/overrides.yaml``), reads all
``summary.parquet`` files in one DuckDB query, and joins them with the jobs' overrides and
status. Jobs that failed or never finished appear as rows with their status and error; they are
never silently missing. The result is also written to ``<sweep_dir>/catalog.duckdb`` with a
``summary`` table (every row) and a ``jobs`` table (one row per job).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import duckdb
import pandas as pd
import yaml

from abm.results import COMPLETE_MARKER, ERROR_RECORD, temporary_name
from abm.weighting import load_weighting

CATALOG_FILE = "catalog.duckdb"


def find_jobs(sweep_dir: Path) -> pd.DataFrame:
    """One row per job: its directory, overrides, status and error message."""
    rows = []
    for overrides_file in sorted(sweep_dir.glob("**/.hydra/overrides.yaml")):
        job_dir = overrides_file.parent.parent
        overrides = yaml.safe_load(overrides_file.read_text()) or []
        error = None
        if (job_dir / COMPLETE_MARKER).is_file():
            status = "complete"
        elif (job_dir / ERROR_RECORD).is_file():
            status = "failed"
            record = json.loads((job_dir / ERROR_RECORD).read_text())
            error = f"{record.get('exception')}: {record.get('message')}"
        else:
            status = "incomplete"
        rows.append(
            {
                "job": str(job_dir.relative_to(sweep_dir)) if job_dir != sweep_dir else ".",
                "overrides": " ".join(overrides),
                "status": status,
                "error": error,
            }
        )
    return pd.DataFrame(rows, columns=["job", "overrides", "status", "error"])


def build_catalog(sweep_dir: str | Path, write: bool = True) -> pd.DataFrame:
    """Every summary row of a sweep with its job's overrides and status.

    Args:
        sweep_dir: The sweep directory (``hydra.sweep.dir``), or a single job's directory.
        write: Also write ``<sweep_dir>/catalog.duckdb``.

    Returns:
        One row per replicate of every complete job, and one row per failed or incomplete job
        (metrics empty, ``status`` and ``error`` set).
    """
    sweep_dir = Path(sweep_dir)
    if not sweep_dir.is_dir():
        raise FileNotFoundError(f"no such sweep directory: {sweep_dir}")
    jobs = find_jobs(sweep_dir)
    complete = jobs[jobs.status == "complete"]
    con = duckdb.connect()
    try:
        con.register("jobs", jobs)
        if len(complete):
            files = [str(sweep_dir / job / "summary.parquet") for job in complete.job]
            con.execute(
                "CREATE TABLE rows AS SELECT * FROM read_parquet(?, filename = true, "
                "union_by_name = true)",
                [files],
            )
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


def main(argv: list[str] | None = None) -> int:
    """Build the catalog of a sweep and print what it holds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sweep_dir", type=Path)
    args = parser.parse_args(argv)
    try:
        summary = build_catalog(args.sweep_dir)
    except FileNotFoundError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
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
