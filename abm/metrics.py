"""Resilience metrics of one replicate, from its per-step service levels.

The model calls these on its own series, and the tests call them on hand-made curves, so the
definitions live in one place:

- *loss* (DESIGN.md section 8): the sum over steps and regions of the sector's dependents x
  (1 - service) x dt: person-hours of service lost, the area of the resilience triangle
  (Bruneau et al. 2003, Earthquake Spectra 19(4):733-752) in natural units. Service is constant
  within a step, so the integral is exact for the model's step function;
- *national service*: service weighted by the sector's dependents in each region (what the
  average dependent gets);
- *minimum service*: the lowest national service level reached;
- *time to recover*: hours from the first step national service fell below a threshold
  (``outcomes.recovery_threshold``, 95% of baseline by default) to the first step from which it
  stays at or above the threshold to the end. A
  sector still below it at the horizon has not recovered: its time is censored, recorded as
  missing with the status ``censored``, never as a number that looks like a time.
"""

from __future__ import annotations

import numpy as np

RECOVERY_THRESHOLD = 0.95

#: Values of the ``recovery_status_<sector>`` columns.
NOT_DISRUPTED, RECOVERED, CENSORED = "not_disrupted", "recovered", "censored"


def loss_increment(dependents: np.ndarray, inoperability: np.ndarray, dt: float) -> np.ndarray:
    """One step's loss per sector, in person-hours: dependents x inoperability x step length.

    Args:
        dependents: ``(regions, sectors)``, the people who depend on each sector in each region.
        inoperability: ``(regions, sectors)``, 1 - service.
        dt: Step length in hours.
    """
    return (dependents * inoperability).sum(axis=0) * dt


def national_service(dependents: np.ndarray, inoperability: np.ndarray) -> np.ndarray:
    """Per sector, service weighted by the sector's dependents across regions (1 if none)."""
    total = dependents.sum(axis=0)
    lost = (dependents * inoperability).sum(axis=0)
    return 1.0 - lost / np.where(total > 0, total, 1.0)


def loss_of_series(service: np.ndarray, dt: float) -> np.ndarray:
    """Loss per sector of a national service series ``(steps, sectors)``: hours of full outage
    per dependent (multiply by the dependents for person-hours)."""
    return (1.0 - service).sum(axis=0) * dt


def min_service(service: np.ndarray) -> np.ndarray:
    """Lowest service per sector of a national series ``(steps, sectors)``."""
    return service.min(axis=0)


def time_to_recover(
    service: np.ndarray, dt: float, threshold: float = RECOVERY_THRESHOLD
) -> tuple[np.ndarray, list[str]]:
    """Hours from the first drop below ``threshold`` to lasting recovery, per sector.

    Args:
        service: National service per step and sector, ``(steps, sectors)``; step ``t`` covers
            hours ``[t dt, (t + 1) dt)``.
        dt: Step length in hours.
        threshold: Share of baseline (1) that counts as recovered.

    Returns:
        ``(hours, status)``: hours is 0 for a sector never below the threshold, the recovery
        time for one that recovered, and NaN for one still below at the end (``censored``).
    """
    below = service < threshold
    hours = np.zeros(service.shape[1])
    status = []
    for s in range(service.shape[1]):
        steps = np.flatnonzero(below[:, s])
        if steps.size == 0:
            status.append(NOT_DISRUPTED)
        elif steps[-1] == len(service) - 1:
            hours[s] = np.nan
            status.append(CENSORED)
        else:
            hours[s] = (steps[-1] + 1 - steps[0]) * dt
            status.append(RECOVERED)
    return hours, status
