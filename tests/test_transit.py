"""Allied transit and the responders who protect it."""

import numpy as np
import pytest

from abm import HybridThreatModel, load_config


def run(cfg, seed=11, replicate=0):
    model = HybridThreatModel(cfg, rng=seed, replicate=replicate)
    model.run_model()
    return model


def arm(scenario, metric, replicates, overrides=(), horizon_days=20):
    cfg = load_config(scenario, horizon_days=horizon_days, overrides=list(overrides))
    return np.array([run(cfg, replicate=r).summary()[metric] for r in range(replicates)])


def test_without_adversary_or_hazard_every_serial_crosses_by_the_deadline():
    model = run(load_config("peacetime", horizon_days=20))
    s = model.summary()
    assert model.transit.n == 12  # two brigade-equivalents of six serials
    assert s["transit_completed_fraction"] == 1.0
    assert s["transit_mean_delay_h"] == 0.0 and s["transit_max_delay_h"] == 0.0
    assert s["transit_censored"] == 0
    assert s["total_loss"] == 0.0  # host-nation support stays within capacity


def test_a_serial_that_never_crosses_is_censored_at_the_horizon():
    model = run(load_config("peacetime", horizon_days=5))  # landings from hour 72
    s = model.summary()
    t = model.transit
    assert s["transit_censored"] > 0 and s["transit_completed_fraction"] < 1
    late = np.isnan(t.crossed_at)
    assert s["transit_max_delay_h"] == pytest.approx((5 * 24 - t.planned[late]).max())


def test_transit_can_be_switched_off():
    s = run(load_config("peacetime", horizon_days=5, overrides=["transit.enabled=false"]))
    summary = s.summary()
    assert s.transit.n == 0 and np.isnan(summary["transit_completed_fraction"])


@pytest.mark.slow
def test_corridor_sabotage_delays_transit_and_the_territorial_reserve_stops_hits():
    quiet = arm("peacetime", "transit_mean_delay_h", 4)
    sabotage = arm("corridor_sabotage", "transit_mean_delay_h", 24)
    assert quiet.max() == 0.0
    assert sabotage.mean() > 0.0
    hits = arm("corridor_sabotage", "n_sabotage_success", 8)
    guarded_hits = arm(
        "corridor_sabotage", "n_sabotage_success", 8, ["mitigation=territorial_reserve"]
    )
    assert guarded_hits.mean() < hits.mean()


def test_the_territorial_reserve_reduces_transit_delay():
    """Guards on the corridors shorten the mean delay on paired replicates (4.7 h -> 1.6 h on
    these 24 pairs). Sabotage still moves to unguarded rail sections, but a hit section can now
    need a long-lead repair, so the hits the guards stop cost more than those they displace."""
    sabotage = arm("corridor_sabotage", "transit_mean_delay_h", 24)
    guarded = arm(
        "corridor_sabotage", "transit_mean_delay_h", 24, ["mitigation=territorial_reserve"]
    )
    assert guarded.mean() < sabotage.mean()


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


def test_an_outage_of_public_administration_slows_the_decision():
    progress = []
    for outage in (0.0, 0.5):
        model = HybridThreatModel(load_config("peacetime", horizon_days=2), rng=0)
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


def test_guards_protect_the_corridors_first():
    model = run(
        load_config("peacetime", horizon_days=6, overrides=["mitigation=territorial_reserve"])
    )
    guarded = model.defence.guarded
    assert len(guarded) == model.defence.guard_capacity == 23
    designated = set(model.transit.designated_assets.tolist())
    assert designated <= set(guarded.tolist())  # 14 ports and eastern corridor sections
    shield = model.assets.sabotage_protection(model.cfg.responders.guard_protection)
    assert np.all(shield[guarded] >= 0.9)
