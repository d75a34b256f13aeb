"""Shared test helpers."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

import pytest


@pytest.fixture
def run_module() -> Callable[..., subprocess.CompletedProcess]:
    """Run ``python -m <module> <args>`` as a user would, capturing its output."""

    def run(module: str, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", module, *args], capture_output=True, text=True, timeout=600
        )

    return run
