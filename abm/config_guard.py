"""No code from configs: what a command line may point Hydra at, checked before Hydra runs.

Hydra instantiates every ``_target_`` under ``hydra.callbacks`` and OmegaConf runs every
resolver in an interpolation (``${oc.env:HOME}`` reads the environment). A shared scenario file
with ``# @package _global_`` can therefore make a run call any importable function, or copy
the environment into results, and Hydra's own blocklist lets ordinary library functions
through. So, before Hydra composes anything, :func:`check_command_line` reads the command's
arguments and refuses (:class:`~abm.errors.ConfigError`, one line, nothing written):

- in every YAML file of a user-supplied config location (``--config-dir``/``-cd``,
  ``--config-path``/``-cp``, ``hydra.searchpath=[...]``, a ``hydra.searchpath`` inside those
  files, an override value naming a ``.yaml`` file): malformed YAML, duplicate keys, a
  ``_target_`` (or a logging factory ``()``) that is not the project's own
  (:func:`is_allowed_target`), a logging handler ``class`` outside :mod:`logging`, and any
  resolver call in an interpolation (``${oc.env:...}``, ``${oc.decode:...}``, any
  ``${name:...}``; references to other keys, ``${a.b}``, stay allowed, and so does
  ``${now:...}`` under ``hydra``, which names run directories by the clock), and
  ``hydra.job.env_set`` (environment variables such as ``LD_PRELOAD`` run code);
- in the overrides: a ``_target_`` (or ``hydra.callbacks`` entry) that is not the project's
  own, and a resolver call in the value of any key outside ``hydra``;
- the same in ``hydra.sweeper.params`` (overrides that the sweeper gives every job);
- a config name with ``..`` (``scenario=../../tmp/x``, ``--config-name``, a defaults list
  entry): Hydra would load any YAML file on the disk by it, unchecked;
- ``--experimental-rerun``, which unpickles a file (a pickle can run code).

The shipped configs come from the installed package and are not user-supplied; they pass these
checks all the same (tests/test_config_guard.py).

:class:`RayLoopback` keeps a local Ray cluster on the loopback interface (see its docstring).
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from abm.errors import ConfigError

#: ``_target_`` values accepted by exact name: the project's callbacks and the launcher and
#: sweeper classes that Hydra's defaults and configs/hydra/launcher/*.yaml name.
ALLOWED_TARGETS: frozenset[str] = frozenset(
    {
        "abm.sweeps.SweepProgress",
        "abm.validation.InputCheck",
        "abm.config_guard.RayLoopback",
        "hydra._internal.core_plugins.basic_launcher.BasicLauncher",
        "hydra._internal.core_plugins.basic_sweeper.BasicSweeper",
        "hydra_plugins.abm_sweeper.compose_once.ComposeOnceSweeper",
        "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher",
        "hydra_plugins.hydra_ray_launcher.ray_launcher.RayLauncher",
        "hydra_plugins.hydra_submitit_launcher.submitit_launcher.LocalLauncher",
        "hydra_plugins.hydra_submitit_launcher.submitit_launcher.SlurmLauncher",
    }
)

#: Modules whose Hydra callbacks and plugins are trusted: another class of theirs is accepted
#: if it is a Hydra ``Callback`` or ``Plugin`` defined there (not a function, and not a name
#: reached through a module they import, such as ``abm.cli.os.system``).
TRUSTED_PREFIXES: tuple[str, ...] = (
    "abm.",
    "experiments.",
    "analysis.",
    "hydra._internal.",
    "hydra_plugins.",
)

#: Resolvers allowed under ``hydra`` in a user-supplied file (``hydra.run.dir``'s clock).
HYDRA_RESOLVERS: frozenset[str] = frozenset({"now"})

#: More YAML files than this under one location, or more entries (files and folders) of any
#: kind, is a wrong folder (``-cd /``), not a config folder: refused before reading it all.
MAX_FILES = 2000
MAX_ENTRIES = 20000

#: ``ray.init`` values that mean "this machine only".
LOOPBACK_HOSTS: frozenset[str] = frozenset({"127.0.0.1", "localhost", "::1"})

RAY_LAUNCHER = "hydra_plugins.hydra_ray_launcher.ray_launcher.RayLauncher"

_APP_DIR = Path(__file__).resolve().parents[1] / "experiments"
_YAML_SUFFIXES = (".yaml", ".yml")
_TARGET_KEYS = ("_target_", "()")
_LOGGING_TREES = ("job_logging", "hydra_logging")


def _allowed_text() -> str:
    return "the project's own Hydra callbacks and Hydra's launchers and sweepers"


def _what(key: str) -> str:
    return "a logging factory ()" if key == "()" else "a _target_"


def _trusted_module(module: str) -> bool:
    return any(module == p[:-1] or module.startswith(p) for p in TRUSTED_PREFIXES)


def is_allowed_target(target: object) -> bool:
    """Whether a ``_target_`` may be instantiated.

    Exact names in :data:`ALLOWED_TARGETS` are accepted without importing anything. A name under
    :data:`TRUSTED_PREFIXES` is imported (the project's and Hydra's own modules only) and
    accepted only if it is a Hydra callback or plugin class defined in a trusted module, since a
    dotted name can also reach a function, or another library through a module attribute.
    """
    if not isinstance(target, str):
        return False
    if target in ALLOWED_TARGETS:
        return True
    if not target.startswith(TRUSTED_PREFIXES):
        return False
    from hydra._internal.utils import _locate
    from hydra.plugins.plugin import Plugin

    try:
        obj = _locate(target)
    except Exception:  # not importable: refused here rather than by Hydra later
        return False
    return (
        inspect.isclass(obj)
        and issubclass(obj, Callback | Plugin)
        and _trusted_module(getattr(obj, "__module__", "") or "")
    )


def resolvers_in(text: str) -> list[str]:
    """Names of the resolvers that an OmegaConf string calls (``${oc.env:X}`` -> ``oc.env``).

    Raises:
        ValueError: ``text`` is not a valid OmegaConf string (``${`` without its end).
    """
    if "${" not in text:
        return []
    from omegaconf.grammar.gen.OmegaConfGrammarParser import OmegaConfGrammarParser
    from omegaconf.grammar_parser import parse

    try:
        tree = parse(text)
    except Exception as err:
        raise ValueError(str(err).splitlines()[0] if str(err) else "invalid") from None
    names: list[str] = []
    stack: list[Any] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, OmegaConfGrammarParser.InterpolationResolverContext):
            names.append(node.resolverName().getText())
        stack.extend(getattr(node, "children", None) or [])
    return names


# ------------------------------------------------------------------------------------ files
@dataclass
class _Scan:
    """The files and folders to read, each once."""

    files: list[tuple[Path, str]] = field(default_factory=list)  # (file, its package)
    seen: set[Path] = field(default_factory=set)

    def add_dir(self, directory: Path, flag: str) -> None:
        directory = directory.resolve()
        if not directory.is_dir():
            return  # Hydra reports a missing config folder itself
        too_big = ConfigError(
            flag,
            f"{directory} holds more than {MAX_FILES} YAML files or {MAX_ENTRIES} entries "
            "(give the folder of the configs, not a parent of it)",
        )
        found = entries = 0
        for root, dirs, names in os.walk(directory):
            dirs.sort()
            entries += len(dirs) + len(names)
            if entries > MAX_ENTRIES:
                raise too_big
            for name in sorted(names):
                if not name.endswith(_YAML_SUFFIXES):
                    continue
                found += 1
                if found > MAX_FILES:
                    raise too_big
                path = Path(root) / name
                group = Path(root).relative_to(directory).as_posix()
                self.add_file(path, "" if group == "." else group.replace("/", "."))

    def add_file(self, path: Path, package: str) -> None:
        path = path.resolve()
        if path not in self.seen:
            self.seen.add(path)
            self.files.append((path, package))


def _header_package(text: str, group_package: str) -> str:
    """The package a Hydra config file's keys land in: its ``# @package`` header, else its
    group (Hydra >= 1.1)."""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            break
        body = stripped.lstrip("#").strip()
        if body.startswith("@package"):
            package = body[len("@package") :].strip()
            parts = [
                group_package if p == "_group_" else "" if p == "_global_" else p
                for p in package.split(".")
            ]
            return ".".join(p for p in parts if p)
    return group_package


#: PyYAML's safe loader (its C version when built): composes nodes, with their lines, and
#: constructs them to find the tags Hydra's safe loader refuses.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _leaves_the_search_path(name: str) -> bool:
    """Whether a config name climbs out of its folder (``../../tmp/x``): Hydra would load any
    YAML file on the disk by it, one that no search path names and so nobody checked."""
    return ".." in name.replace("\\", "/").split("/")


_NOT_A_NAME = "is not a config name (the name of a file in the group's folder, without '..')"


def _check_defaults(root: yaml.Node, path: Path) -> None:
    """Refuse a defaults list entry naming a config outside the search path."""
    if not isinstance(root, yaml.MappingNode):
        return
    for key_node, value_node in root.value:
        if key_node.value != "defaults" or not isinstance(value_node, yaml.SequenceNode):
            continue
        for item in value_node.value:
            options = [item] if isinstance(item, yaml.ScalarNode) else []
            if isinstance(item, yaml.MappingNode):
                for _, option in item.value:
                    options += option.value if isinstance(option, yaml.SequenceNode) else [option]
            for option in options:
                if isinstance(option, yaml.ScalarNode) and _leaves_the_search_path(option.value):
                    raise ConfigError(
                        f"{path}:{option.start_mark.line + 1}",
                        f"defaults: {option.value!r} {_NOT_A_NAME}",
                    )


def _dotted(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def read_user_yaml(path: Path) -> Any:
    """The data of a user-supplied YAML file that is no Hydra config (an exercise, a decisions
    file), refused as :func:`check_command_line` refuses a config file: malformed YAML,
    duplicate keys, a resolver call, a ``_target_`` that is not the project's own."""
    return _check_file(path, "", _Scan())


def _check_file(path: Path, group_package: str, scan: _Scan) -> Any:
    """Refuse what :mod:`abm.config_guard` refuses in one user-supplied YAML file; return its
    data."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(str(path), "not a UTF-8 text file (configs are YAML)") from None
    except OSError as err:
        raise ConfigError(str(path), err.strerror or "cannot be read") from None
    loader = _Loader(text)
    data = None
    try:
        node = loader.get_single_node()
        if node is not None:
            data = loader.construct_document(node)  # unknown or Python tags fail, as in Hydra
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        context = getattr(err, "context", None)
        problem = f"{context}, {problem}" if context else problem
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(str(path), f"malformed YAML{where}: {problem}") from None
    finally:
        loader.dispose()
    if node is not None:
        _check_defaults(node, path)
        _walk(node, _header_package(text, group_package), path, scan, set())
    return data


def _walk(node: yaml.Node, key: str, path: Path, scan: _Scan, seen: set[int]) -> None:
    if isinstance(node, yaml.ScalarNode):
        _check_value(node.value, key, path, node.start_mark.line + 1)
        return
    if id(node) in seen:  # an alias: checked once (and no exponential walk)
        return
    seen.add(id(node))
    if isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, f"{key}[{i}]", path, scan, seen)
        return
    if not isinstance(node, yaml.MappingNode):
        return
    names: dict[str, int] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            continue
        name, line = key_node.value, key_node.start_mark.line + 1
        if name in names and key_node.tag != "tag:yaml.org,2002:merge":
            raise ConfigError(
                str(path),
                f"duplicate key {_dotted(key, name)!r} at line {line} (first at line "
                f"{names[name]}; each key once)",
            )
        names[name] = line
        child = _dotted(key, name)
        if name in _TARGET_KEYS:
            target = value_node.value if isinstance(value_node, yaml.ScalarNode) else None
            if not is_allowed_target(target):
                raise ConfigError(
                    f"{path}:{line}",
                    f"{child}: {target!r} is not allowed ({_what(name)} may only name "
                    f"{_allowed_text()})",
                )
        if name == "class" and any(t in key.split(".") for t in _LOGGING_TREES):
            value = value_node.value if isinstance(value_node, yaml.ScalarNode) else None
            if not (isinstance(value, str) and value.startswith("logging.")):
                raise ConfigError(
                    f"{path}:{line}",
                    f"{child}: {value!r} is not allowed (a logging class from logging.*)",
                )
        if child == "hydra.job.env_set" and not (
            isinstance(value_node, yaml.MappingNode | yaml.SequenceNode) and not value_node.value
        ):
            raise ConfigError(
                f"{path}:{line}",
                f"{child}: not accepted in a user-supplied config (variables such as "
                "LD_PRELOAD or PYTHONPATH run code in the job's processes; set them in your "
                "shell)",
            )
        if child == "hydra.sweeper.params" and isinstance(value_node, yaml.MappingNode):
            for param, values in value_node.value:
                if isinstance(param, yaml.ScalarNode) and isinstance(values, yaml.ScalarNode):
                    try:
                        _check_sweep_param(param.value, values.value, scan)
                    except ConfigError as err:
                        raise ConfigError(
                            f"{path}:{values.start_mark.line + 1}", str(err)
                        ) from None
        if child == "hydra.searchpath" and isinstance(value_node, yaml.SequenceNode):
            for item in value_node.value:
                if isinstance(item, yaml.ScalarNode):
                    scan.add_dir(_search_dir(item.value), f"{path}:{line}")
        _walk(value_node, child, path, scan, seen)


def _check_value(value: str, key: str, path: Path, line: int) -> None:
    try:
        names = resolvers_in(value)
    except ValueError as err:
        raise ConfigError(f"{path}:{line}", f"{key}: invalid interpolation ({err})") from None
    under_hydra = key == "hydra" or key.startswith("hydra.")
    refused = [n for n in names if not (under_hydra and n in HYDRA_RESOLVERS)]
    if refused:
        raise ConfigError(
            f"{path}:{line}",
            f"{key}: {value!r} calls the resolver {refused[0]!r} (user-supplied configs may "
            "only refer to other keys, as ${a.b})",
        )


def _search_dir(entry: str, base: Path | None = None) -> Path:
    """The folder of a Hydra search path entry (``file://dir``, ``pkg://package``, ``dir``)."""
    if entry.startswith("pkg://"):
        name = entry[len("pkg://") :].strip("/").replace("/", ".")
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        if spec is None or not spec.submodule_search_locations:
            return Path(os.devnull)  # not a package: Hydra reports it
        return Path(next(iter(spec.submodule_search_locations)))
    if entry.startswith("file://"):
        entry = entry[len("file://") :]
    path = Path(entry).expanduser()
    if not path.is_absolute() and base is not None:
        return base / path
    return path


# -------------------------------------------------------------------------------- overrides
def _strings(value: Any) -> Iterator[tuple[tuple[str, ...], str, bool]]:
    """Every string in a parsed override value: the dict keys leading to it, the string, and
    whether it is itself a dict key (``{a: {_target_: x}}`` gives ``((), "a", True)``,
    ``(("a",), "_target_", True)`` and ``(("a", "_target_"), "x", False)``)."""
    from hydra.core.override_parser.types import ChoiceSweep, Glob, QuotedString

    stack: list[tuple[tuple[str, ...], Any]] = [((), value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, QuotedString):
            yield path, item.text, False
        elif isinstance(item, str):
            yield path, item, False
        elif isinstance(item, dict):
            for k, v in item.items():
                text = k.text if isinstance(k, QuotedString) else str(k)
                yield path, text, True
                stack.append(((*path, text), v))
        elif isinstance(item, list | tuple):
            stack.extend((path, v) for v in item)
        elif isinstance(item, ChoiceSweep):
            stack.extend((path, v) for v in item.list)
        elif isinstance(item, Glob):
            stack.extend((path, v) for v in item.include)


def _parse(text: str) -> Any:
    """One override, parsed as Hydra parses it."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import OverrideParseException

    try:
        (override,) = OverridesParser.create().parse_overrides([text])
    except OverrideParseException as err:
        raise ConfigError(text, str(err).splitlines()[0]) from None
    return override


def _check_sweep_param(name: str, value: str, scan: _Scan) -> None:
    """A ``hydra.sweeper.params`` entry is an override the sweeper gives every job."""
    try:
        _check_override(_parse(f"{name}={value}"), scan)
    except ConfigError as err:
        raise ConfigError(f"hydra.sweeper.params.{err.key}", err.allowed) from None


def _refuse_target(key: str, target: object) -> ConfigError:
    what = _what(key.rsplit(".", 1)[-1])
    return ConfigError(key, f"{target!r} is not allowed ({what} may only name {_allowed_text()})")


def _check_override(override: Any, scan: _Scan) -> None:
    """Refuse one parsed override (module docstring); note the files and folders it names."""
    if override.is_delete():
        return  # removing a key runs nothing
    key: str = override.key_or_group
    segments = tuple(key.replace("/", ".").split("."))
    value = override.value()
    strings = [(path, text) for path, text, is_key in _strings(value) if not is_key]
    if segments[-1] in _TARGET_KEYS and not strings:
        raise _refuse_target(key, value)  # a number, a list of nothing: not a class
    group = "." not in key  # a config group (scenario, hydra/launcher) or a top-level key
    for path, text in strings:
        full = (*segments, *path)
        if full[:3] == ("hydra", "sweeper", "params") and len(full) > 3:
            _check_sweep_param(".".join(full[3:]), text, scan)
        if group and not path and _leaves_the_search_path(text):
            raise ConfigError(key, f"{text!r} {_NOT_A_NAME}")
        if full[-1] in _TARGET_KEYS and not is_allowed_target(text):
            raise _refuse_target(".".join(full), text)
        if full[-1] == "class" and any(t in full for t in _LOGGING_TREES):
            if not text.startswith("logging."):
                raise ConfigError(
                    ".".join(full), f"{text!r} is not allowed (a logging class from logging.*)"
                )
        if text.lower().endswith(_YAML_SUFFIXES) and Path(text).is_file():
            scan.add_file(Path(text), "")
        if key == "hydra.searchpath":
            scan.add_dir(_search_dir(text, Path.cwd()), key)
    if segments[0] == "hydra":
        return  # Hydra's own settings may use its resolvers (the user's shell, not a file)
    for _, text, _ in _strings(value):
        try:
            names = resolvers_in(text)
        except ValueError as err:
            raise ConfigError(key, f"invalid interpolation {text!r} ({err})") from None
        if names:
            raise ConfigError(
                key,
                f"{text!r} calls the resolver {names[0]!r} (override values may only refer "
                "to other keys, as ${a.b})",
            )


# ----------------------------------------------------------------------------- command line
def _arguments(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    """Hydra's own reading of a command line, raising instead of exiting."""
    from hydra._internal.utils import get_args_parser

    parser = get_args_parser()
    parser.exit_on_error = False

    def error(message: str) -> Any:  # argparse calls this for some errors even so
        raise ConfigError("arguments", message)

    parser.error = error  # type: ignore[method-assign]
    try:
        args, extra = parser.parse_known_args(list(argv))
    except argparse.ArgumentError as err:
        raise ConfigError(err.argument_name or "arguments", err.message) from None
    unknown = [a for a in extra if a.startswith("-")]
    if unknown:
        raise ConfigError(unknown[0], "not an option (see --help)")
    return args, list(args.overrides or []) + extra


def check_command_line(argv: Sequence[str], *, app_dir: Path = _APP_DIR) -> None:
    """Refuse a command line that would make Hydra run code from configs (module docstring).

    Args:
        argv: The command's arguments without the program (``sys.argv[1:]``), or a driver's
            list of overrides.
        app_dir: Where a relative ``--config-path`` starts (the folder of the Hydra app).

    Raises:
        ConfigError: What is refused and where, in one line.
    """
    if "--version" in argv:
        return  # Hydra prints its version and reads nothing else
    args, overrides = _arguments(argv)
    if getattr(args, "experimental_rerun", None):
        raise ConfigError(
            "--experimental-rerun",
            "not accepted (it unpickles a file, which can run code); re-run a job with "
            "python -m experiments.reproduce <job dir>",
        )
    if args.config_name and _leaves_the_search_path(args.config_name):
        raise ConfigError("--config-name", f"{args.config_name!r} {_NOT_A_NAME}")
    scan = _Scan()
    if args.config_dir:
        scan.add_dir(Path(args.config_dir).expanduser(), "--config-dir")
    if args.config_path:
        scan.add_dir(_search_dir(args.config_path, app_dir), "--config-path")
    for text in overrides:
        _check_override(_parse(text), scan)
    i = 0
    while i < len(scan.files):  # files found may name more folders (hydra.searchpath)
        path, package = scan.files[i]
        _check_file(path, package, scan)
        i += 1


# -------------------------------------------------------------------------------------- Ray
def keep_ray_on_loopback() -> None:
    """Make ``ray.init(_node_ip_address="127.0.0.1")`` start its servers on loopback.

    On Linux Ray replaces a loopback node address with the machine's routable one, and then its
    GCS server, raylets and workers listen on every interface, unless Ray is told that it runs
    a single-machine cluster (``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0``, read when Ray is
    imported, hence the module attribute too). The variable reaches Ray's own processes, which
    start later.
    """
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    constants = sys.modules.get("ray._private.ray_constants")
    if constants is not None:
        constants.ENABLE_RAY_CLUSTER = False  # type: ignore[attr-defined]


def ray_starts_on_loopback(config: DictConfig) -> bool:
    """Whether a sweep's Ray launcher starts a local cluster meant for this machine only."""
    launcher = OmegaConf.select(config, "hydra.launcher")
    if launcher is None or OmegaConf.select(launcher, "_target_") != RAY_LAUNCHER:
        return False
    address = OmegaConf.select(launcher, "ray.init.address")
    host = OmegaConf.select(launcher, "ray.init._node_ip_address")
    return address in (None, "local") and str(host) in LOOPBACK_HOSTS


class RayLoopback(Callback):
    """Keeps the local Ray cluster of ``hydra/launcher=ray_local`` on loopback.

    ``on_multirun_start`` runs in the launching process before the launcher calls
    ``ray.init``; when the launcher starts a local cluster with a loopback node address
    (configs/hydra/launcher/ray_local.yaml), it applies :func:`keep_ray_on_loopback`. A sweep on
    an existing cluster (``hydra.launcher.ray.init.address=<head:port>``) is left alone.
    """

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        if ray_starts_on_loopback(config):
            keep_ray_on_loopback()
