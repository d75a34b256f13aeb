"""Every command's answer to bad input: one line ``error: <key>: <what is allowed>`` on
stderr, exit status 2, and nothing written.

A command's ``main`` raises; :func:`guarded` turns the errors that bad input causes (ours,
Hydra's, OmegaConf's, YAML's and the file system's) into that line, and lets every other error
through as the bug it is. Hydra apps set ``HYDRA_FULL_ERROR`` (:func:`hydra_errors_raise`) so
that Hydra raises its composition errors instead of printing them over several lines and
exiting with status 1.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable

import yaml
from hydra.errors import (
    ConfigCompositionException,
    HydraException,
    MissingConfigException,
    OverrideParseException,
)
from omegaconf.errors import OmegaConfBaseException

from abm.errors import ConfigError

#: Hydra's message for ``+key=value`` on a key the config has.
APPEND_CLASH = re.compile(r"Could not append to config\. An item is already at '([^']+)'")

#: The exit status of bad input (as argparse's).
BAD_INPUT = 2


def _first_line(text: str) -> str:
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    return lines[0] if lines else ""


def _omegaconf(err: OmegaConfBaseException) -> str:
    """``<full key>: <message>`` from an OmegaConf error (its message names the key too, on
    lines of their own that we leave out)."""
    key = getattr(err, "full_key", None) or "config"
    return f"{key}: {_first_line(getattr(err, 'msg', None) or str(err))}"


def _yaml(err: yaml.YAMLError) -> str:
    mark = getattr(err, "problem_mark", None)
    problem = getattr(err, "problem", None) or _first_line(str(err))
    if mark is not None:
        return f"{mark.name}: malformed YAML at line {mark.line + 1}: {problem}"
    return f"YAML: {problem}"


def one_line(err: BaseException) -> str | None:
    """The one-line message for an error that bad input causes; None for any other error (a
    bug, which keeps its traceback)."""
    if isinstance(err, ConfigError):
        return str(err)
    if isinstance(err, MissingConfigException):
        group, _, name = (err.missing_cfg_file or "").rpartition("/")
        if group and err.options:
            return f"{group.replace('/', '.')}: {name!r} is not one of: {', '.join(err.options)}"
        text = _first_line(str(err))
        if not group:  # the primary config (--config-name)
            return f"--config-name: {text}"
        return f"{text} Available: {', '.join(err.options)}" if err.options else text
    if isinstance(err, OverrideParseException):
        given = getattr(err, "override", None) or "overrides"
        return f"{given}: not a valid override (key=value): {_first_line(str(err))}"
    if isinstance(err, ConfigCompositionException | HydraException):
        # Hydra raises some of these inside an ``except`` without ``from``: the error that
        # names the key is then the context, not the cause.
        cause = err.__cause__ or err.__context__
        if isinstance(cause, OmegaConfBaseException):
            return _omegaconf(cause)
        if isinstance(cause, yaml.YAMLError):
            return _yaml(cause)
        text = _first_line(str(err))
        appended = APPEND_CLASH.search(text)
        if appended:
            return (
                f"{appended.group(1)}: already in the config; set it without '+' "
                "(or with '++' to replace it)"
            )
        return text
    if isinstance(err, OmegaConfBaseException):
        return _omegaconf(err)
    if isinstance(err, yaml.YAMLError):
        return _yaml(err)
    if isinstance(err, OSError) and err.filename is not None:
        return f"{err.filename}: {err.strerror or _first_line(str(err))}"
    return None


class Refusal(BaseException):
    """Bad input found where Hydra turns an ``Exception`` into a warning and goes on (its
    callbacks, which check a run before Hydra writes anything): a ``BaseException`` passes
    through Hydra, and :func:`guarded` answers it in one line.

    Args:
        error: The error of the bad input (one that :func:`one_line` can say).
    """

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


def refuse(message: str) -> int:
    """Print the one line; return the exit status of bad input."""
    print(f"error: {message}", file=sys.stderr)
    return BAD_INPUT


def guarded(main: Callable[[], int | None]) -> int:
    """Run a command's ``main``; bad input ends in one line and exit status 2.

    Returns:
        ``main``'s exit status (0 for None), or :data:`BAD_INPUT`.
    """
    try:
        status = main()
    except SystemExit:
        raise
    except Refusal as refusal:
        return refuse(one_line(refusal.error) or str(refusal.error))
    except Exception as err:
        message = one_line(err)
        if message is None:
            raise
        return refuse(message)
    return 0 if status is None else int(status)


def hydra_errors_raise() -> None:
    """Make Hydra raise composition errors (for :func:`guarded`) instead of printing them over
    several lines and exiting with status 1. Inherited by the jobs' processes, where
    ``experiments.run`` records a job's error itself."""
    os.environ["HYDRA_FULL_ERROR"] = "1"
