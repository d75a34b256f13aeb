"""The README's command lines run, at smoke size, so the quick start and every documented command
keep working.

The commands are read from README.md, never listed here: every line of a ```sh block, the
``$ `` lines of other blocks (with the output shown under them) and the inline code spans that
start like a command (``make ...``, ``python -m ...``, ``.venv/bin/...``, ``duckdb ...``; ``...``
stands for the elided ``.venv/bin/python -m experiments.run``). Each command is then exercised in
one of two ways:

- by a *rule* of its module (``RULES``), which turns it into a smoke-size invocation: one
  replicate of two days, outputs in pytest's ``tmp_path``;
- by an entry of ``MAPPED``, keyed by the command as written, for what cannot or should not run
  here: a ``make`` target whose recipe's module runs under that module's rule (``Recipe``), a
  command that an existing test already runs at smoke size (``Covered``: the test is named, and
  checked to exist and to hold the command's key arguments), an alias of another README command
  that runs here (``Alias``), or a skip whose reason is backed by text in the command or its
  recipe (``Skip``).

``test_every_readme_command_is_exercised`` fails on a README command that neither applies to,
and on an entry of ``MAPPED`` that the README no longer has, so that a new command cannot go
untested silently. The README's first sweep and the commands that read its directory (catalog,
SQL, reproduce; report, unless mapped) run in order on the same directory, as the README chains
them (``test_readme_commands_run[line<n>-workflow-...]``).

Nearly all of the time goes to imports and Hydra's composition (about 5 s per subprocess on the
2-core test machine), not to the model, hence the mapping of commands that other tests already
run: the file costs about 57 s of CPU, half a minute on 2 workers.
"""

from __future__ import annotations

import ast
import re
import shlex
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
README = ROOT / "README.md"
MAKEFILE = ROOT / "Makefile"

#: Smoke size for every model run: one replicate of two days. A subprocess costs seconds of
#: imports and Hydra composition whatever the size, so the size only has to be small.
SMOKE = ("replicates=1", "horizon_days=2")
#: The study at smoke size: the unmitigated campaign and one mitigation, so the ranking has a
#: row (all 14 arms cost about 1 s of Hydra composition each and test nothing more); with
#: ``n_jobs=1`` joblib runs them in the sweep's process instead of starting two workers, each
#: of which would cost its own imports. Increments inside ``combined`` are run by
#: tests/test_report.py's fixture, and lever samples need single levers: neither runs here.
STUDY_SMOKE = ("mitigation=none,combined", "hydra.launcher.n_jobs=1", "--no-increments")

#: First tokens of a command line; a Python interpreter, ``...`` and ``pip`` need more (below).
PYTHONS = {"python", "python3", ".venv/bin/python", ".venv/bin/python3"}
PROGRAMS = {"make", "duckdb", "pip", ".venv/bin/pip", "solara", ".venv/bin/solara"}
PROGRAMS |= {"pytest", ".venv/bin/pytest"}
#: Fenced blocks whose every line is a command (comments and continuations aside). In other
#: blocks (plain, console), commands are the ``$`` lines and lines that start like a command.
SHELL_BLOCKS = {"sh", "bash", "shell", "zsh"}
#: The stages of the README's sweep workflow, in the order they read each other's output.
WORKFLOW = ("analysis.catalog", "duckdb", "experiments.reproduce", "analysis.report")


# --------------------------------------------------------------------------- the mapping
@dataclass(frozen=True)
class Recipe:
    """A ``make`` target whose recipe is one ``$(PY) -m <module>`` line: that module runs at smoke
    size under its rule, instead of the target's full-size run."""

    why: str


@dataclass(frozen=True)
class Covered:
    """Already run at smoke size by an existing test, ``where`` = ``path::name`` (a test, a
    fixture or a helper function, or a module-level table of cases), whose source must contain
    every one of ``tokens`` (so the reference cannot go stale)."""

    where: str
    tokens: tuple[str, ...]
    why: str


@dataclass(frozen=True)
class Alias:
    """Exercised by running ``target``, another README command that this file runs."""

    target: str
    why: str


@dataclass(frozen=True)
class Skip:
    """Not run. ``evidence`` must occur in the command or its make recipe: it is what makes the
    command unfit for a test (it installs, rewrites a tracked file, recurses, needs a cluster)."""

    evidence: str
    why: str


Mapping = Recipe | Covered | Alias | Skip

#: README command (as written: comment dropped, whitespace collapsed) -> how it is exercised.
MAPPED: dict[str, Mapping] = {
    # Quick start and setup
    "make run": Recipe(
        "the full study (15 arms x 20 replicates x 60 days); its recipe, "
        "python -m experiments.study, runs at smoke size"
    ),
    "python -m experiments.study scenario=cyber_only replicates=50": Alias(
        "make run",
        "the study's entry point again with other overrides; the smoke run of make run passes "
        "its overrides (replicates, horizon_days, mitigation) the same way",
    ),
    "make test": Skip("pytest", "it is this suite: running it from a test would recurse"),
    "make bench": Skip(
        "experiments.bench",
        "a benchmark of minutes (60-day replicates on both worlds, the reference, a sweep); it "
        "measures and asserts nothing",
    ),
    (
        "python -m analysis.report <sweep_dir> [--weighting impact] [--weights energy=2 health=0]"
    ): Covered(
        "tests/test_report.py::test_the_report_command_line",
        ("analysis.report", "--weighting", "impact"),
        "this very command on a smoke sweep of its own (7 s of figures: over this file's budget "
        "a second time); the study here writes the same report through the same function",
    ),
    "make lock": Skip("requirements-lock.txt", "it rewrites the tracked requirements-lock.txt"),
    "pip install -e '.[dev]'": Skip("pip install", "it installs into the environment under test"),
    "python -m venv .venv && .venv/bin/pip install -r requirements-lock.txt && "
    ".venv/bin/pip install --no-deps -e .": Skip(
        "pip install", "it recreates and reinstalls the environment under test"
    ),
    # A template of the concrete commands of "Running scenarios", which run.
    "python -m experiments.run scenario=<name> replicates=<n>": Alias(
        ".venv/bin/python -m experiments.run scenario=hybrid_campaign mitigation=prebunking "
        "seed=3 replicates=20",
        "a template (<name>, <n>) of the concrete commands below it",
    ),
    # Running scenarios: two of them are the determinism test's command.
    ".venv/bin/python -m experiments.run scenario=coastal_storm seed=3 replicates=20 "
    "horizon_days=30": Covered(
        "tests/test_determinism.py::run_cli",
        ("experiments.run", "scenario=coastal_storm", "replicates=", "horizon_days=", "seed"),
        "the same command with another seed, 2 replicates of 8 days, three times",
    ),
    ".venv/bin/python -m experiments.run world.asset_types.hospital.needs.power.backup_hours=24": (
        Covered(
            "tests/test_bad_input.py::CASES",
            ("world.asset_types.hospital.needs.power.backup_hours=",),
            "the same override through the same command line, refused when negative; a valid "
            "override runs as in the hybrid_campaign command, which runs here",
        )
    ),
    ".venv/bin/python -m experiments.run scenario=grid_shock hydra.run.dir=results/gs": Covered(
        "tests/test_determinism.py::run_cli",
        ("experiments.run", "scenario=", "hydra.run.dir={outdir}"),
        "a single run placed with hydra.run.dir, its files read there (as every single run of "
        "this file is placed in tmp)",
    ),
    # Sweeps: the presets already run at smoke size in tests/test_sweeps.py.
    ".venv/bin/python -m experiments.run -m +experiment=mitigation_comparison size=smoke": Covered(
        "tests/test_sweeps.py::COMPARISON",
        ("+experiment=mitigation_comparison", "size=smoke"),
        "the serial sweep of the joblib and catalog tests (under scenario=cyber_only)",
    ),
    ".venv/bin/python -m experiments.run -m +experiment=mitigation_comparison "
    "scenario=cyber_only size=full": Covered(
        "tests/test_sweeps.py::COMPARISON",
        ("+experiment=mitigation_comparison", "scenario=cyber_only"),
        "the same sweep at size=smoke (test_mitigation_comparison_takes_a_scenario checks it)",
    ),
    ".venv/bin/python -m experiments.run -m +experiment=scenario_matrix size=smoke": Covered(
        "tests/test_sweeps.py::test_every_preset_runs_at_smoke_size",
        ("scenario_matrix", "size=smoke"),
        "every preset at smoke size",
    ),
    ".venv/bin/python -m experiments.run -m +experiment=synergy size=full "
    "hydra.sweep.dir=results/synergy": Covered(
        "tests/test_sweeps.py::test_every_preset_runs_at_smoke_size",
        ("synergy", "size=smoke"),
        "the same preset at size=smoke, into its own sweep directory",
    ),
    # Launchers
    "... -m +experiment=mitigation_comparison hydra/launcher=joblib hydra.launcher.n_jobs=8": (
        Covered(
            "tests/test_sweeps.py::test_mitigation_comparison_with_joblib_equals_the_serial_run",
            ("COMPARISON", "joblib"),
            "the same sweep through joblib at smoke size, on the 2 workers of the test machine",
        )
    ),
    "... -m +experiment=mitigation_comparison size=full hydra/launcher=slurm "
    "hydra.launcher.partition=<partition> hydra.launcher.account=<account> "
    "hydra.sweep.dir=<shared filesystem path>": Covered(
        "tests/test_sweeps.py::test_submitit_local_sweep_equals_the_serial_run",
        ("submitit_local",),
        "no SLURM cluster here: the same submitit path runs locally",
    ),
    "... -m +experiment=scenario_matrix hydra/launcher=ray_local": Covered(
        "tests/test_sweeps.py::test_local_ray_sweep_equals_the_serial_run",
        ("ray_local",),
        "a local Ray sweep (starting Ray costs about 10 s; not twice)",
    ),
    "... -m +experiment=scenario_matrix hydra/launcher=ray_local "
    "hydra.launcher.ray.init.address=<head:6379>": Skip(
        "ray.init.address=<head:6379>", "it needs an existing Ray cluster at <head:6379>"
    ),
    # Sensitivity analysis and search: smoke runs of the same drivers exist.
    ".venv/bin/python -m experiments.sensitivity method=sobol n=64 out=outputs/sensitivity/sobol "
    "replicates=2 hydra/launcher=joblib hydra.launcher.n_jobs=2": Covered(
        "tests/test_sensitivity.py::test_a_small_sobol_run_on_the_model",
        ("experiments.sensitivity", "method=sobol", "size=smoke"),
        "a Sobol run on three parameters at smoke size, and its resume",
    ),
    ".venv/bin/python -m experiments.sensitivity method=morris n=20 size=smoke": Covered(
        "tests/test_sensitivity.py::test_a_small_morris_run_on_the_model",
        ("experiments.sensitivity", "method=morris", "size=smoke"),
        "a Morris run on three parameters at smoke size",
    ),
    ".venv/bin/python -m experiments.optimize budget=300 n_trials=200 population=20 "
    "replicates=5 robust=10 hydra/launcher=joblib hydra.launcher.n_jobs=2": Covered(
        "tests/test_optimize.py::test_a_smoke_search_on_the_model",
        ("experiments.optimize", "budget=", "n_trials=", "population=", "robust="),
        "a search of 8 packages in generations of 4, 2 robustness scenarios, at smoke size",
    ),
    # Dashboard: a server that runs until stopped; the browser test starts the same command.
    "make dashboard": Covered(
        "tests/conftest.py::server",
        ("solara", "experiments/dashboard.py", "--host", "--port", "--no-open"),
        "the browser test serves the recipe's solara command on a free loopback port",
    ),
    "make dashboard HOST=0.0.0.0 PORT=8080": Covered(
        "tests/conftest.py::server",
        ("solara", "experiments/dashboard.py", "--host", "--port"),
        "the same server; a test must not listen on every interface",
    ),
    # Table-top exercises: the replay and its counterfactual run in tests/test_exercise.py.
    "python -m experiments.exercise exercise=tabletop "
    "decisions=configs/exercise/tabletop_decisions.yaml out=outputs/exercise": Covered(
        "tests/test_exercise.py::test_replaying_the_saved_decisions_is_bit_identical",
        ("cli.main", "exercise=tabletop", "decisions=", "out="),
        "the same command on decisions played through the session, and its files read back",
    ),
    "python -m experiments.exercise exercise=tabletop "
    "decisions=configs/exercise/tabletop_decisions.yaml out=outputs/exercise_cf "
    "shift=guards_to_ports:-12 replicates=20": Covered(
        "tests/test_exercise.py::test_the_report_compares_on_common_random_numbers",
        ("tabletop_decisions.yaml", "replicates=", "shift=", "guards_to_ports"),
        "the same report with 3 replicates and the same shift, through the function the "
        "command calls (its arguments are checked by the bad-input cases)",
    ),
    "make bench AGAINST=<rev>": Skip(
        "experiments.bench",
        "the benchmark compared with a git revision: minutes of 60-day replicates on both sides; "
        "tests/test_bench.py runs the comparison on a few hours of simulated time",
    ),
    "python -m experiments.bench --against none --worlds belgium --sweep-replicates 0 "
    "--reference-steps 0 --dashboard-days 0 --memory-replicates ''": Skip(
        "experiments.bench",
        "a benchmark: it measures and asserts nothing, and at its smallest (one replicate of a "
        "day, two processes) it costs about 7 s, beyond this file's share of the suite",
    ),
    # Validation and documentation
    "python -m abm.parameters": Covered(
        "tests/validation/test_odd.py::test_the_odd_tables_are_generated_and_current",
        ("generated()", "ODD"),
        "running it would rewrite the tracked docs/ODD.md; the test checks that what it would "
        "write there is what the file holds",
    ),
    "python -m experiments.validate": Covered(
        "tests/validation/test_validate.py::validate_run",
        ("experiments.validate",),
        "the command itself, with its exit status and table",
    ),
    "python -m experiments.calibrate target=<name> [write=true]": Covered(
        "tests/test_calibration.py::test_writing_a_fit_keeps_the_other_targets_values",
        ("recovered", "write_fitted", "fitted.yaml"),
        "a fit of a synthetic target through the same functions, written to a copy of "
        "fitted.yaml (a real target takes minutes to fit, and write=true rewrites the tracked "
        "configs/calibration/fitted.yaml)",
    ),
    "python -m experiments.refresh_baseline": Covered(
        "tests/test_baseline.py::test_the_default_study_matches_its_stored_baseline",
        ("baseline_summary",),
        "running it would rewrite the tracked tests/baseline/summary.csv; the test recomputes "
        "the same summary and compares it with the file",
    ),
}


# --------------------------------------------------------------------------- the README
@dataclass(frozen=True)
class Command:
    """One command line of the README."""

    text: str  # as written, comment dropped, whitespace collapsed: the key of MAPPED
    line: int  # README line where it starts
    expected: tuple[str, ...] = ()  # the output the README shows under a ``$`` command

    @property
    def argv(self) -> list[str]:
        """Its tokens, optional ``[...]`` arguments unwrapped (``key=[a,b]`` lists are kept)."""
        return shlex.split(re.sub(r"(?<!\S)\[([^\]]*)\]", r"\1", self.text))


def _tokens(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:  # unbalanced quotes: prose, not a command
        return text.split()


def is_command(text: str) -> bool:
    """Whether a line starts like a command (``python3`` alone is a program's name, not one)."""
    tokens = _tokens(text)
    if len(tokens) < 2:
        return False
    if tokens[0] in PYTHONS:
        return len(tokens) > 2 and tokens[1] == "-m"
    if tokens[0] == "...":  # the README's launcher examples elide the interpreter and module
        return tokens[1] in ("-m", "--multirun")
    return tokens[0] in PROGRAMS


def _clean(text: str) -> str:
    """Drop a ``$`` prompt and a trailing ``# comment``; collapse whitespace."""
    text = re.sub(r"^\$\s+", "", text.strip())
    text = re.sub(r"(^|\s)#.*$", "", text)
    return " ".join(text.split())


def _logical_lines(body: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Lines with their ``\\`` continuations joined, each with the number of its first line."""
    joined: list[tuple[int, str]] = []
    for n, raw in body:
        if joined and joined[-1][1].endswith("\\"):
            joined[-1] = (joined[-1][0], joined[-1][1][:-1] + " " + raw.strip())
        else:
            joined.append((n, raw.rstrip()))
    return joined


def readme_commands(text: str) -> tuple[list[Command], list[str]]:
    """Every command line of the README in order, and the lines of shell blocks that are not
    commands (a failure: a shell block holds commands only, so an unknown one is caught)."""
    lines = text.splitlines()
    commands: list[Command] = []
    strays: list[str] = []
    prose = list(lines)  # the text outside fenced blocks, for inline code spans
    i = 0
    while i < len(lines):
        if not lines[i].startswith("```"):
            i += 1
            continue
        info, start = lines[i][3:].strip().lower(), i
        i += 1
        while i < len(lines) and not lines[i].startswith("```"):
            i += 1
        body = _logical_lines(list(enumerate(lines[start + 1 : i], start=start + 2)))
        prose[start : i + 1] = [""] * len(prose[start : i + 1])
        i += 1
        if info == "python":
            continue  # Python code, not command lines
        for k, (n, raw) in enumerate(body):
            cmd = _clean(raw)
            prompted = raw.lstrip().startswith("$ ")
            if not cmd or not (info in SHELL_BLOCKS or prompted or is_command(cmd)):
                continue
            if not is_command(cmd):
                strays.append(f"README line {n}: {raw.strip()!r} is not a known command line")
                continue
            expected = []
            if prompted:  # the output shown under it, up to the next prompt
                for _, out in body[k + 1 :]:
                    if out.lstrip().startswith("$ "):
                        break
                    if out.strip():
                        expected.append(out.strip())
            commands.append(Command(cmd, n, tuple(expected)))
    joined = "\n".join(prose)
    for m in re.finditer(r"`([^`]+)`", joined):
        cmd = _clean(m.group(1))
        if "\n\n" not in m.group(1) and is_command(cmd):
            commands.append(Command(cmd, joined.count("\n", 0, m.start()) + 1))
    commands.sort(key=lambda c: c.line)
    return commands, strays


# --------------------------------------------------------------------------- the Makefile
def make_recipe(target: str) -> list[str]:
    """The recipe lines of a make target (none if there is no such target)."""
    lines = MAKEFILE.read_text().splitlines()
    for n, line in enumerate(lines):
        if re.match(rf"{re.escape(target)}\s*:(?!=)", line):
            recipe = []
            for body in lines[n + 1 :]:
                if not body.startswith("\t"):
                    break
                recipe.append(body.strip())
            return recipe
    return []


def recipe_module(target: str) -> tuple[str, list[str]] | None:
    """The module and arguments of a recipe that is one ``$(PY) -m <module>`` line."""
    calls = [line for line in make_recipe(target) if "$(PY) -m " in line]
    if len(calls) != 1:
        return None
    module, *args = calls[0].split("$(PY) -m ", 1)[1].split()
    return module, args


# --------------------------------------------------------------------------- smoke steps
@dataclass
class Dirs:
    """Where one test's commands write: ``{tmp}``, ``{sweep}`` and ``{job}`` in arguments."""

    tmp: Path
    job: Path | None = None

    @property
    def sweep(self) -> Path:
        return self.tmp / "sweep"

    def fill(self, args: tuple[str, ...]) -> list[str]:
        """The arguments with the directories filled in."""
        values = {"{tmp}": self.tmp, "{sweep}": self.sweep, "{job}": self.job}
        out = []
        for arg in args:
            for key, value in values.items():
                if key in arg:
                    assert value is not None, f"{key} is not known yet"
                    arg = arg.replace(key, str(value))
            out.append(arg)
        return out


RunModule = Callable[..., subprocess.CompletedProcess]
Act = Callable[["Step", "Dirs", RunModule], None]


@dataclass(frozen=True)
class Step:
    """A README command as a smoke-size invocation of ``module`` with ``args``, and ``act``,
    which runs it and checks what it must do."""

    command: Command
    module: str
    args: tuple[str, ...]
    act: Act = field(compare=False)

    def run(self, dirs: Dirs, run_module: RunModule) -> subprocess.CompletedProcess:
        return run_module(self.module, *dirs.fill(self.args))

    def succeeded(self, proc: subprocess.CompletedProcess) -> None:
        where = f"README line {self.command.line}: {self.command.text}"
        assert proc.returncode == 0, (
            f"{where}\n  ran: python -m {self.module} {' '.join(proc.args[3:])}\n"
            f"  exit status {proc.returncode}\n{proc.stderr[-3000:]}"
        )


def _rows(path: Path) -> int:
    import pandas as pd

    return len(pd.read_parquet(path))


def act_run(step: Step, dirs: Dirs, run_module: RunModule) -> None:
    """A single run writes the results contract, at the smoke size, and prints its tables."""
    proc = step.run(dirs, run_module)
    step.succeeded(proc)
    out = dirs.tmp / "run"
    assert (out / "_COMPLETE.json").is_file() and "Results:" in proc.stdout
    assert _rows(out / "summary.parquet") == 1  # the smoke size took effect


def act_bad_input(step: Step, dirs: Dirs, run_module: RunModule) -> None:
    """The documented bad input: exit 2, exactly the documented line, no traceback, no results."""
    proc = step.run(dirs, run_module)
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert proc.stderr.strip().splitlines() == list(step.command.expected)
    assert "Traceback" not in proc.stdout + proc.stderr
    assert not (dirs.tmp / "run" / "summary.parquet").exists()


def _jobs_complete(dirs: Dirs, proc: subprocess.CompletedProcess) -> None:
    """Every job of the sweep in ``dirs.sweep`` completed, at the smoke size; the first is the
    job that the workflow's reproduce command re-runs."""
    jobs = sorted(p.parent for p in dirs.sweep.glob("*/.hydra"))
    assert jobs and all((job / "_COMPLETE.json").is_file() for job in jobs), proc.stderr[-3000:]
    assert all(_rows(job / "summary.parquet") == 1 for job in jobs)
    dirs.job = jobs[0]


def act_sweep(step: Step, dirs: Dirs, run_module: RunModule) -> None:
    """A sweep exits 0 and every job completes."""
    proc = step.run(dirs, run_module)
    step.succeeded(proc)
    _jobs_complete(dirs, proc)


def act_study(step: Step, dirs: Dirs, run_module: RunModule) -> None:
    """The study (a sweep into ``--out``) prints the tables the README shows, writes the report,
    and every job completes."""
    proc = step.run(dirs, run_module)
    step.succeeded(proc)
    for heading in ("without mitigation", "Mitigations ranked by total loss avoided", "Report:"):
        assert heading in proc.stdout, proc.stdout[-3000:]
    assert (dirs.sweep / "report.html").is_file()
    _jobs_complete(dirs, proc)


def act_catalog(step: Step, dirs: Dirs, run_module: RunModule) -> None:
    """The catalog of the sweep is written for SQL."""
    step.succeeded(step.run(dirs, run_module))
    assert (dirs.sweep / "catalog.duckdb").is_file()


def act_sql(step: Step, dirs: Dirs, run_module: RunModule) -> None:
    """The README's query answers on the catalog. The ``duckdb`` command-line program is not a
    dependency of the project, so the query goes through the duckdb package it installs."""
    import duckdb

    database, sql = dirs.fill(step.args)
    con = duckdb.connect(database, read_only=True)
    try:
        assert con.execute(sql).fetchall(), sql
    finally:
        con.close()


def act_reproduce(step: Step, dirs: Dirs, run_module: RunModule) -> None:
    """A job of the sweep reproduces identically."""
    proc = step.run(dirs, run_module)
    step.succeeded(proc)
    assert "identical" in proc.stdout and "DIFFERS" not in proc.stdout, proc.stdout


def act_report(step: Step, dirs: Dirs, run_module: RunModule) -> None:
    """The report of the sweep is written, as HTML and Markdown."""
    step.succeeded(step.run(dirs, run_module))
    assert (dirs.sweep / "report.html").is_file() and (dirs.sweep / "report.md").is_file()


def act_prints(marker: str) -> Act:
    """A command that prints: it exits 0 and its output holds ``marker``."""

    def act(step: Step, dirs: Dirs, run_module: RunModule) -> None:
        proc = step.run(dirs, run_module)
        step.succeeded(proc)
        assert marker in proc.stdout, proc.stdout[-3000:]

    return act


# --------------------------------------------------------------------------- rules
Rule = Callable[[Command, list[str]], "Step | str"]


def _without(args: list[str], keys: set[str]) -> list[str]:
    return [a for a in args if a.split("=", 1)[0] not in keys]


def run_rule(cmd: Command, args: list[str]) -> Step | str:
    """``experiments.run``: the README's overrides, then the smoke size, the output in tmp
    (``hydra.run.dir`` or ``hydra.sweep.dir`` replaced) and at most 2 joblib workers."""
    kept = _without(args, {"replicates", "horizon_days", "hydra.run.dir", "hydra.sweep.dir"})
    kept = [
        f"hydra.launcher.n_jobs={min(2, int(a.split('=')[1]))}"
        if a.startswith("hydra.launcher.n_jobs=")
        else a
        for a in kept
    ]
    if any(a.startswith("<") or "=<" in a for a in kept):
        return "it has a <placeholder>: map it (MAPPED) to the commands it stands for"
    if "-m" in kept or "--multirun" in kept:
        return Step(cmd, "experiments.run", (*kept, *SMOKE, "hydra.sweep.dir={sweep}"), act_sweep)
    if cmd.expected and not cmd.expected[0].startswith("error:"):
        return "the README shows output for it that this test does not check"
    act = act_bad_input if cmd.expected else act_run
    return Step(cmd, "experiments.run", (*kept, *SMOKE, "hydra.run.dir={tmp}/run"), act)


def study_rule(cmd: Command, args: list[str]) -> Step | str:
    """``experiments.study``: its sweep at smoke size, on two arms and one worker, into tmp."""
    kept = [a for a in args if not a.startswith("--out")]
    kept = _without(kept, {"replicates", "horizon_days", "mitigation", "hydra.launcher.n_jobs"})
    smoke = ("--out={sweep}", *kept, *SMOKE, *STUDY_SMOKE)
    return Step(cmd, "experiments.study", smoke, act_study)


def directory_rule(placeholder: str, act: Act) -> Rule:
    """A workflow command whose first argument is a sweep or job directory (or its
    ``<placeholder>``): the workflow's own, in tmp."""

    def rule(cmd: Command, args: list[str]) -> Step | str:
        if not args or args[0].startswith("-"):
            return "expected a directory as its first argument"
        module = cmd.argv[2] if cmd.argv[0] in PYTHONS else cmd.argv[0]
        return Step(cmd, module, (placeholder, *args[1:]), act)

    return rule


def sql_rule(cmd: Command, args: list[str]) -> Step | str:
    """``duckdb <sweep_dir>/catalog.duckdb "<query>"``: the query, on the workflow's catalog."""
    if len(args) != 2 or not args[0].endswith(".duckdb"):
        return "expected `duckdb <file>.duckdb <query>`"
    return Step(cmd, "duckdb", ("{sweep}/" + Path(args[0]).name, args[1]), act_sql)


def parameters_rule(cmd: Command, args: list[str]) -> Step | str:
    """``abm.parameters --uncertainty [overrides]`` prints an uncertainty set and writes nothing:
    run as written. Without ``--uncertainty`` it rewrites docs/ODD.md, which no test may do."""
    if "--uncertainty" not in args:
        return "it rewrites docs/ODD.md: map it (MAPPED)"
    return Step(cmd, "abm.parameters", tuple(args), act_prints("parameters:"))


#: Module -> how its README commands become smoke-size steps.
RULES: dict[str, Rule] = {
    "experiments.run": run_rule,
    "experiments.study": study_rule,
    "analysis.catalog": directory_rule("{sweep}", act_catalog),
    "duckdb": sql_rule,
    "experiments.reproduce": directory_rule("{job}", act_reproduce),
    "analysis.report": directory_rule("{sweep}", act_report),
    "abm.parameters": parameters_rule,
}


def invocation(cmd: Command) -> tuple[str, list[str]] | str:
    """The module a README command runs and its arguments, or why there is none."""
    argv = cmd.argv
    if {"&&", "||", ";", "|"} & set(argv):
        return "a compound command: map it (MAPPED)"
    if argv[0] in PYTHONS:
        return argv[2], argv[3:]
    if argv[0] == "...":
        return "experiments.run", argv[1:]
    if argv[0] == "duckdb":
        return "duckdb", argv[1:]
    if argv[0] == "make" and isinstance(MAPPED.get(cmd.text), Recipe):
        found = recipe_module(argv[1])
        if found is None:
            return f"the recipe of make {argv[1]} is not one `$(PY) -m <module>` line"
        return found
    if argv[0] == "make":
        return "a make target: map it (MAPPED: Recipe, Covered, Alias or Skip)"
    return f"no rule for {argv[0]}: map it (MAPPED)"


def plan(cmd: Command) -> Step | Mapping | str:
    """How a README command is exercised: a smoke step, a mapping, or why it cannot be."""
    entry = MAPPED.get(cmd.text)
    if entry is not None and not isinstance(entry, Recipe):
        return entry
    found = invocation(cmd)
    if isinstance(found, str):
        return found
    module, args = found
    if module not in RULES:
        return f"no rule for python -m {module}: add one (RULES) or map it (MAPPED)"
    return RULES[module](cmd, args)


@dataclass
class Plan:
    """The README's commands, grouped into test cases, and what is wrong."""

    cases: dict[str, tuple[Step, ...]] = field(default_factory=dict)
    steps: dict[str, Step] = field(default_factory=dict)  # command text -> its step
    problems: list[str] = field(default_factory=list)


def seconds(step: Step) -> float:
    """A rough cost in seconds of a step on the 2-core test machine, to order the cases."""
    if step.act is act_sweep:
        return 10.0
    return {"experiments.study": 20.0, "experiments.run": 6.0, "duckdb": 0.3}.get(step.module, 3.0)


def build_plan(commands: list[Command], strays: list[str]) -> Plan:
    """Steps of every runnable command (the same invocation once); the README's sweep workflow
    as one case: the first ``experiments.run -m`` sweep that runs here (the README's catalog
    reads such a ``multirun/`` directory), then the catalog, SQL, reproduce and report commands
    on that directory; every other step a case of its own.

    Cases come longest first, so that pytest-xdist starts the two long ones (the study and the
    workflow) at once on its two workers and fills in with the short ones."""
    result = Plan(problems=list(strays))
    unique: dict[tuple[str, tuple[str, ...]], Step] = {}
    for cmd in commands:
        how = plan(cmd)
        if isinstance(how, str):
            result.problems.append(f"README line {cmd.line}: `{cmd.text}`: {how}")
        elif isinstance(how, Step):
            result.steps[cmd.text] = unique.setdefault((how.module, how.args), how)
    steps = list(unique.values())
    workflow = sorted(
        (s for s in steps if s.module in WORKFLOW), key=lambda s: WORKFLOW.index(s.module)
    )
    sweeps = [s for s in steps if s.act is act_sweep]
    cases: dict[str, tuple[Step, ...]] = {}
    if workflow and not sweeps:
        result.problems.append("the catalog, reproduce and report commands need a sweep to read")
    elif workflow:
        chain = (sweeps[0], *workflow)
        names = ["sweep", *(s.module.split(".")[-1] for s in workflow)]
        cases[f"line{chain[0].command.line}-workflow-" + "-".join(names)] = chain
    for s in steps:
        if not any(s in chain for chain in cases.values()):
            cases[f"line{s.command.line}-{s.module}"] = (s,)
    order = sorted(cases, key=lambda k: -sum(seconds(s) for s in cases[k]))
    result.cases = {k: cases[k] for k in order}
    return result


COMMANDS, STRAYS = readme_commands(README.read_text())
PLAN = build_plan(COMMANDS, STRAYS)


# --------------------------------------------------------------------------- tests
def mapping_problem(cmd: Command, entry: Mapping) -> str | None:
    """What is wrong with a mapping entry: its test is gone or no longer runs the command, its
    alias does not run, its skip has no ground."""
    if isinstance(entry, Covered):
        path, _, name = entry.where.partition("::")
        file = ROOT / path
        if not file.is_file():
            return f"{entry.where}: no such file"
        source = file.read_text()
        found = [
            ast.get_source_segment(source, node)
            for node in ast.parse(source).body
            if (isinstance(node, ast.FunctionDef) and node.name == name)
            or (
                isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
            )
        ]
        if not found:
            return f"{entry.where}: no such test, fixture or table"
        missing = [t for t in entry.tokens if t not in (found[0] or "")]
        return f"{entry.where} no longer has {missing}" if missing else None
    if isinstance(entry, Alias):
        return None if entry.target in PLAN.steps else f"its alias {entry.target!r} does not run"
    if isinstance(entry, Skip):
        recipe = make_recipe(cmd.argv[1]) if cmd.argv[0] == "make" else []
        grounds = "\n".join([cmd.text, *recipe])
        return None if entry.evidence in grounds else f"{entry.evidence!r} is not in it"
    return None  # a Recipe: planned above, or reported there


def test_every_readme_command_is_exercised() -> None:
    """Every README command runs at smoke size or has a checked entry in MAPPED, and every entry
    of MAPPED is still in the README."""
    assert any(c.text == "make run" for c in COMMANDS), "the quick start is gone from README.md"
    problems = list(PLAN.problems)
    for cmd in COMMANDS:
        entry = MAPPED.get(cmd.text)
        why = entry and mapping_problem(cmd, entry)
        if why:
            problems.append(f"README line {cmd.line}: `{cmd.text}`: {why}")
    texts = {c.text for c in COMMANDS}
    problems += [
        f"MAPPED has `{t}`, which README.md no longer has" for t in MAPPED if t not in texts
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.slow
@pytest.mark.parametrize("steps", list(PLAN.cases.values()), ids=list(PLAN.cases))
def test_readme_commands_run(
    steps: tuple[Step, ...], tmp_path: Path, run_module: RunModule
) -> None:
    """The README's commands, at smoke size, in order on one tmp directory: each exits 0 and
    writes what the README says (or, for the bad-input example, fails as documented)."""
    dirs = Dirs(tmp_path)
    for step in steps:
        step.act(step, dirs, run_module)
