"""Agent-based model of hybrid threats and societal resilience in Belgium.

The three-line notebook use::

    from abm import run_replicate
    summary = run_replicate(scenario="grid_shock", seed=1)
    summary[["total_loss", "loss_energy"]]

``HybridThreatModel`` is the Mesa model itself, for ``batch_run``, ``SolaraViz`` or a hand-written
loop; ``load_config`` composes the same configuration the command line uses.
"""

from abm.api import load_config, run_replicate
from abm.model import HybridThreatModel
from abm.sectors import SECTORS

__all__ = ["SECTORS", "HybridThreatModel", "load_config", "run_replicate"]
