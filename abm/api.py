"""The Python front door: compose a config like the command line does, run one replicate."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from hydra import compose, initialize_config_dir, initialize_config_module
from hydra.core.global_hydra import GlobalHydra
from hydra.errors import HydraException, MissingConfigException
from omegaconf import DictConfig, ListConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from abm.config import RunConfig, register_configs
from abm.errors import ConfigError
from abm.validation import validate

CONFIG_MODULE = "configs"
CONFIG_NAME = "config"


def _override(key: str, value: Any) -> str:
    if isinstance(value, bool):
        value = str(value).lower()
    elif value is None:
        value = "null"
    return f"{key}={value}"


def compose_config(
    config_name: str, overrides: Sequence[str] = (), config_dir: Path | None = None
) -> DictConfig:
    """Compose a primary config with Hydra's compose API: ``configs/<config_name>.yaml``, or
    ``<config_dir>/<config_name>.yaml`` (a search path of its own, without the model's groups).

    Inside a Hydra app (``experiments.run``) Hydra is initialised already and composes the
    model's config with the app's search path; elsewhere it is initialised for this call only,
    so nothing is left behind. Hydra's and OmegaConf's own errors propagate: each caller says
    what they mean.
    """
    if config_dir is not None:
        with initialize_config_dir(config_dir=str(config_dir), version_base="1.3"):
            return compose(config_name, overrides=list(overrides))
    if GlobalHydra.instance().is_initialized():
        return compose(config_name, overrides=list(overrides))
    with initialize_config_module(config_module=CONFIG_MODULE, version_base="1.3"):
        return compose(config_name, overrides=list(overrides))


def load_config(
    scenario: str | None = None, *, overrides: Sequence[str] = (), **keywords: Any
) -> RunConfig:
    """Compose the run config exactly as ``python -m experiments.run`` would.

    Args:
        scenario: A shipped scenario's name (``grid_shock``); the default scenario if omitted.
        overrides: Hydra override strings, e.g. ``["world.capacity_cv=0.3"]``.
        **keywords: Top-level keys, e.g. ``horizon_days=7``.

    Raises:
        ConfigError: for an unknown option or a value of the wrong type.
    """
    register_configs()
    items = list(overrides)
    if scenario is not None:
        items.append(_override("scenario", scenario))
    items += [_override(k, v) for k, v in keywords.items()]
    try:
        cfg = compose_config(CONFIG_NAME, items)
    except MissingConfigException as err:
        options = ", ".join(err.options or [])
        raise ConfigError(
            "overrides", f"{err} Available: {options}" if options else str(err)
        ) from None
    except (HydraException, OmegaConfBaseException) as err:
        raise ConfigError("overrides", str(err).splitlines()[0]) from None
    return as_run_config(cfg)


def as_run_config(cfg: DictConfig | ListConfig) -> RunConfig:
    """The dataclass instance of a config composed against the run schema."""
    out = OmegaConf.to_object(cfg)
    if not isinstance(out, RunConfig):
        raise TypeError(f"not a run config: {type(out).__name__}")
    remove_levers(out)
    return out


def remove_levers(cfg: RunConfig) -> None:
    """Take ``mitigation.without`` out of the package and name it ``<name>_minus_<lever>``, so
    that everything downstream (levers, costs, engagement, results) sees one consistent
    package."""
    m = cfg.mitigation
    if not m.without:
        return
    for name in m.without:
        if name not in m.levers:
            raise ConfigError(
                "mitigation.without", f"levers of {m.name!r} ({', '.join(m.levers)}), got {name!r}"
            )
    m.levers = {k: v for k, v in m.levers.items() if k not in m.without}
    m.name = "_minus_".join([m.name, *m.without])
    m.without = []


def resolve_config(
    config: RunConfig | DictConfig | None,
    rng: int | None,
    scenario: str | None,
    overrides: Sequence[str],
    keywords: dict[str, Any],
) -> tuple[RunConfig, int]:
    """The validated config and seed a model is built from: the config given, or one composed
    from a scenario, overrides and top-level keywords; the seed given, or the config's."""
    if config is None:
        config = load_config(scenario, overrides=overrides, **keywords)
    elif scenario is not None or overrides or keywords:
        raise TypeError("give either config or scenario/overrides/keywords, not both")
    if isinstance(config, DictConfig):
        cfg = as_run_config(config)
    else:  # a dataclass built by hand: the same package as a composed config would give
        cfg = config
        if cfg.mitigation.without:
            cfg = copy.deepcopy(cfg)
            remove_levers(cfg)
    seed = cfg.seed if rng is None else rng
    if not isinstance(seed, int | np.integer) or isinstance(seed, bool) or seed < 0:
        raise ConfigError("seed", f"a non-negative integer, got {seed!r}")
    validate(cfg)
    return cfg, int(seed)


def run_replicate(
    scenario: str | None = None,
    seed: int = 0,
    replicate: int = 0,
    *,
    overrides: Sequence[str] = (),
    **keywords: Any,
) -> pd.Series:
    """Run one replicate and return its row of ``summary.parquet``."""
    from abm.model import HybridThreatModel

    cfg = load_config(scenario, overrides=overrides, **keywords)
    model = HybridThreatModel(cfg, rng=seed, replicate=replicate)
    model.run_model()
    return pd.Series(model.summary())
