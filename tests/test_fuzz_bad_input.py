"""Fuzz ``python -m experiments.run`` with random overrides and random scenario files.

Whatever a user types, the command either runs (exit 0) or refuses in one line: exit status 2,
exactly one stderr line ``error: <key>: <what is allowed>``, no traceback, and nothing written
(no run directory, no ``outputs/``, nothing a config names). The cases are drawn by Hypothesis,
derandomized (the same examples on every run, so CI does not flake) and few (each costs a
config composition, seconds), over the keys the shipped configs have and the values users get
wrong: wrong types, out-of-range and huge numbers, junk strings, interpolations that read the
environment or call resolvers, names that become paths, repeated and unknown keys, and scenario
files that are malformed, have duplicate keys or wrong types, or smuggle in a Hydra callback.

The command runs in this process (``experiments.run.command``): a subprocess would pay the
imports again for every example.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from experiments.run import command

CONFIGS = Path(__file__).resolve().parents[1] / "configs"

#: Every run is tiny: one replicate of one day at two-hour steps of a scenario with no events.
TINY = {
    "scenario": "peacetime",
    "horizon_days": "1",
    "replicates": "1",
    "dt_hours": "2",
    "print_summary": "false",
}

#: The keys that set a run's size get only values that are bad (or harmlessly small): a valid
#: large value would be a long run, not bad input.
SIZE_KEYS = ("horizon_days", "replicates", "dt_hours", "record_every_hours")
BAD_SIZES = ["0", "-1", "-0.5", "1e300", "nan", "inf", "abc", "1000000000", "9223372036854775808"]

#: The config groups, given options that do not exist.
GROUPS = ("scenario", "mitigation", "world", "population", "adversary", "weighting", "couplings")

#: Values users get wrong, as typed on a command line.
JUNK = [
    "-5",
    "0",
    "1e300",
    "-1e300",
    "nan",
    "-inf",
    "9223372036854775808",
    "-9223372036854775809",
    "1000000000",
    "abc",
    "''",
    "null",
    "true",
    "[]",
    "[1,2",
    "{}",
    "{a: 1}",
    "../x",
    "/etc/passwd",
    "nope.csv",
    "${oc.env:HOME}",
    "${oc.decode:'1'}",
    "${now:%Y}",
    "${seed}",
    "a b",
    "é€",
    "'unclosed",
    "=",
]

#: Keys of a scenario file, and junk for them as YAML values.
SCENARIO_KEYS = [
    "name",
    "description",
    "shocks",
    "narratives",
    "hazards",
    "adversary_dimensions",
    "adversary_budget_scale",
    "housed_troops",
    "not_a_key",
]
YAML_JUNK: list[Any] = [
    -5,
    1e300,
    float("nan"),
    2**63,
    "abc",
    "../x",
    "${oc.env:HOME}",
    "${oc.decode:'1'}",
    None,
    True,
    [],
    [1, "a"],
    {"a": 1},
    [{"kind": "nope", "region": "atlantis", "at_hour": -1}],
    [{"at_hour": 5, "kind": "damage", "region": "antwerp", "asset_type": "substation"}],
]


def _flat(node: Any, prefix: str = "") -> Iterator[str]:
    """Dotted keys of a YAML mapping's leaves (lists count as leaves)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("defaults", "hydra") or not isinstance(key, str):
                continue
            yield from _flat(value, f"{prefix}{key}.")
    elif prefix:
        yield prefix[:-1]


def _config_keys() -> list[str]:
    """The keys of the primary config and of the default world and population (read as YAML,
    not composed: composing costs seconds at collection)."""
    keys = list(_flat(yaml.safe_load((CONFIGS / "config.yaml").read_text())))
    for group in ("world", "population"):
        body = yaml.safe_load((CONFIGS / group / "belgium.yaml").read_text())
        keys += list(_flat(body, f"{group}."))
    return sorted(k for k in set(keys) if k not in SIZE_KEYS and k not in TINY)


KEYS = _config_keys()

junk_text = st.text(alphabet="".join(map(chr, range(32, 127))), max_size=10)
values = st.one_of(
    st.sampled_from(JUNK),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    junk_text,
)


@st.composite
def overrides(draw: st.DrawFn) -> list[str]:
    """One to three bad (or harmless) overrides, sometimes one of them repeated."""
    kinds = st.sampled_from(["key", "key", "key", "size", "group", "unknown", "add", "delete"])
    out = []
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        kind = draw(kinds)
        if kind == "key":
            out.append(f"{draw(st.sampled_from(KEYS))}={draw(values)}")
        elif kind == "size":
            out.append(f"{draw(st.sampled_from(SIZE_KEYS))}={draw(st.sampled_from(BAD_SIZES))}")
        elif kind == "group":
            out.append(f"{draw(st.sampled_from(GROUPS))}={draw(junk_text)}")
        elif kind == "unknown":
            out.append(f"{draw(st.sampled_from(['nosuch', 'world.nosuch', 'sectors.k.x']))}=1")
        elif kind == "add":
            out.append(f"+{draw(st.sampled_from(KEYS + ['nosuch']))}={draw(values)}")
        else:
            out.append(f"~{draw(st.sampled_from(KEYS))}")
    if draw(st.booleans()) and draw(st.booleans()):
        out.append(f"{out[0].split('=')[0]}={draw(values)}")  # the same key again
    return out


def _key(override: str) -> str:
    return override.split("=", 1)[0].lstrip("+~")


def _argv(given_overrides: list[str], run_dir: Path) -> list[str]:
    """The tiny run's overrides, less those the example sets itself, then the example's."""
    mine = {_key(o) for o in given_overrides}
    base = [f"{k}={v}" for k, v in TINY.items() if k not in mine]
    return [*base, f"hydra.run.dir={run_dir}", *given_overrides]


#: ``error: <key>: <what is allowed>``: something names what is wrong, then says more.
ONE_LINE = re.compile(r"error: \S.*?: \S.*")


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = command(argv)
    return status, out.getvalue(), err.getvalue()


def _check(
    argv: list[str], root: Path, before: set[str], *must_not_exist: Path, given: str = ""
) -> None:
    """Run the command from ``root`` (so Hydra's default ``outputs/`` would land there) and
    check the contract: exit 0, or exit 2 with one line and nothing written. ``given`` is
    what else the example gave (a file's text), shown if it fails."""
    here = Path.cwd()
    os.chdir(root)
    try:
        status, out, err = _run(argv)
    finally:
        os.chdir(here)
    shown = f"{given}argv: {argv}\nstatus: {status}\nstderr:\n{err}\nstdout (end):\n{out[-2000:]}"
    assert "Traceback" not in err + out, shown
    for path in must_not_exist:
        assert not path.exists(), f"{path} was made by a config\n{shown}"
    assert status in (0, 2), shown
    if status == 2:
        lines = err.splitlines()
        assert len(lines) == 1 and ONE_LINE.fullmatch(lines[0]), shown
        assert not lines[0].endswith(":"), f"the first line of a longer message\n{shown}"
        assert _files(root) == before, f"written: {sorted(_files(root) - before)}\n{shown}"


FUZZ = settings(
    derandomize=True,  # the same examples every run: a failure is a bug, never bad luck
    database=None,
    deadline=None,
    phases=(Phase.explicit, Phase.generate),  # no shrinking: each example costs seconds
    suppress_health_check=[HealthCheck.too_slow],
)


@settings(FUZZ, max_examples=8)
@example(["seed=1", "seed=2"])
@example(["world.asset_types.substation.min_per_region=1000000000"])  # a world too big to build
@given(overrides())
def test_random_overrides_run_or_are_refused_in_one_line(given_overrides: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _check(_argv(given_overrides, root / "run"), root, set())


@st.composite
def scenario_files(draw: st.DrawFn) -> str:
    """A scenario file's text: junk, or a small valid scenario with one key made wrong,
    perhaps with a duplicate key, broken syntax or a Hydra callback in the global package."""
    if draw(st.integers(min_value=0, max_value=5)) == 0:
        return draw(st.text(alphabet="ab: -[]{}#\t\n'\"$é", max_size=40))
    body: dict[str, Any] = {"name": "fuzz", "description": "fuzzed", "shocks": []}
    body[draw(st.sampled_from(SCENARIO_KEYS))] = draw(st.sampled_from(YAML_JUNK))
    text = yaml.safe_dump(body, allow_unicode=True)
    damage = draw(st.sampled_from(["none", "duplicate", "syntax", "tab", "global", "callback"]))
    if damage == "duplicate":
        text += "name: again\n"
    elif damage == "syntax":
        text += "shocks: [unclosed\n"
    elif damage == "tab":
        text += "description:\n\t- x\n"
    elif damage == "global":
        junk = yaml.safe_dump({"horizon_days": draw(st.sampled_from(YAML_JUNK))})
        text = "# @package _global_\n" + yaml.safe_dump({"scenario": body}) + junk
    elif damage == "callback":
        callback = {"x": {"_target_": "os.makedirs", "name": "PWNED"}}
        text = "# @package _global_\n" + yaml.safe_dump(
            {"scenario": body, "hydra": {"callbacks": callback}}
        )
    return text


#: The shared-scenario exploit: a callback that would make a folder if Hydra ran it.
EXPLOIT = """# @package _global_
scenario: {name: fuzz, description: a normal scenario, shocks: []}
hydra:
  callbacks:
    x: {_target_: os.makedirs, name: PWNED}
"""


@settings(FUZZ, max_examples=7)
@example(EXPLOIT)
@given(scenario_files())
def test_random_scenario_files_run_or_are_refused_in_one_line(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        pwned = root / "pwned"
        folder = root / "shared" / "scenario"
        folder.mkdir(parents=True)
        (folder / "fuzz.yaml").write_text(text.replace("PWNED", str(pwned)), encoding="utf-8")
        argv = _argv(
            [f"hydra.searchpath=[file://{root / 'shared'}]", "scenario=fuzz"], root / "run"
        )
        _check(argv, root, _files(root), pwned, given=f"scenario/fuzz.yaml:\n{text}\n")
