"""What a run records as it goes: loss, national service, and the series of timeseries.parquet.

The recorder owns the arrays the results are built from; the model exposes them read-only as
``recorded_service``, ``recorded_regions``, ``recorded_hours``, ``national_service`` and
``loss``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from abm.metrics import loss_increment
from abm.population import PopulationLayer
from abm.vocabulary import REGION_SERIES, SECTORS


class Recorder:
    """Loss per sector and national service every step; regional series every few steps.

    Args:
        n_steps: Steps in the run.
        record_every: Steps between two recorded rows.
        dt: Hours per step.
        n_regions: Regions of the world.
    """

    def __init__(self, n_steps: int, record_every: int, dt: float, n_regions: int) -> None:
        self.every = record_every
        self.dt = dt
        #: Hours of full outage per inhabitant so far, per sector.
        self.loss = np.zeros(len(SECTORS))
        #: Population-weighted national service per step and sector (for the metrics).
        self.national_service = np.ones((n_steps, len(SECTORS)))
        n_records = -(-n_steps // record_every)
        self.hours = np.arange(n_records) * record_every * dt
        self.service = np.empty((n_records, n_regions, len(SECTORS)))
        self.regions = {name: np.empty((n_records, n_regions)) for name in REGION_SERIES}

    def record(
        self,
        step: int,
        population_share: np.ndarray,
        inoperability: np.ndarray,
        people: PopulationLayer,
    ) -> bool:
        """Accumulate this step's loss; store a row at the recording interval.

        Returns:
            Whether a row was recorded (the model then collects its DataCollector row).
        """
        step_loss = loss_increment(population_share, inoperability, self.dt)
        self.loss += step_loss
        self.national_service[step] = 1.0 - step_loss / self.dt
        if step % self.every:
            return False
        row = step // self.every
        self.service[row] = 1.0 - inoperability
        regions = self.regions
        regions["population"][row] = population_share * people.groups.size.sum()
        regions["displaced_in"][row] = people.arrivals()
        regions["trust"][row] = people.regional(people.state.trust)
        reach = people.regional(people.reach())
        regions["belief"][row] = reach.max(axis=0) if len(reach) else 0.0
        return True


# Model-level reporters of the DataCollector: plain functions (they must pickle), cheap, read
# only the model's read-only interface.
def mean_service(model: Any) -> float:
    """Population-weighted service across regions, averaged over the nine sectors."""
    return float((1.0 - model.sectors.inoperability).mean(axis=1) @ model.population_share)


def assets_down(model: Any) -> int:
    """Assets that do not work now."""
    return int((~model.assets.working).sum())


def national_trust(model: Any) -> float:
    """Population-weighted mean trust in institutions."""
    return model.people.national_trust()


def total_loss(model: Any) -> float:
    """The weighted loss accumulated so far (hours of full outage per inhabitant)."""
    return float(model.loss @ model.loss_weights)


#: The DataCollector's model reporters.
REPORTERS = {
    "mean_service": mean_service,
    "assets_down": assets_down,
    "total_loss": total_loss,
    "national_trust": national_trust,
}
