"""Streamed replicates (abm/staging.py): each replicate is staged when it ends, a killed job
keeps its finished replicates, resume runs only the missing ones and merges the same bytes as an
uninterrupted job, and staging under another key is never merged."""

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import abm.job as job
from abm import HybridThreatModel, load_config
from abm.results import job_state, resume_key
from abm.staging import MERGED_FILES, STAGING_DIR

RESOLVED = "scenario: hybrid_campaign\nhorizon_days: 1\nreplicates: 3\n"


class Killed(RuntimeError):
    """Stands for the job being killed while a replicate runs."""


@pytest.fixture(scope="module")
def cfg():
    return load_config("hybrid_campaign", horizon_days=1, replicates=3)


@pytest.fixture(scope="module")
def uninterrupted(cfg, tmp_path_factory):
    """A job run in one go: the reference every resumed job must equal byte for byte."""
    outdir = tmp_path_factory.mktemp("uninterrupted")
    job.run_job(cfg, outdir, RESOLVED)
    return outdir


def record_runs(monkeypatch, kill_at: int | None = None) -> list[int]:
    """The replicates the job runs from now on, in order; with ``kill_at``, the job dies when
    that replicate starts running, after the earlier ones were staged."""
    ran: list[int] = []

    class Recorded(HybridThreatModel):
        def run_model(self) -> None:
            if kill_at is not None and self.replicate >= kill_at:
                raise Killed(f"killed at replicate {self.replicate}")
            ran.append(self.replicate)
            super().run_model()

    monkeypatch.setattr(job, "HybridThreatModel", Recorded)
    return ran


def kill_after(cfg, outdir: Path, k: int, resolved: str = RESOLVED) -> None:
    """Run the job until it dies at replicate ``k``, leaving replicates 0 .. k-1 staged."""
    with pytest.MonkeyPatch.context() as mp:
        record_runs(mp, kill_at=k)
        with pytest.raises(Killed):
            job.run_job(cfg, outdir, resolved)


#: A job that stops in replicate 2 until it is killed, so the kill comes after replicates 0 and 1
#: are staged and never races with their writing.
STUCK_JOB = """
import sys, time
from pathlib import Path
import abm.job as job
from abm import HybridThreatModel, load_config
class Stuck(HybridThreatModel):
    def run_model(self):
        if self.replicate >= 2:
            time.sleep(600)
        super().run_model()
job.HybridThreatModel = Stuck
cfg = load_config("hybrid_campaign", horizon_days=1, replicates=3)
job.run_job(cfg, Path(sys.argv[1]), sys.argv[2])
"""


def test_a_job_killed_after_two_replicates_resumes_with_the_third_alone(
    cfg, uninterrupted, tmp_path, monkeypatch, capsys
):
    staging = tmp_path / STAGING_DIR
    proc = subprocess.Popen([sys.executable, "-c", STUCK_JOB, str(tmp_path), RESOLVED])
    try:
        deadline = time.monotonic() + 300  # a guard against a hang, not a timing assertion
        while len(list(staging.glob("*.done.json"))) < 2 and proc.poll() is None:
            assert time.monotonic() < deadline, "the job never staged two replicates"
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert sorted(p.name for p in staging.glob("*.done.json")) == [
        "replicate-00000.done.json",
        "replicate-00001.done.json",
    ]
    assert job_state(tmp_path)[0] == "absent"  # no marker: the job does not look complete

    ran = record_runs(monkeypatch)
    job.run_job(cfg, tmp_path, RESOLVED)
    assert ran == [2]
    assert "resumed: 2 of 3 replicates were staged, 1 run" in capsys.readouterr().err
    for name in MERGED_FILES:
        assert (tmp_path / name).read_bytes() == (uninterrupted / name).read_bytes(), name
    assert not staging.exists()


def test_a_replicate_killed_while_it_was_being_staged_runs_again(
    cfg, uninterrupted, tmp_path, monkeypatch, capsys
):
    kill_after(cfg, tmp_path, 2)
    staging = tmp_path / STAGING_DIR
    # Killed between replicate 1's parts and its done file, with a write left half done:
    (staging / "replicate-00001.done.json").unlink()
    (staging / ".replicate-00001.events.parquet.123.abc.tmp").write_bytes(b"half")

    ran = record_runs(monkeypatch)
    job.run_job(cfg, tmp_path, RESOLVED)
    assert ran == [1, 2]
    assert "resumed: 1 of 3 replicates were staged, 2 run" in capsys.readouterr().err
    for name in MERGED_FILES:
        assert (tmp_path / name).read_bytes() == (uninterrupted / name).read_bytes(), name


def test_staging_under_another_key_or_with_an_altered_part_is_discarded(
    cfg, uninterrupted, tmp_path, monkeypatch, capsys
):
    kill_after(cfg, tmp_path, 1, resolved=RESOLVED + "seed: 1\n")
    ran = record_runs(monkeypatch)
    job.run_job(cfg, tmp_path, RESOLVED)
    assert ran == [0, 1, 2]
    assert "discarded (changed: the resolved config)" in capsys.readouterr().err

    kill_after(cfg, tmp_path, 2)
    part = tmp_path / STAGING_DIR / "replicate-00000.regions.parquet"
    part.write_bytes(part.read_bytes()[:-20])  # truncated behind the job's back
    ran.clear()
    job.run_job(cfg, tmp_path, RESOLVED)
    assert ran == [0, 1, 2]
    assert "replicate-00000.regions.parquet altered" in capsys.readouterr().err
    for name in MERGED_FILES:
        assert (tmp_path / name).read_bytes() == (uninterrupted / name).read_bytes(), name


def test_a_finished_job_leaves_no_staging_and_a_marker_that_verifies(uninterrupted):
    assert not (uninterrupted / STAGING_DIR).exists()
    assert job_state(uninterrupted, resume_key(RESOLVED)) == ("complete", None)
    assert sorted(p.name for p in uninterrupted.iterdir()) == sorted(
        [*MERGED_FILES, "provenance.json", "_COMPLETE.json"]
    )
