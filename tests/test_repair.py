"""Repair crews go to the most critical damaged assets first, for all operators at once."""

import numpy as np

from abm import HybridThreatModel, load_config
from agents.operator import assign_repairs


def test_most_critical_first_per_operator():
    waiting = np.array([True, True, True, True, True, False])
    operator = np.array([0, 0, 0, 1, 1, 1])
    crit = np.array([5.0, 9.0, 7.0, 1.0, 2.0, 100.0])
    damaged_at = np.zeros(6)
    started = assign_repairs(waiting, operator, crit, damaged_at, np.array([2, 1]))
    assert sorted(started.tolist()) == [1, 2, 4]


def test_ties_go_to_the_earliest_damage_then_lowest_index():
    waiting = np.ones(4, bool)
    operator = np.zeros(4, np.int64)
    crit = np.ones(4)
    damaged_at = np.array([5.0, 3.0, 3.0, 1.0])
    assert assign_repairs(waiting, operator, crit, damaged_at, np.array([3])).tolist() == [3, 1, 2]


def test_no_free_crew_no_repair():
    waiting = np.ones(3, bool)
    started = assign_repairs(waiting, np.zeros(3, np.int64), np.ones(3), np.zeros(3), np.array([0]))
    assert started.size == 0


def test_model_repairs_critical_substations_first_and_restores_service():
    # no long-lead items here: every damaged asset can be repaired at once
    no_wait = [
        f"world.asset_types.{t}.long_lead_probability=0" for t in ("substation", "data_centre")
    ]
    cfg = load_config("grid_shock", overrides=no_wait, horizon_days=20)
    model = HybridThreatModel(cfg, rng=4)
    model.run_model()
    w = model.world
    starts = [(t, a) for t, kind, a, _ in model.events if kind == "repair_start"]
    subs = [(t, a) for t, a in starts if w.type_names[w.asset_type[a]] == "substation"]
    assert subs, "the damaged substations are repaired"
    # within the first batch sent out together, criticality does not increase
    first_hour = subs[0][0]
    batch = [a for t, a in subs if t == first_hour]
    later = [a for t, a in subs if t > first_hour]
    assert len(batch) == w.operators.crews[w.asset_operator[batch[0]]], "all crews sent out"
    assert later, "one substation more than crews: it waits"
    assert w.criticality[later].max() <= w.criticality[batch].min()
    # everything damaged is repaired within twenty days and service is back
    assert not model.assets.damaged.any()
    assert np.allclose(1 - model.inoperability, 1.0, atol=1e-3)


def test_more_crews_never_lengthen_a_repair_and_shorten_some_outage():
    """Civil contracts only add crews (after activation; a quick decision here, so that they
    arrive while a substation still waits for a crew). Paired on one seed, the shock damages the
    same assets; each damage's repair takes exactly as long, and no outage is longer."""
    arms = {}
    for mitigation in ("none", "civil_contracts"):
        overrides = [f"mitigation={mitigation}", "responders.decision_delay_hours=1"]
        cfg = load_config("grid_shock", overrides=overrides, horizon_days=8)
        arms[mitigation] = m = HybridThreatModel(cfg, rng=3)
        m.run_model()
    base, more = (_damage_log(arms[k]) for k in ("none", "civil_contracts"))
    assert base.keys() == more.keys() and base, "the same assets are damaged in both arms"
    shorter = 0
    for asset, damages in base.items():
        assert len(damages) == len(more[asset])
        for (d0, r0, end0), (d1, r1, end1) in zip(damages, more[asset], strict=True):
            assert d0 == d1
            assert r1 == r0, "a repair takes the hours drawn at the damage, whatever the crews"
            assert end1 <= end0
            shorter += end1 < end0
    assert shorter > 0, "extra crews end some outage sooner"


def _damage_log(model: HybridThreatModel) -> dict[int, list[tuple[float, float, float]]]:
    """Per damaged asset, each damage as (damage hour, repair hours, hour repaired or inf)."""
    log: dict[int, list[tuple[float, float, float]]] = {}
    for t, kind, a, detail in model.events:
        if kind == "shock":
            log.setdefault(a, []).append((t, np.nan, np.inf))
        elif kind == "repair_start":
            d, _, end = log[a][-1]
            log[a][-1] = (d, float(detail.removesuffix(" h")), end)
        elif kind == "repaired":
            d, r, _ = log[a][-1]
            log[a][-1] = (d, r, t)
    return log
