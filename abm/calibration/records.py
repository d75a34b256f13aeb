"""Fit records and the calibrated defaults (configs/calibration/fitted.yaml)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import yaml

from abm.calibration.fitting import Fit
from abm.calibration.targets import FITS_DIR


def write_fit_record(record: Fit, directory: Path = FITS_DIR) -> Path:
    """Write a fit's record as ``<directory>/<target>.json``."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{record.target}.json"
    path.write_text(record.to_json(), encoding="utf-8")
    return path


# ------------------------------------------------------------------- configs/calibration
#: The calibrated defaults, selected by ``- calibration: fitted`` in ``configs/config.yaml``.
FITTED = Path(__file__).parents[2] / "configs" / "calibration" / "fitted.yaml"

FITTED_HEADER = """\
# @package _global_
# Calibrated values: the defaults of every run (`- calibration: fitted` in config.yaml), over
# the hand-set values of the world and adversary configs; `calibration=none` runs without them.
# Written by `python -m experiments.calibrate target=<name> write=true` (do not edit by hand:
# a refit rewrites the file, keeping the other targets' values). Each value names its target,
# the fit's method and the interval of values that keeps the model within the target's reported
# spread (abm/data/targets/README.md; fit records in abm/data/targets/fits/).
"""


def fitted_values(path: Path = FITTED) -> dict[str, float]:
    """The calibrated values of a fitted.yaml, by dotted config path."""
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    flat: dict[str, float] = {}

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{prefix}.{key}" if prefix else str(key))
        else:
            flat[prefix] = node

    walk(data, "")
    return flat


def fit_records(directory: Path = FITS_DIR) -> dict[str, dict[str, Any]]:
    """The fit records (as read from JSON), by target name."""
    return {
        p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(directory.glob("*.json"))
    }


def _comment(path: str, records: dict[str, dict[str, Any]]) -> str:
    """The comment above a calibrated value: the target that set it, method and interval."""
    for name, rec in records.items():
        p = rec["parameters"].get(path)
        if p is not None:
            lo, hi = p["interval"]
            return (
                f"{name}: {rec['metric']} {rec['outcome']:.4g} (observed {rec['observed']:g}, "
                f"[{rec['low']:g}, {rec['high']:g}]); {rec['method']}, {rec['replicates']} "
                f"replicates, seed {rec['seed']}; interval [{lo:g}, {hi:g}]; hand-set "
                f"{p['default']:g}"
            )
    return "no fit record: set by hand"


def render_fitted(values: dict[str, float], records: dict[str, dict[str, Any]]) -> str:
    """fitted.yaml's text: nested keys, each value under a comment naming its target."""
    tree: dict[str, Any] = {}
    for path in sorted(values):
        node = tree
        *parents, last = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = path
    lines = [FITTED_HEADER.rstrip("\n")]

    def emit(node: dict[str, Any], depth: int) -> None:
        pad = "  " * depth
        for key, value in node.items():
            if isinstance(value, dict):
                lines.append(f"{pad}{key}:")
                emit(value, depth + 1)
            else:
                width = max(100 - len(pad) - 2, 40)
                text = textwrap.wrap(_comment(value, records), width)
                lines.extend(f"{pad}# {line}" for line in text)
                lines.append(f"{pad}{key}: {values[value]!r}")

    emit(tree, 0)
    if not values:
        lines.append("{}")
    return "\n".join(lines) + "\n"


def write_fitted(record: Fit, path: Path = FITTED, records_dir: Path = FITS_DIR) -> Path:
    """Put a fit's values into fitted.yaml, keeping the other targets' values, and write the
    fit's record next to the target (the comments are read from the records)."""
    write_fit_record(record, records_dir)
    values = fitted_values(path)
    values.update({p: v.value for p, v in record.parameters.items()})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_fitted(values, fit_records(records_dir)), encoding="utf-8")
    return path
