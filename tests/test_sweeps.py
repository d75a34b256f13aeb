"""Sweeps: presets, parallel and cluster launchers, catalog, failures, resume, reproduce."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from abm.results import temporary_name, write_json
from abm.sweeps import launch_sweep, sweep_command
from analysis.catalog import build_catalog

pytestmark = pytest.mark.slow

CONFIGS = Path(__file__).parents[1] / "configs"
MITIGATIONS = sorted(p.stem for p in (CONFIGS / "mitigation").glob("*.yaml"))


def sweep(
    sweep_dir: Path,
    *overrides: str,
    check: bool = True,
    launcher: str | None = None,
    n_jobs: int | None = None,
) -> subprocess.CompletedProcess:
    proc = launch_sweep(
        overrides,
        sweep_dir,
        launcher=launcher,
        n_jobs=n_jobs,
        check=False,
        capture=True,
        timeout=600,
    )
    if check:
        assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def losses(catalog: pd.DataFrame) -> pd.DataFrame:
    cols = [c for c in catalog if c.startswith("loss_")] + ["total_loss"]
    return catalog.sort_values(["scenario", "mitigation", "replicate"]).set_index(
        ["scenario", "mitigation", "replicate"]
    )[cols]


# The comparison against a scenario other than its default (most_likely_enemy, which the failure
# and resume sweeps below run): one sweep shows both that it runs and that it takes a scenario.
COMPARISON = ("+experiment=mitigation_comparison", "size=smoke", "scenario=cyber_only")


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    out = tmp_path_factory.mktemp("serial")
    sweep(out, *COMPARISON)
    return out


def test_mitigation_comparison_with_joblib_equals_the_serial_run(serial, tmp_path):
    proc = sweep(tmp_path, *COMPARISON, launcher="joblib", n_jobs=2)
    n = len(MITIGATIONS)
    assert f"{n}/{n} jobs done" in proc.stderr  # progress on the terminal
    catalog = build_catalog(tmp_path)
    assert (tmp_path / "catalog.duckdb").is_file()
    assert len(catalog) == len(MITIGATIONS) * 2
    assert sorted(catalog.mitigation.unique()) == sorted(MITIGATIONS)
    assert (catalog.status == "complete").all()
    assert catalog.overrides.str.contains("mitigation=").all()
    pd.testing.assert_frame_equal(losses(catalog), losses(build_catalog(serial)))


def test_the_catalog_answers_sql(serial):
    import duckdb

    build_catalog(serial)
    con = duckdb.connect(str(serial / "catalog.duckdb"), read_only=True)
    rows = con.execute("SELECT mitigation, count(*) FROM summary GROUP BY 1").fetchall()
    con.close()
    assert dict(rows) == dict.fromkeys(MITIGATIONS, 2)


# Four arms of the comparison (the command line's list replaces the preset's), the third failing:
# a failure among others needs completed jobs before and after it, and one to skip on the rerun.
FAIL_ARMS = ("none", "hardening", "backup_power", "cyber_hygiene")


def test_a_failed_job_leaves_the_others_and_an_error_record(tmp_path):
    arms = f"mitigation={','.join(FAIL_ARMS)}"
    proc = sweep(
        tmp_path,
        "+experiment=mitigation_comparison",
        "size=smoke",
        arms,
        "debug_fail_job=2",
        check=False,
    )
    assert proc.returncode != 0
    assert "1 job(s) failed" in proc.stderr
    failed = tmp_path / "mitigation=backup_power"
    assert (failed / "error.json").is_file() and not (failed / "summary.parquet").exists()
    jobs = {p.name for p in tmp_path.iterdir() if p.is_dir()}
    assert jobs == {f"mitigation={arm}" for arm in FAIL_ARMS}  # the command line's arms only
    catalog = build_catalog(tmp_path)
    assert (catalog.status == "complete").sum() == (len(FAIL_ARMS) - 1) * 2
    row = catalog[catalog.status == "failed"]
    assert len(row) == 1 and "DebugFailure" in row.error.iloc[0]
    # fixed and re-run: only the failed job runs again
    proc = sweep(tmp_path, "+experiment=mitigation_comparison", "size=smoke", arms)
    assert proc.stderr.count("already complete, skipped") == len(FAIL_ARMS) - 1
    assert (build_catalog(tmp_path).status == "complete").all()


# Six arms: the kill lands after three have completed with three still to run, so the rerun
# both skips completed jobs and finishes the others (a job of 2 x 20 days takes seconds).
KILL_ARMS = MITIGATIONS[:6]


def test_a_killed_sweep_resumes_without_redoing_completed_jobs(tmp_path):
    cmd = sweep_command(
        [
            "+experiment=mitigation_comparison",
            f"mitigation={','.join(KILL_ARMS)}",
            "replicates=2",
            "horizon_days=20",
        ],
        tmp_path,
    )
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.time() + 300
    while len(list(tmp_path.glob("*/_COMPLETE.json"))) < 3 and time.time() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = {p.parent.name for p in tmp_path.glob("*/_COMPLETE.json")}
    assert 3 <= len(done_before) < len(KILL_ARMS)
    stamps = {d: (tmp_path / d / "summary.parquet").stat().st_mtime_ns for d in done_before}
    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert rerun.stderr.count("already complete, skipped") == len(done_before)
    for d, stamp in stamps.items():
        assert (tmp_path / d / "summary.parquet").stat().st_mtime_ns == stamp
    catalog = build_catalog(tmp_path)
    assert (catalog.status == "complete").all() and len(catalog) == len(KILL_ARMS) * 2
    assert sorted(catalog.mitigation.unique()) == sorted(KILL_ARMS)
    for f in tmp_path.glob("*/*.parquet"):
        pd.read_parquet(f)  # no corrupt file


def test_reproduce_reports_identical_then_names_an_altered_file(serial, tmp_path):
    job = serial / "mitigation=prebunking,scenario=cyber_only"
    proc = subprocess.run(
        [sys.executable, "-m", "experiments.reproduce", str(job)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout
    assert "reproduced: identical" in proc.stdout
    copy = tmp_path / "job"
    subprocess.run(["cp", "-r", str(job), str(copy)], check=True)
    frame = pd.read_parquet(copy / "summary.parquet")
    frame.loc[0, "total_loss"] += 1.0
    frame.to_parquet(copy / "summary.parquet")
    proc = subprocess.run(
        [sys.executable, "-m", "experiments.reproduce", str(copy)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 1
    lines = {line.split()[0]: line for line in proc.stdout.splitlines() if line.strip()}
    assert "DIFFERS" in lines["summary.parquet"]
    assert "identical" in lines["timeseries.parquet"]


SMALL = ("mitigation=none,combined", "replicates=1", "horizon_days=3")


@pytest.fixture(scope="module")
def small_serial(tmp_path_factory):
    out = tmp_path_factory.mktemp("small")
    sweep(out, *SMALL)
    return losses(build_catalog(out))


def test_submitit_local_sweep_equals_the_serial_run(small_serial, tmp_path):
    sweep(tmp_path, *SMALL, launcher="submitit_local")
    pd.testing.assert_frame_equal(losses(build_catalog(tmp_path)), small_serial)


def test_local_ray_sweep_equals_the_serial_run(small_serial, tmp_path):
    sweep(tmp_path, *SMALL, launcher="ray_local")
    pd.testing.assert_frame_equal(losses(build_catalog(tmp_path)), small_serial)


def test_every_preset_runs_at_smoke_size(tmp_path):
    # the synergy preset under one couplings option (all six options make 24 jobs); the scenario
    # matrix's eight scenarios under two of its four mitigations (16 of 32 jobs: every mitigation
    # runs in the comparison above, and two keep both of its keys swept)
    for preset, n_jobs, extra in (
        ("synergy", 4, ("couplings=all",)),
        ("scenario_matrix", 16, ("mitigation=none,combined",)),
    ):
        out = tmp_path / preset
        sweep(out, f"+experiment={preset}", "size=smoke", *extra, launcher="joblib", n_jobs=2)
        catalog = build_catalog(out)
        assert catalog.job.nunique() == n_jobs and (catalog.status == "complete").all()
        assert len(catalog) == 2 * n_jobs
    synergy = build_catalog(tmp_path / "synergy")
    assert set(synergy.scenario) == {
        "hybrid_campaign",
        "sabotage_only",
        "cyber_only",
        "disinformation_only",
    }
    assert synergy.seed.nunique() == 1  # common random numbers
    matrix = build_catalog(tmp_path / "scenario_matrix")
    assert set(matrix.scenario) == {  # the preset's own scenarios, all of them
        "peacetime",
        "grid_shock",
        "coastal_storm",
        "narrative_only",
        "hybrid_campaign",
        "sabotage_only",
        "cyber_only",
        "disinformation_only",
    }
    assert set(matrix.mitigation) == {"none", "combined"}


def test_mitigation_comparison_takes_a_scenario(serial):
    catalog = build_catalog(serial)
    assert set(catalog.scenario) == {"cyber_only"} and catalog.job.nunique() == len(MITIGATIONS)


def test_writers_of_one_file_never_share_a_temporary_name_and_leave_none_behind(tmp_path):
    """Two sweeps into one directory write the same files: each write goes through its own
    temporary name, so one cannot rename the other's half-written file into place; a write
    that fails leaves no temporary file."""
    target = tmp_path / "summary.json"
    names = {temporary_name(target) for _ in range(100)}
    assert len(names) == 100 and all(n.parent == tmp_path for n in names)
    write_json({"a": 1}, target)
    with pytest.raises(TypeError):
        write_json({"a": object()}, target)  # not serialisable: the write fails
    assert target.read_text() == '{\n  "a": 1\n}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.json"]
