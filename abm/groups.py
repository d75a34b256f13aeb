"""Population groups as arrays: who they are (`Groups`) and what changes (`GroupState`).

One group per region and cohort (``G = regions x cohorts``), each a row of these arrays; the
``PopulationGroup`` agents are views onto them. Members of a group are either at home or
displaced (``displaced[g, a]``, by the destination *area*, the province they went to; see
:class:`abm.displacement.Whereabouts`); a person is always in exactly one place, so the
population is conserved to rounding whatever the flows.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from abm.config import PopulationConfig
from abm.narratives import RegionSums
from abm.vocabulary import SECTORS
from abm.world import Regions


@dataclass(frozen=True)
class Groups:
    """What does not change about the groups during a run."""

    cohort_names: tuple[str, ...]
    region: np.ndarray  # (G,) region index
    cohort: np.ndarray  # (G,) cohort index
    size: np.ndarray  # (G,) members
    stock_hours: np.ndarray  # (G, S) hours of autonomy households keep, before any lever
    trust0: np.ndarray
    susceptibility: np.ndarray
    media_literacy: np.ndarray
    health_dependency: np.ndarray
    mobility: np.ndarray
    need_weight: np.ndarray  # (S,) residents' need per sector
    #: (R,) destination area (province) of each region, and (G,) of each group's region.
    region_area: np.ndarray
    area: np.ndarray
    #: Sums over groups per region, and over regions per area.
    region_sums: RegionSums
    area_sums: RegionSums
    n_areas: int
    #: (G,) 0 .. G - 1, to index one cell per group (row g, column of g's own area).
    rows: np.ndarray

    @property
    def n(self) -> int:
        return len(self.region)

    @cached_property
    def mobility_finite(self) -> bool:
        """Whether every group's mobility is finite (so that 0 x mobility is 0)."""
        return bool(np.isfinite(self.mobility).all())

    @cached_property
    def own_area(self) -> np.ndarray:
        """``(G, A)``: 1.0 in the column of each group's own area, 0.0 elsewhere (read-only)."""
        out = np.zeros((self.n, self.n_areas))
        out[self.rows, self.area] = 1.0
        out.setflags(write=False)
        return out


def build_groups(cfg: PopulationConfig, regions: Regions) -> Groups:
    """One group per region and cohort, sized by the cohort's share of the region."""
    names = tuple(cfg.cohorts)
    cohorts = [cfg.cohorts[c] for c in names]
    region = np.repeat(np.arange(regions.n), len(names))
    cohort = np.tile(np.arange(len(names)), regions.n)
    share = np.array([c.share for c in cohorts])
    stock = np.array([[c.stock_hours.get(s, 0.0) for s in SECTORS] for c in cohorts])

    def per_group(attr: str) -> np.ndarray:
        return np.array([getattr(c, attr) for c in cohorts], dtype=float)[cohort]

    area_index = {p: i for i, p in enumerate(regions.provinces)}
    region_area = np.array([area_index[p] for p in regions.province], dtype=np.int64)

    return Groups(
        cohort_names=names,
        region=region,
        cohort=cohort,
        size=regions.population[region] * share[cohort],
        stock_hours=stock[cohort],
        trust0=per_group("trust"),
        susceptibility=per_group("susceptibility"),
        media_literacy=per_group("media_literacy"),
        health_dependency=per_group("health_dependency"),
        mobility=per_group("mobility"),
        need_weight=np.array([cfg.need_weights[s] for s in SECTORS], dtype=float),
        region_area=region_area,
        area=region_area[region],
        region_sums=RegionSums(region, regions.n),
        area_sums=RegionSums(region_area, len(area_index)),
        n_areas=len(area_index),
        rows=np.arange(len(region)),
    )


@dataclass
class GroupState:
    """What changes about the groups during a run."""

    home: np.ndarray  # (G,) members at home
    displaced: np.ndarray  # (G, A) members displaced, by the area (province) they are in
    stocks: np.ndarray  # (G, S) hours of autonomy left
    stock_capacity: np.ndarray  # (G, S) hours of autonomy when full (levers raise it)
    trust: np.ndarray  # (G,)
    hardship: np.ndarray  # (G,) recent unmet-need fraction
    unmet: np.ndarray  # (G, S) unmet need accumulated, person-hours
    peak_displaced: np.ndarray  # (G,)
    return_after: np.ndarray  # (G,) hour before which displaced members cannot go home

    @classmethod
    def initial(cls, groups: Groups) -> GroupState:
        return cls(
            home=groups.size.copy(),
            displaced=np.zeros((groups.n, groups.n_areas)),
            stocks=groups.stock_hours.copy(),
            stock_capacity=groups.stock_hours.copy(),
            trust=groups.trust0.copy(),
            hardship=np.zeros(groups.n),
            unmet=np.zeros((groups.n, len(SECTORS))),
            peak_displaced=np.zeros(groups.n),
            return_after=np.zeros(groups.n),
        )
