"""Population groups: a cohort in a region, with its needs, stocks, trust and beliefs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from abm.sectors import SECTORS

if TYPE_CHECKING:
    from abm.model import HybridThreatModel


class PopulationGroup(mesa.Agent):
    """One cohort (general, vulnerable, digitally exposed, ...) in one region.

    Its numbers are a row of the population layer's arrays (:mod:`abm.population`), updated
    for all groups at once; this object is the readable view onto that row.
    """

    def __init__(self, model: HybridThreatModel, index: int) -> None:
        super().__init__(model)
        self.index = index
        groups = model.people.groups
        self.region = model.world.regions.keys[groups.region[index]]
        self.cohort = groups.cohort_names[groups.cohort[index]]
        self.size = float(groups.size[index])

    @property
    def _state(self):
        return self.model.people.state

    @property
    def at_home(self) -> float:
        """Members living at home now."""
        return float(self._state.home[self.index])

    @property
    def displaced(self) -> float:
        """Members displaced to other regions now."""
        return float(self._state.displaced[self.index].sum())

    @property
    def trust(self) -> float:
        """Trust in institutions, 0 to 1."""
        return float(self._state.trust[self.index])

    @property
    def stocks(self) -> dict[str, float]:
        """Hours of household autonomy left, per sector."""
        return dict(zip(SECTORS, self._state.stocks[self.index].tolist(), strict=True))

    @property
    def unmet_need(self) -> dict[str, float]:
        """Unmet need so far, person-hours per sector."""
        return dict(zip(SECTORS, self._state.unmet[self.index].tolist(), strict=True))

    @property
    def belief(self) -> np.ndarray:
        """Reach of each narrative in this group (spreaders plus stiflers)."""
        return self.model.people.reach()[:, self.index]
