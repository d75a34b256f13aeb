"""Bad input stops ``python -m experiments.run`` before it starts: exactly one line
``error: <key>: <what is allowed>`` on stderr, exit status 2, no traceback, and nothing written
(no run directory, no sweep directory).

Most cases run in-process through :func:`experiments.run.command` (a subprocess pays the
imports again for every case); a few run as a user would, in a subprocess, in a fresh folder
that must stay empty.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from abm import load_config
from abm.errors import ConfigError
from abm.validation import MAX_REPLICATE_STEPS, InputCheck, usable_directory, validate_size
from experiments.run import command, forget_run_dir

ROOT = Path(__file__).resolve().parents[1]

NINE_BY_NINE_NEGATIVE = (
    "["
    + ",".join(
        "[" + ",".join("-0.1" if i == j == 0 else "0" for j in range(9)) + "]" for i in range(9)
    )
    + "]"
)
NINE_BY_NINE_UNSTABLE = (
    "["
    + ",".join(
        "["
        + ",".join("0.9" if j == (i + 1) % 9 else "0.2" if i == j else "0" for j in range(9))
        + "]"
        for i in range(9)
    )
    + "]"
)

#: Two more, "unknown scenario" (scenario=no_such_scenario) and "negative world seed"
#: (world.seed=-5), are run as a user runs them in test_as_a_user_runs_it, which asserts all
#: that a case here does; they are not run in-process a second time.
CASES = {
    "wrong type": (["seed=abc"], "seed"),
    "wrong type in a group": (["world.capacity_cv=high"], "world.capacity_cv"),
    "probability above 1": (["world.asset_types.hospital.protection=1.5"], "protection"),
    "probability below 0": (["world.operators.banks.cyber_maturity=-0.2"], "cyber_maturity"),
    "zero replicates": (["replicates=0"], "replicates"),
    "zero crews": (["world.operators.banks.crews=0"], "crews"),
    "negative duration": (["horizon_days=-1"], "horizon_days"),
    "negative backup": (
        ["world.asset_types.hospital.needs.power.backup_hours=-5"],
        "backup_hours",
    ),
    "negative seed": (["seed=-1"], "seed"),
    "A* not square": (["sectors.a_star=[[0,0.1,0],[0,0,0.1]]"], "sectors.a_star"),
    "A* negative": ([f"sectors.a_star={NINE_BY_NINE_NEGATIVE}"], "sectors.a_star"),
    "A* spectral radius": ([f"sectors.a_star={NINE_BY_NINE_UNSTABLE}"], "spectral radius"),
    "unknown region": (
        ["scenario=grid_shock", "scenario.shocks.0.region=antwerpen"],
        "scenario.shocks[0].region",
    ),
    "unknown region key": (
        ["+world.asset_types.hospital.by_region.antwerpen=3"],
        "by_region.antwerpen",
    ),
    "unknown sector": (["world.operators.banks.sector=banking"], "world.operators.banks.sector"),
    "unknown sector key": (["+sectors.k.energie=0.1"], "sectors.k.energie"),
    "shares do not sum to 1": (
        ["world.service_shares.energy.substation=0.5"],
        "world.service_shares.energy",
    ),
    "cohort shares do not sum to 1": (
        ["population.cohorts.general.share=0.5"],
        "population.cohorts",
    ),
    "trust outside [0, 1]": (["population.cohorts.vulnerable.trust=1.2"], "trust"),
    "unknown narrative behaviour": (
        ["scenario=narrative_only", "scenario.narratives.0.behaviour=riot"],
        "scenario.narratives[0].behaviour",
    ),
    "unknown narrative region": (
        ["scenario=narrative_only", "scenario.narratives.0.regions=[atlantis]"],
        "scenario.narratives[0].regions[0]",
    ),
    "unknown narrative cohort": (
        ["scenario=narrative_only", "scenario.narratives.0.cohorts=[pensioners]"],
        "scenario.narratives[0].cohorts[0]",
    ),
    "negative behaviour duration": (
        ["population.behaviour.behaviour_hours=-3"],
        "behaviour_hours",
    ),
    "unknown mitigation": (["mitigation=walls"], "mitigation"),
    "negative budget": (["adversary.cells.cyber_unit.budget=-5"], "budget"),
    "unknown target strategy": (
        ["adversary.cells.cyber_unit.strategy=clever"],
        "adversary.cells.cyber_unit.strategy",
    ),
    "capability above 1": (["adversary.cells.cyber_unit.capabilities.cyber=1.5"], "capabilities"),
    "detection below 0": (["adversary.cells.cyber_unit.detection.cyber=-0.1"], "detection"),
    "unknown dimension": (["scenario.adversary_dimensions=[arson]"], "adversary_dimensions"),
    "lever cost negative": (
        ["mitigation=hardening", "mitigation.levers.hardening.investment_meur=-1"],
        "mitigation.levers.hardening.investment_meur",
    ),
    "lever unknown target": (
        ["mitigation=hardening", "mitigation.levers.hardening.targets=[castle]"],
        "mitigation.levers.hardening.targets[0]",
    ),
    "unknown transit route region": (
        ["transit.routes.antwerp=[antwerp,limbourg]"],
        "transit.routes.antwerp[1]",
    ),
    "transit port shares": (["transit.ports.antwerp=0.9"], "transit.ports"),
    "guard protection above 1": (["responders.guard_protection=1.5"], "guard_protection"),
    "negative decision delay": (["responders.decision_delay_hours=-2"], "decision_delay_hours"),
    "legal framework removes the whole delay": (
        ["mitigation=legal_framework", "mitigation.levers.legal_framework.strength=1"],
        "mitigation.levers.legal_framework.strength",
    ),
    "unknown sabotage target type": (
        ["scenario=corridor_sabotage", "scenario.adversary_target_types=[bridge]"],
        "adversary_target_types",
    ),
    "recording interval": (["record_every_hours=2.5"], "record_every_hours"),
    "recording interval vs dt": (["dt_hours=2", "record_every_hours=3"], "record_every_hours"),
    # what Hydra answered over several lines with exit status 1
    "unknown key": (["no_such_key=1"], "no_such_key"),
    "unknown key in a group": (["world.no_such_key=1"], "world.no_such_key"),
    "unknown world": (["world=atlantis"], "world"),
    "malformed override": (["seed=["], "seed=["),
    "unknown flag": (["--no-such-flag"], "--no-such-flag"),
    "bad flag value": (["--cfg", "everything"], "--cfg"),
    "unknown primary config": (["--config-name", "no_such_config"], "--config-name"),
    "repeated override": (["seed=1", "seed=2"], "seed"),
    "repeated group override": (["scenario=peacetime", "scenario=grid_shock"], "scenario"),
    "pickle rerun": (["--experimental-rerun", "config.pickle"], "--experimental-rerun"),
    # what ended in a traceback, or was accepted silently
    "missing regions file": (["world.regions_file=nope.csv"], "world.regions_file"),
    "missing dependents file": (["world.dependents_file=nope.csv"], "world.dependents_file"),
    "seed of 2^63": ([f"seed={2**63}"], "seed"),
    "world seed of 2^63": ([f"world.seed={2**63}"], "world.seed"),
    "count beyond 64 bits": ([f"world.operators.banks.crews={2**64}"], "crews"),
    "huge capacity spread": (["world.capacity_cv=1e300"], "world.capacity_cv"),
    "horizon beyond the size limit": (["horizon_days=100000"], "horizon_days"),
    "a billion replicates": (["replicates=1000000000"], "replicates"),
    "scenario name with a path": (["scenario.name=../x"], "scenario.name"),
    "mitigation name with a path": (["mitigation.name=a/b"], "mitigation.name"),
    "append to a key the config has": (
        ["+population.behaviour.bank_run_gain=2"],
        "population.behaviour.bank_run_gain: already in the config",
    ),
    "a world too big to build": (
        ["world.asset_types.substation.min_per_region=1000000000"],
        "world.asset_types.substation: count rules giving at most 200,000 assets",
    ),
}


def refused(capsys: pytest.CaptureFixture[str], status: int, key: str) -> str:
    """Assert the one-line answer to bad input; return the line."""
    out, err = capsys.readouterr()
    assert status == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: "), err
    assert key in lines[0], err
    assert "Traceback" not in out + err
    return lines[0]


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_refused(name, tmp_path, capsys):
    overrides, key = CASES[name]
    run_dir = tmp_path / "run"
    refused(capsys, command([*overrides, f"hydra.run.dir={run_dir}"]), key)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ("shocks: -5", "scenario.shocks: Invalid value"),
        ("shocks: []\nnot_a_key: 1", "scenario.not_a_key: Key 'not_a_key' not in"),
    ],
    ids=["wrong type", "unknown key"],
)
def test_a_shared_scenario_file_with_a_mistake(body, key, tmp_path, capsys):
    """A scenario file of one's own (in a search path) that composes badly is named by its
    key, not by Hydra's "ValidationError raised while composing config"."""
    shared = tmp_path / "shared" / "scenario"
    shared.mkdir(parents=True)
    (shared / "mine.yaml").write_text(f"name: mine\ndescription: mine\n{body}\n")
    argv = [f"hydra.searchpath=[file://{shared.parent}]", "scenario=mine"]
    refused(capsys, command([*argv, f"hydra.run.dir={tmp_path / 'run'}"]), key)
    assert not (tmp_path / "run").exists()


def test_output_dir_that_is_a_file(tmp_path, capsys):
    (tmp_path / "taken").write_text("a file")
    line = refused(
        capsys, command([f"hydra.run.dir={tmp_path / 'taken' / 'run'}"]), "hydra.run.dir"
    )
    assert "is a file" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


def test_read_only_output_dir(tmp_path, monkeypatch):
    """A folder the user cannot write in is named (os.access decides, which root passes: so
    the check is asked directly, as another user would see it)."""
    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(
        "abm.validation.os.access",
        lambda path, mode: False if Path(path) == locked else real_access(path, mode),
    )
    with pytest.raises(ConfigError, match="read-only"):
        usable_directory("hydra.run.dir", locked / "run")
    assert usable_directory("hydra.run.dir", tmp_path / "a" / "b") == [
        tmp_path / "a",
        tmp_path / "a" / "b",
    ]


def test_size_limit_and_its_override():
    """The limit is replicates x steps; allow_large=true lifts it."""
    cfg = load_config("peacetime", horizon_days=60, dt_hours=1)
    cfg.replicates = MAX_REPLICATE_STEPS // (60 * 24)
    validate_size(cfg)
    cfg.replicates += 1
    with pytest.raises(ConfigError, match="allow_large=true"):
        validate_size(cfg)
    cfg.allow_large = True
    validate_size(cfg)


def test_design_without_its_files(tmp_path, capsys):
    status = command(["design.file=nope.parquet", "horizon_days=1", f"hydra.run.dir={tmp_path}/r"])
    refused(capsys, status, "design.uncertainty")
    assert list(tmp_path.iterdir()) == []


def test_a_refused_job_removes_what_hydra_made(tmp_path, monkeypatch):
    """Bad input only the job sees: its directory goes if it holds only Hydra's files, and so
    do the empty folders made for it; a directory with anything else stays."""
    made = [tmp_path / "a", tmp_path / "a" / "run"]
    (made[1] / ".hydra").mkdir(parents=True)
    (made[1] / ".hydra" / "config.yaml").write_text("seed: 0\n")
    (made[1] / "run.log").write_text("")
    monkeypatch.setattr(InputCheck, "made", made)
    forget_run_dir(made[1])
    assert list(tmp_path.iterdir()) == []
    (made[1] / ".hydra").mkdir(parents=True)
    (made[1] / "summary.parquet").write_text("")
    forget_run_dir(made[1])
    assert (made[1] / "summary.parquet").exists()


SWEEPS = {
    "launcher processes": (
        ["hydra/launcher=joblib", "hydra.launcher.n_jobs=0", "seed=1,2"],
        "hydra.launcher.n_jobs",
    ),
    "first job invalid": (["replicates=0,1"], "replicates"),
    "first job unknown option": (["scenario=atlantis,peacetime"], "scenario"),
    "first job wrong type": (["seed=abc,1"], "seed"),
    "unknown key": (["no_such_key=1,2"], "no_such_key"),
    "later job wrong type": (["seed=1,abc"], "seed"),
    "later job invalid": (["replicates=1,0"], "replicates: a whole number >= 1, got 0"),
    "later job unknown option": (["scenario=peacetime,atlantis"], "scenario: 'atlantis'"),
    "long range out of range": (["replicates=range(0,40)"], "replicates"),
}


@pytest.mark.parametrize("name", list(SWEEPS))
def test_sweep_refuses_before_launching(name, tmp_path, capsys):
    overrides, key = SWEEPS[name]
    status = command(["-m", *overrides, f"hydra.sweep.dir={tmp_path / 'sweep'}"])
    refused(capsys, status, key)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "overrides, key",
    [(["scenario=no_such_scenario"], "scenario"), (["world.seed=-5"], "world.seed")],
    ids=["composition", "validation"],
)
def test_as_a_user_runs_it(overrides, key, tmp_path):
    """End to end, with Hydra's default run directory (outputs/<scenario>/<time>/ under the
    working folder): one line, exit status 2, and the folder stays empty."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "experiments.run", *overrides],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env=env,
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and key in lines[0], proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert list(tmp_path.iterdir()) == []
