"""Hydra sweeps of ``experiments.run``: launching one, and following its progress.

:func:`launch_sweep` is the one place that builds the ``python -m experiments.run -m ...``
command line; the default study, the designs of the sensitivity and optimisation drivers, the
benchmark and the tests all launch their sweeps through it. :class:`SweepProgress` is the Hydra
callback (``hydra.callbacks`` in ``configs/config.yaml``) that prints progress with an ETA after
every job and counts the failures at the end.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from abm.results import COMPLETE_MARKER, ERROR_RECORD

#: The entry point every sweep runs: the same Hydra app as a single run.
SWEEP_MODULE = "experiments.run"
STATE_FILE = ".sweep.json"


def quoted(value: str | os.PathLike[str]) -> str:
    """``value`` as a quoted Hydra override value, so that a path with spaces, commas or
    brackets stays one string. Hydra reads backslashes literally except before a quote or the
    closing quote, where they are doubled; a quote is escaped with one."""
    text = re.sub(r"(\\*)('|$)", lambda m: m[1] * 2 + ("\\'" if m[2] else ""), str(value))
    return f"'{text}'"


def sweep_command(
    overrides: Sequence[str],
    sweep_dir: str | os.PathLike[str],
    *,
    launcher: str | None = None,
    n_jobs: int | None = None,
) -> list[str]:
    """The command line of a sweep: ``python -m experiments.run -m <overrides> ...``.

    Args:
        overrides: Hydra overrides of the sweep (presets, swept values, ``size=smoke``...).
        sweep_dir: ``hydra.sweep.dir``: each job writes into a directory under it, named from
            its overrides, so launching the same sweep into it again resumes it.
        launcher: A Hydra launcher (``joblib``, ``slurm``, ``ray_local``...); None keeps the
            configured one (jobs one after the other in this process's child).
        n_jobs: Workers of the launcher (``hydra.launcher.n_jobs``; joblib's).
    """
    cmd = [sys.executable, "-m", SWEEP_MODULE, "-m", *overrides]
    if launcher is not None:
        cmd.append(f"hydra/launcher={launcher}")
    if n_jobs is not None:
        cmd.append(f"hydra.launcher.n_jobs={n_jobs}")
    cmd.append(f"hydra.sweep.dir={quoted(sweep_dir)}")
    return cmd


def launch_sweep(
    overrides: Sequence[str],
    sweep_dir: str | os.PathLike[str],
    *,
    launcher: str | None = None,
    n_jobs: int | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    capture: bool = False,
    quiet: bool = False,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a sweep of ``experiments.run`` to the end, in a child process.

    Why a child process: a multirun is Hydra's ``@hydra.main`` command line, not a function
    (its sweeper, launcher and callbacks are set up there), and Hydra keeps global state that
    allows one app per process; the joblib, submitit and Ray launchers also expect to start from
    a fresh interpreter. A child process runs exactly what a user's command line runs, leaves
    this process's Hydra state alone (the drivers compose configs with it), and its exit status
    says whether every job finished.

    Args:
        overrides, sweep_dir, launcher, n_jobs: As for :func:`sweep_command`.
        env: Variables to set in the child, on top of this process's environment.
        check: Raise :class:`subprocess.CalledProcessError` if the sweep exits non-zero (a job
            failed, or bad input).
        capture: Keep the child's output (text) in the result instead of printing it.
        quiet: Discard the child's standard output (the tables of each job) but let its
            standard error (progress, ETA, failures) through; ignored with ``capture``.
        timeout: Seconds before the child is killed (:class:`subprocess.TimeoutExpired`).

    Returns:
        The finished process: its ``returncode``, and ``stdout``/``stderr`` with ``capture``.
    """
    stdout = subprocess.DEVNULL if quiet and not capture else None
    return subprocess.run(
        sweep_command(overrides, sweep_dir, launcher=launcher, n_jobs=n_jobs),
        stdout=stdout,
        capture_output=capture,
        text=True,
        env=None if env is None else {**os.environ, **env},
        check=check,
        timeout=timeout,
    )


# ------------------------------------------------------------------------------- progress
# Jobs may run in other processes (joblib, Ray, SLURM), so progress is read from the sweep
# directory itself: a job is done when it has left a completion marker or an error record.


def count_jobs(config: DictConfig) -> int:
    """Number of jobs of a basic sweep: the product of the swept values' counts."""
    params = OmegaConf.select(config, "hydra.sweeper.params") or {}
    overrides = {}
    for key, value in params.items():
        overrides[key] = f"{key}={value}"
    for item in OmegaConf.select(config, "hydra.overrides.task") or []:
        overrides[item.split("=", 1)[0].lstrip("+~")] = item
    parsed = OverridesParser.create().parse_overrides(list(overrides.values()))
    total = 1
    for override in parsed:
        if override.is_sweep_override():
            total *= len(list(override.sweep_string_iterator()))
    return total


def finished(sweep_dir: Path) -> tuple[int, int]:
    """(completed, failed) jobs under a sweep directory."""
    done = len(list(sweep_dir.glob(f"**/{COMPLETE_MARKER}")))
    failed = len(list(sweep_dir.glob(f"**/{ERROR_RECORD}")))
    return done, failed


def _eta(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "?"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"


class SweepProgress(Callback):
    """Prints ``k/N jobs done, ETA`` after every job, and how many failed at the end."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        sweep_dir.mkdir(parents=True, exist_ok=True)
        done, failed = finished(sweep_dir)
        state = {"total": count_jobs(config), "start": time.time(), "done_before": done}
        (sweep_dir / STATE_FILE).write_text(json.dumps(state))

    def on_job_end(self, config: DictConfig, job_return: Any, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        try:
            state = json.loads((sweep_dir / STATE_FILE).read_text())
        except (OSError, json.JSONDecodeError):
            return
        done, failed = finished(sweep_dir)
        total = state["total"]
        new = done + failed - state["done_before"]
        elapsed = time.time() - state["start"]
        remaining = max(total - done - failed, 0)
        eta = elapsed / new * remaining if new > 0 else float("inf")
        print(
            f"[sweep] {done + failed}/{total} jobs done ({failed} failed), ETA {_eta(eta)}",
            file=sys.stderr,
            flush=True,
        )

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        done, failed = finished(sweep_dir)
        total = count_jobs(config)
        print(
            f"[sweep] finished: {done} of {total} jobs complete, {failed} failed ({sweep_dir})",
            file=sys.stderr,
            flush=True,
        )
        if failed:
            print(
                f"[sweep] {failed} job(s) failed: see error.json in their directories",
                file=sys.stderr,
                flush=True,
            )
            sys.exit(1)
