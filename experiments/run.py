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

import logging
import shutil
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

import hydra
from hydra._internal.utils import get_args_parser
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from abm.api import as_run_config
from abm.cli import guarded, hydra_errors_raise, one_line, refuse
from abm.config import register_configs
from abm.job import run_job
from abm.results import job_state, results_yaml, resume_key, write_error
from abm.study_config import check_once
from abm.validation import InputCheck
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
            message = one_line(err)
            if message is not None:  # bad input that only the job could see
                forget_run_dir(outdir)
                raise SystemExit(refuse(message)) from None  # Hydra would add a line
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


def forget_run_dir(outdir: Path) -> None:
    """Remove a single run's directory that holds only what Hydra wrote before the task (its
    ``.hydra`` folder and log), and the empty folders Hydra made for it: a refused run leaves
    nothing behind."""
    if not outdir.is_dir():
        return
    if any(p.name != ".hydra" and p.suffix != ".log" for p in outdir.iterdir()):
        return
    shutil.rmtree(outdir, ignore_errors=True)
    for made in reversed(InputCheck.made):
        if made.is_dir() and not any(made.iterdir()):
            made.rmdir()


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


def _launch(argv: list[str]) -> None:
    """Check the command line, then hand it to Hydra (which reads ``sys.argv``): code or the
    environment in it or in the files it names, unknown flags (``abm.config_guard``), and a key
    given twice, which Hydra would keep silently."""
    from abm.config_guard import check_command_line

    check_command_line(argv)
    check_once(get_args_parser().parse_known_args(list(argv))[0].overrides)
    main()


def _exit_status(code: object) -> int:
    """The exit status ``SystemExit(code)`` gives, as the interpreter would."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def command(argv: Sequence[str]) -> int:
    """``python -m experiments.run <argv>`` in this process; returns its exit status.

    Why in-process: a subprocess pays the imports again (seconds), which the tests of bad
    input and the fuzz test would pay for every case. Bad input ends in one line on stderr and
    status 2; a sweep with failed jobs in 1; an error that is not bad input prints its traceback
    and gives 1, as the interpreter would. What a run changes in this process is undone after
    it: ``sys.argv``, Hydra's global state (or the next ``abm.load_config`` would compose with
    this run's search path) and the root logger's handlers (Hydra points them at the run's log
    file).
    """
    saved_argv = sys.argv
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    sys.argv = [saved_argv[0] if saved_argv else "run", *argv]
    hydra_errors_raise()
    try:
        return guarded(lambda: _launch(list(argv)))
    except SystemExit as end:
        return _exit_status(end.code)
    except Exception:
        traceback.print_exc()
        return 1
    finally:
        sys.argv = saved_argv
        GlobalHydra.instance().clear()
        for handler in root.handlers:
            if handler not in saved_handlers:
                handler.close()
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)


if __name__ == "__main__":
    sys.exit(command(sys.argv[1:]))
