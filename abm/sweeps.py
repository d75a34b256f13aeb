"""Hydra sweeps of ``experiments.run``: launching one, owning its directory, following it.

:func:`launch_sweep` is the one place that builds the ``python -m experiments.run -m ...``
command line; the default study, the designs of the sensitivity and optimisation drivers, the
benchmark and the tests all launch their sweeps through it. :class:`SweepProgress` is the Hydra
callback (``hydra.callbacks`` in ``configs/config.yaml``) that owns the sweep directory for the
whole sweep, prints progress with an ETA after every job and counts the failures at the end.

**One owner per sweep directory.** Two sweeps writing into one directory mix their results
(a job's directory is named from its overrides, without the seed, so ``seed=0`` and ``seed=1``
write the same files). Before Hydra writes ``multirun.yaml`` or any job directory, the launching
process takes an exclusive OS lock (``flock``) on ``<sweep_dir>/.sweep.lock``, writes its pid,
host, start time and command line into it, and keeps it until the sweep ends (process exit
releases it too, even after ``kill -9``). The launching process lives until every job has
ended with the basic, joblib, submitit (local and SLURM: the launcher waits for its jobs) and
Ray launchers, so the lock also covers jobs that run in other processes or on other nodes. On a
cluster the sweep directory must be on a filesystem where ``flock`` works across nodes (NFSv4,
Lustre and GPFS do; a filesystem without locks stops the sweep with a message), and a launching
process killed while its SLURM jobs go on leaves them unprotected: cancel them (``scancel``)
before starting another sweep into the directory. A second sweep
into a directory in use stops at once with one line and exit status 2, having written nothing;
``sweep_wait=true`` makes it wait for the first to end instead.

**Jobs computed by other code.** Resume keeps a finished job only under the same resume key
(:func:`abm.results.resume_key`: resolved config and seed, code version, package versions,
Python version); ``experiments.run`` checks each job's key and files. Before any job runs, the
launching process reads the completion markers already in the directory and says how many were
computed by other code or packages: with ``stale_jobs=redo`` (the default) they are redone, with
``stale_jobs=refuse`` the sweep stops in one line naming what changed (exit status 2, nothing
written), so that a change of code never silently replaces, nor silently keeps, old numbers.
"""

from __future__ import annotations

import fcntl
import json
import math
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from abm.config import STALE_POLICIES
from abm.results import (
    COMPLETE_MARKER,
    ERROR_RECORD,
    job_state,
    key_changes,
    read_marker,
    resume_key,
)

#: The entry point every sweep runs: the same Hydra app as a single run.
SWEEP_MODULE = "experiments.run"
STATE_FILE = ".sweep.json"
#: Held (flock) by the sweep that owns the directory; records its pid, host, start and command.
LOCK_FILE = ".sweep.lock"
#: Written by Hydra's sweeper into every sweep directory: marks a nested sweep as another one.
MULTIRUN_FILE = "multirun.yaml"
#: Exit status of a sweep that did not start (directory in use, stale jobs refused, bad
#: option): one line on standard error says why.
REFUSED = 2
#: The parts of the resume key that every job of a sweep shares (checked before the sweep).
SHARED_KEY_PARTS = ("code", "packages", "python")


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


def sweep_jobs(sweep_dir: Path) -> list[Path]:
    """The job directories of the sweep in ``sweep_dir`` (the directory itself when the sweep
    has one job): those holding ``.hydra/``, a completion marker or an error record.

    A subdirectory with its own ``multirun.yaml`` is another sweep (the study runs its
    increments into ``<out>/increments``) and is left out, so that its jobs are not counted
    as this sweep's; hidden directories (``.hydra``, staging folders) are not jobs.
    """
    jobs = []
    for root, dirs, files in os.walk(sweep_dir):
        here = Path(root)
        if here != sweep_dir and MULTIRUN_FILE in files:
            dirs.clear()
            continue
        if ".hydra" in dirs or COMPLETE_MARKER in files or ERROR_RECORD in files:
            jobs.append(here)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
    return jobs


def finished(sweep_dir: Path, verify: bool = False) -> tuple[int, int, int]:
    """(complete, failed, damaged) jobs of the sweep in ``sweep_dir``.

    A job with an error record failed, even if a marker of an earlier run is still there.
    Without ``verify`` a marker counts as complete (cheap enough to call after every job);
    with it, only a job whose marker is readable and whose files match their checksums does
    (:func:`abm.results.job_state`), and the others are damaged.
    """
    complete = failed = damaged = 0
    for job in sweep_jobs(sweep_dir):
        if (job / ERROR_RECORD).is_file():
            failed += 1
        elif (job / COMPLETE_MARKER).is_file():
            if not verify or job_state(job)[0] == "complete":
                complete += 1
            else:
                damaged += 1
    return complete, failed, damaged


def _eta(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "?"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"


# ------------------------------------------------------------------------------- ownership


class SweepRefused(Exception):
    """The sweep cannot start: its directory is in use, or holds jobs it must not redo."""


def _owner_text(lock: Path) -> str:
    """``pid N on H since T`` from a lock file (what can be read of it)."""
    try:
        owner = json.loads(lock.read_text())
        return f"pid {owner['pid']} on {owner['host']} since {owner['since']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "owner not recorded yet"


def acquire_sweep_lock(
    sweep_dir: Path, wait: bool = False, name: str = LOCK_FILE, user: str = "sweep"
) -> int:
    """Take the exclusive lock on ``<sweep_dir>/.sweep.lock``; returns its file descriptor,
    which holds the lock until it is closed (or the process ends).

    The lock file is never deleted: a process that opened it could otherwise lock a file that
    is no longer the one in the directory.

    Args:
        wait: Wait for the owner to end, saying so in one line, instead of refusing.
        name, user: Another lock file of the directory and who takes it (the study holds
            ``.study.lock`` over its several sweeps, each of which takes ``.sweep.lock``).

    Raises:
        SweepRefused: The directory is in use (and not ``wait``), or its filesystem cannot lock.
    """
    sweep_dir.mkdir(parents=True, exist_ok=True)
    lock = sweep_dir / name
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = _owner_text(lock)
            if not wait:
                raise SweepRefused(
                    f"{sweep_dir} is in use by another {user} ({owner}); wait for it to end or "
                    "choose another directory, or add sweep_wait=true to wait for it"
                ) from None
            print(
                f"[{user}] {sweep_dir} is in use by another {user} ({owner}); waiting for it "
                "to end (sweep_wait=true)",
                file=sys.stderr,
                flush=True,
            )
            fcntl.flock(fd, fcntl.LOCK_EX)
    except SweepRefused:
        os.close(fd)
        raise
    except OSError as err:
        os.close(fd)
        raise SweepRefused(
            f"cannot lock {lock} ({err.strerror or err}): put the {user} directory on a "
            f"filesystem with working file locks (flock), so that two {user}s cannot mix results"
        ) from None
    return fd


def record_owner(fd: int) -> None:
    """Write this process (pid, host, start time, command line) into the held lock file, for
    the message a refused sweep prints."""
    owner = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "since": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "command": " ".join(sys.orig_argv),
    }
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(owner).encode(), 0)


def stale_jobs(sweep_dir: Path) -> tuple[int, int, list[str]]:
    """What the completion markers already in the sweep say about this code: (jobs computed by
    other code, packages or Python; jobs whose marker is damaged or from an older version;
    the changes, named).

    Only the parts of the resume key that are the same for every job are compared here (the
    config part differs per job and is checked by each job). Reads the markers only, not the
    files they list: each job verifies its own files before it is skipped.
    """
    shared = _shared_key()
    other, damaged = 0, 0
    changes: list[str] = []
    for job in sweep_jobs(sweep_dir):
        marker = read_marker(job)
        if marker is None:
            continue
        if "damaged" in marker:
            damaged += 1
            continue
        changed = _shared_changes(marker, shared)
        if changed:
            other += 1
            changes.extend(c for c in changed if c not in changes)
    return other, damaged, changes


def reusable_jobs(root: Path) -> tuple[int, int]:
    """(jobs that a re-run can keep, jobs) under ``root`` and every sweep nested in it: a job
    can be kept if it is complete, its files match their checksums and it was computed by this
    code, these packages and this Python. Whether its config is still the one asked for is
    known only to the job itself (which redoes it if not)."""
    shared = _shared_key()
    jobs = {p.parent.parent for p in root.glob("**/.hydra/overrides.yaml")}
    kept = 0
    for job in jobs:
        if (job / ERROR_RECORD).is_file() or job_state(job)[0] != "complete":
            continue
        if not _shared_changes(read_marker(job) or {}, shared):
            kept += 1
    return kept, len(jobs)


def _shared_key() -> dict[str, Any]:
    """The parts of this process's resume key that every job shares (code, packages, Python)."""
    current = resume_key("")
    return {part: current[part] for part in SHARED_KEY_PARTS}


def _shared_changes(marker: dict[str, Any], shared: dict[str, Any]) -> list[str]:
    """What differs between a marker's stored key and ``shared``, in those parts, named."""
    stored = marker.get("key") or {}
    return key_changes({part: stored.get(part) for part in SHARED_KEY_PARTS}, shared)


class SweepProgress(Callback):
    """Owns the sweep directory, prints ``k/N jobs done, ETA`` after every job, and how many
    failed at the end.

    ``on_multirun_start`` runs in the launching process before the sweeper writes
    ``multirun.yaml`` or any job directory (``hydra._internal.hydra.Hydra.multirun``), so a
    sweep refused there leaves the directory as it was. A refusal exits with status 2 through
    :class:`SystemExit`, which Hydra's callback runner (it turns an ``Exception`` into a
    warning) and its error reporting let through without a traceback.
    """

    def __init__(self) -> None:
        self._lock: int | None = None

    def __getstate__(self) -> dict[str, Any]:
        # launchers pickle the callbacks into their workers: the lock stays with its owner
        return {**self.__dict__, "_lock": None}

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        policy = OmegaConf.select(config, "stale_jobs", default="redo")
        if policy not in STALE_POLICIES:
            _refuse(f"stale_jobs: {policy!r} is not one of: {', '.join(STALE_POLICIES)}")
        try:
            self._lock = acquire_sweep_lock(
                sweep_dir, wait=bool(OmegaConf.select(config, "sweep_wait", default=False))
            )
        except SweepRefused as err:
            _refuse(str(err))
        other, damaged, changes = stale_jobs(sweep_dir)
        if other and policy == "refuse":
            self.release()
            _refuse(
                f"{other} completed job(s) in {sweep_dir} were computed by other code or "
                f"packages (changed: {'; '.join(changes)}); add stale_jobs=redo to redo them, "
                "or choose another hydra.sweep.dir"
            )
        assert self._lock is not None
        record_owner(self._lock)
        if other:
            print(
                f"[sweep] {other} completed job(s) were computed by other code or packages "
                f"(changed: {'; '.join(changes)}) and will be redone (stale_jobs=refuse stops "
                "instead)",
                file=sys.stderr,
                flush=True,
            )
        if damaged:
            print(
                f"[sweep] {damaged} job(s) have a damaged completion marker or one from an "
                "older version, and will be redone",
                file=sys.stderr,
                flush=True,
            )
        done, failed, _ = finished(sweep_dir)
        state = {"total": count_jobs(config), "start": time.time(), "done_before": done}
        (sweep_dir / STATE_FILE).write_text(json.dumps(state))

    def release(self) -> None:
        """Give up the sweep directory (closing the lock file's descriptor unlocks it)."""
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    def on_job_end(self, config: DictConfig, job_return: Any, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        try:
            state = json.loads((sweep_dir / STATE_FILE).read_text())
        except (OSError, json.JSONDecodeError):
            return
        done, failed, _ = finished(sweep_dir)
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
        done, failed, damaged = finished(sweep_dir, verify=True)
        self.release()
        total = count_jobs(config)
        extra = f", {damaged} damaged" if damaged else ""
        print(
            f"[sweep] finished: {done} of {total} jobs complete, {failed} failed{extra} "
            f"({sweep_dir})",
            file=sys.stderr,
            flush=True,
        )
        if failed:
            print(
                f"[sweep] {failed} job(s) failed: see error.json in their directories",
                file=sys.stderr,
                flush=True,
            )
        if damaged:
            print(
                f"[sweep] {damaged} job(s) damaged after they ended (python -m analysis.catalog "
                f"{sweep_dir} names them); a re-run redoes them",
                file=sys.stderr,
                flush=True,
            )
        if failed or damaged:
            sys.exit(1)


def _refuse(message: str) -> None:
    """Stop the launching process with one line and exit status 2 (no traceback)."""
    print(f"error: {message}", file=sys.stderr, flush=True)
    sys.exit(REFUSED)
