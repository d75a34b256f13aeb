"""Infrastructure operators: the owners of assets, and who repairs what first."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

if TYPE_CHECKING:
    from abm.model import HybridThreatModel


class InfrastructureOperator(mesa.Agent):
    """An operator (grid operator, hospital network, telecom operator, ...) owning assets.

    Its numbers (crews, response time, cyber maturity) are rows of ``model.world.operators``; its
    repair decisions for all operators at once are made by :func:`assign_repairs`, because
    operators are many and a loop per operator would dominate the step.
    """

    def __init__(self, model: HybridThreatModel, index: int) -> None:
        super().__init__(model)
        self.index = index
        ops = model.world.operators
        self.name = ops.names[index]
        self.sector = ops.sector[index]
        self.crews = int(ops.crews[index])
        self.response_hours = float(ops.response_hours[index])
        self.cyber_maturity = float(ops.cyber_maturity[index])

    @property
    def assets(self) -> np.ndarray:
        """Indices of the assets this operator owns."""
        return np.flatnonzero(self.model.world.asset_operator == self.index)

    @property
    def assets_down(self) -> int:
        """Owned assets that do not work now (damaged or cut off from supply)."""
        return int((~self.model.assets.working[self.assets]).sum())

    @property
    def crews_busy(self) -> int:
        """Crews working on a repair now."""
        return int(self.model.assets.in_repair[self.assets].sum())


def assign_repairs(
    waiting: np.ndarray,
    asset_operator: np.ndarray,
    criticality: np.ndarray,
    damaged_at: np.ndarray,
    free_crews: np.ndarray,
) -> np.ndarray:
    """Which waiting assets get a crew now, for every operator in one vectorised pass.

    Each operator sends its free crews to its waiting assets, most critical first (criticality =
    people depending on the asset, see :func:`abm.world.criticality`); ties go to the asset
    damaged earliest, then to the lower index, so the choice is deterministic.

    Args:
        waiting: Per asset, True if damaged, not under repair and reachable by a crew now.
        asset_operator: Per asset, its operator.
        criticality: Per asset, its repair priority.
        damaged_at: Per asset, the hour it was damaged.
        free_crews: Per operator, crews not busy.

    Returns:
        Indices of the assets whose repair starts now.
    """
    idx = np.flatnonzero(waiting)
    if idx.size == 0:
        return idx
    op = asset_operator[idx]
    order = np.lexsort((idx, damaged_at[idx], -criticality[idx], op))
    idx, op = idx[order], op[order]
    first = np.r_[True, op[1:] != op[:-1]]
    group_start = np.maximum.accumulate(np.where(first, np.arange(len(op)), 0))
    rank = np.arange(len(op)) - group_start
    return idx[rank < free_crews[op]]
