"""What a run records as it goes: loss, national service, per-region outcomes, and the series
of timeseries.parquet.

The recorder owns the arrays the results are built from; the model exposes them read-only as
``recorded_service``, ``recorded_regions``, ``recorded_hours``, ``national_service``, ``loss``
and ``regional``; the sub-services' series are ``recorder.subservice_service`` (the
``subservice`` rows of timeseries.parquet), ``subservice_demand`` and ``subservice_sales``.
The national series of timeseries.parquet (:data:`~abm.vocabulary.NATIONAL_SERIES`: the allied
movement so far) are DataCollector reporters, so they are read at exactly the recorded times and
the Mesa tools (batch_run, SolaraViz) see them too; :func:`national_series` gives them per
recorded row.
Every outcome is in natural units: person-hours lost by a sector's dependents
(:mod:`abm.dependents`), people affected, hours below the minimum service level.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from abm.population import PopulationLayer
from abm.subservices import SubserviceState
from abm.vocabulary import NATIONAL_SERIES, REGION_SERIES, SECTORS


@dataclass
class RegionalOutcomes:
    """Per region and sector, ``(regions, sectors)``, accumulated over the run."""

    #: Person-hours of service lost.
    loss: np.ndarray
    #: Hours with service below the sector's minimum level.
    hours_below_min: np.ndarray
    #: Lowest service reached.
    min_service: np.ndarray
    #: The most dependents present at a time when service was below the minimum (0: never).
    affected: np.ndarray
    #: Dependents at the start.
    dependents: np.ndarray

    @classmethod
    def empty(cls, n_regions: int) -> RegionalOutcomes:
        shape = (n_regions, len(SECTORS))
        return cls(
            np.zeros(shape), np.zeros(shape), np.ones(shape), np.zeros(shape), np.zeros(shape)
        )


class Recorder:
    """Loss per sector and national service every step; regional series every few steps.

    Args:
        n_steps: Steps in the run.
        record_every: Steps between two recorded rows.
        dt: Hours per step.
        n_regions: Regions of the world.
        minimum_service: Per sector, the minimum service level (share of normal).
    """

    def __init__(
        self,
        n_steps: int,
        record_every: int,
        dt: float,
        n_regions: int,
        minimum_service: np.ndarray,
    ) -> None:
        self.every = record_every
        self.dt = dt
        #: Person-hours of service lost so far, per sector.
        self.loss = np.zeros(len(SECTORS))
        #: National service (weighted by dependents) per step and sector (for the metrics).
        self.national_service = np.ones((n_steps, len(SECTORS)))
        #: National dependents per step and sector.
        self.national_dependents = np.zeros((n_steps, len(SECTORS)))
        self.regional = RegionalOutcomes.empty(n_regions)
        #: Inoperability above which a region is below its minimum service.
        self._below_from = 1.0 - np.asarray(minimum_service, dtype=float)
        n_records = -(-n_steps // record_every)
        self.hours = np.arange(n_records) * record_every * dt
        self.service = np.empty((n_records, n_regions, len(SECTORS)))
        self.regions = {name: np.empty((n_records, n_regions)) for name in REGION_SERIES}
        #: Sub-services (abm/subservices.py), made by the first :meth:`record_subservices`:
        #: service per recorded time, region and sub-service; national demand and sales
        #: (demand met) per step and sub-service, in units of normal demand.
        self.subservice_service: np.ndarray | None = None
        self.subservice_demand: np.ndarray | None = None
        self.subservice_sales: np.ndarray | None = None
        #: The people of all groups (fixed over a run), read once by :meth:`present`.
        self._people_total: np.floating | None = None
        #: The regions' weights last given to :meth:`record_subservices`, normalised.
        self._weight_key: bytes | None = None
        self._weight = np.ones(0)

    def present(self, people: PopulationLayer) -> np.ndarray:
        """People present in each region now: the share present times everyone (the groups'
        sizes do not change during a run, so their total is summed once)."""
        if self._people_total is None:
            self._people_total = people.groups.size.sum()
        return people.present_share() * self._people_total

    def record(
        self,
        step: int,
        dependents: np.ndarray,
        inoperability: np.ndarray,
        present: np.ndarray,
        people: PopulationLayer,
    ) -> bool:
        """Accumulate this step's outcomes; store a row at the recording interval.

        Args:
            step: The step (from 0).
            dependents: ``(regions, sectors)``, the dependents of each sector now.
            inoperability: ``(regions, sectors)``, 1 - service now.
            present: People present in each region now.
            people: The population layer (for the recorded regional series).

        Returns:
            Whether a row was recorded (the model then collects its DataCollector row).
        """
        dt, out = self.dt, self.regional
        if step == 0:
            out.dependents[:] = dependents
        # np.add.reduce(x, 0) is x.sum(axis=0) without the method's Python wrapper, and
        # np.count_nonzero(x) is x.any() likewise: both are called every step.
        total = np.add.reduce(dependents, 0)
        self.national_dependents[step] = total
        if np.count_nonzero(inoperability):  # else nothing is lost: every sum below adds 0
            lost = dependents * inoperability
            lost_total = np.add.reduce(lost, 0)
            if dt == 1.0:  # x * 1.0 is x
                out.loss += lost
                self.loss += lost_total
            else:
                out.loss += lost * dt
                self.loss += lost_total * dt
            # abm.metrics.national_service, from the sums already made (no sector without
            # dependents is the rule: then the guard changes nothing)
            if total.min() > 0:
                self.national_service[step] = 1.0 - lost_total / total
            else:
                self.national_service[step] = 1.0 - lost_total / np.where(total > 0, total, 1.0)
            np.minimum(out.min_service, 1.0 - inoperability, out=out.min_service)
            below = inoperability > self._below_from
            if np.count_nonzero(below):
                if dt == 1.0:  # True counts 1.0, as below * 1.0 does
                    np.add(out.hours_below_min, below, out=out.hours_below_min)
                else:
                    out.hours_below_min += below * dt
                # where not below, max(affected, 0.0) is affected (>= 0): left as it is
                np.maximum(out.affected, dependents, out=out.affected, where=below)
        if step % self.every:
            return False
        row = step // self.every
        self.service[row] = 1.0 - inoperability
        regions = self.regions
        regions["population"][row] = present
        regions["displaced_in"][row] = people.arrivals()
        regions["trust"][row] = people.regional(people.state.trust)
        reach = people.regional(people.reach())
        regions["belief"][row] = reach.max(axis=0) if len(reach) else 0.0
        return True

    def record_subservices(self, step: int, state: SubserviceState, weight: np.ndarray) -> None:
        """Sub-services (abm/subservices.py): national demand and sales every step, service
        per region at the recording interval (made on the first call).

        Args:
            step: The step (from 0).
            state: The sub-services' state after this step's sector phase.
            weight: Per region, its weight in national demand (its population: demand is in
                units of the region's normal demand).
        """
        service, demand, sales = (
            self.subservice_service,
            self.subservice_demand,
            self.subservice_sales,
        )
        if service is None or demand is None or sales is None:
            n_steps, n_records = len(self.national_service), len(self.hours)
            n_r, n_u = state.inoperability.shape
            service = self.subservice_service = np.ones((n_records, n_r, n_u))
            demand = self.subservice_demand = np.ones((n_steps, n_u))
            sales = self.subservice_sales = np.ones((n_steps, n_u))
        key = weight.tobytes()  # the same populations every step: normalised once
        if key != self._weight_key:
            self._weight_key, self._weight = key, weight / weight.sum()
        w = self._weight
        demand[step] = w @ state.demand
        sales[step] = w @ np.minimum(state.demand, state.capacity)
        if not step % self.every:
            service[step // self.every] = 1.0 - state.inoperability

    def outcome(self, name: str) -> np.ndarray:
        """A per-sector outcome so far: ``loss`` (person-hours) or ``affected`` (people)."""
        if name == "loss":
            return self.loss
        if name == "affected":
            return self.regional.affected.sum(axis=0)
        raise KeyError(name)


# Model-level reporters of the DataCollector: plain functions (they must pickle), cheap, read
# only the model's read-only interface.
def mean_service(model: Any) -> float:
    """Population-weighted service across regions, averaged over the nine sectors."""
    service = 1.0 - model.sectors.inoperability
    # .mean(axis=1), without its Python wrapper: the same sum, divided by the count
    return float(np.add.reduce(service, 1) / service.shape[1] @ model.population_share)


def assets_down(model: Any) -> int:
    """Assets that do not work now."""
    working = model.assets.working
    return working.size - np.count_nonzero(working)


def national_trust(model: Any) -> float:
    """Population-weighted mean trust in institutions."""
    return model.people.national_trust()


def total_loss(model: Any) -> float:
    """The cross-sector total so far under the run's weighting (``cfg.weighting``)."""
    return float(model.recorder.outcome(model.cfg.weighting.outcome) @ model.total_weights)


def transit_serials_delivered(model: Any) -> float:
    """Allied serials delivered so far: their last train, convoy and barge across the German
    border by now (NaN when the transit is off)."""
    transit = model.transit
    if not transit.n:
        return float("nan")
    return float(transit.delivered_count(model.hour))


def transit_tonnes_delivered(model: Any) -> float:
    """Tonnes of the serials' equipment across the German border so far, counted as each
    train, convoy or barge crosses (NaN when the transit is off)."""
    transit = model.transit
    if not transit.n:
        return float("nan")
    return float(transit.pieces_crossed.sum() * model.cfg.transit.tonnes_per_piece)


#: The DataCollector's model reporters; the last ones are the national series of
#: timeseries.parquet.
REPORTERS = {
    "mean_service": mean_service,
    "assets_down": assets_down,
    "total_loss": total_loss,
    "national_trust": national_trust,
    "transit_serials_delivered": transit_serials_delivered,
    "transit_tonnes_delivered": transit_tonnes_delivered,
}


def national_series(model: Any) -> dict[str, np.ndarray]:
    """Each national series (:data:`~abm.vocabulary.NATIONAL_SERIES`) per recorded row.

    The model collects its DataCollector exactly when the recorder stores a row, and once more
    at the end of a run whose last step is off the interval: the first records are the rows'
    (a row not collected yet, in a run stopped early, is NaN).
    """
    n = len(model.recorded_hours)
    records = model.datacollector.model_vars
    out = {}
    for name in NATIONAL_SERIES:
        got = np.asarray(records.get(name, [])[:n], dtype=float)
        values = np.full(n, np.nan)
        values[: len(got)] = got
        out[name] = values
    return out
