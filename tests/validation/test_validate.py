"""The validation suite passes every target, and fails loudly when a target is missed.

The command runs once for the whole module (a module-scoped fixture): its incident targets run
the model's replicates, and they are checked here, from its table, and nowhere else.
"""

import subprocess
import sys

import pytest

from abm.calibration import load_targets
from experiments.validate import IncidentCheck, Target, all_targets


@pytest.fixture(scope="module")
def validate_run() -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "experiments.validate"], capture_output=True, text=True, timeout=300
    )


def test_every_published_target_is_reproduced():
    failed = [t.name for t in all_targets() if not t.passed]
    assert not failed, failed


def test_the_command_prints_the_table_and_exits_zero(validate_run):
    assert validate_run.returncode == 0, validate_run.stdout + validate_run.stderr
    assert "0 failed" in validate_run.stdout and "Maki-Thompson" in validate_run.stdout


def test_the_calibrated_defaults_reproduce_every_incident_target(validate_run):
    """Each shipped incident target, fit and holdout, has a passing row in the table."""
    rows = {
        line.split()[0]: line.split()
        for line in validate_run.stdout.splitlines()
        if line.split() and line.split()[0] in {t.name for t in load_targets()}
    }
    for t in load_targets():
        assert t.name in rows, f"{t.name} missing from the table"
        assert rows[t.name][1] == t.role and "pass" in rows[t.name], rows[t.name]
    assert any(t.role == "holdout" for t in load_targets())


def test_a_missed_target_fails():
    assert not Target("x", "y", published=1.0, reproduced=1.1, tolerance=0.05).passed
    check = IncidentCheck("x", "fit", "repair_hours", 10, 8, 12, 12.5, 0.1, 4, 0)
    assert not check.passed


def test_the_command_exits_1_when_an_incident_target_is_missed(monkeypatch, capsys):
    """A target the calibrated model cannot meet (a peak share out of exactly 0 where one
    substation in Luxembourg is lost) makes the command fail."""
    import yaml

    from abm.calibration import TARGETS_DIR, parse_target
    from experiments import validate

    raw = yaml.safe_load((TARGETS_DIR / "metcalf_2013.yaml").read_text())
    raw |= {"name": "impossible", "high": 0.0, "replicates": 2, "scenario": "grid_shock"}
    raw["outcome"] |= {"regions": ["antwerp"]}
    monkeypatch.setattr(validate, "load_targets", lambda: [parse_target(raw)])
    assert validate.main(["--only", "incidents"]) == 1
    out = capsys.readouterr().out
    assert "impossible" in out and "FAIL" in out and "1 failed" in out
