"""The benchmark's comparison with a git revision: bad flags answered in one line, and the
machinery (a persistent child per side, alternating rounds, the ratio line) on a tiny workload.

Nothing here is timed: the figures of a benchmark are never test assertions, only that they are
printed and make sense (positive, from the right checkout).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from abm.errors import ConfigError
from experiments import bench
from tests.test_bad_input_commands import refused

#: Every section of the bench but the comparison skipped.
ONLY_COMPARISON = (
    "--worlds",
    "",
    "--sweep-replicates",
    "0",
    "--reference-steps",
    "0",
    "--dashboard-days",
    "0",
    "--memory-replicates",
    "",
)


def in_git_checkout() -> bool:
    """Whether the tests run from a git checkout (not from an unpacked archive)."""
    try:
        return bench._git(bench.CHECKOUT, "rev-parse", "HEAD").returncode == 0
    except FileNotFoundError:
        return False


needs_git = pytest.mark.skipif(not in_git_checkout(), reason="not a git checkout")


@needs_git
@pytest.mark.parametrize(
    ("argv", "key", "says"),
    [
        (["--against", "nosuchrev"], "--against", "got 'nosuchrev'"),
        (["--against=-x"], "--against", "a git revision"),
        (["--against", ""], "--against", "a git revision"),
        (["--rounds", "0"], "--rounds", ">= 1"),
        (["--round-replicates", "0"], "--round-replicates", ">= 1"),
        (["--rounds", "two"], "--rounds", "invalid int value"),
    ],
)
def test_bad_flags_are_refused_in_one_line(capsys, argv, key, says):
    assert says in refused(capsys, bench.main(argv), key)


def test_a_folder_that_is_no_git_checkout_is_refused(tmp_path: Path):
    with pytest.raises(ConfigError, match="not a git repository|git is not installed"):
        bench.resolve_revision(tmp_path, "HEAD")


def test_the_command_exits_2_on_an_unknown_revision():
    done = subprocess.run(
        [sys.executable, "-m", "experiments.bench", "--against", "nosuchrev", *ONLY_COMPARISON],
        capture_output=True,
        text=True,
        cwd=bench.CHECKOUT,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: --against: "), done.stderr
    assert len(done.stderr.splitlines()) == 1 and not done.stdout


@needs_git
def test_the_comparison_against_head_prints_a_positive_ratio():
    """One round of one replicate of six hours per side: the whole machinery (extraction of
    the revision, two persistent children, alternation, the report) at the smallest size."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "experiments.bench",
            "--against",
            "HEAD",
            "--horizon-days",
            "0.25",
            "--rounds",
            "1",
            "--round-replicates",
            "1",
            *ONLY_COMPARISON,
        ],
        capture_output=True,
        text=True,
        cwd=bench.CHECKOUT,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    ratio = re.search(r"ratio current/revision: (\S+) \(target <= ", out)
    assert ratio and float(ratio[1]) > 0, out
    units = re.findall(r"^  (current|revision) +(\S+) s = +(\S+) reference units", out, re.M)
    assert [u[0] for u in units] == ["current", "revision"], out
    assert all(float(s) > 0 and float(u) > 0 for _, s, u in units), out
    imported = re.search(r"abm imported from (\S+) and (\S+)", out)
    assert imported, out
    assert Path(imported[1]).is_relative_to(bench.CHECKOUT)
    assert "bench-revision-" in imported[2] and imported[2].endswith("abm/__init__.py")
    assert re.search(r"a replicate: current 6 steps, .* revision 6 steps", out), out
    assert re.search(r"machine: \d+ CPUs", out) and "load average after" in out


def test_a_side_times_the_replicates_it_is_asked_for():
    """The child that times one checkout's replicates: it imports that checkout's abm and
    answers with as many positive CPU times as replicates, round after round."""
    side = bench.Side("current", bench.CHECKOUT, "most_likely_enemy", "belgium", 0.25)
    try:
        side.ready()
        assert side.abm_file is not None
        assert Path(side.abm_file).is_relative_to(bench.CHECKOUT)
        assert side.size["steps"] == 6
        for n in (2, 1):
            timed = side.time(n)
            assert len(timed["replicate_s"]) == n and all(s > 0 for s in timed["replicate_s"])
            assert timed["reference_s"] > 0
    finally:
        side.close()


def test_the_sweep_follows_the_default_study():
    """The sweep's replicates per job and horizon default to the study's."""
    from experiments.study import DEFAULTS

    assert f"replicates={bench.study_setting('replicates')}" in DEFAULTS
    assert f"horizon_days={bench.study_setting('horizon_days')}" in DEFAULTS
