"""Resilience metrics against hand-computed cases."""

import numpy as np
import pytest

from abm import SECTORS, HybridThreatModel, load_config
from abm.metrics import (
    CENSORED,
    NOT_DISRUPTED,
    RECOVERED,
    loss_increment,
    loss_of_series,
    min_service,
    national_service,
    time_to_recover,
)


def triangle(dt: float, horizon: float = 100.0) -> np.ndarray:
    """Service falls linearly from 1 to 0.4 over hours 10-20, recovers linearly by hour 50."""
    t = np.arange(0, horizon, dt) + dt / 2  # mid-step times: the midpoint rule
    return np.interp(t, [0, 10, 20, 50, horizon], [1, 1, 0.4, 1, 1])[:, None]


@pytest.mark.parametrize("dt", [1.0, 0.5, 2.0])
def test_loss_is_the_area_of_the_resilience_triangle(dt):
    # hand computation: a triangle of base 40 h and depth 0.6 has area 0.5 x 40 x 0.6 = 12
    assert loss_of_series(triangle(dt), dt)[0] == pytest.approx(12.0, rel=1e-9)


def test_loss_counts_the_person_hours_of_each_sectors_dependents():
    dependents = np.full((2, len(SECTORS)), 1000.0)
    dependents[:, 1] = [750_000.0, 250_000.0]
    inop = np.zeros((2, len(SECTORS)))
    inop[0, 1] = 1.0  # region 0 has no energy for the step
    inop[1, 1] = 0.4
    step = loss_increment(dependents, inop, dt=2.0)
    assert step[1] == pytest.approx(2.0 * (750_000 * 1.0 + 250_000 * 0.4))
    assert step[0] == 0.0
    # national service is what the average dependent gets
    assert national_service(dependents, inop)[1] == pytest.approx(1 - (750_000 + 100_000) / 1e6)


def test_minimum_and_recovery_of_the_triangle():
    service = triangle(1.0)
    assert min_service(service)[0] == pytest.approx(0.42, abs=0.02)
    hours, status = time_to_recover(service, 1.0)
    # below 0.95 from about hour 10.8 to about hour 47.5
    assert status == [RECOVERED]
    assert hours[0] == pytest.approx(37.0, abs=1.0)


def test_a_sector_still_down_at_the_horizon_is_censored_not_timed():
    service = np.ones((48, 3))
    service[10:, 1] = 0.5  # never recovers
    service[5:8, 2] = 0.9  # recovers after 3 h
    hours, status = time_to_recover(service, 1.0)
    assert status == [NOT_DISRUPTED, CENSORED, RECOVERED]
    assert hours[0] == 0.0 and np.isnan(hours[1]) and hours[2] == 3.0


def test_a_dip_that_returns_after_recovering_counts_to_the_last_recovery():
    service = np.ones((30, 1))
    service[2:4, 0] = 0.5
    service[10:12, 0] = 0.8
    hours, status = time_to_recover(service, 1.0)
    assert status == [RECOVERED] and hours[0] == 10.0


def test_the_model_loss_is_the_integral_of_its_national_service():
    model = HybridThreatModel(load_config("grid_shock", horizon_days=10), rng=0)
    model.run_model()
    s = model.summary()
    dependents = model.recorder.national_dependents
    expected = ((1.0 - model.national_service) * dependents).sum(axis=0) * model.dt
    assert [s[f"loss_{x}"] for x in SECTORS] == pytest.approx(expected.tolist(), rel=1e-9)
    assert all(0 <= s[f"min_service_{x}"] <= 1 for x in SECTORS)
    disrupted = [x for x in SECTORS if s[f"recovery_status_{x}"] != NOT_DISRUPTED]
    assert disrupted, "the shock takes some sector below the recovery threshold nationally"
    for x in disrupted:
        assert s[f"recovery_status_{x}"] in (RECOVERED, CENSORED)
        if s[f"recovery_status_{x}"] == CENSORED:
            assert np.isnan(s[f"recovery_h_{x}"])
