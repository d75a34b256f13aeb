"""The Python front door: compose a config like the command line does, run one replicate."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from hydra import compose, initialize_config_module
from hydra.core.global_hydra import GlobalHydra
from hydra.errors import HydraException, MissingConfigException
from omegaconf import DictConfig, OmegaConf
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
        if GlobalHydra.instance().is_initialized():
            cfg = compose(CONFIG_NAME, overrides=items)
        else:
            with initialize_config_module(config_module=CONFIG_MODULE, version_base="1.3"):
                cfg = compose(CONFIG_NAME, overrides=items)
    except MissingConfigException as err:
        options = ", ".join(err.options or [])
        raise ConfigError(
            "overrides", f"{err} Available: {options}" if options else str(err)
        ) from None
    except (HydraException, OmegaConfBaseException) as err:
        raise ConfigError("overrides", str(err).splitlines()[0]) from None
    return OmegaConf.to_object(cfg)


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
    cfg: RunConfig = OmegaConf.to_object(config) if isinstance(config, DictConfig) else config
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
