"""Benchmark: seconds per replicate of the default study, 60 days at hourly steps, one core.

``make bench`` runs it with BLAS threads pinned to one; the figures it prints are the ones the
README quotes. Timings are wall-clock medians over replicates, so one slow outlier (a cold
cache) does not move them.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

import configs
from abm import HybridThreatModel, load_config


def main(argv: list[str] | None = None) -> None:
    """Time ``--replicates`` replicates of ``--scenario`` and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="most_likely_enemy")
    parser.add_argument("--replicates", type=int, default=10)
    parser.add_argument("--horizon-days", type=float, default=60.0)
    parser.add_argument(
        "--sweep-replicates",
        type=int,
        default=4,
        help="replicates per job of the throughput sweep (one job per mitigation)",
    )
    args = parser.parse_args(argv)

    cfg = load_config(args.scenario, horizon_days=args.horizon_days, dt_hours=1)
    build, step = [], []
    for r in range(args.replicates):
        t0 = time.perf_counter()
        model = HybridThreatModel(cfg, rng=0, replicate=r)
        t1 = time.perf_counter()
        model.run_model()
        t2 = time.perf_counter()
        build.append(t1 - t0)
        step.append(t2 - t1)
    total = [b + s for b, s in zip(build, step, strict=True)]
    steps = model.steps
    print(
        f"scenario {args.scenario}, {args.horizon_days:g} days at 1 h steps ({steps} steps), "
        f"{args.replicates} replicates, one core"
    )
    print(
        f"  world: {model.world.n_assets} assets, {len(model.world.edge_need)} supply edges, "
        f"{model.world.operators.n} operators, {model.world.regions.n} regions"
    )
    print(f"  seconds per replicate (median): {statistics.median(total):.3f}")
    print(f"    building the world and model: {statistics.median(build):.3f}")
    print(f"    stepping:                     {statistics.median(step):.3f}")
    print(f"  steps per second: {steps / statistics.median(step):,.0f}")
    for workers in (1, 2):
        rate = sweep_throughput(args.scenario, args.horizon_days, args.sweep_replicates, workers)
        print(
            f"  sweep throughput, {workers} worker{'s' if workers > 1 else ''}: "
            f"{rate:.2f} replicates per second (mitigation_comparison, {n_jobs()} jobs x "
            f"{args.sweep_replicates} replicates, joblib launcher, including start-up)"
        )


def sweep_throughput(scenario: str, horizon_days: float, replicates: int, workers: int) -> float:
    """Replicates per second of a mitigation_comparison sweep through the joblib launcher."""
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "experiments.run",
                "-m",
                "+experiment=mitigation_comparison",
                f"scenario={scenario}",
                f"replicates={replicates}",
                f"horizon_days={horizon_days}",
                "hydra/launcher=joblib",
                f"hydra.launcher.n_jobs={workers}",
                f"hydra.sweep.dir={tmp}",
            ],
            check=True,
            capture_output=True,
        )
        return n_jobs() * replicates / (time.perf_counter() - start)


def n_jobs() -> int:
    """Jobs of the mitigation_comparison preset: one per mitigation."""
    preset = Path(configs.__file__).parent / "experiment" / "mitigation_comparison.yaml"
    params = yaml.safe_load(preset.read_text())["hydra"]["sweeper"]["params"]
    return len(str(params["mitigation"]).split(","))


if __name__ == "__main__":
    main()
