"""Fit a mechanism's uncertain parameters to an observed incident:
``python -m experiments.calibrate target=<name> [replicates=N] [seed=S] [write=true]``.

``target`` names a target of ``abm/data/targets`` (``target=all``: every fit target in turn).
The fit (method in :func:`abm.calibration.fit`) prints a short report: each parameter's fitted
value and the interval of values that keeps the model within the target's reported spread, and
the model's mean outcome against the observed value and its [low, high]. The report and the fit
record go to ``outputs/calibration/<name>/`` (``report.md``, ``fit.json``); with ``write=true``
the fitted values also go into ``configs/calibration/fitted.yaml`` (the calibrated defaults of
every run, other targets' values kept) and the record into ``abm/data/targets/fits/``.

Holdout targets are refused: they are held out of fitting and only checked
(``python -m experiments.validate``). Bad input (an unknown key or target, a count that is not
a whole number, a seed outside [0, 2^63), an ``outputs/calibration`` that is a file or
read-only) stops it before it fits anything, with one line naming the key and what is
allowed, exit status 2.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path

from abm.calibration import (
    Fit,
    Target,
    fit,
    load_target,
    load_targets,
    target_names,
    write_fitted,
)
from abm.cli import guarded
from abm.errors import ConfigError
from abm.study_config import check_output_dir

OUTPUTS = Path("outputs") / "calibration"
KEYS = ("target", "replicates", "seed", "write")
#: Seeds are numpy's: whole numbers in [0, 2^63).
SEED_LIMIT = 2**63
#: The most replicates per evaluation of a fit (each fit evaluates hundreds of points).
MAX_REPLICATES = 1000


def parse(argv: Sequence[str]) -> dict[str, str]:
    """``key=value`` arguments, each key once and known."""
    args: dict[str, str] = {}
    for item in argv:
        key, sep, value = item.partition("=")
        if not sep or key not in KEYS:
            raise ConfigError(item, f"key=value with key one of {', '.join(KEYS)}")
        if key in args:
            raise ConfigError(key, "given once")
        args[key] = value
    if "target" not in args:
        raise ConfigError("target", f"required: one of all, {', '.join(target_names())}")
    return args


def _whole(args: dict[str, str], key: str, least: int, limit: int = SEED_LIMIT) -> int | None:
    if key not in args:
        return None
    value = args[key]
    if not value.isascii() or not value.isdigit() or not least <= int(value) < limit:
        top = "2^63" if limit == SEED_LIMIT else str(limit)
        raise ConfigError(key, f"a whole number in [{least}, {top}), got {value!r}")
    return int(value)


def _flag(args: dict[str, str], key: str) -> bool:
    value = args.get(key, "false").lower()
    if value not in ("true", "false"):
        raise ConfigError(key, f"true or false, got {args[key]!r}")
    return value == "true"


def report(target: Target, record: Fit, seconds: float) -> str:
    """The fit's report in Markdown: what was fitted to what, and how close the model comes."""
    o = target.outcome
    where = ", ".join(o.regions) if o.regions else "all regions"
    of = o.sector if o.sector is not None else o.asset_type
    lines = [
        f"# Calibration: {target.name}",
        "",
        f"- incident: {target.incident}",
        f"- figure: {target.figure}",
        f"- source: {target.source}",
        f"- scenario: {target.scenario}; outcome: {o.metric} of {of} in {where}",
        f"- method: {record.method}; {record.replicates} replicates of seed {record.seed} "
        f"(common random numbers); {record.evaluations} evaluations in {seconds:.0f} s",
        "",
        "| parameter | fitted | interval (outcome in [low, high]) | bounds | hand-set |",
        "|---|---|---|---|---|",
    ]
    for path, p in record.parameters.items():
        lines.append(
            f"| {path} | {p.value:g} | [{p.interval[0]:g}, {p.interval[1]:g}] | "
            f"[{p.bounds[0]:g}, {p.bounds[1]:g}] | {p.default:g} |"
        )
    lines += [
        "",
        f"Model mean {record.outcome:.4g} against observed {record.observed:g} "
        f"[{record.low:g}, {record.high:g}]: {'within' if record.passed else 'OUTSIDE'} the "
        "reported spread.",
    ]
    lines += [f"- note: {n}" for n in record.notes]
    return "\n".join(lines) + "\n"


def calibrate(target: Target, replicates: int | None, seed: int, write: bool) -> Fit:
    """Fit one target, print and store its report; write the calibrated values if asked."""
    print(f"fitting {target.name} ({', '.join(target.parameters)}) ...", flush=True)
    start = time.perf_counter()
    record = fit(target, replicates=replicates, seed=seed)
    text = report(target, record, time.perf_counter() - start)
    out = OUTPUTS / target.name
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.md").write_text(text, encoding="utf-8")
    (out / "fit.json").write_text(record.to_json(), encoding="utf-8")
    print(text)
    if write:
        path = write_fitted(record)
        print(f"wrote {path.parent.name}/{path.name} and the fit record of {target.name}")
    print(f"report: {out / 'report.md'}\n")
    return record


def main(argv: Sequence[str] | None = None) -> int:
    """Fit the target(s); 0 if every fitted outcome is within its spread, 1 if not, 2 on bad
    input."""
    return guarded(lambda: _main(argv))


def _main(argv: Sequence[str] | None) -> int:
    """:func:`main`, raising :class:`ConfigError` for bad input."""
    args = parse(sys.argv[1:] if argv is None else argv)
    replicates = _whole(args, "replicates", 1, MAX_REPLICATES + 1)
    seed = _whole(args, "seed", 0) or 0
    write = _flag(args, "write")
    if args["target"] == "all":
        targets = load_targets("fit")
    else:
        targets = [load_target(args["target"])]
        if targets[0].role != "fit":
            raise ConfigError(
                "target",
                f"{targets[0].name!r} is a {targets[0].role} target: it is only checked "
                "(python -m experiments.validate), never fitted",
            )
    for t in targets:  # before the first fit, which takes minutes
        check_output_dir("outputs", OUTPUTS / t.name)
    records = [calibrate(t, replicates, seed, write) for t in targets]
    return 0 if all(r.passed for r in records) else 1


if __name__ == "__main__":
    sys.exit(main())
