"""Benchmark: what one replicate costs, where the time goes, and what a sweep delivers.

``make bench`` runs it on one core (BLAS threads pinned to one). For the default study's scenario
(``most_likely_enemy``, 60 days at hourly steps) on the province world and on the large world
(``world=belgium_municipalities``) it prints:

- seconds per replicate (median over replicates, so one cold start does not move it), split into
  building and stepping, and steps per second;
- agent-updates per second of the population layer (groups x steps / its seconds) and of the
  asset layer (assets x steps / the seconds of cascade, repairs and sector service);
- peak memory: the process's peak resident set, and the model's own peak allocations;
- the time split by step phase (timers around each phase of one replicate), and the hottest
  functions from a cProfile of another;
- the vectorised population layer against its per-agent Mesa reference
  (:mod:`tests.reference.population`, run from the checkout) at increasing numbers of groups;
- seconds per simulated day in the dashboard (both runs of compare mode stepped, every view
  redrawn);
- the throughput of a ``mitigation_comparison`` sweep through the joblib launcher;
- the peak memory of a municipality-world job (``python -m experiments.run``) with 1 and with 6
  replicates, each in a fresh process, and their ratio: a job stages each replicate when it
  ends (:mod:`abm.staging`), so its peak is one replicate's, whatever its number of replicates.

Each world is measured in a fresh process, so that its peak memory is its own. The figures are
benchmark figures, never test assertions; the README quotes them. Arguments it cannot use (an
unknown scenario or world, a count below 0, a horizon that is not a positive finite number of
days) stop it before it measures anything, in one line ``error: <flag>: ...`` with exit
status 2.
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
from pathlib import Path
from typing import Any

import yaml

import configs
from abm import HybridThreatModel, load_config
from abm.cli import guarded
from abm.errors import ConfigError
from abm.study_config import OneLineParser
from abm.sweeps import launch_sweep
from abm.vocabulary import PHASES

WORLDS = ("belgium", "belgium_municipalities")
#: Phases that update the asset layer (assets x steps of agent-updates).
ASSET_PHASES = ("asset_failures_and_cascade", "repairs", "sector_service")


#: The most days a benchmark run may simulate (a year: the figures are per day or per step).
MAX_DAYS = 366.0


def _shipped(group: str) -> list[str]:
    """The names of a config group's shipped options (``configs/<group>/*.yaml``)."""
    return sorted(p.stem for p in (Path(configs.__file__).parent / group).glob("*.yaml"))


def _days(key: str, value: float) -> None:
    if not math.isfinite(value) or not 0 < value <= MAX_DAYS:
        raise ConfigError(key, f"a number of days in (0, {MAX_DAYS:g}], got {value:g}")


def check_arguments(args: argparse.Namespace) -> list[int]:
    """Refuse what the benchmark cannot measure, before it starts; the replicates of the
    job-memory runs.

    Raises:
        ConfigError: naming the flag.
    """
    scenarios = _shipped("scenario")
    if args.scenario not in scenarios:
        raise ConfigError("--scenario", f"one of {', '.join(scenarios)}, got {args.scenario!r}")
    worlds = _shipped("world")
    for world in args.worlds.split(","):
        if world not in worlds:
            raise ConfigError("--worlds", f"names among {', '.join(worlds)}, got {world!r}")
    if args.replicates < 1:
        raise ConfigError("--replicates", f"a whole number >= 1, got {args.replicates}")
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
    return [int(c) for c in counts]


def main(argv: list[str] | None = None) -> int:
    """Measure every world in its own process, then the reference ratio and the sweep; one line
    and exit status 2 for bad arguments."""
    return guarded(lambda: _main(argv))


def _main(argv: list[str] | None) -> None:
    """:func:`main`, raising :class:`ConfigError` for bad arguments."""
    parser = OneLineParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="most_likely_enemy")
    parser.add_argument("--worlds", default=",".join(WORLDS), help="comma-separated world names")
    parser.add_argument("--replicates", type=int, default=10, help="per world (3 for large)")
    parser.add_argument("--horizon-days", type=float, default=60.0)
    parser.add_argument(
        "--sweep-replicates",
        type=int,
        default=4,
        help="replicates per job of the throughput sweep (one job per mitigation); 0 skips it",
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
    counts = check_arguments(args)

    if args.measure:
        print(json.dumps(measure(args.measure, args.scenario, args.horizon_days, args.replicates)))
        return
    print(f"scenario {args.scenario}, {args.horizon_days:g} days at 1 h steps, one core")
    for world in args.worlds.split(","):
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
    if counts:
        job_memory("belgium_municipalities", args.scenario, args.memory_days, counts)
    if args.reference_steps:
        reference_ratio(args.reference_steps)
    if args.dashboard_days:
        dashboard_days(args.scenario, args.dashboard_days)
    if args.sweep_replicates:
        for workers in (1, 2):
            rate = sweep_throughput(
                args.scenario, args.horizon_days, args.sweep_replicates, workers
            )
            print(
                f"sweep throughput, {workers} worker{'s' if workers > 1 else ''}: "
                f"{rate:.2f} replicates per second (mitigation_comparison, {n_jobs()} jobs x "
                f"{args.sweep_replicates} replicates, joblib launcher, including start-up)"
            )


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


def sweep_throughput(scenario: str, horizon_days: float, replicates: int, workers: int) -> float:
    """Replicates per second of a mitigation_comparison sweep through the joblib launcher."""
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        launch_sweep(
            [
                "+experiment=mitigation_comparison",
                f"scenario={scenario}",
                f"replicates={replicates}",
                f"horizon_days={horizon_days}",
            ],
            tmp,
            launcher="joblib",
            n_jobs=workers,
            capture=True,
        )
        return n_jobs() * replicates / (time.perf_counter() - start)


def n_jobs() -> int:
    """Jobs of the mitigation_comparison preset: one per mitigation."""
    preset = Path(configs.__file__).parent / "experiment" / "mitigation_comparison.yaml"
    params = yaml.safe_load(preset.read_text())["hydra"]["sweeper"]["params"]
    return len(str(params["mitigation"]).split(","))


if __name__ == "__main__":
    main()
