"""Settings of the drivers that run designs, and their shared command line.

Two drivers run designs (:mod:`abm.designs`): sensitivity analysis (``python -m
experiments.sensitivity``) and the search over mitigation packages (``python -m
experiments.optimize``). Their command lines are flat ``key=value`` arguments of three kinds:

- the driver's own settings, the fields of :class:`SensitivityConfig` or
  :class:`OptimizeConfig`, whose values are in the primary configs
  ``configs/drivers/sensitivity.yaml`` and ``configs/drivers/optimize.yaml``;
- Hydra's (``hydra/launcher=joblib``, ``hydra.launcher.n_jobs=2``), for every sweep;
- anything else overrides the model (``size=smoke``, ``scenario=cyber_only``) in every run.

The settings are composed with Hydra's compose API on the dataclass schema registered in the
ConfigStore, like the model's config, so a value of the wrong type is refused with its key; the
driver's ``validate`` checks what types cannot say (ranges, names). A setting that holds text
(``out``, ``uncertainty``, ``method``) is taken literally, so a path needs no Hydra quoting, and a
list may be given without brackets (``objectives=total_loss,min_trust``).

:func:`study_main` is both drivers' ``main``: bad input stops it before anything runs with one
line, ``error: <key>: <what is allowed>``, and exit status 2, as for ``experiments.run``, and
nothing is written: the overrides the runs will get are checked as ``experiments.run`` would
check them (:func:`check_run_overrides`) and ``out`` must be a directory that can be written.

Every other command (``study``, ``catalog``, ``report``, ``reproduce``, ``validate``, ``bench``)
parses its flags with :class:`OneLineParser` and checks its output folder with
:func:`check_output_dir`, so that they all answer bad input the same way.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from hydra import compose, initialize_config_module
from hydra.core.config_store import ConfigStore
from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException
from omegaconf import DictConfig, OmegaConf, open_dict
from omegaconf.errors import OmegaConfBaseException

import configs
from abm.api import CONFIG_MODULE, CONFIG_NAME, as_run_config, compose_config
from abm.cli import one_line, refuse
from abm.config import RunConfig, register_configs
from abm.config_guard import check_command_line
from abm.errors import ConfigError
from abm.sweeps import SweepRefused, quoted
from abm.validation import first_of_sweeps, usable_directory, validate
from abm.vocabulary import SEARCH_OUTCOMES, SENSITIVITY_METHODS, SENSITIVITY_OUTCOMES

#: The drivers' primary configs: a search path of their own, where ``population`` and
#: ``uncertainty`` are settings and not, as in ``configs/``, groups of the model's config.
DRIVER_CONFIGS = Path(configs.__file__).parent / "drivers"
#: Base sample size of each method of sensitivity analysis, when ``n`` is not given.
DEFAULT_N = {"sobol": 64, "morris": 20}
DEFAULT_OBJECTIVES = ("total_loss", "mitigation_cost_meur", "transit_mean_delay_h")


@dataclass
class SensitivityConfig:
    """Settings of ``experiments.sensitivity`` (values in ``configs/drivers/sensitivity.yaml``)."""

    #: ``sobol`` (first-order and total indices) or ``morris`` (elementary effects).
    method: str = "sobol"
    #: Base sample size: Sobol's n, a power of 2 (n (D + 2) runs for D parameters), or Morris
    #: trajectories (n (D + 1) runs); null: 64 for Sobol, 20 for Morris.
    n: int | None = None
    #: Directory of the design, the runs, the indices and the report.
    out: str = "outputs/sensitivity/${method}"
    #: A shipped uncertainty set (``configs/uncertainty/<name>.yaml``) or a YAML file.
    uncertainty: str = "default"
    #: Design rows per job (a job costs about 1 s of CPU beyond its replicates).
    block_size: int = 16
    #: The outcome of scenario discovery, and its threshold (null: the 80th percentile).
    discover: str = "total_loss"
    above: float | None = None
    #: Seed of the design and of the bootstrap (the model's own seed is not changed).
    seed: int = 0


@dataclass
class OptimizeConfig:
    """Settings of ``experiments.optimize`` (values in ``configs/drivers/optimize.yaml``)."""

    #: Summary columns to minimise (among :data:`abm.vocabulary.SEARCH_OUTCOMES`).
    objectives: list[str] = field(default_factory=lambda: list(DEFAULT_OBJECTIVES))
    #: The most a package may cost, in million euro (null: no limit).
    budget: float | None = None
    #: Packages to evaluate, and packages per generation.
    n_trials: int = 200
    population: int = 20
    #: Scenarios of the uncertainties on which the Pareto packages are re-evaluated (0 skips
    #: it), how many Pareto packages at most, and the set the scenarios are drawn from.
    robust: int = 10
    robust_max: int = 10
    uncertainty: str = "default"
    #: The total loss a package should stay at or below (null: the median over packages and
    #: scenarios).
    satisfice: float | None = None
    out: str = "outputs/optimize"
    #: Seed of the search (the model's own seed is not changed).
    seed: int = 0
    #: Packages per job (null: a quarter of a generation, so that workers share it evenly).
    block_size: int | None = None


def sample_size(cfg: SensitivityConfig) -> int:
    """The base sample size: as given, or the method's default."""
    return cfg.n if cfg.n is not None else DEFAULT_N[cfg.method]


def _one_of(key: str, value: str, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise ConfigError(key, f"one of {', '.join(allowed)}, got {value!r}")


def _at_least(key: str, value: int, minimum: int) -> None:
    if value < minimum:
        raise ConfigError(key, f"an integer >= {minimum}, got {value}")


def validate_sensitivity(cfg: SensitivityConfig) -> None:
    """Check the ranges and names that the schema's types cannot say."""
    _one_of("method", cfg.method, SENSITIVITY_METHODS)
    n = sample_size(cfg)
    _at_least("n", n, 2)
    if cfg.method == "sobol" and n & (n - 1):
        raise ConfigError("n", f"a power of 2 for Sobol sequences, got {n}")
    _at_least("block_size", cfg.block_size, 1)
    _at_least("seed", cfg.seed, 0)
    _one_of("discover", cfg.discover, SENSITIVITY_OUTCOMES)


def validate_optimize(cfg: OptimizeConfig) -> None:
    """Check the ranges and names that the schema's types cannot say."""
    if not cfg.objectives:
        # an empty list would search for nothing and still run every package
        raise ConfigError("objectives", f"at least one of {', '.join(SEARCH_OUTCOMES)}")
    if len(set(cfg.objectives)) < len(cfg.objectives):
        raise ConfigError("objectives", f"each objective once, got {cfg.objectives}")
    for o in cfg.objectives:
        if o not in SEARCH_OUTCOMES:
            raise ConfigError("objectives", f"names among {', '.join(SEARCH_OUTCOMES)}; got {o!r}")
    numbers = ("budget", "n_trials", "population", "robust", "robust_max", "satisfice")
    for key in (*numbers, "seed", "block_size"):
        value = getattr(cfg, key)
        if value is not None and value < 0:
            raise ConfigError(key, f"a number >= 0, got {value}")
    if cfg.block_size is not None and cfg.block_size < 1:
        raise ConfigError("block_size", f"at least 1 package per job, got {cfg.block_size}")
    if cfg.n_trials < 1 or cfg.population < 2:
        raise ConfigError("n_trials", "at least 1 trial and a population of at least 2")
    if cfg.budget is not None and cfg.budget <= 0:
        raise ConfigError("budget", f"a positive number of million euro, got {cfg.budget}")


# -------------------------------------------------------------------- every command's input
class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are :class:`ConfigError` (the flag and what is allowed),
    which :func:`abm.cli.guarded` prints as one line with exit status 2, instead of argparse's
    usage text over several lines."""

    def error(self, message: str) -> NoReturn:
        """Raise the error argparse would print, naming the flag it is about."""
        usage = " ".join(self.format_usage().split()).removeprefix("usage: ")
        if match := re.match(r"argument ([^:]+): (.*)", message):
            raise ConfigError(match[1], match[2])
        if match := re.match(r"unrecognized arguments: (\S+)", message):
            raise ConfigError(match[1], f"not an argument of this command; usage: {usage}")
        if match := re.match(r"the following arguments are required: (.*)", message):
            raise ConfigError(match[1], f"required; usage: {usage}")
        raise ConfigError("arguments", f"{message}; usage: {usage}")


def check_output_dir(key: str, path: str | os.PathLike[str]) -> None:
    """Refuse an output folder that cannot be made or written, before anything is written
    (:func:`abm.validation.usable_directory`, as ``experiments.run`` checks its run folder).

    Raises:
        ConfigError: naming ``key``, for a path through a file or a read-only directory.
    """
    usable_directory(key, path)


def check_once(overrides: Sequence[str]) -> None:
    """Refuse a key given twice (``seed=1 seed=2``): Hydra would keep the last silently."""
    seen: dict[str, list[str]] = {}
    for override in OverridesParser.create().parse_overrides(list(overrides)):
        key = override.key_or_group + (f"@{override.package}" if override.package else "")
        seen.setdefault(key, []).append(override.input_line or key)
    for key, given in seen.items():
        if len(given) > 1:
            raise ConfigError(key, f"given once, got {len(given)} times: {' '.join(given)}")


def compose_with_hydra(overrides: Sequence[str]) -> DictConfig:
    """The model's config with its ``hydra`` node, composed from these overrides as
    ``experiments.run`` would compose them (composition errors propagate)."""
    register_configs()
    if GlobalHydra.instance().is_initialized():
        return compose(CONFIG_NAME, overrides=list(overrides), return_hydra_config=True)
    with initialize_config_module(config_module=CONFIG_MODULE, version_base="1.3"):
        return compose(CONFIG_NAME, overrides=list(overrides), return_hydra_config=True)


def check_run_overrides(overrides: Sequence[str]) -> RunConfig:
    """Refuse what ``experiments.run`` would refuse of a sweep's overrides, before a driver
    writes anything: code or the environment in the command line or the files it names
    (:func:`abm.config_guard.check_command_line`), a key given twice, a composition error, a
    launcher that cannot start (``hydra.launcher.n_jobs=0``) and a config that fails
    validation (checked on the config every job shares; swept values are each checked by
    their own job).

    Returns:
        The validated config of the overrides (without Hydra's node).

    Raises:
        ConfigError, or Hydra's and OmegaConf's errors (one line each through
        :func:`abm.cli.one_line`).
    """
    check_command_line(list(overrides))
    check_once(overrides)
    cfg = compose_with_hydra(first_of_sweeps(overrides))
    n_jobs = cfg.hydra.launcher.get("n_jobs")
    if isinstance(n_jobs, int) and n_jobs == 0:
        raise ConfigError(
            "hydra.launcher.n_jobs", "a number of workers >= 1 (or -1 for every core), got 0"
        )
    with open_dict(cfg):
        cfg.pop("hydra")
    run = as_run_config(cfg)
    validate(run)
    return run


# ------------------------------------------------------------------------------ the drivers
@dataclass(frozen=True)
class Driver[C]:
    """A driver of designs: its primary config (``configs/drivers/<name>.yaml``, on the schema
    stored as ``<name>_schema``) and the checks of its settings."""

    name: str
    schema: type[C]
    validate: Callable[[C], None]


SENSITIVITY = Driver("sensitivity", SensitivityConfig, validate_sensitivity)
OPTIMIZE = Driver("optimize", OptimizeConfig, validate_optimize)


@dataclass(frozen=True)
class Overrides:
    """The rest of a driver's command line, passed on to every run of its designs."""

    model: list[str]
    hydra: list[str]


def register_study_configs() -> None:
    """Register the drivers' schemas with Hydra's ConfigStore (idempotent)."""
    for driver in (SENSITIVITY, OPTIMIZE):
        ConfigStore.instance().store(name=f"{driver.name}_schema", node=driver.schema)


_KINDS = {int: "an integer", float: "a number", str: "text", bool: "true or false"}


def _expected(hint: Any) -> str:
    """What a field of this type accepts, in a few words."""
    optional = typing.get_origin(hint) is not list and type(None) in typing.get_args(hint)
    if optional:
        hint = next(a for a in typing.get_args(hint) if a is not type(None))
    kind = "a list of names, [a,b]" if typing.get_origin(hint) is list else _KINDS.get(hint)
    return f"{kind or 'a value'} or null" if optional else kind or "a value"


def _as_override(key: str, value: str, hint: Any) -> str:
    """``key=value`` in Hydra's grammar: text literally (quoted unless it already is), a list
    in brackets, anything else as given (numbers, ``null``)."""
    if hint is str and not (len(value) > 1 and value[0] == value[-1] and value[0] in "'\""):
        return f"{key}={quoted(value)}"
    if typing.get_origin(hint) is list and not value.startswith("["):
        return f"{key}=[{value}]"
    return f"{key}={value}"


def parse_arguments[C](driver: Driver[C], argv: Sequence[str]) -> tuple[C, Overrides]:
    """The driver's settings (composed, typed and validated) and the overrides of its runs.

    Raises:
        ConfigError: For an argument that is not ``key=value``, a value of the wrong type, or
            a setting out of range; the key says which.
    """
    hints = typing.get_type_hints(driver.schema)
    given: dict[str, str] = {}
    settings, model, hydra_args = [], [], []
    for arg in argv:
        key, sep, value = arg.partition("=")
        if not sep:
            raise ConfigError(arg, "arguments are key=value")
        if key in hints:
            given[key] = value
            settings.append(_as_override(key, value, hints[key]))
        elif key.startswith(("hydra.", "hydra/")):
            hydra_args.append(arg)
        else:
            model.append(arg)

    def wrong_type(key: str) -> ConfigError:
        return ConfigError(key, f"{_expected(hints[key])}, got {given[key]!r}")

    parser = OverridesParser.create()
    for override in settings:
        try:
            parser.parse_override(override)
        except HydraException:
            raise wrong_type(override.partition("=")[0]) from None
    register_study_configs()
    try:
        cfg = OmegaConf.to_object(compose_config(driver.name, settings, DRIVER_CONFIGS))
    except (HydraException, OmegaConfBaseException) as err:
        failed = _failed_key(err)
        if failed in given:
            raise wrong_type(failed) from None
        raise ConfigError(failed or driver.name, str(err).splitlines()[0]) from None
    if not isinstance(cfg, driver.schema):
        raise TypeError(f"{driver.name}: composed {type(cfg).__name__}, not {driver.schema}")
    driver.validate(cfg)
    return cfg, Overrides(model, hydra_args)


def _failed_key(err: BaseException) -> str | None:
    """The setting an error of Hydra or OmegaConf is about (its ``full_key``), if it says."""
    cause: BaseException | None = err
    while cause is not None:
        if key := getattr(cause, "full_key", None):
            return str(key)
        cause = cause.__cause__ or cause.__context__
    return None


def study_main[C, P](
    driver: Driver[C],
    argv: Sequence[str] | None,
    prepare: Callable[[C, Overrides], P],
    execute: Callable[[P], tuple[int, Path]],
) -> int:
    """The ``main`` of a driver: parse, prepare, execute, and say where the report is.

    Args:
        driver: Which driver, for its settings.
        argv: The command line (``sys.argv[1:]`` if None).
        prepare: Checks everything that needs the model's config and writes what the runs read;
            raises :class:`ConfigError` for bad input. Nothing has run until it returns.
        execute: Runs the designs and analyses them; returns the exit status and the report.

    Returns:
        The exit status: 2 for bad input or a sweep that could not start, 1 if the runs could
        not all be analysed (a job failed: running the same command again resumes), else
        ``execute``'s.
    """
    argv = sys.argv[1:] if argv is None else argv
    start = time.perf_counter()
    try:
        settings, overrides = parse_arguments(driver, argv)
        if (out := getattr(settings, "out", None)) is not None:
            check_output_dir("out", out)
        given = [*overrides.model, *overrides.hydra]
        check_command_line(given)
        check_once(given)
        if overrides.hydra:  # the launcher's settings: what the model's config cannot say
            check_run_overrides(given)
        plan = prepare(settings, overrides)
    except Exception as err:
        message = one_line(err)
        if message is None:
            raise
        return refuse(message)
    try:
        status, report = execute(plan)
    except SweepRefused:
        return 2  # the sweep has said why, in one line
    except RuntimeError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"Report: {report}  ({time.perf_counter() - start:.0f} s)")
    return status
