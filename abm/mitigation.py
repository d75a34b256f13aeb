"""Mitigation packages: a package is a set of levers (:mod:`abm.levers`) and costs their sum.

Hydra merges a repeated key by keeping the last value, so a package's cost is added up here, in
code, never in the configs.
"""

from __future__ import annotations

from abm.config import MitigationConfig


def package_cost(mitigation: MitigationConfig) -> float:
    """A package costs the sum of its levers (Hydra merging cannot add; code does)."""
    return float(sum(lever.cost_meur for lever in mitigation.levers.values()))


def package_cost_range(mitigation: MitigationConfig) -> tuple[float, float]:
    """Low and high cost of a package; a lever without bounds counts at its point cost."""
    low = sum(
        lv.cost_meur if lv.cost_low_meur is None else lv.cost_low_meur
        for lv in mitigation.levers.values()
    )
    high = sum(
        lv.cost_meur if lv.cost_high_meur is None else lv.cost_high_meur
        for lv in mitigation.levers.values()
    )
    return float(low), float(high)
