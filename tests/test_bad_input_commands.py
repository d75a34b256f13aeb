"""Every command other than ``experiments.run`` answers bad input in one line.

Each case calls a command's ``main(argv)`` in this process and checks the contract: exit
status 2, exactly one line on stderr, ``error: <key>: <what is allowed>``, no traceback, and
nothing written (the temporary folder holds what the test put there, no more). Composing a
config costs over a second, so the cases that need one are few; the others stop before it.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from analysis import catalog, report
from experiments import bench, calibrate, optimize, reproduce, sensitivity, study, validate


def files(root: Path) -> set[Path]:
    """Every path under ``root``."""
    return set(root.rglob("*"))


def refused(capsys: pytest.CaptureFixture[str], status: int, key: str) -> str:
    """Assert the one-line refusal naming ``key``; return the line."""
    err = capsys.readouterr().err
    assert status == 2, err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"error: {key}: "), lines[0]
    assert "Traceback" not in err
    return lines[0]


def make_job(root: Path, name: str = "job", complete: bool = False) -> Path:
    """A job folder as a sweep leaves it: ``.hydra/overrides.yaml`` (and a marker if complete;
    a marker without the files it lists makes the job damaged, never complete)."""
    job = root / name
    (job / ".hydra").mkdir(parents=True)
    (job / ".hydra" / "overrides.yaml").write_text("- mitigation=none\n")
    if complete:
        (job / "_COMPLETE.json").write_text(json.dumps({"files": {"summary.parquet": "x"}}))
    return job


def read_only(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Make ``folder`` read-only as this process sees it (tests may run as root, for whom a
    chmod changes nothing)."""
    real = os.access
    monkeypatch.setattr(
        os,
        "access",
        lambda path, mode, **kw: False if Path(path) == folder else real(path, mode, **kw),
    )


# --------------------------------------------------------------------------------- catalog
def test_catalog_refuses_a_missing_folder_a_file_and_an_empty_folder(tmp_path, capsys):
    line = refused(capsys, catalog.main([str(tmp_path / "nope")]), "sweep_dir")
    assert "does not exist" in line
    (tmp_path / "file").write_text("x")
    assert "is a file" in refused(capsys, catalog.main([str(tmp_path / "file")]), "sweep_dir")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "holds none" in refused(capsys, catalog.main([str(empty)]), "sweep_dir")
    assert files(tmp_path) == {tmp_path / "file", empty}


def test_catalog_refuses_an_unknown_argument_and_a_read_only_sweep(tmp_path, capsys, monkeypatch):
    make_job(tmp_path)
    before = files(tmp_path)
    line = refused(capsys, catalog.main([str(tmp_path), "--bogus"]), "--bogus")
    assert "usage:" in line
    read_only(monkeypatch, tmp_path)
    assert "read-only" in refused(capsys, catalog.main([str(tmp_path)]), "sweep_dir")
    assert files(tmp_path) == before


def test_catalog_still_lists_a_sweep(tmp_path, capsys):
    """The checks refuse only what is no sweep: a sweep of one unfinished job is catalogued."""
    make_job(tmp_path)
    assert catalog.main([str(tmp_path)]) == 0
    assert "1 jobs: 1 incomplete" in capsys.readouterr().out
    assert (tmp_path / catalog.CATALOG_FILE).is_file()


# ---------------------------------------------------------------------------------- report
@pytest.mark.parametrize(
    ("weights", "says"),
    [
        (["energy=-5"], "a finite weight >= 0, got -5"),
        (["energy=inf"], "a finite weight >= 0, got inf"),
        (["nuclear=1"], "sectors among"),
        (["energy=lots"], "a number as the weight of energy"),
        (["energy"], "sector=weight items"),
        (["energy=1", "energy=2"], "each sector once"),
    ],
)
def test_report_refuses_bad_weights(tmp_path, capsys, weights, says):
    make_job(tmp_path, complete=True)
    before = files(tmp_path)
    line = refused(capsys, report.main([str(tmp_path), "--weights", *weights]), "--weights")
    assert says in line
    assert files(tmp_path) == before


def test_report_refuses_all_zero_weights_and_an_unknown_weighting(tmp_path, capsys):
    from abm.vocabulary import SECTORS

    make_job(tmp_path, complete=True)
    zero = [f"{s}=0" for s in SECTORS]
    assert "above 0" in refused(
        capsys, report.main([str(tmp_path), "--weights", *zero]), "--weights"
    )
    line = refused(capsys, report.main([str(tmp_path), "--weighting", "fair"]), "--weighting")
    assert line == "error: --weighting: one of equal, impact, people_affected"


def test_report_refuses_a_sweep_without_a_complete_job_and_unknown_arguments(tmp_path, capsys):
    make_job(tmp_path)  # never finished
    before = files(tmp_path)
    assert "has none" in refused(capsys, report.main([str(tmp_path)]), "sweep_dir")
    refused(capsys, report.main([str(tmp_path), "--colour", "red"]), "--colour")
    refused(capsys, report.main([]), "sweep_dir")
    refused(capsys, report.main([str(tmp_path / "nope")]), "sweep_dir")
    assert files(tmp_path) == before


def test_a_weights_change_is_named_and_keeps_the_other_sectors():
    from abm.weighting import load_weighting, reweighted

    w = reweighted(load_weighting("equal"), ["energy=2.5", "health=0"])
    assert w.name == "equal+energy=2.5,health=0"
    assert w.weights["energy"] == 2.5 and w.weights["health"] == 0 and w.weights["telecom"] == 1
    assert "set on the command line" in w.source


def test_a_weighting_file_with_a_negative_weight_is_refused(tmp_path):
    from abm.errors import ConfigError
    from abm.weighting import WEIGHTING_DIR, load_weighting

    text = (WEIGHTING_DIR / "equal.yaml").read_text().replace("energy: 1", "energy: -5")
    (tmp_path / "mine.yaml").write_text(text)
    with pytest.raises(ConfigError, match=r"weighting.weights.energy: a finite weight >= 0"):
        load_weighting(tmp_path / "mine.yaml")


# ------------------------------------------------------------------------------- reproduce
def test_reproduce_refuses_what_is_no_job(tmp_path, capsys):
    assert "is missing" in refused(capsys, reproduce.main([str(tmp_path / "nope")]), "job_dir")
    (tmp_path / "file").write_text("x")
    assert "is a file" in refused(capsys, reproduce.main([str(tmp_path / "file")]), "job_dir")
    line = refused(capsys, reproduce.main([str(tmp_path)]), "job_dir")
    assert "no .hydra/config.yaml" in line
    refused(capsys, reproduce.main([str(tmp_path), "extra"]), "extra")
    assert files(tmp_path) == {tmp_path / "file"}


def test_reproduce_refuses_damaged_jobs_before_running_them(tmp_path, capsys):
    job = make_job(tmp_path)
    (job / ".hydra" / "config.yaml").write_text("seed: 1\n")
    assert "provenance.json" in refused(capsys, reproduce.main([str(job)]), "job_dir")
    (job / "provenance.json").write_text("[1, 2")
    assert "provenance.json" in refused(capsys, reproduce.main([str(job)]), "job_dir")
    (job / "provenance.json").write_text("{}")
    assert "no _COMPLETE.json" in refused(capsys, reproduce.main([str(job)]), "job_dir")
    (job / "_COMPLETE.json").write_text('{"files": ')
    line = refused(capsys, reproduce.main([str(job)]), "job_dir")
    assert "_COMPLETE.json unreadable" in line
    (job / "_COMPLETE.json").write_text('{"files": {}}')
    (job / ".hydra" / "config.yaml").write_text("seed: [1\nreplicates: 2\n")
    assert "can be read" in refused(capsys, reproduce.main([str(job)]), "job_dir")
    (job / ".hydra" / "config.yaml").write_text("horizon_days: soon\n")
    line = refused(capsys, reproduce.main([str(job)]), "job_dir")
    assert "can be read" in line and "soon" in line
    assert not (job / "summary.parquet").exists()


# ----------------------------------------------------------------------------------- study
@pytest.fixture
def no_sweep(monkeypatch):
    """Replace the study's sweeps: record their overrides, start none (exit status 1)."""
    launched: list[list[str]] = []

    def launch(overrides, sweep_dir, **kwargs):
        launched.append(list(overrides))
        return subprocess.CompletedProcess([], 1)

    monkeypatch.setattr(study, "launch_sweep", launch)
    return launched


def test_study_refuses_flags_and_an_output_that_is_a_file_before_writing(
    tmp_path, capsys, no_sweep
):
    out = tmp_path / "study"
    refused(capsys, study.main(["--out", str(out), "--bogus"]), "--bogus")
    (tmp_path / "file").write_text("x")
    line = refused(capsys, study.main(["--out", str(tmp_path / "file" / "s")]), "--out")
    assert "is a file" in line
    line = refused(capsys, study.main(["--out", str(out), "lever_samples=x"]), "lever_samples")
    assert "a whole number" in line
    refused(capsys, study.main(["--out", str(out), "seed=1", "seed=2"]), "seed")
    assert files(tmp_path) == {tmp_path / "file"} and no_sweep == []


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("size=huge", "size"),
        ("+hydra.callbacks.x._target_=os.makedirs", "+hydra.callbacks.x._target_"),
    ],
)
def test_study_refuses_what_its_sweep_would_refuse_before_writing(
    tmp_path, capsys, no_sweep, override, key
):
    out = tmp_path / "study"
    status = study.main(["--out", str(out), override])
    err = capsys.readouterr().err
    assert status == 2 and len(err.splitlines()) == 1 and err.startswith("error: "), err
    assert key.lstrip("+").split(".")[0] in err
    assert files(tmp_path) == set() and no_sweep == []


def test_study_honours_size_and_says_when_its_sweep_does_not_start(tmp_path, capsys, no_sweep):
    out = tmp_path / "study"
    status = study.main(["--out", str(out), "size=smoke"])
    err = capsys.readouterr().err
    [overrides] = no_sweep
    assert "size=smoke" in overrides
    assert not [o for o in overrides if o.startswith(("replicates=", "horizon_days="))]
    # the sweep started no job: one line, no traceback, the sweep's own status
    assert status == 1 and len(err.splitlines()) == 1, err
    assert err.startswith(f"error: {out}: the sweep stopped before any job started")


def test_study_keeps_its_defaults_without_a_size():
    overrides = study._overrides("mitigation_comparison", ["scenario=cyber_only"], ())
    assert "replicates=20" in overrides and "horizon_days=60" in overrides


# ----------------------------------------------------------------- sensitivity and optimize
@pytest.mark.parametrize(
    ("argv", "key", "says"),
    [
        (["method=fast"], "method", "one of"),
        (["n=12"], "n", "a power of 2"),
        (["n=lots"], "n", "an integer"),
        (["bogus"], "bogus", "key=value"),
        (["block_size=0"], "block_size", ">= 1"),
    ],
)
def test_sensitivity_refuses_bad_settings(tmp_path, capsys, argv, key, says):
    out = tmp_path / "s"
    assert says in refused(capsys, sensitivity.main([*argv, f"out={out}"]), key)
    assert files(tmp_path) == set()


def test_sensitivity_refuses_an_output_that_is_a_file_and_a_launcher_without_workers(
    tmp_path, capsys
):
    (tmp_path / "file").write_text("x")
    line = refused(capsys, sensitivity.main([f"out={tmp_path / 'file'}"]), "out")
    assert "is a file" in line
    argv = [f"out={tmp_path / 's'}", "hydra/launcher=joblib", "hydra.launcher.n_jobs=0"]
    refused(capsys, sensitivity.main(argv), "hydra.launcher.n_jobs")
    assert files(tmp_path) == {tmp_path / "file"}


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["objectives=[]"], "at least one of"),
        (["objectives=[total_loss,speed]"], "got 'speed'"),
        (["objectives=total_loss,total_loss"], "each objective once"),
    ],
)
def test_optimize_refuses_bad_objectives(tmp_path, capsys, argv, says):
    line = refused(capsys, optimize.main([*argv, f"out={tmp_path / 'o'}"]), "objectives")
    assert says in line
    assert files(tmp_path) == set()


def test_optimize_refuses_a_read_only_output_and_a_repeated_override(tmp_path, capsys, monkeypatch):
    read_only(monkeypatch, tmp_path)
    line = refused(capsys, optimize.main([f"out={tmp_path / 'o'}"]), "out")
    assert "read-only" in line
    monkeypatch.undo()
    argv = [f"out={tmp_path / 'o'}", "replicates=1", "replicates=2"]
    assert "given once" in refused(capsys, optimize.main(argv), "replicates")
    assert files(tmp_path) == set()


# ------------------------------------------------------------------ validate, bench, calibrate
def test_validate_refuses_an_unknown_only_and_argument(capsys):
    line = refused(capsys, validate.main(["--only", "everything"]), "--only")
    assert "invalid choice" in line and "published" in line
    refused(capsys, validate.main(["--fast"]), "--fast")


@pytest.mark.parametrize(
    ("argv", "key", "says"),
    [
        (["--replicates", "0"], "--replicates", ">= 1"),
        (["--replicates", "ten"], "--replicates", "invalid int value"),
        (["--worlds", "belgium,mars"], "--worlds", "got 'mars'"),
        (["--scenario", "alien_invasion"], "--scenario", "one of"),
        (["--horizon-days", "nan"], "--horizon-days", "a number of days"),
        (["--horizon-days", "100000"], "--horizon-days", "a number of days"),
        (["--sweep-replicates", "-1"], "--sweep-replicates", ">= 0"),
        (["--memory-replicates", "1,x"], "--memory-replicates", "comma-separated"),
        (["--turbo"], "--turbo", "not an argument"),
    ],
)
def test_bench_refuses_bad_arguments_before_measuring(capsys, argv, key, says):
    assert says in refused(capsys, bench.main(argv), key)


def test_calibrate_refuses_huge_counts_and_an_output_that_is_a_file(tmp_path, capsys, monkeypatch):
    from abm.calibration import load_targets

    target = load_targets("fit")[0].name
    line = refused(capsys, calibrate.main([f"target={target}", f"seed={2**63}"]), "seed")
    assert "[0, 2^63)" in line
    argv = [f"target={target}", "replicates=1000000000"]
    assert "[1, 1001)" in refused(capsys, calibrate.main(argv), "replicates")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "outputs").write_text("x")
    line = refused(capsys, calibrate.main([f"target={target}"]), "outputs")
    assert "is a file" in line
    assert files(tmp_path) == {tmp_path / "outputs"}


def test_one_command_end_to_end_prints_one_line(tmp_path, run_module):
    """One subprocess: what a user sees from the console entry point, nothing more."""
    proc = run_module("analysis.catalog", str(tmp_path / "nope"))
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        f"error: sweep_dir: an existing sweep directory; {tmp_path / 'nope'} does not exist"
    ]
    assert files(tmp_path) == set()
