"""Run a scenario: ``python -m experiments.run scenario=<name> seed=<int> replicates=<int>``.

A Hydra app (``version_base="1.3"``): any config key can be overridden on the command line, and
``-m`` sweeps (``-m +experiment=mitigation_comparison size=smoke``). The results contract is
written into the job's directory (``hydra.run.dir=<dir>`` places a single run; a sweep's jobs go
to ``<hydra.sweep.dir>/<their overrides>``).

Bad input stops a single run with a one-line message naming the key and what is allowed, exit
status 2, and no results. In a sweep, a job that fails writes ``error.json`` and the others go
on; the sweep then exits 1 and says how many jobs failed. Re-running a sweep into the same
directory skips every job whose results are complete and intact under the same resume key (config,
seed, code and package versions: ``abm.results.resume_key``) and redoes the others, saying why.
A sweep owns its directory while it runs (``abm/sweeps.py``: a flock on ``.sweep.lock``): a second
sweep into it stops in one line with exit status 2, or waits with ``sweep_wait=true``. Before any
job runs, the sweep says how many completed jobs were computed by other code or packages; they are
redone, or with ``stale_jobs=refuse`` the sweep stops in one line naming what changed.
``debug_fail_job=<n>`` makes job number ``n`` fail on purpose, to test all that.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from abm.api import as_run_config
from abm.config import register_configs
from abm.errors import ConfigError
from abm.job import run_job
from abm.results import job_state, results_yaml, resume_key, write_error
from analysis.tables import (
    attack_summary,
    population_summary,
    sector_summary,
    to_text,
    total_summary,
)

register_configs()


class DebugFailure(RuntimeError):
    """Raised on purpose by ``debug_fail_job``."""


@hydra.main(version_base="1.3", config_path="pkg://configs", config_name="config")
def main(cfg: DictConfig) -> None:
    """Validate, run the job's replicates, write results, print the tables (single runs)."""
    hc = HydraConfig.get()
    outdir = Path(hc.runtime.output_dir)
    sweeping = hc.mode == RunMode.MULTIRUN
    resolved = results_yaml(cfg)
    if sweeping:
        state, why = job_state(outdir, resume_key(resolved, cfg.design.file))
        if state == "complete":
            print(f"[sweep] job {hc.job.num} already complete, skipped: {outdir}", file=sys.stderr)
            return
        if state in ("stale", "damaged"):
            print(f"[sweep] job {hc.job.num} {state} ({why}), redone: {outdir}", file=sys.stderr)
    try:
        if sweeping and cfg.debug_fail_job is not None and hc.job.num == cfg.debug_fail_job:
            raise DebugFailure(f"debug_fail_job={cfg.debug_fail_job}: failing on purpose")
        summary = run_job(as_run_config(cfg), outdir, resolved)
    except Exception as err:
        if not sweeping:
            if isinstance(err, ConfigError):
                print(f"error: {err}", file=sys.stderr)
                sys.exit(2)
            raise
        write_error(outdir, err, list(hc.overrides.task), traceback.format_exc())
        print(
            f"[sweep] job {hc.job.num} failed ({type(err).__name__}: {err}); "
            f"see {outdir / 'error.json'}",
            file=sys.stderr,
        )
        return
    if cfg.print_summary and not sweeping:
        print_tables(cfg, summary, outdir)


def print_tables(cfg: DictConfig, summary, outdir: Path) -> None:
    """The per-sector, population and adversary tables of a finished run."""
    print(
        f"\nScenario {cfg.scenario.name!r}, mitigation {summary['mitigation'].iloc[0]!r} "
        f"({summary['mitigation_cost_meur'].iloc[0]:g} MEUR a year), {cfg.replicates} "
        f"replicates, seed {cfg.seed}, {cfg.horizon_days:g} days at {cfg.dt_hours:g} h steps.\n"
        "Loss = person-hours of service lost by each sector's dependents (people or users); "
        "person_hours: mean, 95% t-interval, min, max; people_affected: dependents in "
        "regions below the sector's minimum service; hours_below_min: the worst region's hours "
        "below it.\n"
    )
    print(to_text(sector_summary(summary)))
    print()
    print(to_text(total_summary(summary, cfg.weighting.name)))
    print("\nPopulation:\n")
    print(population_summary(summary).to_string(float_format=lambda v: f"{v:12.4g}"))
    print("\nAdversary actions (attempts / successes, mean per replicate):\n")
    print(attack_summary(summary).to_string(float_format=lambda v: f"{v:8.2f}"))
    print(f"\nResults: {outdir}")


if __name__ == "__main__":
    main()
