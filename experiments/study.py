"""The default study (``make run``): every mitigation against the hybrid campaign, and a report.

Runs the ``mitigation_comparison`` preset with 20 replicates of 60 days per mitigation on two
workers (a few minutes on two cores), prints the per-sector table of the unmitigated campaign
and the ranking of the mitigations, and writes the report. Extra arguments are Hydra overrides
(``python -m experiments.study scenario=cyber_only replicates=50``). The sweep directory is
fixed (``--out``, default ``outputs/study``), so a second run reuses every finished job.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from abm.sweeps import launch_sweep, sweep_command
from analysis.catalog import build_catalog
from analysis.compare import RANKING_COLUMNS, ranking
from analysis.report import build_report
from analysis.tables import sector_summary

DEFAULTS = ("replicates=20", "horizon_days=60", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2")


def main(argv: list[str] | None = None) -> int:
    """Run the sweep, print the tables, write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("outputs/study"))
    parser.add_argument("overrides", nargs="*", help="Hydra overrides")
    args = parser.parse_args(argv)
    given = {o.split("=", 1)[0] for o in args.overrides}
    overrides = [
        "+experiment=mitigation_comparison",
        *(d for d in DEFAULTS if d.split("=", 1)[0] not in given),
        *args.overrides,
    ]
    print("Running:", " ".join(sweep_command(overrides, args.out)[1:]), flush=True)
    sweep = launch_sweep(overrides, args.out, check=False, quiet=True)
    catalog = build_catalog(args.out)
    done = catalog[catalog.status == "complete"]
    if done.empty:
        print("error: no job finished; see the error.json files under", args.out, file=sys.stderr)
        return 1
    base = done[done.mitigation == "none"]
    if len(base):
        print(
            f"\nScenario {base.scenario.iloc[0]!r} without mitigation, {len(base)} "
            "replicates. Loss = hours of full outage per inhabitant:\n"
        )
        print(sector_summary(base).to_string(float_format=lambda v: f"{v:8.3f}"))
        rank = ranking(done)
        cols = RANKING_COLUMNS
        with pd.option_context("display.width", 160):
            print(
                "\nMitigations ranked by total loss avoided, in hours of full outage per "
                "inhabitant (paired with none; 95% bootstrap CI; Wilcoxon signed-rank, "
                "Holm-corrected):\n"
            )
            print(rank[cols].to_string(index=False, float_format=lambda v: f"{v:10.4g}"))
    report = build_report(args.out)
    print(f"\nReport: {report}")
    return sweep.returncode


if __name__ == "__main__":
    sys.exit(main())
