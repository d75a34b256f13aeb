"""Shared test helpers."""

from __future__ import annotations

import copy
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

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


# ---------------------------------------------------------------------- the dashboard in a browser
ROOT = Path(__file__).parents[1]
#: Debian's Chromium (``make browser`` installs it); another with ``CHROMIUM=/path``.
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server() -> Iterator[str]:
    """The dashboard app (``make dashboard``) on a free port: its base URL, once it answers.

    Both of its pages are served: the analyst's dashboard at the URL, the exercise at
    ``<url>exercise``."""
    port = free_port()
    solara_cli = Path(sys.executable).with_name("solara")
    proc = subprocess.Popen(
        [
            str(solara_cli),
            "run",
            "experiments/dashboard.py",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-open",
            "--production",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 120
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            if time.time() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("the dashboard did not start") from None
            time.sleep(0.5)
    yield url
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture
def chromium() -> Iterator[Any]:
    """A headless Chromium driven by Playwright (a ``playwright.sync_api.Browser``)."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).is_file(), f"no Chromium at {CHROMIUM} (make test installs it)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
