"""Population groups: a cohort in a region, with its needs, stocks, trust and beliefs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from abm.vocabulary import SECTORS

if TYPE_CHECKING:
    from abm.interfaces import ModelView
    from abm.population import GroupState


class PopulationGroup(mesa.Agent):
    """One cohort (general, vulnerable, digitally exposed, ...) in one region.

    Its numbers are a row of the population layer's arrays (:mod:`abm.population`), updated
    for all groups at once; this object is the readable view onto that row and keeps no copy.
    """

    model: ModelView  # the model as agents see it

    def __init__(self, model: ModelView, index: int) -> None:
        super().__init__(model)
        self.index = index
        groups = model.people.groups
        self.region = model.world.regions.keys[groups.region[index]]
        self.cohort = groups.cohort_names[groups.cohort[index]]

    @property
    def _state(self) -> GroupState:
        return self.model.people.state

    @property
    def size(self) -> float:
        """Members, at home or displaced (constant: people are conserved)."""
        return float(self.model.people.groups.size[self.index])

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
    def stock_capacity(self) -> dict[str, float]:
        """Hours of household autonomy when stocks are full, per sector."""
        return dict(zip(SECTORS, self._state.stock_capacity[self.index].tolist(), strict=True))

    @property
    def unmet_need(self) -> dict[str, float]:
        """Unmet need so far, person-hours per sector."""
        return dict(zip(SECTORS, self._state.unmet[self.index].tolist(), strict=True))

    @property
    def belief(self) -> np.ndarray:
        """Reach of each narrative in this group (spreaders plus stiflers)."""
        return self.model.people.reach()[:, self.index]

    @property
    def prebunked(self) -> float:
        """Share of the group reached by a prebunking campaign so far (0 if none)."""
        reached = [
            reach for target, _, _, reach, _ in self.model.people.prebunking if target[self.index]
        ]
        return 1.0 - float(np.prod([1.0 - r for r in reached])) if reached else 0.0
