"""Sweeps that cannot lose or mix results: one owner per sweep directory, jobs of other code
redone or refused, damaged jobs isolated by the catalog and redone by a re-run."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from abm.results import COMPLETE_MARKER, code_version, file_sha256, read_marker
from abm.sweeps import (
    LOCK_FILE,
    SweepRefused,
    acquire_sweep_lock,
    record_owner,
    reusable_jobs,
    sweep_command,
)
from analysis import catalog as catalog_cli
from analysis.catalog import build_catalog

ROOT = Path(__file__).parents[1]
#: The source trees a sweep imports (the configs are read as a package, pkg://configs).
TREES = ("abm", "agents", "configs", "experiments", "analysis")
TINY = ("mitigation=none,combined", "replicates=1", "horizon_days=1")
NONE_JOB = "horizon_days=1,mitigation=none,replicates=1"
COMBINED_JOB = "horizon_days=1,mitigation=combined,replicates=1"


def run(cmd: list[str], cwd: Path | None = None, env: dict | None = None):
    return subprocess.run(
        cmd,
        cwd=cwd,
        env=None if env is None else {**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=600,
    )


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


def snapshot(directory: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``directory`` with its size and modification time."""
    return {
        str(p.relative_to(directory)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


@pytest.mark.slow
def test_a_second_sweep_into_a_directory_in_use_is_refused_and_the_first_keeps_it(tmp_path):
    """The issue's scenario: two sweeps with other seeds into one directory (whose job names
    leave the seed out) on two launchers. The second stops in one line with exit 2 while the
    first is under way (the owner it names is the first's pid), and writes nothing; the
    directory ends with the first sweep's seed in every job, all complete and readable."""
    out = tmp_path / "sweep"
    # The first is paused (SIGSTOP) as soon as it owns the directory and resumed once the second
    # has ended: it is under way when the second starts however fast the model, so two one-day
    # jobs do (a sweep long enough to outlast the second's start was racy).
    sweep = list(TINY)
    log = tmp_path / "first.err"
    with log.open("w") as err:
        first = subprocess.Popen(
            sweep_command([*sweep, "seed=0"], out), stdout=subprocess.DEVNULL, stderr=err
        )
    lock = out / ".sweep.lock"
    try:
        # the second starts as soon as the first owns the directory (its pid in the lock file)
        deadline = time.monotonic() + 300
        while first.poll() is None and not (
            lock.exists() and f'"pid": {first.pid}' in lock.read_text()
        ):
            assert time.monotonic() < deadline, "the first sweep took no lock"
            time.sleep(0.05)
        assert first.poll() is None, log.read_text()[-3000:]
        os.kill(first.pid, signal.SIGSTOP)
        _, status = os.waitpid(first.pid, os.WUNTRACED)  # returns once it has stopped
        assert os.WIFSTOPPED(status), "the first sweep ended before the second started"
        before = snapshot(out)
        second = run(sweep_command([*sweep, "seed=1"], out, launcher="joblib", n_jobs=2))
        assert snapshot(out) == before, second.stderr[-3000:]  # the refused one wrote nothing
        os.kill(first.pid, signal.SIGCONT)
        assert first.wait(timeout=600) == 0, log.read_text()[-3000:]
    finally:
        if first.poll() is None:
            first.kill()
    assert second.returncode == 2, second.stderr[-3000:]
    [line] = error_lines(second.stderr)
    assert line.startswith(f"error: {out} is in use by another sweep (pid {first.pid} on ")
    assert "sweep_wait=true" in line
    # nothing of the refused sweep: no job of it, no multirun.yaml of it
    written = [out / "multirun.yaml", *out.glob("*/.hydra/*.yaml")]
    assert not [p for p in written if "seed=1" in p.read_text()]
    catalog = build_catalog(out)
    assert catalog.job.nunique() == 2 and (catalog.status == "complete").all()
    assert set(catalog.seed) == {0}
    for f in out.glob("*/*.parquet"):
        pd.read_parquet(f)  # every file readable


@pytest.fixture(scope="module")
def old_code(tmp_path_factory) -> Path:
    """A copy of the project's source trees with one comment line added to abm/: another
    code version. Python imports it (PYTHONPATH and the working directory) ahead of the
    editable install, whose finder comes after the path entries."""
    root = tmp_path_factory.mktemp("old_code")
    for tree in TREES:
        shutil.copytree(ROOT / tree, root / tree)  # with __pycache__: no recompiling
    with (root / "abm" / "__init__.py").open("a") as f:
        f.write("# another version of the code\n")
    assert code_version(root) != code_version()
    where = run([sys.executable, "-c", "import abm; print(abm.__file__)"], cwd=root)
    assert Path(where.stdout.strip()) == root / "abm" / "__init__.py"
    return root


def old_env(old_code: Path) -> dict[str, str]:
    return {"PYTHONPATH": str(old_code)}


@pytest.fixture(scope="module")
def old_sweep(old_code, tmp_path_factory) -> Path:
    """Two complete jobs computed by the old code."""
    out = tmp_path_factory.mktemp("old_sweep")
    proc = run(sweep_command(TINY, out), cwd=old_code, env=old_env(old_code))
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


@pytest.mark.slow
def test_jobs_of_other_code_are_refused_in_one_line_or_redone(old_sweep, tmp_path):
    """After a change of code, a re-run with ``stale_jobs=refuse`` stops in one line naming the
    code and leaves the directory as it was; a re-run with the default redoes the jobs, whose
    markers then carry this code's version. (The re-run also shows ``sweep_wait=true``: it
    waits, having written nothing, while the directory is in use, then runs.)"""
    out = tmp_path / "sweep"
    shutil.copytree(old_sweep, out)
    before = snapshot(out)
    assert reusable_jobs(out) == (0, 2)
    refused = run(sweep_command([*TINY, "stale_jobs=refuse"], out, launcher="joblib"))
    assert refused.returncode == 2, refused.stderr[-3000:]
    [line] = error_lines(refused.stderr)
    assert line.startswith(f"error: 2 completed job(s) in {out} were computed by other code")
    assert "the code (abm/, agents/)" in line and "stale_jobs=redo" in line
    assert snapshot(out) == before
    # the default: redone, saying so before the jobs and for each job; this sweep finds the
    # directory in use (by this test) and, with sweep_wait=true, waits for it untouched
    shutil.rmtree(out / COMBINED_JOB)  # one job is enough to show it (and quicker)
    owner = acquire_sweep_lock(out)
    record_owner(owner)
    before = snapshot(out)
    log = tmp_path / "rerun.err"
    try:
        with log.open("w") as err:
            rerun = subprocess.Popen(
                sweep_command(
                    ["mitigation=none", "replicates=1", "horizon_days=1", "sweep_wait=true"], out
                ),
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
        deadline = time.monotonic() + 300
        while "waiting for it to end" not in log.read_text() and rerun.poll() is None:
            assert time.monotonic() < deadline, "the sweep neither waited nor ended"
            time.sleep(0.05)
        assert rerun.poll() is None and snapshot(out) == before  # waiting, nothing written
    finally:
        os.close(owner)
    assert rerun.wait(timeout=600) == 0, log.read_text()[-3000:]
    stderr = log.read_text()
    assert f"{out} is in use by another sweep (pid {os.getpid()} on " in stderr
    assert "1 completed job(s) were computed by other code or packages" in stderr
    assert "job 0 stale (changed: the code (abm/, agents/)), redone" in stderr
    assert "already complete, skipped" not in stderr
    marker = read_marker(out / NONE_JOB)
    assert marker is not None and marker["key"]["code"] == code_version()
    assert reusable_jobs(out) == (1, 1)
    assert (build_catalog(out).status == "complete").all()


def test_the_study_says_what_it_reuses_and_stops_when_its_sweep_is_refused(
    tmp_path, monkeypatch, capsys
):
    """The study counts the jobs it can reuse before its sweeps, and a sweep that does not
    start (exit 2, after its one-line message) stops the study with exit 2 before it reads
    anything (the sweep's own refusal is checked with real sweeps above). A second study into
    a directory in use stops in one line before it launches anything."""
    from experiments import study

    launched = []

    def refused(overrides, sweep_dir, **kwargs):
        launched.append(overrides)
        return subprocess.CompletedProcess([], 2)

    monkeypatch.setattr(study, "launch_sweep", refused)
    monkeypatch.setattr(study, "reusable_jobs", lambda root: (15, 28))
    out = tmp_path / "study"
    out.mkdir()
    assert study.main(["--out", str(out), "replicates=1"]) == 2
    printed = capsys.readouterr()
    assert printed.out.startswith(
        f"Reusing 15 of the 28 jobs already in {out}: complete, intact and computed by the same "
        "code and packages"
    )
    assert len(launched) == 1 and printed.err == ""
    # one study per directory, over all its sweeps
    owner = acquire_sweep_lock(out, name=study.STUDY_LOCK, user="study")
    try:
        assert study.main(["--out", str(out), "replicates=1"]) == 2
    finally:
        os.close(owner)
    printed = capsys.readouterr()
    assert printed.err.startswith(f"error: {out} is in use by another study (")
    assert len(printed.err.splitlines()) == 1 and len(launched) == 1


@pytest.mark.slow
def test_a_truncated_file_is_a_damaged_job_the_catalog_lists_and_a_rerun_redoes(
    old_code, old_sweep, tmp_path, capsys
):
    """One job's summary.parquet cut in half: the catalog exits 0, names that job damaged
    with the reason and keeps the other job's rows; the re-run (same code) redoes only it."""
    out = tmp_path / "sweep"
    shutil.copytree(old_sweep, out)
    summary = out / NONE_JOB / "summary.parquet"
    summary.write_bytes(summary.read_bytes()[: summary.stat().st_size // 2])
    assert catalog_cli.main([str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"damaged: {NONE_JOB} (summary.parquet altered or truncated" in printed
    catalog = build_catalog(out)
    rows = catalog[catalog.status == "complete"]
    assert list(rows.job) == [COMBINED_JOB] and list(rows.mitigation) == ["combined"]
    assert list(catalog[catalog.status == "damaged"].job) == [NONE_JOB]
    proc = run(sweep_command(TINY, out), cwd=old_code, env=old_env(old_code))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stderr.count("damaged (summary.parquet altered or truncated") == 1
    assert proc.stderr.count("already complete, skipped") == 1
    assert "finished: 2 of 2 jobs complete, 0 failed" in proc.stderr
    catalog = build_catalog(out)
    assert (catalog.status == "complete").all() and len(catalog) == 2


@pytest.mark.slow
def test_a_bad_error_record_or_overrides_file_costs_only_its_job(old_sweep, tmp_path):
    """An unreadable error.json makes its job failed with the reason, a malformed
    .hydra/overrides.yaml makes its job damaged; the catalog goes on with the other job."""
    out = tmp_path / "sweep"
    shutil.copytree(old_sweep, out)
    (out / NONE_JOB / "error.json").write_text('{"exception": "Val')
    catalog = build_catalog(out)
    failed = catalog[catalog.status == "failed"]
    assert list(failed.job) == [NONE_JOB]
    assert failed.error.iloc[0] == "error.json unreadable (JSONDecodeError)"
    assert list(catalog[catalog.status == "complete"].mitigation) == ["combined"]

    (out / NONE_JOB / "error.json").unlink()
    (out / NONE_JOB / ".hydra" / "overrides.yaml").write_text("- mitigation=none\n- [unclosed\n")
    (out / COMBINED_JOB / ".hydra" / "overrides.yaml").write_text("{a: 1}\n")
    catalog = build_catalog(out)
    assert (catalog.status == "damaged").all() and catalog.job.nunique() == 2
    reasons = dict(zip(catalog.job, catalog.error, strict=True))
    assert reasons[NONE_JOB] == ".hydra/overrides.yaml unreadable (ParserError)"
    assert reasons[COMBINED_JOB] == ".hydra/overrides.yaml is not a list of overrides"


@pytest.mark.slow
def test_a_summary_unreadable_despite_its_checksum_costs_only_its_job(old_sweep, tmp_path):
    """A job that wrote a bad file under a valid marker (its checksum matches): the one query
    over all summaries fails, so the catalog reads them one by one and marks only that job."""
    out = tmp_path / "sweep"
    shutil.copytree(old_sweep, out)
    (out / NONE_JOB / "summary.parquet").write_bytes(b"PAR1 not a parquet file PAR1")
    marker = json.loads((out / NONE_JOB / COMPLETE_MARKER).read_text())
    marker["files"]["summary.parquet"] = file_sha256(out / NONE_JOB / "summary.parquet")
    (out / NONE_JOB / COMPLETE_MARKER).write_text(json.dumps(marker))
    catalog = build_catalog(out)
    damaged = catalog[catalog.status == "damaged"]
    assert list(damaged.job) == [NONE_JOB] and list(damaged.error) == ["summary.parquet unreadable"]
    assert list(catalog[catalog.status == "complete"].mitigation) == ["combined"]


def test_a_lock_file_names_its_owner(tmp_path):
    """What a refused sweep prints comes from the owner's record in the lock file."""
    fd = acquire_sweep_lock(tmp_path)
    try:
        record_owner(fd)
        owner = json.loads((tmp_path / LOCK_FILE).read_text())
        assert owner["pid"] == os.getpid() and owner["command"]
        with pytest.raises(SweepRefused, match=f"in use by another sweep \\(pid {os.getpid()} "):
            acquire_sweep_lock(tmp_path)
    finally:
        os.close(fd)
    os.close(acquire_sweep_lock(tmp_path))  # free again once closed


def test_a_design_driver_stops_with_exit_2_when_its_sweep_is_refused(monkeypatch, tmp_path):
    """The sensitivity and optimisation drivers run their designs as sweeps: a refused sweep
    (it has said why in one line) ends the driver with exit status 2, before it reads a
    directory that another sweep owns."""
    from abm import designs
    from abm.study_config import SENSITIVITY, study_main
    from abm.sweeps import REFUSED, SweepRefused

    refused = subprocess.CompletedProcess([], REFUSED)
    monkeypatch.setattr(designs, "launch_sweep", lambda *a, **k: refused)
    with pytest.raises(SweepRefused):
        designs.run_design(tmp_path, 4, 2, [], [])

    def execute(plan):
        designs.run_design(tmp_path, 4, 2, [], [])
        raise AssertionError("not reached: the refusal stops the driver")

    assert study_main(SENSITIVITY, [], lambda *a: None, execute) == 2
