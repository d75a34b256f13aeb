"""The drivers' settings (schemas, primary configs, checks) and the one sweep launcher."""

from __future__ import annotations

import dataclasses

import pytest
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import OmegaConf

from abm.errors import ConfigError
from abm.study_config import OPTIMIZE, SENSITIVITY, Driver, parse_arguments
from abm.sweeps import SWEEP_MODULE, quoted, sweep_command


@pytest.mark.parametrize("driver", [SENSITIVITY, OPTIMIZE], ids=lambda d: d.name)
def test_the_primary_config_holds_the_schema_defaults(driver: Driver) -> None:
    composed, overrides = parse_arguments(driver, [])
    defaults = OmegaConf.to_object(OmegaConf.structured(driver.schema))  # resolves ${method}
    assert composed == defaults
    assert overrides.model == [] and overrides.hydra == []


def test_arguments_are_split_between_the_driver_the_model_and_hydra() -> None:
    settings, overrides = parse_arguments(
        SENSITIVITY,
        ["method=morris", "size=smoke", "hydra/launcher=joblib", "n=4", "hydra.launcher.n_jobs=2"],
    )
    assert (settings.method, settings.n) == ("morris", 4)
    assert settings.out == "outputs/sensitivity/morris"  # the default follows the method
    assert overrides.model == ["size=smoke"]
    assert overrides.hydra == ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"]
    # population and uncertainty are settings here, not the model's config groups
    search, overrides = parse_arguments(
        OPTIMIZE, ["population=4", "uncertainty=default", "objectives=total_loss,min_trust"]
    )
    assert (search.population, search.uncertainty) == (4, "default")
    assert search.objectives == ["total_loss", "min_trust"]  # brackets optional
    assert overrides.model == []


def test_text_settings_are_taken_literally() -> None:
    odd = "/tmp/a dir, with [brackets] = and 'quotes'/out"
    settings, _ = parse_arguments(OPTIMIZE, [f"out={odd}", "budget=300"])
    assert settings.out == odd and settings.budget == 300.0


@pytest.mark.parametrize(
    ("driver", "args", "message"),
    [
        (SENSITIVITY, ["n=abc"], "n: an integer or null, got 'abc'"),
        (SENSITIVITY, ["n=[1,2]"], "n: an integer or null"),
        (SENSITIVITY, ["above=x"], "above: a number or null"),
        (SENSITIVITY, ["n=12"], "n: a power of 2"),
        (SENSITIVITY, ["method=morris", "n=1"], "n: an integer >= 2"),
        (SENSITIVITY, ["method=fast"], "method: one of sobol, morris"),
        (SENSITIVITY, ["block_size=0"], "block_size: an integer >= 1"),
        (SENSITIVITY, ["discover=happiness"], "discover: one of total_loss"),
        (SENSITIVITY, ["sobol"], "sobol: arguments are key=value"),
        (OPTIMIZE, ["n_trials=1.5"], "n_trials: an integer, got '1.5'"),
        (OPTIMIZE, ["objectives=[total_loss,happiness]"], "objectives: names among"),
        (OPTIMIZE, ["budget=-5"], "budget: a number >= 0"),
        (OPTIMIZE, ["budget=0"], "budget: a positive number"),
        (OPTIMIZE, ["population=1"], "n_trials: at least 1 trial and a population of at least 2"),
        (OPTIMIZE, ["block_size=0"], "block_size: at least 1 package per job"),
    ],
)
def test_bad_settings_are_refused_with_their_key(driver: Driver, args: list[str], message: str):
    with pytest.raises(ConfigError) as err:
        parse_arguments(driver, args)
    assert message in str(err.value)


def test_every_option_keeps_its_name() -> None:
    drivers = (SENSITIVITY, OPTIMIZE)
    names = {d.name: [f.name for f in dataclasses.fields(d.schema)] for d in drivers}
    assert names == {
        "sensitivity": [
            "method",
            "n",
            "out",
            "uncertainty",
            "block_size",
            "discover",
            "above",
            "seed",
        ],
        "optimize": [
            "objectives",
            "budget",
            "n_trials",
            "population",
            "robust",
            "robust_max",
            "uncertainty",
            "satisfice",
            "out",
            "seed",
            "block_size",
        ],
    }


@pytest.mark.parametrize("path", ["/tmp/plain", "a b,c=(d)[e]", "it's", "back\\slash\\", "x\\'y"])
def test_a_sweep_directory_reaches_hydra_unchanged(path: str) -> None:
    assert OverridesParser.create().parse_override(f"k={quoted(path)}").value() == path


def test_the_sweep_command_line() -> None:
    cmd = sweep_command(["+experiment=synergy", "size=smoke"], "out", launcher="joblib", n_jobs=2)
    assert cmd[1:] == [
        "-m",
        SWEEP_MODULE,
        "-m",
        "+experiment=synergy",
        "size=smoke",
        "hydra/launcher=joblib",
        "hydra.launcher.n_jobs=2",
        "hydra.sweep.dir='out'",
    ]
