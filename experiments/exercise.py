"""Play a table-top exercise headless from a file of decisions, and write its after-action report.

    python -m experiments.exercise exercise=tabletop \\
        decisions=configs/exercise/tabletop_decisions.yaml out=outputs/exercise

``exercise`` is a shipped exercise (``configs/exercise/<name>.yaml``) or an exercise file;
``decisions`` a decisions file (the dashboard's exercise page saves one; without it the players
decide nothing); ``out`` the folder that receives:

- ``after_action.json``: the decisions with their timing and cost, and per arm (``played``,
  ``no_decisions``, ``automatic``, ``package``, and ``shifted`` when asked) the outcomes in
  natural units, the phases of the crisis organisation and the national service hour by hour;
- ``after_action.html``: the same as a self-contained page;
- ``decisions.yaml``: the decisions as played (replaying it gives the same run bit for bit).

Optional: ``seed=<int>`` (default: the decisions file's, else the exercise's),
``replicates=<n>`` (default 1: the run the players saw; with more, the same decisions are
played on more replicates and the report gives paired differences with 95% intervals), and
``shift=<measure>:<hours>``, a counterfactual: the ``shifted`` arm takes that measure ``hours``
later (negative: earlier), "had guards gone to the ports 12 h earlier" being
``shift=guards_to_ports:-12``.

Bad input ends in one line ``error: <key>: <what is allowed>``, exit status 2, nothing written.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from abm.cli import guarded
from abm.config.exercise import DecisionsConfig
from abm.errors import ConfigError
from abm.exercise import ExerciseSession, after_action, load_decisions, load_exercise, replay
from abm.study_config import check_output_dir
from analysis.after_action import render_html, render_text, summarise

KEYS = ("exercise", "decisions", "out", "seed", "replicates", "shift")
REQUIRED = ("exercise", "out")
#: Replicates per arm above which a run would take more than a few minutes.
MAX_REPLICATES = 1000


def parse(argv: list[str]) -> dict[str, str]:
    """``key=value`` arguments, each key once, known keys only."""
    args: dict[str, str] = {}
    for item in argv:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError(item, f"key=value with a key of: {', '.join(KEYS)}")
        if key not in KEYS:
            raise ConfigError(key, f"not an argument; use: {', '.join(KEYS)}")
        if key in args:
            raise ConfigError(key, "given twice")
        args[key] = value
    for key in REQUIRED:
        if not args.get(key):
            raise ConfigError(
                key,
                "required: python -m experiments.exercise exercise=<name> "
                "decisions=<file> out=<dir>",
            )
    return args


def _int(args: dict[str, str], key: str, low: int, high: int) -> int | None:
    if key not in args:
        return None
    try:
        value = int(args[key])
    except ValueError:
        raise ConfigError(key, f"a whole number in [{low}, {high}]") from None
    if not low <= value <= high:
        raise ConfigError(key, f"a whole number in [{low}, {high}]")
    return value


def _shift(text: str | None) -> tuple[str, float] | None:
    if text is None:
        return None
    measure, sep, hours = text.rpartition(":")
    try:
        value = float(hours)
    except ValueError:
        value = math.nan
    if not sep or not measure or not math.isfinite(value):
        raise ConfigError("shift", "<measure>:<hours>, for example guards_to_ports:-12")
    return measure, value


def write(out: Path, report: dict[str, Any], decisions_yaml: str) -> None:
    """Write the three files into ``out`` all at once: into a new folder beside it, then moved
    in, so that an interrupted run leaves no partial report."""
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        (staging / "after_action.json").write_text(json.dumps(report, indent=1) + "\n")
        (staging / "after_action.html").write_text(render_html(report))
        (staging / "decisions.yaml").write_text(decisions_yaml)
        out.mkdir(exist_ok=True)
        for path in staging.iterdir():
            os.replace(path, out / path.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def run(argv: list[str]) -> int:
    args = parse(argv)
    # the cheap checks first, then the exercise (composing its configs takes a second)
    seed = _int(args, "seed", 0, 2**63 - 1)
    replicates = _int(args, "replicates", 1, MAX_REPLICATES) or 1
    shift = _shift(args.get("shift"))
    out = Path(args["out"])
    check_output_dir("out", out)
    given = load_decisions(args["decisions"]) if "decisions" in args else None
    exercise = load_exercise(args["exercise"])
    if given is not None:
        decisions = given
        if decisions.exercise != exercise.name:
            raise ConfigError(
                "decisions.exercise",
                f"{exercise.name!r} (the exercise played), got {decisions.exercise!r}",
            )
    else:
        decisions = DecisionsConfig(exercise=exercise.name)
    seed = (
        seed
        if seed is not None
        else decisions.seed
        if decisions.seed is not None
        else exercise.seed
    )
    played: ExerciseSession = replay(exercise, decisions, seed=seed)  # checks every decision
    report = summarise(
        after_action(
            exercise, decisions, seed=seed, replicates=replicates, shift=shift, played=played
        )
    )
    write(out, report, played.decisions_yaml())
    print(render_text(report))
    print(f"\nAfter-action report: {out / 'after_action.html'}")
    print(f"                     {out / 'after_action.json'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: one line and exit status 2 for bad input, nothing written."""
    return guarded(lambda: run(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
