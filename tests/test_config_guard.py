"""No code from configs: user-supplied config files and overrides may not name code to run or
read the environment (abm/config_guard.py), and the local Ray cluster stays on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from abm import config_guard
from abm.config_guard import (
    RayLoopback,
    check_command_line,
    is_allowed_target,
    ray_starts_on_loopback,
    resolvers_in,
)
from abm.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "configs"
PEACETIME = (CONFIGS / "scenario" / "peacetime.yaml").read_text(encoding="utf-8")


def refusal(argv: list[str]) -> str:
    """The one line ``check_command_line`` refuses ``argv`` with."""
    with pytest.raises(ConfigError) as caught:
        check_command_line(argv)
    message = str(caught.value)
    assert "\n" not in message
    return message


def shared(tmp_path: Path, text: str, name: str = "evil", group: str = "scenario") -> list[str]:
    """A shared config folder holding ``<group>/<name>.yaml``; the overrides that use it."""
    folder = tmp_path / "shared" / group
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    return [f"hydra.searchpath=[file://{tmp_path / 'shared'}]", f"{group}={name}"]


def exploit(tmp_path: Path) -> str:
    """The shared-scenario exploit: a scenario that makes Hydra call ``os.makedirs``."""
    return (
        "# @package _global_\n"
        "scenario:\n"
        + "".join(f"  {line}\n" for line in PEACETIME.splitlines() if not line.startswith("#"))
        + "hydra:\n"
        "  callbacks:\n"
        "    x:\n"
        "      _target_: os.makedirs\n"
        f"      name: {tmp_path / 'pwned'}\n"
    )


# ------------------------------------------------------------------------- shipped configs
def test_the_shipped_configs_pass_as_if_user_supplied():
    # every file, including config.yaml's ${now:...} under hydra and the launchers' targets
    check_command_line(["-cd", str(CONFIGS)])
    check_command_line(["--config-path", str(CONFIGS), "-m", "hydra/launcher=ray_local"])
    check_command_line(["hydra.searchpath=[pkg://configs]", "scenario=grid_shock", "seed=3"])
    check_command_line(["--version"])  # Hydra prints it; nothing to check


def test_a_relative_config_path_is_read_from_the_app_folder(tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    shared(tmp_path, exploit(tmp_path))
    with pytest.raises(ConfigError, match="os.makedirs"):
        check_command_line(["-cp", "../shared"], app_dir=app)


# ----------------------------------------------------------------------------------- files
def test_the_exploit_is_refused_naming_the_file_line_and_key(tmp_path):
    argv = shared(tmp_path, exploit(tmp_path))
    message = refusal([*argv, f"hydra.run.dir={tmp_path / 'run'}", "horizon_days=1"])
    evil = tmp_path / "shared" / "scenario" / "evil.yaml"
    line = exploit(tmp_path).splitlines().index("      _target_: os.makedirs") + 1
    assert message.startswith(f"{evil}:{line}: hydra.callbacks.x._target_: 'os.makedirs'")
    assert "not allowed" in message
    assert not (tmp_path / "pwned").exists()
    # the same folder given by --config-dir
    assert refusal(["--config-dir", str(tmp_path / "shared")]) == message


FILE_CASES = {
    "malformed YAML": ("name: [unclosed\nshocks: []\n", "malformed YAML at line"),
    "duplicate key": (
        "name: a\ndescription: b\nname: c\n",
        "duplicate key 'scenario.name' at line 3",
    ),
    "two documents": ("name: a\n---\nname: b\n", "malformed YAML"),
    "a Python tag": ("name: !!python/object/apply:os.getcwd []\n", "malformed YAML at line 1"),
    "a target in a scenario": (
        "name: a\nshocks:\n  - {_target_: subprocess.run, args: [id]}\n",
        "scenario.shocks[0]._target_: 'subprocess.run' is not allowed",
    ),
    "a target reached through the project's modules": (
        "name: a\nx: {_target_: abm.cli.os.system}\n",
        "'abm.cli.os.system' is not allowed",
    ),
    "a project function as a target": (
        "name: a\nx: {_target_: abm.cli.refuse}\n",
        "'abm.cli.refuse' is not allowed",
    ),
    "a logging factory": (
        "# @package _global_\nhydra:\n  job_logging:\n    formatters:\n      f:\n"
        "        (): os.system\n",
        "hydra.job_logging.formatters.f.(): 'os.system' is not allowed",
    ),
    "a logging class outside logging": (
        "# @package _global_\nhydra:\n  hydra_logging:\n    handlers:\n      h:\n"
        "        class: shutil.rmtree\n",
        "hydra.hydra_logging.handlers.h.class: 'shutil.rmtree' is not allowed",
    ),
    "the job's environment": (
        "# @package _global_\nhydra:\n  job:\n    env_set:\n      LD_PRELOAD: /tmp/x.so\n",
        "hydra.job.env_set: not accepted",
    ),
    "the environment": ("name: ${oc.env:HOME}\n", "calls the resolver 'oc.env'"),
    "a decoded string": ("name: a\ndescription: ${oc.decode:'${x}'}\n", "'oc.decode'"),
    "any resolver": ("name: a\ndescription: x ${anything:1} y\n", "'anything'"),
    "the clock outside hydra": ("name: ${now:%H}\n", "calls the resolver 'now'"),
    "a resolver nested in a reference": ("name: ${a.${oc.env:USER}}\n", "'oc.env'"),
    "a broken interpolation": ("name: ${oc.env:HOME\n", "invalid interpolation"),
    "a sweeper parameter in a preset": (
        "# @package _global_\nhydra:\n  sweeper:\n    params:\n      mitigation: none,combined\n"
        "      scenario: grid_shock,../../../tmp/evil\n",
        "evil.yaml:6: hydra.sweeper.params.scenario: '../../../tmp/evil' is not a config name",
    ),
    "a default outside the search path": (
        "defaults:\n  - /world: belgium\n  - override /mitigation: ../../../../tmp/evil\n",
        "evil.yaml:3: defaults: '../../../../tmp/evil' is not a config name",
    ),
}


@pytest.mark.parametrize("text, expected", FILE_CASES.values(), ids=FILE_CASES.keys())
def test_a_shared_file_is_refused_in_one_line(tmp_path, text, expected):
    argv = shared(tmp_path, text)
    message = refusal(argv)
    assert message.startswith(str(tmp_path / "shared" / "scenario" / "evil.yaml"))
    assert expected in message


def test_references_and_the_clock_under_hydra_are_allowed(tmp_path):
    text = (
        "# @package _global_\n"
        "scenario: {name: quiet, description: '${scenario.name} again', shocks: []}\n"
        "hydra:\n  run:\n    dir: outputs/${scenario.name}/${now:%Y-%m-%d}\n"
        "  callbacks:\n    sweep_progress: {_target_: abm.sweeps.SweepProgress}\n"
        "  job_logging:\n    handlers:\n      file: {class: logging.FileHandler}\n"
        "escaped: \\${oc.env:HOME}\n"
    )
    check_command_line(shared(tmp_path, text))


def test_a_search_path_named_inside_a_shared_file_is_read_too(tmp_path):
    second = tmp_path / "second"
    (second / "mitigation").mkdir(parents=True)
    (second / "mitigation" / "m.yaml").write_text("name: ${oc.env:HOME}\n", encoding="utf-8")
    argv = shared(tmp_path, f"# @package _global_\nhydra:\n  searchpath: [file://{second}]\n", "s")
    assert "m.yaml:1: mitigation.name" in refusal(argv)


def test_an_override_naming_a_yaml_file_reads_it(tmp_path):
    spec = tmp_path / "u.yaml"
    spec.write_text("name: u\nparameters:\n  x:\n    low: ${oc.env:HOME}\n", encoding="utf-8")
    assert refusal([f"design.uncertainty={spec}"]).startswith(f"{spec}:4: parameters.x.low")


def test_an_alias_bomb_is_read_once_per_node(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    start = time.perf_counter()
    check_command_line(shared(tmp_path, "\n".join(lines) + "\n"))
    assert time.perf_counter() - start < 2  # 9^9 leaves if walked naively


def test_a_binary_file_and_a_folder_of_too_many_files_are_refused(tmp_path, monkeypatch):
    folder = tmp_path / "shared" / "scenario"
    folder.mkdir(parents=True)
    (folder / "bin.yaml").write_bytes(b"\xff\xfe\x00name")
    assert "not a UTF-8 text file" in refusal(["-cd", str(tmp_path / "shared")])
    (folder / "bin.yaml").unlink()
    for i in range(4):
        (folder / f"s{i}.yaml").write_text("name: s\n", encoding="utf-8")
    monkeypatch.setattr(config_guard, "MAX_FILES", 3)
    assert refusal(["-cd", str(tmp_path)]).startswith(f"--config-dir: {tmp_path} holds more")
    monkeypatch.setattr(config_guard, "MAX_FILES", 4)
    check_command_line(["-cd", str(tmp_path)])
    for i in range(3):
        (tmp_path / f"empty{i}").mkdir()
    monkeypatch.setattr(config_guard, "MAX_ENTRIES", 3)  # folders count too (-cd /)
    assert refusal(["-cd", str(tmp_path)]).startswith(f"--config-dir: {tmp_path} holds more")


# ------------------------------------------------------------------------------- overrides
OVERRIDE_CASES = {
    "a callback's target": (
        ["+hydra.callbacks.x._target_=os.makedirs"],
        "hydra.callbacks.x._target_: ",
    ),
    "a callback as a dict": (["+hydra.callbacks.x={_target_: os.system}"], "'os.system'"),
    "a shipped callback retargeted": (
        ["hydra.callbacks.sweep_progress._target_=builtins.exec"],
        "'builtins.exec' is not allowed",
    ),
    "a target in the model's config": (["+scenario.x._target_=os.system"], "scenario.x._target_"),
    "a target nested in a value": (["++foo={a: {_target_: os.system}}"], "foo.a._target_: "),
    "a target that is not a name": (["+hydra.callbacks.x._target_=5"], "5 is not allowed"),
    "a target in a sweep": (
        ["-m", "+hydra.callbacks.x._target_=abm.sweeps.SweepProgress,os.system"],
        "'os.system'",
    ),
    "a logging class": (["+hydra.job_logging.handlers.h.class=os.system"], "logging.*"),
    "a logging handler as a dict": (
        ["+hydra.job_logging.handlers={h: {class: os.system}}"],
        "hydra.job_logging.handlers.h.class: 'os.system'",
    ),
    "the environment": (["scenario.name=${oc.env:HOME}"], "scenario.name: '${oc.env:HOME}'"),
    "the environment, quoted": (["scenario.name='${oc.env:HOME}'"], "'oc.env'"),
    "a decoded value": (["seed=${oc.decode:'1'}"], "seed: "),
    "a resolver in a list": (["scenario.shocks=[${oc.env:X}]"], "'oc.env'"),
    "a resolver in a sweep": (["-m", "scenario.name=a,${oc.env:X}"], "'oc.env'"),
    "the clock outside hydra": (["scenario.name=${now:%H}"], "'now'"),
    "a broken interpolation": (["scenario.name='${oc.env:HOME'"], "invalid interpolation"),
    "a group option outside the search path": (
        ["scenario=../../../../tmp/evil"],
        "scenario: '../../../../tmp/evil' is not a config name",
    ),
    "a preset outside the search path, in a sweep": (
        ["-m", "+experiment=synergy,../x"],
        "experiment: '../x' is not a config name",
    ),
    "a primary config outside the search path": (
        ["--config-name", "../../tmp/evil"],
        "--config-name: '../../tmp/evil' is not a config name",
    ),
    "a sweeper parameter outside the search path": (
        ["-m", "hydra.sweeper.params.scenario=../../x"],
        "hydra.sweeper.params.scenario: '../../x' is not a config name",
    ),
    "a sweeper parameter reading the environment": (
        ["-m", "+hydra.sweeper.params={scenario.name: '${oc.env:X}'}"],
        "hydra.sweeper.params.scenario.name: '${oc.env:X}' calls the resolver 'oc.env'",
    ),
    "an unparsable override": (["seed=["], "seed=[: "),
    "an unknown option": (["--no-such-option", "seed=1"], "--no-such-option: not an option"),
    "a pickle to rerun": (["--experimental-rerun", "config.pickle"], "--experimental-rerun: "),
}


@pytest.mark.parametrize("argv, expected", OVERRIDE_CASES.values(), ids=OVERRIDE_CASES.keys())
def test_an_override_is_refused_in_one_line(argv, expected):
    assert expected in refusal(argv)


def test_allowed_overrides_pass():
    check_command_line(
        [
            "-m",
            "hydra.callbacks.sweep_progress._target_=abm.sweeps.SweepProgress",
            "~hydra.callbacks.sweep_progress",
            "scenario.description=${scenario.name}",
            "hydra.run.dir=outputs/${now:%H-%M}",
            "hydra.sweep.dir=${oc.env:HOME}/sweeps",  # Hydra's own settings, the user's shell
            "scenario=grid_shock,heatwave",
            "seed=range(0,3)",
            "hydra/launcher=ray_local",
        ]
    )


def test_the_allow_list():
    assert is_allowed_target("abm.sweeps.SweepProgress")
    assert is_allowed_target("hydra_plugins.hydra_ray_launcher.ray_launcher.RayLauncher")
    assert is_allowed_target("abm.config_guard.RayLoopback")  # by prefix, checked as a Callback
    assert not is_allowed_target("abm.config_guard.keep_ray_on_loopback")  # a function
    assert not is_allowed_target("abm.no_such_module.Thing")
    assert not is_allowed_target("os.makedirs")
    assert not is_allowed_target(None)
    assert resolvers_in("a ${b} ${oc.env:X,${c:d}}") == sorted(["oc.env", "c"], reverse=True)


# ------------------------------------------------------------------------------ end to end
def test_the_exploit_run_exits_2_in_one_line_and_nothing_runs_or_is_written(tmp_path):
    shared(tmp_path, exploit(tmp_path))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "experiments.run",
            f"hydra.searchpath=[file://{tmp_path / 'shared'}]",
            "scenario=evil",
            f"hydra.run.dir={tmp_path / 'run'}",
            "horizon_days=1",
            "replicates=1",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 2, proc.stderr[-2000:]
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "os.makedirs" in lines[0]
    assert not (tmp_path / "pwned").exists()
    assert not (tmp_path / "run").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shared"]


# ------------------------------------------------------------------------------------- Ray
def test_ray_local_starts_its_cluster_on_loopback(monkeypatch):
    from hydra import compose, initialize_config_module

    with initialize_config_module("configs", version_base="1.3"):  # Hydra's part only
        cfg = compose(None, ["hydra/launcher=ray_local"], return_hydra_config=True)
    init = cfg.hydra.launcher.ray.init
    assert init._node_ip_address == "127.0.0.1" and init.address is None
    assert not init.include_dashboard and init.dashboard_host == "127.0.0.1"
    assert cfg.hydra.callbacks.ray_loopback._target_ == "abm.config_guard.RayLoopback"
    assert ray_starts_on_loopback(cfg)

    constants = types.SimpleNamespace(ENABLE_RAY_CLUSTER=True)
    monkeypatch.setitem(sys.modules, "ray._private.ray_constants", constants)
    monkeypatch.delenv("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", raising=False)
    remote = OmegaConf.merge(cfg, {"hydra": {"launcher": {"ray": {"init": {"address": "h:6379"}}}}})
    RayLoopback().on_multirun_start(remote)  # an existing cluster: left to Ray
    assert "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER" not in os.environ and constants.ENABLE_RAY_CLUSTER
    RayLoopback().on_multirun_start(cfg)
    assert os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] == "0"
    assert constants.ENABLE_RAY_CLUSTER is False
