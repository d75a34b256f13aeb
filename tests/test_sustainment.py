"""The sustainment flow after the initial movement: its demand, its delay behind its own
peacetime schedule, and its place behind the serials on the shared capacities."""

import numpy as np
import pytest

from abm import HybridThreatModel
from abm.sustainment import EAST, TRAIN, WEST
from tests.test_transit import closed, run

DAYS = 16


@pytest.fixture(scope="module")
def quiet(peacetime):
    """Peacetime on 2 h steps, with its events trail."""
    log: list = []
    model = run(peacetime(DAYS), log=log)
    return model, log


def test_in_peacetime_the_flow_delivers_its_planned_tonnage_without_delay(quiet):
    """Two brigades draw 0.5 trains of 1,000 t and one convoy of 20 trucks of 8 t each per
    brigade-day east (1,320 t a day), half that west, from hour 240."""
    model, _ = quiet
    s, f = model.summary(), model.transit.flow
    end = DAYS * 24.0
    due = f.release < end
    east = (f.direction == EAST) & due
    days = (end - 240.0) / 24.0
    assert f.tonnes[east].sum() == pytest.approx(2 * (0.5 * 1000 + 160) * days, rel=0.1)
    assert f.tonnes[(f.direction == WEST) & due].sum() == pytest.approx(
        f.tonnes[east].sum() / 2, rel=0.15
    )
    # everything released two days before the end is delivered, nothing is lost
    early = f.release <= end - 48.0
    assert np.isfinite(f.delivered_at[early]).all()
    delivered = f.delivered_at <= end
    assert s["sustainment_tonnes_delivered"] == pytest.approx(f.tonnes[delivered].sum())
    assert f.tonnes[early].sum() <= s["sustainment_tonnes_delivered"] <= f.tonnes[due].sum()
    assert s["sustainment_mean_delay_h"] == 0.0  # the peacetime schedule is this run's


def test_its_departures_are_few_events_that_carry_its_tonnage(quiet):
    model, log = quiet
    f = model.transit.flow
    sent = [d for _, k, d in log if k == "sustainment_departed"]
    tonnes = sum(float(d.rsplit(", ", 1)[1].split(" t")[0]) for d in sent)
    assert tonnes == pytest.approx(f.tonnes[f.departed].sum())
    assert len(sent) <= 8 * (DAYS - 10)  # at most a few a day


def test_a_cut_of_the_montzen_line_in_limburg_delays_the_flow(quiet, peacetime):
    """Three days without the Montzen line in Limburg from day 11: Antwerp's trains take the
    reroute's two paths a day, 2 h longer, behind the serials still on it."""
    base, _ = quiet
    model = run(closed(peacetime, "eastern_rail", "limburg", 264, 72, horizon_days=DAYS))
    s, f, b = model.summary(), model.transit.flow, base.transit.flow
    assert s["sustainment_mean_delay_h"] > 0.0
    trains = (f.mode == TRAIN) & (f.port == model.transit.port_names.index("antwerp"))
    later = np.minimum(f.delivered_at, 1e6) - np.minimum(b.delivered_at, 1e6)
    assert later[trains].max() >= 2.0 and later.min() >= -1e-9
    assert s["sustainment_tonnes_delivered"] <= base.summary()["sustainment_tonnes_delivered"]


def test_sustainment_trains_wait_for_the_serials_on_the_montzen_paths(quiet, peacetime):
    """From day 5, while the brigades still move: an eastbound sustainment train never takes
    a path in a step that leaves a loaded serial train waiting (one its port's terminals have
    not loaded yet cannot take a path), so the serials' trains are not delayed by more than a
    path's spacing, and the resupply waits for them."""
    cfg = peacetime(14)
    cfg.transit.sustainment.start_hour = 120.0
    model = HybridThreatModel(cfg, rng=11)
    t, f = model.transit, model.transit.flow
    overlaps = 0
    for _ in range(model.n_steps):
        before = f.departed.copy()
        model.step()
        left = f.departed & ~before & (f.direction == EAST) & (f.mode == TRAIN)
        loaded = t.railhead_credit[t.port_of] >= 1.0
        waiting = (t.blocked & (t.trains_left > 0) & loaded).any()
        assert not (left.any() and waiting)
        overlaps += int(left.any() and bool(np.isnan(t.crossed_at).any()))
    alone = quiet[0].transit  # the flow from day 10, after the serials' paths
    assert overlaps > 0  # it does run while the brigades move
    gap = 24.0 / cfg.transit.rail_paths_per_day + cfg.dt_hours
    assert (t.crossed_at - alone.crossed_at).max() <= gap
    east = (f.direction == EAST) & (f.mode == TRAIN) & f.departed
    during = east & (f.ready < np.nanmax(alone.crossed_at))
    waited = (f.left_at - f.ready)[during]
    assert waited.mean() > (f.left_at - f.ready)[east & ~during].mean()


def test_without_the_flow_its_outcomes_are_nan(peacetime):
    cfg = peacetime(5)
    cfg.transit.sustainment.enabled = False
    model = run(cfg)
    assert model.transit.flow.n == 0
    s = model.summary()
    assert np.isnan(s["sustainment_mean_delay_h"]) and np.isnan(s["sustainment_tonnes_delivered"])
