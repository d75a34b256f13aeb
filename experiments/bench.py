"""Benchmark: seconds per replicate of the default study, 60 days at hourly steps, one core.

``make bench`` runs it with BLAS threads pinned to one; the figures it prints are the ones the
README quotes. Timings are wall-clock medians over replicates, so one slow outlier (a cold
cache) does not move them.
"""

from __future__ import annotations

import argparse
import statistics
import time

from abm import HybridThreatModel, load_config


def main(argv: list[str] | None = None) -> None:
    """Time ``--replicates`` replicates of ``--scenario`` and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="hybrid_campaign")
    parser.add_argument("--replicates", type=int, default=10)
    parser.add_argument("--horizon-days", type=float, default=60.0)
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


if __name__ == "__main__":
    main()
