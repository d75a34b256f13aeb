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
    cfg = load_config("grid_shock", horizon_days=10)
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
    # everything damaged is repaired within ten days and service is back
    assert not model.assets.damaged.any()
    assert np.allclose(1 - model.inoperability, 1.0, atol=1e-3)
