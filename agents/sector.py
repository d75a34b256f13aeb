"""Sector agents: the nine resilience sectors and their direct inoperability."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from abm.vocabulary import SECTORS

if TYPE_CHECKING:
    from abm.interfaces import ModelView


class SectorAgent(mesa.Agent):
    """One of the nine sectors, across all regions.

    The sector couples to the others through the dynamic inoperability input-output model
    (:mod:`abm.interdependency`), which the model applies to all sectors and regions at once;
    this object is the readable view onto the sector's column of ``model.sectors``.
    """

    model: ModelView  # the model as agents see it

    def __init__(self, model: ModelView, index: int) -> None:
        super().__init__(model)
        self.index = index
        self.key = SECTORS[index]

    @property
    def service(self) -> np.ndarray:
        """Service level (1 - inoperability) per region."""
        return 1.0 - self.model.sectors.inoperability[:, self.index]

    @property
    def national_service(self) -> float:
        """Population-weighted service level across regions."""
        return float(self.service @ self.model.population_share)

    @property
    def spare_capacity(self) -> float:
        """Capacity beyond baseline demand, as a share of it: the reserve margin (released
        strategic stock covers shortfalls on top, see ``CrisisCentre.supply_from_stock``)."""
        return float(self.model.sectors.capacity_factor[self.index] - 1.0)

    @property
    def loss(self) -> float:
        """Person-hours of service lost so far by the sector's dependents."""
        return float(self.model.loss[self.index])


def direct_inoperability(capacity: np.ndarray, demand: np.ndarray, out: bool = False) -> np.ndarray:
    """c* = 1 - min(1, capacity / demand), elementwise (DESIGN.md section 3); with ``out``,
    computed in ``demand``'s place (a scratch array: fewer allocations in the hot path)."""
    if not out:
        return 1.0 - np.minimum(1.0, capacity / demand)
    np.divide(capacity, demand, out=demand)
    np.minimum(_ONE, demand, out=demand)
    return np.subtract(_ONE, demand, out=demand)


#: 1.0 as a read-only 0-d array (a ufunc takes it faster than a Python float; same numbers).
_ONE = np.array(1.0)
_ONE.setflags(write=False)
