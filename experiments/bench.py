"""Benchmark: what a replicate costs (and against a revision), where the time goes, sweep speed-up.

``make bench`` runs it on one core (BLAS threads pinned to one). For the default study's scenario
(``most_likely_enemy``, 60 days at hourly steps) it prints:

- the machine: its CPU count and its load average before and after (the figures of a loaded
  machine are noisy; the ratios below are meant to survive it);
- the comparison with a git revision (``--against REV``, default ``331136a``, the revision before
  the speed work of issue 25; ``--against none`` skips it): the CPU time (``time.process_time``)
  of one province-world replicate, the current checkout and the revision timed in alternation on
  this machine, each in a persistent child process running the same script, and the ratio
  current/revision (target <= 0.36). Each child also times a fixed reference workload (small
  numpy operations on 33-element arrays and some Python arithmetic) in every round, and the
  replicate is printed in units of it, so that figures compare across machines;
- for the province world and the large world (``world=belgium_municipalities``): seconds per
  replicate (median over replicates, so one cold start does not move it), split into building
  and stepping, and steps per second;
- agent-updates per second of the population layer (groups x steps / its seconds) and of the
  asset layer (assets x steps / the seconds of cascade, repairs and sector service);
- peak memory: the process's peak resident set, and the model's own peak allocations;
- the time split by step phase (timers around each phase of one replicate), and the hottest
  functions from a cProfile of another;
- the vectorised population layer against its per-agent Mesa reference
  (:mod:`tests.reference.population`, run from the checkout) at increasing numbers of groups;
- seconds per simulated day in the dashboard (both runs of compare mode stepped, every view
  redrawn);
- the speed-up of 2 workers over 1 (target >= 1.85) on the default study's comparison sweep
  (``mitigation_comparison``: every mitigation, the study's replicates per job and horizon)
  through the joblib launcher, in wall time, start-up included;
- the peak memory of a municipality-world job (``python -m experiments.run``) with 1 and with 6
  replicates, each in a fresh process, and their ratio: a job stages each replicate when it
  ends (:mod:`abm.staging`), so its peak is one replicate's, whatever its number of replicates.

Each world is measured in a fresh process, so that its peak memory is its own. The figures are
benchmark figures, never test assertions; the README quotes them. Arguments it cannot use (an
unknown scenario or world, a count below its least, a horizon that is not a positive finite
number of days, a revision that is not one of this git checkout) stop it before it measures
anything, in one line ``error: <flag>: ...`` with exit status 2.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import math
import os
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import yaml

import configs
from abm import HybridThreatModel, load_config
from abm.cli import guarded
from abm.errors import ConfigError
from abm.study_config import OneLineParser
from abm.sweeps import launch_sweep
from abm.vocabulary import PHASES
from experiments.study import DEFAULTS as STUDY_DEFAULTS

WORLDS = ("belgium", "belgium_municipalities")
#: Phases that update the asset layer (assets x steps of agent-updates).
ASSET_PHASES = ("asset_failures_and_cascade", "repairs", "sector_service")

#: The most days a benchmark run may simulate (a year: the figures are per day or per step).
MAX_DAYS = 366.0

#: The checkout this module belongs to: the current side of the comparison.
CHECKOUT = Path(__file__).resolve().parents[1]
#: The revision before the speed work of issue 25: what ``make bench`` compares with.
DEFAULT_AGAINST = "331136a"
#: The world of the comparison: the province world, where a replicate is nearly all the fixed
#: cost of Python and numpy calls (issue 25's figure).
COMPARE_WORLD = "belgium"
#: The issue's targets: current/revision CPU per replicate, and 2 workers' sweep over 1's.
TARGET_RATIO = 0.36
TARGET_SPEEDUP = 1.85
#: Iterations of the reference workload (about 0.2 s of CPU on the 2-core reference machine).
#: Fixed, never calibrated: it is the unit that makes figures comparable across machines.
REFERENCE_LOOPS = 50_000
#: Environment of both children: one thread for BLAS and OpenMP, as ``make bench`` sets, so that
#: process time is one core's even when the module is run without the Makefile.
ONE_CORE = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

#: The script both sides of the comparison run (``python -c``), so that they are measured by the
#: same code: it uses only API that the revision has too (``load_config`` with ``overrides``,
#: ``horizon_days`` and ``dt_hours``; ``HybridThreatModel(cfg, rng=, replicate=).run_model()``).
#: Started with a JSON spec as its argument, it composes the config, runs one warm-up replicate
#: and answers ``{"abm": abm.__file__, "steps": ..., "assets": ...}`` (which checkout it imported,
#: and the size of its warm-up replicate: the revision's world may differ); then for each line
#: ``{"replicates": n}`` on stdin it times the reference workload once and n replicates
#: (replicate 0..n-1, seed 0, the config composed outside the timer, a garbage collection before
#: each timer) and answers one JSON line. Anything the model prints goes to stderr, so that
#: stdout carries the answers alone.
CHILD_SCRIPT = '''
import gc
import json
import sys
import time

import numpy as np

import abm
from abm import HybridThreatModel, load_config


def reference_workload(loops):
    """Small numpy operations on 33-element arrays and Python arithmetic: the fixed costs that
    a province-world step pays, as a unit of this machine's speed."""
    a = np.linspace(0.0, 1.0, 33)
    b = np.arange(33.0)
    c = np.empty(33)
    total = 0.0
    for i in range(loops):
        np.multiply(a, b, out=c)
        c += 1.0
        np.minimum(c, 5.0, out=c)
        total += float(c.sum()) * 0.5 + (i % 7)
        a = np.where(c > 3.0, a, b * 0.01)
    return total


def main():
    answer = sys.stdout
    sys.stdout = sys.stderr
    spec = json.loads(sys.argv[1])
    cfg = load_config(
        spec["scenario"],
        overrides=["world=" + spec["world"]],
        horizon_days=spec["horizon_days"],
        dt_hours=1,
    )
    model = HybridThreatModel(cfg, rng=0, replicate=0)
    model.run_model()
    reference_workload(spec["loops"] // 10)
    world = getattr(model, "world", None)
    size = {"steps": model.steps, "assets": getattr(world, "n_assets", None)}
    answer.write(json.dumps({"abm": abm.__file__, **size}) + "\\n")
    answer.flush()
    for line in sys.stdin:
        n = json.loads(line)["replicates"]
        gc.collect()
        start = time.process_time()
        reference_workload(spec["loops"])
        reference_s = time.process_time() - start
        seconds = []
        for r in range(n):
            gc.collect()
            start = time.process_time()
            HybridThreatModel(cfg, rng=0, replicate=r).run_model()
            seconds.append(time.process_time() - start)
        answer.write(json.dumps({"replicate_s": seconds, "reference_s": reference_s}) + "\\n")
        answer.flush()


main()
'''


def _shipped(group: str) -> list[str]:
    """The names of a config group's shipped options (``configs/<group>/*.yaml``)."""
    return sorted(p.stem for p in (Path(configs.__file__).parent / group).glob("*.yaml"))


def study_setting(key: str) -> str:
    """One of the default study's settings (``replicates``, ``horizon_days``,
    ``hydra.launcher.n_jobs``), read from :data:`experiments.study.DEFAULTS` so that the sweep
    measured here follows the study when it changes."""
    return dict(d.split("=", 1) for d in STUDY_DEFAULTS)[key]


def _days(key: str, value: float) -> None:
    if not math.isfinite(value) or not 0 < value <= MAX_DAYS:
        raise ConfigError(key, f"a number of days in (0, {MAX_DAYS:g}], got {value:g}")


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A read-only git command in ``root`` (``rev-parse``), its output kept."""
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True)


def resolve_revision(root: Path, rev: str) -> str:
    """The full commit id of ``rev`` in the git checkout ``root``, which must hold the package
    ``abm`` at that commit.

    Raises:
        ConfigError: naming ``--against``, when ``root`` is not a git checkout (or git is
            missing) or ``rev`` is no commit of it.
    """
    skip = "--against none skips the comparison"
    if not rev or rev.startswith("-"):
        raise ConfigError("--against", f"a git revision (or none), got {rev!r}")
    try:
        top = _git(root, "rev-parse", "--show-toplevel")
    except FileNotFoundError:
        raise ConfigError(
            "--against", f"a git revision, but git is not installed; {skip}"
        ) from None
    if top.returncode:
        raise ConfigError(
            "--against", f"a git revision, but {root} is not a git repository; {skip}"
        )
    found = _git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    if found.returncode:
        raise ConfigError("--against", f"a revision of {top.stdout.strip()}, got {rev!r}; {skip}")
    sha = found.stdout.strip()
    if _git(root, "rev-parse", "--verify", "--quiet", f"{sha}:./abm/__init__.py").returncode:
        raise ConfigError("--against", f"a revision that has the package abm, got {rev!r}")
    return sha


@dataclass(frozen=True)
class Checked:
    """What :func:`check_arguments` derives from the arguments."""

    worlds: list[str]
    #: Replicates of the job-memory runs (empty: skipped).
    memory_counts: list[int]
    #: The full commit id to compare with; None skips the comparison.
    revision: str | None


def check_arguments(args: argparse.Namespace) -> Checked:
    """Refuse what the benchmark cannot measure, before it starts.

    Raises:
        ConfigError: naming the flag.
    """
    scenarios = _shipped("scenario")
    if args.scenario not in scenarios:
        raise ConfigError("--scenario", f"one of {', '.join(scenarios)}, got {args.scenario!r}")
    worlds = _shipped("world")
    chosen = args.worlds.split(",") if args.worlds else []
    for world in chosen:
        if world not in worlds:
            raise ConfigError("--worlds", f"names among {', '.join(worlds)}, got {world!r}")
    for flag in ("replicates", "rounds", "round_replicates"):
        if getattr(args, flag) < 1:
            raise ConfigError(
                "--" + flag.replace("_", "-"), f"a whole number >= 1, got {getattr(args, flag)}"
            )
    for flag in ("sweep_replicates", "reference_steps", "dashboard_days"):
        if getattr(args, flag) < 0:
            raise ConfigError(
                "--" + flag.replace("_", "-"), f"a whole number >= 0, got {getattr(args, flag)}"
            )
    _days("--horizon-days", args.horizon_days)
    _days("--memory-days", args.memory_days)
    counts = args.memory_replicates.split(",") if args.memory_replicates else []
    if not all(c.isdigit() and int(c) >= 1 for c in counts):
        raise ConfigError(
            "--memory-replicates",
            f"whole numbers >= 1, comma-separated (or empty), got {args.memory_replicates!r}",
        )
    against = None if args.against == "none" else resolve_revision(CHECKOUT, args.against)
    return Checked(chosen, [int(c) for c in counts], against)


def main(argv: list[str] | None = None) -> int:
    """Compare with the revision, measure every world in its own process, then the reference
    ratio, the dashboard, job memory and the sweep; one line and exit status 2 for bad
    arguments."""
    return guarded(lambda: _main(argv))


def _main(argv: list[str] | None) -> None:
    """:func:`main`, raising :class:`ConfigError` for bad arguments."""
    parser = OneLineParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="most_likely_enemy")
    parser.add_argument(
        "--against",
        default=DEFAULT_AGAINST,
        help="git revision to compare with (default: before the speed work); none skips it",
    )
    parser.add_argument(
        "--rounds", type=int, default=5, help="alternating rounds of the comparison"
    )
    parser.add_argument(
        "--round-replicates", type=int, default=3, help="timed replicates per side and round"
    )
    parser.add_argument(
        "--worlds", default=",".join(WORLDS), help="comma-separated world names; empty skips them"
    )
    parser.add_argument("--replicates", type=int, default=10, help="per world (3 for large)")
    parser.add_argument(
        "--horizon-days",
        type=float,
        default=float(study_setting("horizon_days")),
        help="of every replicate and of the sweep's (default: the study's)",
    )
    parser.add_argument(
        "--sweep-replicates",
        type=int,
        default=int(study_setting("replicates")),
        help="replicates per job of the study's sweep (default: the study's); 0 skips it",
    )
    parser.add_argument("--reference-steps", type=int, default=48, help="0 skips the reference")
    parser.add_argument("--dashboard-days", type=int, default=7, help="0 skips the dashboard")
    parser.add_argument(
        "--memory-replicates",
        default="1,6",
        help="replicates of the job-memory runs, comma-separated; empty skips them",
    )
    parser.add_argument("--memory-days", type=float, default=2.0, help="horizon of those runs")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # internal: one world, as JSON
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure, args.scenario, args.horizon_days, args.replicates)))
        return
    checked = check_arguments(args)

    print(f"scenario {args.scenario}, {args.horizon_days:g} days at 1 h steps, one core")
    print(f"machine: {machine()}")
    if checked.revision:
        result = compare(
            checked.revision,
            args.scenario,
            args.horizon_days,
            rounds=args.rounds,
            replicates=args.round_replicates,
        )
        report_comparison(result, args.against)
    for world in checked.worlds:
        replicates = args.replicates if world == "belgium" else max(1, args.replicates // 3)
        child = subprocess.run(
            [
                sys.executable,
                "-m",
                "experiments.bench",
                "--measure",
                world,
                "--scenario",
                args.scenario,
                "--horizon-days",
                str(args.horizon_days),
                "--replicates",
                str(replicates),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        report(json.loads(child.stdout.splitlines()[-1]))
    if checked.memory_counts:
        job_memory("belgium_municipalities", args.scenario, args.memory_days, checked.memory_counts)
    if args.reference_steps:
        reference_ratio(args.reference_steps)
    if args.dashboard_days:
        dashboard_days(args.scenario, args.dashboard_days)
    if args.sweep_replicates:
        sweep_speedup(args.scenario, args.horizon_days, args.sweep_replicates)
    print(f"\nload average after: {load_average()}")


def load_average() -> str:
    """The load average over 1, 5 and 15 minutes (``os.getloadavg``)."""
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:  # not every system has it
        return "unknown"
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1, 5, 15 min)"


def machine() -> str:
    """The CPU count (and the CPUs this process may use, when fewer) and the load average: a
    figure measured while other processes compete for the cores is noisy."""
    cpus = os.cpu_count() or 0
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cpus
    note = f" ({usable} usable)" if usable != cpus else ""
    return f"{cpus} CPUs{note}, load average {load_average()}"


# ----------------------------------------------------------------------- the comparison


class Side:
    """One side of the comparison: a persistent child process that runs :data:`CHILD_SCRIPT`
    on the checkout at ``root`` (``PYTHONPATH`` and working directory set to it), composes the
    config and runs a warm-up replicate when it starts, then times replicates on request.

    Why a persistent process: the rounds alternate between the sides, and a fresh process per
    round would pay imports, config composition and a cold first replicate every time.

    Raises:
        RuntimeError: if the child imports ``abm`` from elsewhere than ``root``, or stops.
    """

    def __init__(
        self, label: str, root: Path, scenario: str, world: str, horizon_days: float
    ) -> None:
        self.label = label
        self.root = root.resolve()
        spec = {
            "scenario": scenario,
            "world": world,
            "horizon_days": horizon_days,
            "loops": REFERENCE_LOOPS,
        }
        self._stderr: IO[bytes] = tempfile.TemporaryFile()
        self._proc = subprocess.Popen(
            [sys.executable, "-c", CHILD_SCRIPT, json.dumps(spec)],
            cwd=self.root,
            env={**os.environ, **ONE_CORE, "PYTHONPATH": str(self.root)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )
        self.abm_file: str | None = None
        #: Steps and assets (None if the revision cannot say) of the warm-up replicate.
        self.size: dict[str, int | None] = {}

    def ready(self) -> None:
        """Wait for the child's warm-up; check that it imported the ``abm`` of its checkout.
        (Separate from the constructor so that both sides start at once.)"""
        hello = self._answer()
        self.abm_file = hello["abm"]
        self.size = {"steps": hello["steps"], "assets": hello["assets"]}
        if not Path(self.abm_file).resolve().is_relative_to(self.root):
            self.close()
            raise RuntimeError(f"{self.label}: imported {self.abm_file}, not abm of {self.root}")

    def time(self, replicates: int) -> dict[str, Any]:
        """CPU seconds of the reference workload (``reference_s``) and of each of
        ``replicates`` replicates (``replicate_s``), in the child."""
        assert self._proc.stdin is not None
        self._proc.stdin.write(json.dumps({"replicates": replicates}) + "\n")
        self._proc.stdin.flush()
        return self._answer()

    def _answer(self) -> dict[str, Any]:
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            self._stderr.seek(0)
            tail = self._stderr.read().decode(errors="replace").strip().splitlines()[-20:]
            self.close()
            raise RuntimeError(f"{self.label} side stopped:\n" + "\n".join(tail))
        answer: dict[str, Any] = json.loads(line)
        return answer

    def close(self) -> None:
        """End the child (end of its stdin) and wait for it."""
        if self._proc.stdin is not None and not self._proc.stdin.closed:
            self._proc.stdin.close()
        try:
            self._proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()
        self._stderr.close()


def extract_revision(root: Path, sha: str, into: Path) -> None:
    """The tree of commit ``sha`` of the checkout ``root``, written to ``into`` as
    ``git archive <sha> | tar -x`` would (read-only for the repository)."""
    archive = subprocess.Popen(["git", "-C", str(root), "archive", sha], stdout=subprocess.PIPE)
    untar = subprocess.run(["tar", "-x", "-C", str(into)], stdin=archive.stdout, check=False)
    assert archive.stdout is not None
    archive.stdout.close()
    if archive.wait() or untar.returncode:
        raise RuntimeError(f"could not extract {sha} of {root} into {into}")


@dataclass(frozen=True)
class Comparison:
    """The CPU seconds of both sides, round by round."""

    revision: str
    scenario: str
    world: str
    horizon_days: float
    #: Per side (``current``, ``revision``): the abm module imported, and per round the
    #: seconds of each replicate and of the reference workload.
    abm_file: dict[str, str]
    size: dict[str, dict[str, int | None]]
    replicate_s: dict[str, list[list[float]]]
    reference_s: dict[str, list[float]]

    def median(self, side: str) -> float:
        """Median CPU seconds of one replicate, over every round."""
        return statistics.median(s for rnd in self.replicate_s[side] for s in rnd)

    def units(self, side: str) -> float:
        """A replicate in reference units: its median over the median reference workload."""
        return self.median(side) / statistics.median(self.reference_s[side])

    def ratio(self) -> float:
        """Current over revision, of the medians."""
        return self.median("current") / self.median("revision")

    def round_ratios(self) -> list[float]:
        """Current over revision, round by round (medians of the round): the spread says how
        much the machine's load moved the figure."""
        return [
            statistics.median(c) / statistics.median(r)
            for c, r in zip(self.replicate_s["current"], self.replicate_s["revision"], strict=True)
        ]


def compare(
    revision: str,
    scenario: str,
    horizon_days: float,
    *,
    rounds: int,
    replicates: int,
    world: str = COMPARE_WORLD,
    root: Path = CHECKOUT,
) -> Comparison:
    """Time replicates of the checkout ``root`` and of its commit ``revision`` in alternation.

    Each side is a :class:`Side`; a round times ``replicates`` replicates on one side then on
    the other, the side that goes first changing every round, so that a drift of the
    machine's load weighs on both alike.
    """
    sides = ("current", "revision")
    seconds: dict[str, list[list[float]]] = {s: [] for s in sides}
    reference: dict[str, list[float]] = {s: [] for s in sides}
    with tempfile.TemporaryDirectory(prefix="bench-revision-") as tmp:
        extract_revision(root, revision, Path(tmp))
        children = {
            "current": Side("current", root, scenario, world, horizon_days),
            "revision": Side(f"revision {revision[:9]}", Path(tmp), scenario, world, horizon_days),
        }
        try:
            for child in children.values():
                child.ready()
            for i in range(rounds):
                for side in sides if i % 2 == 0 else sides[::-1]:
                    timed = children[side].time(replicates)
                    seconds[side].append(timed["replicate_s"])
                    reference[side].append(timed["reference_s"])
        finally:
            for child in children.values():
                child.close()
        files = {s: str(children[s].abm_file) for s in sides}
        sizes = {s: children[s].size for s in sides}
    return Comparison(revision, scenario, world, horizon_days, files, sizes, seconds, reference)


def _size(size: dict[str, int | None]) -> str:
    """``1,440 steps, 1,021 assets`` (assets ``?`` when the revision cannot say)."""
    assets = "?" if size["assets"] is None else f"{size['assets']:,}"
    return f"{size['steps']:,} steps, {assets} assets"


def report_comparison(c: Comparison, given: str) -> None:
    """Print both sides' medians, in seconds and in reference units, and their ratio."""
    rounds = len(c.replicate_s["current"])
    per_round = len(c.replicate_s["current"][0])
    print(
        f"\ncomparison with {given} ({c.revision[:12]}): world {c.world}, {c.scenario}, "
        f"{c.horizon_days:g} days at 1 h steps\n"
        "  CPU seconds of one replicate (process time, config composed outside the timer), "
        f"median of\n  {rounds} alternating rounds x {per_round} replicates per side, "
        "each side in its own process after a warm-up replicate:"
    )
    for side in ("current", "revision"):
        print(
            f"  {side:<8} {c.median(side):8.3f} s = {c.units(side):6.2f} reference units "
            f"(reference workload {statistics.median(c.reference_s[side]):.3f} s)"
        )
    ratios = c.round_ratios()
    print(
        f"  ratio current/revision: {c.ratio():.3f} (target <= {TARGET_RATIO}; per round "
        f"{min(ratios):.3f} to {max(ratios):.3f}; in reference units "
        f"{c.units('current') / c.units('revision'):.3f})"
    )
    print(f"  abm imported from {c.abm_file['current']} and {c.abm_file['revision']}")
    sizes = {side: _size(c.size[side]) for side in ("current", "revision")}
    same = "" if sizes["current"] == sizes["revision"] else " (NOT the same workload)"
    print(f"  a replicate: current {sizes['current']}, revision {sizes['revision']}{same}")
    print(f"  load average after the comparison: {load_average()}")


# ----------------------------------------------------------------------- the other sections


def measure(world: str, scenario: str, horizon_days: float, replicates: int) -> dict[str, Any]:
    """Every figure of one world, in this process (run it in a fresh one)."""
    cfg = load_config(scenario, overrides=[f"world={world}"], horizon_days=horizon_days, dt_hours=1)
    build, step = [], []
    for r in range(replicates):
        t0 = time.perf_counter()
        model = HybridThreatModel(cfg, rng=0, replicate=r)
        t1 = time.perf_counter()
        model.run_model()
        build.append(t1 - t0)
        step.append(time.perf_counter() - t1)
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux

    # Phase split: timers around each phase of one more replicate.
    model = HybridThreatModel(cfg, rng=0, replicate=0)
    spent = dict.fromkeys(PHASES, 0.0)
    for name in PHASES:
        setattr(model, name, _timed(getattr(model, name), name, spent))
    model.run_model()

    # The model's own peak allocations (numpy arrays included), one more replicate.
    tracemalloc.start()
    HybridThreatModel(cfg, rng=0, replicate=0).run_model()
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    profile = cProfile.Profile()
    profiled = HybridThreatModel(cfg, rng=0, replicate=0)
    profile.enable()
    profiled.run_model()
    profile.disable()

    w = model.world
    return {
        "world": world,
        "replicates": replicates,
        "regions": w.regions.n,
        "assets": w.n_assets,
        "edges": len(w.edge_need),
        "operators": w.operators.n,
        "groups": model.people.groups.n,
        "steps": model.steps,
        "build_s": statistics.median(build),
        "step_s": statistics.median(step),
        "total_s": statistics.median(b + s for b, s in zip(build, step, strict=True)),
        "phases_s": spent,
        "peak_rss_mib": rss_mib,
        "model_peak_mib": traced_peak / 2**20,
        "hot": _hot_functions(profile, 8),
    }


def _timed(fn: Callable[..., Any], name: str, spent: dict[str, float]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[name] += time.perf_counter() - start

    return wrapper


def _hot_functions(profile: cProfile.Profile, n: int) -> list[tuple[str, float]]:
    """The ``n`` functions with the most time of their own, as (name, seconds)."""
    stats = pstats.Stats(profile, stream=io.StringIO())
    table = stats.stats  # type: ignore[attr-defined]  # set by Stats, absent from typeshed
    rows = sorted(table.items(), key=lambda kv: kv[1][2], reverse=True)[:n]
    out = []
    for (filename, line, func), (_, _, own, _, _) in rows:
        where = f"{Path(filename).parent.name}/{Path(filename).name}:{line}" if line else ""
        out.append((f"{func} {where}".strip(), own))
    return out


def report(m: dict[str, Any]) -> None:
    """Print one world's figures."""
    phases = m["phases_s"]
    steps = m["steps"]
    total_phases = sum(phases.values())
    asset_s = sum(phases[p] for p in ASSET_PHASES)
    print(
        f"\nworld {m['world']}: {m['regions']} regions, {m['assets']:,} assets, "
        f"{m['edges']:,} supply edges, {m['operators']} operators, {m['groups']:,} groups"
    )
    print(f"  seconds per replicate (median of {m['replicates']}): {m['total_s']:.3f}")
    print(f"    building the world and model: {m['build_s']:.3f}")
    print(f"    stepping:                     {m['step_s']:.3f}")
    print(f"  steps per second: {steps / m['step_s']:,.0f}")
    print(
        "  agent-updates per second: population layer "
        f"{m['groups'] * steps / max(phases['population'], 1e-12):,.0f}, asset layer "
        f"{m['assets'] * steps / max(asset_s, 1e-12):,.0f}"
    )
    print(
        f"  peak memory: {m['peak_rss_mib']:,.0f} MiB resident (whole process), "
        f"{m['model_peak_mib']:,.0f} MiB allocated by the model"
    )
    print("  time by step phase (one replicate, timed):")
    for name in PHASES:
        share = phases[name] / total_phases if total_phases else 0.0
        print(f"    {name:<28} {phases[name]:7.3f} s  {share:6.1%}")
    print("  hottest functions (cProfile, one replicate; own time):")
    for name, seconds in m["hot"]:
        print(f"    {seconds:7.3f} s  {name}")


def job_memory(world: str, scenario: str, horizon_days: float, counts: list[int]) -> None:
    """Peak resident memory of one job through ``python -m experiments.run`` for each number
    of replicates in ``counts``, each in a fresh process, and the ratio of the largest to the
    smallest count's peak. Why: the job used to hold every replicate's tables until it ended,
    so its peak grew with its replicates; the issue's target is a ratio below 1.10."""
    peaks = {}
    print(
        f"\njob peak memory: world {world}, {scenario}, {horizon_days:g} days "
        "(python -m experiments.run, a fresh process each)"
    )
    for n in counts:
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            peaks[n] = peak_rss_mib(
                [
                    sys.executable,
                    "-m",
                    "experiments.run",
                    f"scenario={scenario}",
                    f"world={world}",
                    f"replicates={n}",
                    f"horizon_days={horizon_days}",
                    "print_summary=false",
                    f"hydra.run.dir={tmp}",
                ]
            )
            seconds = time.perf_counter() - start
        print(f"  {n} replicate{'s' if n > 1 else ''}: {peaks[n]:,.0f} MiB ({seconds:.1f} s)")
    low, high = min(counts), max(counts)
    if low != high:
        print(
            f"  ratio {high} to {low} replicate{'s' if low > 1 else ''}: "
            f"{peaks[high] / peaks[low]:.3f} (target < 1.10)"
        )


def peak_rss_mib(cmd: list[str]) -> float:
    """Peak resident set of the process ``cmd``, in MiB, read from its resource usage when it
    ends (``os.wait4``: this child's alone, not the largest of every child so far)."""
    with subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as proc:
        assert proc.stderr is not None
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, cmd, stderr=err)
    return usage.ru_maxrss / (2**20 if sys.platform == "darwin" else 2**10)  # bytes or KiB


def reference_ratio(steps: int) -> None:
    """The vectorised population layer against its per-agent Mesa reference: on the province
    world (33 groups), the municipalities (1,743) and a synthetic 2,100-group world."""
    from tests.reference import population as reference

    print()
    reference.main(["--steps", str(steps), "--municipalities"])


def dashboard_days(scenario: str, days: int) -> None:
    """Seconds per simulated day in the dashboard: a day of both runs of compare mode, then
    every view redrawn and encoded as PNG, as the browser receives it."""
    import io

    import matplotlib.pyplot as plt

    from abm.dashboard import figures
    from abm.dashboard.model import DashboardModel, event_table

    model = DashboardModel(
        threat=scenario, package="combined", compare_with="none", horizon_days=days
    )
    views = [
        figures.sector_curves,
        figures.region_tiles,
        figures.transit_progress,
        figures.trust_and_reach,
        lambda m: figures.comparison(m, m.other),
    ]
    seconds = []
    for _ in range(days):
        start = time.perf_counter()
        model.run_day()
        for view in views:
            fig = view(model)
            fig.savefig(io.BytesIO(), format="png")
            plt.close(fig)
        event_table(model)
        seconds.append(time.perf_counter() - start)
    print(
        f"\ndashboard: a simulated day of {scenario} in compare mode, stepped and redrawn: "
        f"median {statistics.median(seconds):.2f} s, slowest {max(seconds):.2f} s "
        f"(over {days} days; target < 1 s)"
    )


def sweep_speedup(scenario: str, horizon_days: float, replicates: int) -> None:
    """The speed-up of 2 workers over 1 on the default study's comparison sweep (every
    mitigation, ``replicates`` per job), wall time start-up included: what ``make run`` gains
    from its second worker. Why the whole sweep and not replicates side by side: Hydra's
    composition of each job and the workers' start-up are part of what a study waits for."""
    arms, blocks = n_jobs(), study_blocks(replicates)
    jobs = arms * max(len(blocks), 1)
    print(
        f"\nsweep: the default study's mitigation_comparison, {scenario}, {arms} arms x "
        f"{replicates} replicates of {horizon_days:g} days as {jobs} jobs "
        f"({' '.join(blocks) or 'one per arm'}), joblib launcher, wall time including start-up"
    )
    seconds = {}
    for workers in (1, 2):
        seconds[workers] = sweep_seconds(scenario, horizon_days, replicates, workers)
        print(
            f"  {workers} worker{'s' if workers > 1 else ' '}: {seconds[workers]:8.1f} s, "
            f"{arms * replicates / seconds[workers]:.2f} replicates per second"
        )
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    note = "" if (cpus or 0) >= 2 else f"; only {cpus} CPU here, so no speed-up is possible"
    print(
        f"  speed-up of 2 workers over 1: {seconds[1] / seconds[2]:.2f} "
        f"(target >= {TARGET_SPEEDUP}{note})"
    )


def sweep_seconds(scenario: str, horizon_days: float, replicates: int, workers: int) -> float:
    """Wall seconds of the mitigation_comparison sweep through the joblib launcher with
    ``workers`` workers, into a fresh directory (nothing to resume)."""
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        launch_sweep(
            [
                "+experiment=mitigation_comparison",
                f"scenario={scenario}",
                f"replicates={replicates}",
                f"horizon_days={horizon_days}",
                *study_blocks(replicates),
            ],
            tmp,
            launcher="joblib",
            n_jobs=workers,
            capture=True,
        )
        return time.perf_counter() - start


def study_blocks(replicates: int) -> list[str]:
    """The overrides with which the study splits each arm's ``replicates`` into jobs."""
    from experiments.study import arm_blocks

    return arm_blocks([f"replicates={replicates}"])


def n_jobs() -> int:
    """Jobs of the mitigation_comparison preset: one per mitigation."""
    preset = Path(configs.__file__).parent / "experiment" / "mitigation_comparison.yaml"
    params = yaml.safe_load(preset.read_text())["hydra"]["sweeper"]["params"]
    return len(str(params["mitigation"]).split(","))


if __name__ == "__main__":
    sys.exit(main())
