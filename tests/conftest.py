"""Shared test helpers."""

from __future__ import annotations

import copy
import subprocess
import sys
from collections.abc import Callable

import pytest

from abm import load_config
from abm.config import RunConfig


@pytest.fixture
def run_module() -> Callable[..., subprocess.CompletedProcess]:
    """Run ``python -m <module> <args>`` as a user would, capturing its output."""

    def run(module: str, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", module, *args], capture_output=True, text=True, timeout=600
        )

    return run


@pytest.fixture(scope="session")
def peacetime() -> Callable[..., RunConfig]:
    """Fresh copies of the peacetime config with a given horizon and step, composed once per
    test process: composing a config costs more than a short run. (No key of the configs
    interpolates the horizon or the step, so setting them on a copy is what the overrides
    ``horizon_days=`` and ``dt_hours=`` give.)"""
    base = load_config("peacetime")

    def make(horizon_days: float, dt_hours: float = 2) -> RunConfig:
        cfg = copy.deepcopy(base)
        cfg.horizon_days, cfg.dt_hours = horizon_days, dt_hours
        return cfg

    return make
