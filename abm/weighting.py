"""Weightings: the only way nine sectors become one number.

Per-sector outcomes are in natural units (person-hours lost, people affected), and a sum across
sectors is a value judgement. A weighting (``configs/weighting/<name>.yaml``) makes it explicit:
which outcome it sums, the weight of each sector, the unit of the total and where the weights
come from. The model writes ``total_loss`` under the run's weighting with its name in the
``weighting`` column; the analysis recomputes it under any other from the per-sector columns.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from omegaconf import OmegaConf

import configs
from abm.config import WeightingConfig
from abm.errors import ConfigError
from abm.vocabulary import SECTORS

#: Where the shipped weightings live.
WEIGHTING_DIR = Path(configs.__file__).parent / "weighting"
#: The shipped weightings, in the order the report shows them.
WEIGHTINGS = ("equal", "people_affected", "impact")


def load_weighting(name: str | Path) -> WeightingConfig:
    """A shipped weighting by name, or a YAML file with the same fields."""
    path = Path(name) if str(name).endswith((".yaml", ".yml")) else WEIGHTING_DIR / f"{name}.yaml"
    if not path.is_file():
        shipped = sorted(p.stem for p in WEIGHTING_DIR.glob("*.yaml"))
        raise ConfigError("weighting", f"one of {', '.join(shipped)} or a YAML file, got {name!r}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        node = OmegaConf.merge(OmegaConf.structured(WeightingConfig), data)
        weighting: WeightingConfig = OmegaConf.to_object(node)  # type: ignore[assignment]
    except Exception as err:  # noqa: BLE001 - any malformed file gets one line
        raise ConfigError("weighting", f"a weighting YAML file ({path.name}: {err})") from None
    missing = [s for s in SECTORS if s not in weighting.weights]
    if missing or set(weighting.weights) - set(SECTORS):
        raise ConfigError("weighting.weights", "a weight for each of the nine sectors")
    for sector, value in weighting.weights.items():
        check_weight(f"weighting.weights.{sector}", value)
    return weighting


def check_weight(key: str, value: float) -> float:
    """A sector's weight: a finite number >= 0 (a negative weight would count a loss as a
    gain, and an infinite one would drown every other sector).

    Raises:
        ConfigError: naming ``key``.
    """
    if not math.isfinite(value) or value < 0:
        raise ConfigError(key, f"a finite weight >= 0, got {value:g}")
    return float(value)


def reweighted(
    base: WeightingConfig, items: Sequence[str], key: str = "--weights"
) -> WeightingConfig:
    """``base`` with some sectors' weights replaced: ``items`` are ``sector=weight``.

    The result is named after ``base`` and the changes (``equal+energy=2``), and its source
    says that the weights were set on the command line, so every total computed under it says
    what it is.

    Raises:
        ConfigError: naming ``key``, for an item that is not ``sector=weight``, a sector that is
            not one of the nine, a sector given twice, a weight that is not a number, negative
            or infinite, or weights that are all zero.
    """
    changed: dict[str, float] = {}
    for item in items:
        sector, sep, text = item.partition("=")
        if not sep:
            raise ConfigError(key, f"sector=weight items, got {item!r}")
        if sector not in SECTORS:
            raise ConfigError(key, f"sectors among {', '.join(SECTORS)}; got {sector!r}")
        if sector in changed:
            raise ConfigError(key, f"each sector once, got {sector!r} twice")
        try:
            value = float(text)
        except ValueError:
            raise ConfigError(key, f"a number as the weight of {sector}, got {text!r}") from None
        changed[sector] = check_weight(key, value)
    new = {s: float(base.weights[s]) for s in SECTORS} | changed
    if not any(new.values()):
        raise ConfigError(key, "at least one sector with a weight above 0")
    spec = ",".join(f"{s}={changed[s]:g}" for s in changed)
    return dataclasses.replace(
        base,
        name=f"{base.name}+{spec}" if spec else base.name,
        weights=new,
        source=f"{base.source}; weights of {', '.join(changed)} set on the command line"
        if changed
        else base.source,
    )


def as_weighting(weighting: WeightingConfig | Any) -> WeightingConfig:
    """A weighting from a config node, a name or a weighting."""
    if isinstance(weighting, str | Path):
        return load_weighting(weighting)
    return weighting


def weights(weighting: WeightingConfig) -> np.ndarray:
    """The weights in sector order."""
    return np.array([float(weighting.weights[s]) for s in SECTORS])


def columns(weighting: WeightingConfig) -> list[str]:
    """The per-sector columns the weighting sums, in sector order."""
    return [f"{weighting.outcome}_{s}" for s in SECTORS]


def weighted_total(frame: Any, weighting: WeightingConfig | str) -> Any:
    """``sum_s w_s * <outcome>_<s>``: a Series for a DataFrame, a float for a row (a mapping).

    Raises:
        KeyError: when the per-sector columns of the weighting's outcome are missing (results
            written before the outcome existed).
    """
    w = as_weighting(weighting)
    cols = columns(w)
    if isinstance(frame, Mapping):
        return float(np.array([float(frame[c]) for c in cols]) @ weights(w))
    return frame[cols].astype(float) @ weights(w)


def describe(weighting: WeightingConfig | str) -> str:
    """One line that names the weighting and its unit, printed beside every total."""
    w = as_weighting(weighting)
    ws = weights(w)
    spec = (
        f"every sector weight {ws[0]:g}"
        if np.all(ws == ws[0])
        else ", ".join(f"{s} {x:g}" for s, x in zip(SECTORS, ws, strict=True))
    )
    return f"total_loss under weighting {w.name!r}: {w.unit}, {spec}"


def from_overrides(overrides: Iterable[str]) -> str:
    """The weighting a list of model overrides selects (``weighting=<name>``; else ``equal``,
    the default of ``configs/config.yaml``)."""
    name = "equal"
    for item in overrides:
        key, _, value = item.partition("=")
        if key.lstrip("+~") == "weighting" and value:
            name = value
    return name
