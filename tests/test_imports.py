"""Import hygiene: no module-level import cycles, and the layering the packages promise.

The layers: ``abm`` is the engine and, apart from ``abm.model`` (which builds the Mesa agents), does
not import ``agents``, ``analysis`` or ``experiments``; ``analysis`` "reads only the files a job
writes, never model objects" (its ``__init__``), so it never imports the model or the agent
classes. Both rules and the cycle check are read statically from the source with ``ast`` (nothing
is imported), so they also see the imports only a type checker follows (``if TYPE_CHECKING:``):
those are still dependencies between layers, and a cycle through them comes back as a real one as
soon as someone needs the name at run time. Imports inside a ``def`` body are lazy (they run when
the function is called) and are not counted; a class body runs at import time, so its imports are.

The fresh-interpreter tests then check what really happens at run time: importing any analysis
module, or ``abm`` alone, must not load ``abm.model`` or ``agents``.
"""

from __future__ import annotations

import ast
import functools
import itertools
import json
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
#: The project's packages whose modules are walked (tests/ is not: it may import anything).
PACKAGES = ("abm", "agents", "analysis", "experiments")
MODEL = "abm.model"
#: Name of a package ``__init__``'s module-level dict of lazily exported names (PEP 562
#: ``__getattr__``) to the submodule defining each: ``from abm import HybridThreatModel`` runs
#: ``abm.model`` at import time, so the walker must see that edge although the name is not a module.
LAZY_TABLE = "_LAZY_IMPORTS"
#: Upper bound on the simple cycles listed, so a tangle cannot make the report unreadable.
MAX_CYCLES = 100


@dataclass(frozen=True)
class ImportEdge:
    """One module-level import of one project module by another."""

    source: str
    target: str
    path: str  # the importing file, relative to the walked root
    line: int
    type_checking: bool  # inside ``if TYPE_CHECKING:``

    def describe(self) -> str:
        flag = ", TYPE_CHECKING" if self.type_checking else ""
        return f"{self.source} -> {self.target}  ({self.path}:{self.line}{flag})"


@dataclass(frozen=True)
class ImportGraph:
    modules: dict[str, Path]
    edges: list[ImportEdge]
    graph: nx.DiGraph  # nodes: modules; edge attribute "imports": the ImportEdges behind it


def discover_modules(root: Path, packages: Sequence[str]) -> dict[str, Path]:
    """Dotted module name -> file, for every .py file under the packages (``__init__``: the
    package's own name)."""
    modules: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _ModuleLevelImports(ast.NodeVisitor):
    """Collects the import statements that run when the module is imported, or that a type
    checker follows: everything outside ``def`` bodies, in ``if``/``try``/``with``/class bodies."""

    def __init__(self) -> None:
        self.found: list[tuple[ast.Import | ast.ImportFrom, bool]] = []
        self._type_checking = 0

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        # Decorators and defaults run at import time but are expressions: no import statements.
        return  # the body runs only when called: a lazy import

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_If(self, node: ast.If) -> None:
        if not _is_type_checking(node.test):
            self.generic_visit(node)
            return
        self._type_checking += 1
        for statement in node.body:
            self.visit(statement)
        self._type_checking -= 1
        for statement in node.orelse:
            self.visit(statement)

    def visit_Import(self, node: ast.Import | ast.ImportFrom) -> None:
        self.found.append((node, self._type_checking > 0))

    visit_ImportFrom = visit_Import


def _longest_known(name: str, modules: dict[str, Path]) -> str | None:
    """The deepest project module that ``name`` is or lies in (``abm.model.X`` -> ``abm.model``)."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return candidate
    return None


def _from_base(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute module a ``from ... import`` reads from, resolving leading dots."""
    if node.level == 0:
        return node.module or ""
    package = module.split(".") if is_package else module.split(".")[:-1]
    if node.level - 1 > len(package) - 1:
        raise ValueError(f"relative import beyond the top-level package in {module}")
    package = package[: len(package) - (node.level - 1)]
    return ".".join([*package, node.module] if node.module else package)


def _lazy_exports(path: Path) -> dict[str, str]:
    """A package ``__init__``'s ``_LAZY_IMPORTS`` literal, if any (see LAZY_TABLE)."""
    for node in ast.parse(path.read_text(), filename=str(path)).body:
        target = (
            node.targets[0]
            if isinstance(node, ast.Assign) and len(node.targets) == 1
            else node.target
            if isinstance(node, ast.AnnAssign) and node.value is not None
            else None
        )
        if isinstance(target, ast.Name) and target.id == LAZY_TABLE:
            return dict(ast.literal_eval(node.value))
    return {}


def _targets(
    module: str,
    is_package: bool,
    node: ast.Import | ast.ImportFrom,
    modules: dict[str, Path],
    lazy: dict[str, dict[str, str]],
) -> Iterator[str]:
    """The project modules one import statement makes ``module`` depend on.

    ``import a.b.c`` -> the deepest project module of ``a.b.c``. ``from pkg import name`` ->
    ``pkg.name`` if that is a module, else ``pkg`` (plus the submodule defining ``name`` if ``pkg``
    exports it lazily). A package ``__init__`` is a target only when named explicitly like that,
    not because importing ``pkg.sub`` runs it first.
    """
    if isinstance(node, ast.Import):
        for alias in node.names:
            if (known := _longest_known(alias.name, modules)) is not None:
                yield known
        return
    base = _from_base(module, is_package, node)
    for alias in node.names:
        submodule = f"{base}.{alias.name}"
        if alias.name != "*" and submodule in modules:
            yield submodule
            continue
        if (known := _longest_known(base, modules)) is not None:
            yield known
        if (defining := lazy.get(base, {}).get(alias.name)) in modules:
            yield defining


def build_import_graph(root: Path, packages: Sequence[str]) -> ImportGraph:
    """Walk every module under ``packages`` with ``ast`` and collect its module-level imports."""
    modules = discover_modules(root, packages)
    lazy = {
        name: exports
        for name, path in modules.items()
        if path.name == "__init__.py" and (exports := _lazy_exports(path))
    }
    edges: list[ImportEdge] = []
    for module, path in modules.items():
        collector = _ModuleLevelImports()
        collector.visit(ast.parse(path.read_text(), filename=str(path)))
        is_package = path.name == "__init__.py"
        for node, type_checking in collector.found:
            # dict.fromkeys: `from m import a, b` is one dependency on m, not two
            for target in dict.fromkeys(_targets(module, is_package, node, modules, lazy)):
                relative = path.relative_to(root).as_posix()
                edges.append(ImportEdge(module, target, relative, node.lineno, type_checking))
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for edge in edges:
        if edge.source == edge.target:
            continue  # a package __init__ naming itself: no dependency between two modules
        if not graph.has_edge(edge.source, edge.target):
            graph.add_edge(edge.source, edge.target, imports=[])
        graph.edges[edge.source, edge.target]["imports"].append(edge)
    return ImportGraph(modules, edges, graph)


def find_cycles(graph: nx.DiGraph, limit: int = MAX_CYCLES) -> list[list[str]]:
    """Simple cycles, each rotated to start at its smallest module name, sorted; at most ``limit``.

    Only the strongly connected components with more than one module can hold a cycle, so the
    (possibly exponential) enumeration is confined to them.
    """
    cycles: list[list[str]] = []
    for component in nx.strongly_connected_components(graph):
        if len(component) > 1:
            found = nx.simple_cycles(graph.subgraph(component))
            cycles.extend(itertools.islice(found, limit - len(cycles)))
    rotated = []
    for cycle in cycles:
        start = cycle.index(min(cycle))
        rotated.append(cycle[start:] + cycle[:start])
    return sorted(rotated, key=lambda cycle: (len(cycle), cycle))


def describe_cycle(graph: nx.DiGraph, cycle: list[str]) -> str:
    """``a -> b -> a`` and, indented, the import statements behind each step."""
    closed = [*cycle, cycle[0]]
    lines = [" -> ".join(closed)]
    for source, target in itertools.pairwise(closed):
        lines += [f"    {edge.describe()}" for edge in graph.edges[source, target]["imports"]]
    return "\n".join(lines)


def _top(module: str) -> str:
    return module.split(".")[0]


def forbidden_engine_imports(edges: Sequence[ImportEdge]) -> list[ImportEdge]:
    """Modules of abm/ other than abm.model importing agents, analysis or experiments."""
    return [
        edge
        for edge in edges
        if _top(edge.source) == "abm"
        and edge.source != MODEL
        and _top(edge.target) in {"agents", "analysis", "experiments"}
    ]


def forbidden_analysis_imports(edges: Sequence[ImportEdge]) -> list[ImportEdge]:
    """Modules of analysis/ importing abm.model (or a module inside it) or agents."""
    return [
        edge
        for edge in edges
        if _top(edge.source) == "analysis"
        and (
            edge.target == MODEL
            or edge.target.startswith(f"{MODEL}.")
            or _top(edge.target) == "agents"
        )
    ]


@functools.cache
def project_graph() -> ImportGraph:
    return build_import_graph(ROOT, PACKAGES)


# --- the walker checks itself on a fake project, so the real checks cannot pass vacuously --------

FAKE_PROJECT = {
    "abm/__init__.py": 'from abm import sectors\n_LAZY_IMPORTS = {"Model": "abm.model"}\n',
    "abm/sectors.py": "",
    "abm/model.py": "from . import sectors\nfrom agents.x import X\n",
    "abm/other.py": (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from agents import x\n"
        "def later():\n"
        "    import analysis.a\n"
    ),
    "agents/__init__.py": "",
    "agents/x.py": (
        "import typing\nif typing.TYPE_CHECKING:\n    from abm.model import Model\nclass X: ...\n"
    ),
    "analysis/__init__.py": "",
    "analysis/a.py": "try:\n    from . import b\nexcept ImportError:\n    b = None\n",
    "analysis/b.py": "from abm import Model\nclass C:\n    from analysis import a\n",
    "analysis/c.py": "import abm.sectors\ndef f():\n    from abm.model import Model\n",
}


def test_walker_on_a_fake_project(tmp_path: Path) -> None:
    for name, text in FAKE_PROJECT.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    walked = build_import_graph(tmp_path, ("abm", "agents", "analysis"))
    assert set(walked.modules) == {
        "abm",
        "abm.sectors",
        "abm.model",
        "abm.other",
        "agents",
        "agents.x",
        "analysis",
        "analysis.a",
        "analysis.b",
        "analysis.c",
    }
    assert set(walked.graph.edges) == {
        ("abm", "abm.sectors"),  # from pkg import module -> the module
        ("abm.model", "abm.sectors"),  # relative
        ("abm.model", "agents.x"),
        ("abm.other", "agents.x"),  # TYPE_CHECKING counts; the import in later() does not
        ("agents.x", "abm.model"),  # typing.TYPE_CHECKING counts
        ("analysis.a", "analysis.b"),  # inside try
        ("analysis.b", "abm"),  # from pkg import name -> the package...
        ("analysis.b", "abm.model"),  # ...and the module defining a lazy export
        ("analysis.b", "analysis.a"),  # class bodies run at import time
        ("analysis.c", "abm.sectors"),  # no edge to abm: the parent only when explicit
    }
    assert find_cycles(walked.graph) == [["abm.model", "agents.x"], ["analysis.a", "analysis.b"]]
    assert describe_cycle(walked.graph, ["abm.model", "agents.x"]).splitlines() == [
        "abm.model -> agents.x -> abm.model",
        "    abm.model -> agents.x  (abm/model.py:2)",
        "    agents.x -> abm.model  (agents/x.py:3, TYPE_CHECKING)",
    ]
    engine = forbidden_engine_imports(walked.edges)
    assert [(edge.source, edge.target, edge.type_checking) for edge in engine] == [
        ("abm.other", "agents.x", True)
    ]
    assert [(e.source, e.target) for e in forbidden_analysis_imports(walked.edges)] == [
        ("analysis.b", "abm.model")
    ]


def test_walker_sees_the_whole_project() -> None:
    walked = project_graph()
    assert len(walked.modules) > 40
    assert walked.graph.number_of_edges() > 60
    assert {"abm", "abm.model", "agents", "analysis", "experiments"} <= set(walked.modules)
    # analysis/report.py: `from analysis import figures` (a module) and `from analysis.catalog ...`
    assert walked.graph.has_edge("analysis.report", "analysis.figures")
    assert walked.graph.has_edge("analysis.report", "analysis.catalog")
    assert not walked.graph.has_edge("analysis.report", "analysis")


# --- the rules ---------------------------------------------------------------------------------


def test_no_module_level_import_cycles() -> None:
    walked = project_graph()
    cycles = find_cycles(walked.graph)
    report = "\n".join(describe_cycle(walked.graph, cycle) for cycle in cycles)
    count = f"the first {MAX_CYCLES}" if len(cycles) == MAX_CYCLES else str(len(cycles))
    assert not cycles, f"{count} module-level import cycle(s):\n{report}"


def test_engine_does_not_import_agents_analysis_or_experiments() -> None:
    offending = forbidden_engine_imports(project_graph().edges)
    report = "\n".join(edge.describe() for edge in offending)
    assert not offending, f"abm/ (other than abm/model.py) imports a higher layer:\n{report}"


def test_analysis_does_not_import_the_model_or_agents() -> None:
    offending = forbidden_analysis_imports(project_graph().edges)
    report = "\n".join(edge.describe() for edge in offending)
    assert not offending, f"analysis/ imports the model or agents:\n{report}"


# --- what a fresh interpreter really loads -----------------------------------------------------

#: Project top-level packages and modules: never preloaded, and absent when the probe forks.
PROJECT_TOPS = sorted(
    {path.name for path in ROOT.iterdir() if (path / "__init__.py").is_file()}
    | {path.stem for path in ROOT.glob("*.py")}
)

#: Runs in a fresh interpreter. Preloads the third-party modules it is given (only a cost saving:
#: it then checks that no project module came with them), then forks one child per target, which
#: imports the target, calls dir() on it (abm's __dir__ must not load anything either) and sends
#: back the forbidden modules now in sys.modules, each with the project frames (file:line) on the
#: stack when it was first looked for: the chain that pulled it in.
_PROBE = r"""
import importlib, json, os, sys, traceback

job = json.loads(sys.argv[1])
root = job["root"]

def forbidden(name):
    return name in ("abm.model", "agents") or name.startswith(("abm.model.", "agents."))

def failed(error):
    return {"loaded": [], "chains": {}, "error": error}

def probe(target):
    chains = {}

    class Witness:
        def find_spec(self, name, path=None, target=None):
            if forbidden(name) and name not in chains:
                chains[name] = [
                    f"{frame.filename[len(root):]}:{frame.lineno}"
                    for frame in traceback.extract_stack()[:-1]
                    if frame.filename.startswith(root)
                ]
            return None  # finds nothing: the real finders go on to load the module

    sys.meta_path.insert(0, Witness())
    try:
        dir(importlib.import_module(target))
        error = None
    except BaseException:
        error = traceback.format_exc()
    loaded = sorted(name for name in sys.modules if forbidden(name))
    return {"loaded": loaded, "chains": {n: chains.get(n, []) for n in loaded}, "error": error}

for name in job["preload"]:
    try:
        importlib.import_module(name)
    except Exception:  # a guessed submodule that is a name, or a broken library: the child reports
        pass
stale = sorted(n for n in sys.modules if n.split(".")[0] in job["project"])
children = {}
if stale:
    results = {t: failed(f"preloading loaded project modules {stale}") for t in job["targets"]}
else:
    sys.stdout.flush()
    sys.stderr.flush()
    for target in job["targets"]:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            try:
                data = json.dumps(probe(target))
            except BaseException:
                data = json.dumps(failed(traceback.format_exc()))
            with os.fdopen(write_end, "w") as pipe:
                pipe.write(data)
            os._exit(0)
        os.close(write_end)
        children[target] = (pid, read_end)
    results = {}
    for target, (pid, read_end) in children.items():
        with os.fdopen(read_end) as pipe:
            data = pipe.read()
        _, status = os.waitpid(pid, 0)
        results[target] = json.loads(data) if data else failed(f"child died, status {status}")
print(json.dumps(results))
"""


def third_party_imports(paths: Sequence[Path]) -> list[str]:
    """The non-project modules these files import at run time at module level (TYPE_CHECKING
    excluded): ``import a.b`` -> ``a.b``; ``from a import b`` -> ``a`` and ``a.b`` (which may be a
    name rather than a module: the probe skips what does not import)."""
    names: set[str] = set()
    for path in paths:
        collector = _ModuleLevelImports()
        collector.visit(ast.parse(path.read_text(), filename=str(path)))
        for node, type_checking in collector.found:
            if type_checking:
                continue
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif node.level == 0 and node.module:
                names.add(node.module)
                names.update(f"{node.module}.{a.name}" for a in node.names if a.name != "*")
    return sorted(name for name in names if name.split(".")[0] not in {*PROJECT_TOPS, "__future__"})


def probe_imports(
    targets: Sequence[str], preload: Sequence[str] = (), root: Path = ROOT
) -> dict[str, dict]:
    """Import each target, from ``root``, in a fresh interpreter (forked after ``preload``); see
    _PROBE.

    One interpreter per target would pay numpy, pandas, SciPy, matplotlib... for each analysis
    module (about 2 s of CPU apiece); importing the shared third-party modules once and forking
    keeps this file to a few seconds, while each child still starts without any project module.
    """
    job = {
        "root": f"{root}{os.sep}",
        "project": PROJECT_TOPS,
        "preload": list(preload),
        "targets": list(targets),
    }
    # One thread per BLAS pool, so that nothing but the main thread exists when the probe forks.
    threads = {name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(job)],
        cwd=root,  # sys.path[0] for -c
        env={**os.environ, **threads, "MPLBACKEND": "Agg"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def _explain(module: str, result: dict) -> str:
    lines = [f"`import {module}` in a fresh interpreter loaded {', '.join(result['loaded'])}"]
    for name, chain in result["chains"].items():
        lines.append(f"  {name} first looked for from: {' -> '.join(chain) or '?'}")
    return "\n".join(lines)


ANALYSIS_FILES = sorted((ROOT / "analysis").glob("*.py"))
ANALYSIS_MODULES = [
    "analysis" if path.stem == "__init__" else f"analysis.{path.stem}" for path in ANALYSIS_FILES
]


def test_probe_sees_a_forbidden_import(tmp_path: Path) -> None:
    """A fake package that imports a fake ``agents``: the probe must report it, and the line."""
    (tmp_path / "agents").mkdir()
    (tmp_path / "agents" / "__init__.py").write_text("")
    (tmp_path / "lab").mkdir()
    (tmp_path / "lab" / "__init__.py").write_text("from lab import uses\n")
    (tmp_path / "lab" / "uses.py").write_text('"""Pulls agents in."""\n\nimport agents\n')
    result = probe_imports(["lab"], root=tmp_path)["lab"]
    assert result["error"] is None, result["error"]
    assert result["loaded"] == ["agents"]
    assert result["chains"]["agents"] == ["lab/__init__.py:1", "lab/uses.py:3"]


def test_analysis_modules_do_not_load_the_model() -> None:
    """Each analysis module, alone in a fresh interpreter, leaves abm.model and agents unloaded.

    One test for all of them rather than one per module: the probe's preload is the cost, and
    parametrizing would have every xdist worker pay it.
    """
    assert "analysis.report" in ANALYSIS_MODULES and len(ANALYSIS_MODULES) > 5
    results = probe_imports(ANALYSIS_MODULES, preload=third_party_imports(ANALYSIS_FILES))
    assert sorted(results) == sorted(ANALYSIS_MODULES)
    problems = [
        f"`import {module}` failed:\n{result['error']}"
        if result["error"]
        else _explain(module, result)
        for module, result in results.items()
        if result["error"] or result["loaded"]
    ]
    assert not problems, "\n".join(problems)


def test_abm_exports_its_public_names_lazily() -> None:
    result = probe_imports(["abm"])["abm"]
    assert result["error"] is None, result["error"]
    assert not result["loaded"], _explain("abm", result)

    import abm
    from abm import SECTORS, HybridThreatModel, load_config, run_replicate
    from abm.api import load_config as api_load_config
    from abm.api import run_replicate as api_run_replicate
    from abm.model import HybridThreatModel as model_class
    from abm.sectors import SECTORS as sectors

    assert HybridThreatModel is model_class
    assert (load_config, run_replicate, SECTORS) == (api_load_config, api_run_replicate, sectors)
    assert set(abm.__all__) <= set(dir(abm))
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = abm.no_such_name
