"""Declared uncertainties: which config values are uncertain, over what range, and how a row of
an experimental design sets them.

An uncertainty set (``configs/uncertainty/<name>.yaml``) names parameters by their config path,
with a range and a distribution. A parameter either *sets* one value
(``responders.decision_delay_hours``) or *scales* every value that a path with ``*`` wildcards
matches (``world.asset_types.*.repair_median_hours`` times a factor), so that one factor can
stand for a family of values that are uncertain together.

Everything is checked before anything runs (:func:`validate_uncertainty`): each path must exist
in the composed config and hold a number, each range must be valid, and the config must still
pass the model's validation at both ends of every range.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omegaconf import MISSING, OmegaConf
from omegaconf.errors import OmegaConfBaseException

import configs
from abm.config import RunConfig
from abm.errors import ConfigError

UNCERTAINTY_DIR = Path(configs.__file__).parent / "uncertainty"
DISTRIBUTIONS = ("uniform", "loguniform", "triangular")
MODES = ("set", "scale")


@dataclass
class UncertainParameter:
    """One uncertain input: where it is in the config, and what values it may take."""

    #: Config path; ``*`` stands for every key of a mapping (with ``mode: scale``).
    path: str = MISSING
    #: More paths that take the same value (or the same factor): a lever's strength and its
    #: cost, say.
    paths: list[str] = field(default_factory=list)
    low: float = MISSING
    high: float = MISSING
    #: ``uniform``, ``loguniform`` (low > 0) or ``triangular`` (with ``peak``).
    distribution: str = "uniform"
    #: The most likely value of a triangular distribution, between low and high.
    peak: float | None = None
    #: ``set``: the sampled value replaces the config's; ``scale``: it multiplies every
    #: value the path matches.
    mode: str = "set"
    description: str = ""
    #: Where the range comes from ("assumption" unless a source is given).
    source: str = "assumption"


@dataclass
class UncertaintyConfig:
    """A named set of uncertain parameters."""

    name: str = MISSING
    parameters: dict[str, UncertainParameter] = field(default_factory=dict)


def load_uncertainty(name: str) -> UncertaintyConfig:
    """A shipped uncertainty set by name (``default``), or a YAML file by path."""
    path = Path(name)
    if not path.suffix:
        path = UNCERTAINTY_DIR / f"{name}.yaml"
    if not path.is_file():
        shipped = sorted(p.stem for p in UNCERTAINTY_DIR.glob("*.yaml"))
        raise ConfigError("uncertainty", f"a shipped set ({', '.join(shipped)}) or a YAML file")
    try:
        merged = OmegaConf.merge(OmegaConf.structured(UncertaintyConfig), OmegaConf.load(path))
        spec = OmegaConf.to_object(merged)
    except OmegaConfBaseException as err:
        key = f"uncertainty.{err.full_key}" if getattr(err, "full_key", None) else "uncertainty"
        raise ConfigError(key, str(err).splitlines()[0]) from None
    assert isinstance(spec, UncertaintyConfig)  # the structured schema makes one
    return spec


# ------------------------------------------------------------------------------ config paths
def _children(node: Any) -> dict[str, Any]:
    if dataclasses.is_dataclass(node):
        return {f.name: getattr(node, f.name) for f in dataclasses.fields(node)}
    if isinstance(node, dict):
        return {str(k): v for k, v in node.items()}
    if isinstance(node, list):
        return {str(i): v for i, v in enumerate(node)}
    return {}


def leaves(cfg: RunConfig, path: str) -> list[tuple[Any, str]]:
    """The ``(container, key)`` of every value ``path`` designates (``*`` matches any key)."""
    found: list[tuple[Any, str]] = []

    def walk(node: Any, parts: list[str]) -> None:
        children = _children(node)
        head, rest = parts[0], parts[1:]
        keys = sorted(children) if head == "*" else [head] if head in children else []
        for key in keys:
            if rest:
                walk(children[key], rest)
            else:
                found.append((node, key))

    walk(cfg, path.split("."))
    return found


def get_value(container: Any, key: str) -> Any:
    """``container[key]`` of a dataclass, dict or list (a key of ``leaves``)."""
    if isinstance(container, list):
        return container[int(key)]
    return container[key] if isinstance(container, dict) else getattr(container, key)


def set_value(container: Any, key: str, value: Any) -> None:
    """Set ``container[key]`` of a dataclass, dict or list (a key of ``leaves``)."""
    if isinstance(container, list):
        container[int(key)] = value
    elif isinstance(container, dict):
        container[key] = value
    else:
        setattr(container, key, value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def numeric_leaves(cfg: RunConfig, name: str, p: UncertainParameter) -> list[tuple[Any, str]]:
    """The numbers a parameter changes; a short error naming its path if there are none."""
    found = []
    for path in (p.path, *p.paths):
        here = [(c, k) for c, k in leaves(cfg, path) if _is_number(get_value(c, k))]
        if p.mode == "set" and len(here) > 1:
            raise ConfigError(
                f"uncertainty.parameters.{name}.path",
                f"one value per path with mode 'set' ({len(here)} match {path!r}; use 'scale')",
            )
        found += here
    if not found:
        raise ConfigError(
            f"uncertainty.parameters.{name}.path",
            f"a path to a number in the config, got {p.path!r}",
        )
    return found


def apply(cfg: RunConfig, spec: UncertaintyConfig, values: dict[str, float]) -> RunConfig:
    """A copy of ``cfg`` with each parameter set to (or scaled by) its value in ``values``.

    A value whose config type is an integer is rounded (a count of crews stays a count).
    """
    out = copy.deepcopy(cfg)
    for name, p in spec.parameters.items():
        if name not in values:
            continue
        for container, key in numeric_leaves(out, name, p):
            old = get_value(container, key)
            new = float(values[name]) * old if p.mode == "scale" else float(values[name])
            set_value(container, key, round(new) if isinstance(old, int) else new)
    return out


# ------------------------------------------------------------------------------ checking
def validate_uncertainty(spec: UncertaintyConfig, cfg: RunConfig) -> None:
    """Check every parameter: its path, range and distribution, and that the config stays
    valid at both ends of the range; raise ConfigError naming the offending key."""
    from abm.validation import validate

    if not spec.parameters:
        raise ConfigError("uncertainty.parameters", "at least one parameter")
    for name, p in spec.parameters.items():
        key = f"uncertainty.parameters.{name}"
        for end in ("low", "high"):
            value = getattr(p, end)
            if not _is_number(value) or not math.isfinite(value):
                raise ConfigError(f"{key}.{end}", f"a finite number, got {value!r}")
        if not p.low < p.high:
            raise ConfigError(f"{key}.high", f"greater than low ({p.low:g}), got {p.high:g}")
        if p.distribution not in DISTRIBUTIONS:
            raise ConfigError(f"{key}.distribution", f"one of {', '.join(DISTRIBUTIONS)}")
        if p.mode not in MODES:
            raise ConfigError(f"{key}.mode", f"one of {', '.join(MODES)}")
        if p.distribution == "loguniform" and p.low <= 0:
            raise ConfigError(f"{key}.low", f"> 0 for a loguniform range, got {p.low:g}")
        if p.distribution == "triangular" and (p.peak is None or not p.low <= p.peak <= p.high):
            raise ConfigError(f"{key}.peak", f"a value between low and high, got {p.peak!r}")
        numeric_leaves(cfg, name, p)
        for end in ("low", "high"):
            try:
                validate(apply(cfg, spec, {name: getattr(p, end)}))
            except ConfigError as err:
                raise ConfigError(
                    f"{key}.{end}", f"a value the model accepts ({err.key}: {err.allowed})"
                ) from None


def salib_problem(spec: UncertaintyConfig) -> dict[str, Any]:
    """The SALib problem definition: names, bounds and distributions."""
    names = list(spec.parameters)
    bounds, dists = [], []
    for p in spec.parameters.values():
        if p.distribution == "triangular" and p.peak is not None:
            bounds.append([p.low, p.high, (p.peak - p.low) / (p.high - p.low)])
            dists.append("triang")
        else:
            bounds.append([p.low, p.high])
            dists.append("logunif" if p.distribution == "loguniform" else "unif")
    return {"num_vars": len(names), "names": names, "bounds": bounds, "dists": dists}
