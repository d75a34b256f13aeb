"""Allied transit through its capacities, and the responders who protect it."""

import numpy as np
import pytest

from abm import HybridThreatModel, load_config
from abm.config import DroneIncursionConfig, ShockConfig


def run(cfg, seed=11, replicate=0, log=None):
    model = HybridThreatModel(cfg, rng=seed, replicate=replicate)
    if log is not None:
        model.transit.log = lambda kind, detail: log.append((model.hour, kind, detail))
    model.run_model()
    return model


def arm(scenario, metric, replicates, overrides=(), horizon_days=20):
    cfg = load_config(scenario, horizon_days=horizon_days, overrides=list(overrides))
    return np.array([run(cfg, replicate=r).summary()[metric] for r in range(replicates)])


def closed(peacetime, asset_type, region, at_hour, hours, horizon_days=14):
    """A peacetime config (2 h steps) in which drones close ``asset_type`` in ``region`` for
    ``hours``."""
    cfg = peacetime(horizon_days)
    cfg.scenario.drone_incursions = [
        DroneIncursionConfig(at_hour=at_hour, hours=hours, region=region, asset_type=asset_type)
    ]
    return cfg


@pytest.fixture(scope="module")
def quiet(peacetime):
    """Peacetime on 2 h steps, with its events trail."""
    log: list = []
    model = run(peacetime(14), log=log)
    return model, log


def test_in_peacetime_every_serial_crosses_by_the_deadline_behind_the_rail_queue(quiet):
    """Two brigades bring 42 trains, loaded at 1.7 a day per military terminal (five
    terminals) for 6 military paths a day on the Montzen line, 186 convoys (21 of them
    exceptional transports) for 16 night slots per route, and 9 barges up the Albert Canal from
    Antwerp: queues form behind the unconstrained plan (transit_queue_h about 69 h, worst 167 h,
    the rail queue the longer), yet all cross by the deadline (day 14), and the peacetime
    schedule is this run's (no delay behind it)."""
    model, _ = quiet
    s, t = model.summary(), model.transit
    assert t.n == 12  # two brigade-equivalents of six serials
    # the tracked vehicles all go by train; a twentieth of the wheeled pieces (after the
    # barges') are exceptional transports, 10 to a convoy
    assert t.trains.sum() == 42 and t.exceptional.sum() == 171
    assert t.exceptional_convoys.sum() == 21 and t.convoys.sum() == 165 + 21
    assert t.barges.sum() == 9
    assert s["transit_completed_fraction"] == 1.0 and s["transit_censored"] == 0
    assert s["total_loss"] == 0.0  # host-nation support stays within capacity
    queue = t.crossed_at - t.planned
    assert queue.min() >= -1e-9
    assert s["transit_queue_h"] == pytest.approx(queue.mean())
    assert s["transit_queue_h"] > 0.0  # a queue forms
    assert queue[t.heavy].mean() > queue[~t.heavy].mean()  # the rail paths bind
    assert queue.max() < 7 * 24
    assert s["transit_tonnes_delivered"] == pytest.approx(12 * 420 * 7.0)
    assert t.reroutes == 0 and t.detours == 0
    # the peacetime schedule is this run's: no delay behind it
    assert s["transit_mean_delay_h"] == s["transit_p90_delay_h"] == s["transit_max_delay_h"] == 0


def count(log, kind):
    """Trains or convoys in the events of ``kind`` (one event per serial and step)."""
    return sum(int(d.split("): ")[1].split(" ")[0]) for _, k, d in log if k == kind)


def test_the_events_trail_gives_trains_convoys_and_tonnage_by_day(quiet):
    model, log = quiet
    t = model.transit
    assert count(log, "train_departed") == count(log, "train_crossed") == t.trains.sum()
    assert count(log, "convoy_departed") == count(log, "convoy_crossed") == t.convoys.sum()
    kinds = [k for _, k, _ in log]
    assert kinds.count("serial_delivered") == kinds.count("personnel_landed") == 12
    tonnes = [float(d.split(" t,")[0].rsplit(" ", 1)[1]) for _, k, d in log if "crossed" in k]
    assert sum(tonnes) == pytest.approx(model.summary()["transit_tonnes_delivered"])
    # trains leave no faster than the paths allow: 36 trains at 6 a day take 6 days
    hours = np.array([h for h, k, _ in log if k == "train_departed"])
    assert hours.max() - hours.min() >= (36 - 1) / 6 * 24 - 24
    # convoys leave only in the night window, 21:00-05:00
    night = np.array([h % 24 for h, k, _ in log if k == "convoy_departed"])
    assert ((night >= 21) | (night < 5)).all()


def test_a_serial_that_never_crosses_is_censored_at_the_horizon(peacetime):
    model = run(peacetime(5, dt_hours=1))  # landings from hour 72
    s = model.summary()
    t = model.transit
    assert s["transit_censored"] > 0 and s["transit_completed_fraction"] < 1
    # censored in the peacetime schedule too: nothing is behind it, the queue is censored
    assert s["transit_max_delay_h"] == 0.0
    late = np.isnan(t.delivered(5 * 24))
    assert s["transit_queue_h"] == pytest.approx(
        np.maximum(np.where(late, 5 * 24, t.crossed_at) - t.planned, 0).mean()
    )


def test_transit_can_be_switched_off(peacetime):
    cfg = peacetime(5, dt_hours=1)
    cfg.transit.enabled = False
    s = run(cfg)
    summary = s.summary()
    assert s.transit.n == 0 and np.isnan(summary["transit_completed_fraction"])
    assert np.isnan(summary["transit_p90_delay_h"])
    assert np.isnan(summary["sustainment_tonnes_delivered"])
    assert np.isnan(summary["sustainment_mean_delay_h"])


def test_a_cut_of_the_montzen_line_in_limburg_reroutes_trains_with_extra_hours(quiet, peacetime):
    base, _ = quiet
    log: list = []
    model = run(closed(peacetime, "eastern_rail", "limburg", 110, 48), log=log)
    t = model.transit
    assert t.reroutes > 0
    rerouted = [(h, k, d) for h, k, d in log if k == "train_departed" and "reroute" in d]
    assert count(rerouted, "train_departed") == t.reroutes
    # a rerouted train from Antwerp takes its three provinces plus the reroute's 2 h
    for h, k, d in log:
        if k == "train_departed" and "reroute" in d and "(antwerp)" in d:
            at = float(d.rsplit("crossing at ", 1)[1].split(" h")[0])
            assert at - h == pytest.approx(3 * 6.0 + 2.0)
    # fewer paths on the reroute: Antwerp's heavy serials fall behind, none gains
    antwerp = (t.port_of == t.port_names.index("antwerp")) & t.heavy
    later = t.crossed_at - base.transit.crossed_at
    assert later[antwerp].max() > 0.0 and later.min() >= 0.0
    assert model.summary()["transit_mean_delay_h"] > 0.0


def test_a_port_closed_for_a_day_delays_the_serials_landing_there_by_about_a_day(quiet, peacetime):
    base, _ = quiet
    model = run(closed(peacetime, "port", "west_flanders", 70, 24))
    t, b = model.transit, base.transit
    zeebrugge = (t.port_of == t.port_names.index("west_flanders")) & ~t.heavy
    shift = (t.crossed_at - b.crossed_at)[zeebrugge]
    assert shift == pytest.approx(np.full(shift.size, 24.0), abs=6.0)
    others = t.port_of != t.port_names.index("west_flanders")
    assert np.allclose(t.crossed_at[others & ~t.heavy], b.crossed_at[others & ~t.heavy])


def test_a_closed_airfield_delays_the_personnel_routed_through_it(quiet, peacetime):
    base, _ = quiet
    model = run(closed(peacetime, "airport", "flemish_brabant", 72, 36))
    t, b = model.transit, base.transit
    brussels = t.airfield_of == t.air_names.index("brussels")
    assert brussels.any() and (~brussels).any()
    late = (t.joined_at - b.joined_at)[brussels]
    assert late.min() > 0 and late.max() >= 24
    assert np.allclose(t.joined_at[~brussels], b.joined_at[~brussels])
    assert (t.crossed_at >= b.crossed_at - 1e-9).all()


def test_a_shorter_decision_delay_does_not_worsen_expected_outcomes():
    base = ["mitigation=combined"]
    slow = arm("hybrid_campaign", "total_loss", 8, [*base, "responders.decision_delay_hours=96"])
    fast = arm("hybrid_campaign", "total_loss", 8, [*base, "responders.decision_delay_hours=6"])
    assert fast.mean() <= slow.mean()


def test_measures_start_after_the_alert_and_the_decision_delay():
    model = run(load_config("hybrid_campaign", horizon_days=20))
    cc = model.crisis_centre
    assert cc.alert_hour is not None and cc.activation_hour is not None
    assert cc.activation_hour - cc.alert_hour >= model.cfg.responders.decision_delay_hours
    kinds = [k for _, k, _, _ in model.events]
    assert kinds.index("crisis_alert") < kinds.index("measures_activated")


def test_an_outage_of_public_administration_slows_the_decision(peacetime):
    progress = []
    for outage in (0.0, 0.5):
        model = HybridThreatModel(peacetime(2, dt_hours=1), rng=0)
        model.crisis_centre.alert_hour = 0.0
        model.inoperability[:, 0] = outage  # public administration is the first sector
        model.crisis_centre.observe()
        progress.append(model.crisis_centre.progress)
    # one hour of decision work, slowed by 1 + 2 x 0.5 when half the administration is down
    assert progress == pytest.approx([1.0, 0.5])
    fast = HybridThreatModel(
        load_config("hybrid_campaign", horizon_days=20, overrides=["mitigation=legal_framework"]),
        rng=11,
    )
    fast.run_model()
    slow = run(load_config("hybrid_campaign", horizon_days=20))
    fast_cc, slow_cc = fast.crisis_centre, slow.crisis_centre
    assert (fast_cc.activation_hour - fast_cc.alert_hour) < (
        slow_cc.activation_hour - slow_cc.alert_hour
    )


def test_guards_protect_the_corridors_first(peacetime):
    model = run(
        load_config("peacetime", horizon_days=6, overrides=["mitigation=territorial_reserve"])
    )
    guarded = model.defence.guarded
    assert len(guarded) == model.defence.guard_capacity == 23
    designated = set(model.transit.designated_assets.tolist())
    assert designated <= set(guarded.tolist())  # 14 ports and eastern corridor sections
    chokepoints = model.transit.chokepoints
    assert len(chokepoints) == 10  # 3 ports, 3 Montzen sections, 4 heavy bridges
    assert set(chokepoints.tolist()) <= set(guarded.tolist())
    own = HybridThreatModel(peacetime(3, dt_hours=1), rng=11)
    own.run_model()  # Defence's own 3 guards go to the most critical chokepoints
    assert set(own.defence.guarded.tolist()) <= set(chokepoints.tolist())
    shield = model.assets.sabotage_protection(model.cfg.responders.guard_protection)
    assert np.all(shield[guarded] >= 0.9)


def damaged(peacetime, asset_type, region, at_hour, horizon_days=14):
    """A peacetime config (2 h steps) in which every ``asset_type`` asset of ``region`` is
    damaged."""
    cfg = peacetime(horizon_days)
    cfg.scenario.shocks = [
        ShockConfig(at_hour=at_hour, kind="damage", region=region, asset_type=asset_type, count=9)
    ]
    return cfg


def test_a_lost_heavy_bridge_sends_the_exceptional_transports_on_a_long_detour(quiet, peacetime):
    """The Albert Canal bridge of the exceptional-transport route in Limburg, lost on day 4,
    takes days to repair (median two weeks): Antwerp's exceptional transports leave meanwhile
    on a longer itinerary through other structures, 24 h more, while losing both eastern
    motorway sections there one night costs Antwerp's convoys a detour of hours."""
    base, _ = quiet
    log: list = []
    model = run(damaged(peacetime, "heavy_bridge", "limburg", 96), log=log)
    t, b = model.transit, base.transit
    repaired = [h for h, k, *_ in model.events if k == "repaired"]
    assert repaired and repaired[0] - 96 >= 72  # a long repair
    detoured = [(h, d) for h, k, d in log if k == "convoy_departed" and "heavy-bridge detour" in d]
    assert detoured and all(96 <= h < repaired[0] and "(antwerp)" in d for h, d in detoured)
    for h, d in detoured:  # three provinces by road, plus the detour
        at = float(d.rsplit("crossing at ", 1)[1].split(" h")[0])
        assert at - h == pytest.approx(3 * 8.0 + 24.0)
    antwerp = t.port_of == t.port_names.index("antwerp")
    late = t.crossed_at - b.crossed_at
    assert 0.0 < late[antwerp].max() <= 24.0 + 8.0
    assert np.allclose(t.crossed_at[~antwerp], b.crossed_at[~antwerp])  # other routes open
    # at night, convoys leaving
    road = run(damaged(peacetime, "eastern_motorway", "limburg", 140)).transit
    assert road.detours > 0
    assert 0.0 < (road.crossed_at - b.crossed_at)[antwerp].max() <= 12.0


def test_barges_carry_a_share_from_antwerp_and_a_lock_out_of_service_sends_them_by_road(
    quiet, peacetime
):
    """A tenth of the wheeled pieces landing at Antwerp go up the Albert Canal, 40 a barge;
    drones closing Limburg's four lock complexes for two days stop every barge, and the pieces
    still waiting for one go by road in ordinary convoys instead."""
    base, log = quiet
    b = base.transit
    antwerp = b.port_of == b.port_names.index("antwerp")
    assert b.by_barge[antwerp].min() > 0 and b.by_barge[~antwerp].sum() == 0
    assert b.locks.size == 7  # Wijnegem, Olen, Ham, Hasselt, Diepenbeek, Genk, Monsin
    carried = [d for _, k, d in log if k == "barge_crossed"]
    assert count(log, "barge_crossed") == b.barges.sum()
    assert sum(int(d.split(" barges, ")[1].split(" ")[0]) for d in carried) == b.by_barge.sum()
    stopped: list = []
    model = run(closed(peacetime, "canal_lock", "limburg", 100, 48), log=stopped)
    t = model.transit
    left = [h for h, k, _ in stopped if k == "barge_departed"]
    assert not [h for h in left if 100 <= h < 148]
    assert t.barges.sum() < b.barges.sum() and t.convoys.sum() > b.convoys.sum()
    assert t.pieces_crossed.sum() == b.pieces_crossed.sum()  # every piece across, some by road
    assert np.allclose(t.crossed_at[~antwerp], b.crossed_at[~antwerp])


def test_what_the_movement_still_needs_is_what_a_corridor_cell_goes_for(quiet):
    """Before the first landing a port holds every piece of its serials, each Montzen section
    every tracked piece routed through its province, each heavy bridge the exceptional pieces:
    what their loss would hold up. Once the serials are across, nothing is left to hold up. A
    cell of a corridor campaign values its candidates by it (bridges and locks serve no
    resident, so by the residents served it would never go for them); any other campaign's
    cells value the residents served."""
    model = HybridThreatModel(load_config("corridor_sabotage", horizon_days=14), rng=11)
    t, w = model.transit, model.world
    held = t.exposure()
    ports = np.concatenate(t.port_assets)
    assert held[ports].sum() == pytest.approx(t.pieces.sum())
    bridges = np.concatenate(list(t.bridges.values()))
    assert held[bridges].min() > 0 and (w.criticality[bridges] == 0).all()
    montzen = np.flatnonzero(w.asset_type == w.type_names.index("eastern_rail"))
    assert held[montzen].max() <= t.tracked.sum() and held[montzen].min() > 0
    outside = np.ones(w.n_assets, dtype=bool)
    outside[t.corridor_assets] = False
    assert (held[outside] == 0).all()
    candidates = np.flatnonzero(model.script.sabotage_targets)
    assert np.array_equal(model.script.sabotage_value(0.0, candidates), held[candidates])
    elsewhere = HybridThreatModel(load_config("sabotage_only", horizon_days=14), rng=11)
    assert np.array_equal(
        elsewhere.script.sabotage_value(0.0, candidates), w.criticality[candidates]
    )
    done, _ = quiet
    assert (done.transit.exposure() == 0).all()
