"""The validation suite passes every target, and fails loudly when a target is missed."""

import subprocess
import sys

from experiments.validate import Target, all_targets


def test_every_published_target_is_reproduced():
    failed = [t.name for t in all_targets() if not t.passed]
    assert not failed, failed


def test_the_command_prints_the_table_and_exits_zero():
    proc = subprocess.run(
        [sys.executable, "-m", "experiments.validate"], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stdout
    assert "0 failed" in proc.stdout and "Maki-Thompson" in proc.stdout


def test_a_missed_target_fails():
    assert not Target("x", "y", published=1.0, reproduced=1.1, tolerance=0.05).passed
