"""Agent-based model of hybrid threats and societal resilience in Belgium.

The three-line notebook use::

    from abm import run_replicate
    summary = run_replicate(scenario="grid_shock", seed=1)
    summary[["total_loss", "loss_energy"]]

``HybridThreatModel`` is the Mesa model itself, for ``batch_run``, ``SolaraViz`` or a hand-written
loop; ``load_config`` composes the same configuration the command line uses.

Lazy names: ``HybridThreatModel`` (from :mod:`abm.model`), ``run_replicate`` and ``load_config``
(from :mod:`abm.api`) are imported on first access (PEP 562), not when the package is. Every
``abm.<submodule>`` import runs this file first, so an eager import here would drag the model,
Mesa and the agent classes (and Hydra, for the API) into every importer of a tiny module such as
``abm.sectors`` -- including ``analysis/``, which reads result files only. It would also make
``abm`` depend on ``abm.model`` at import time while ``abm.model`` imports ``abm``'s submodules,
a cycle. For the same reason there is deliberately no ``if TYPE_CHECKING:`` import of these names
here: tests/test_imports.py counts such imports as module-level edges.
"""

from __future__ import annotations

import importlib
from typing import Any

from abm.sectors import SECTORS

__all__ = ["SECTORS", "HybridThreatModel", "load_config", "run_replicate"]

#: Lazily exported name -> the submodule that defines it (imported on first attribute access).
_LAZY_IMPORTS: dict[str, str] = {
    "HybridThreatModel": "abm.model",
    "load_config": "abm.api",
    "run_replicate": "abm.api",
}


def __getattr__(name: str) -> Any:
    """Import a lazily exported name's submodule on first access and cache the name here."""
    module_name = _LAZY_IMPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value  # later lookups find it directly, without calling __getattr__ again
    return value


def __dir__() -> list[str]:
    """List the lazy names too, so ``dir(abm)`` and tab completion show them before first use."""
    return sorted(set(globals()) | set(_LAZY_IMPORTS))
