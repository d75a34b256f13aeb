"""Hydra callbacks for sweeps: progress with an ETA, and a failure count at the end.

Jobs may run in other processes (joblib, Ray, SLURM), so progress is read from the sweep
directory itself: a job is done when it has left a completion marker or an error record.
"""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from abm.results import COMPLETE_MARKER, ERROR_RECORD

STATE_FILE = ".sweep.json"


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
