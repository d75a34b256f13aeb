"""The supply cascade on hand-made graphs (DESIGN.md section 3)."""

import numpy as np

from abm.cascade import drain_backups, working_fixed_point


def graph(needs, edges):
    """needs: list of consumer assets; edges: list of (need index, supplier)."""
    need_asset = np.array(needs, dtype=np.int64)
    edge_need = np.array([e[0] for e in edges], dtype=np.int64)
    edge_supplier = np.array([e[1] for e in edges], dtype=np.int64)
    return need_asset, edge_need, edge_supplier


def run(intact, need_asset, edge_need, edge_supplier, backup=None):
    backup = np.zeros(len(need_asset), bool) if backup is None else np.asarray(backup)
    return working_fixed_point(np.array(intact), need_asset, backup, edge_need, edge_supplier)


def test_and_across_types():
    # asset 2 needs power (need 0, from asset 0) and telecom (need 1, from asset 1)
    g = graph([2, 2], [(0, 0), (1, 1)])
    assert run([True, True, True], *g)[0].tolist() == [True, True, True]
    assert run([False, True, True], *g)[0].tolist() == [False, True, False]
    assert run([True, False, True], *g)[0].tolist() == [True, False, False]


def test_or_within_a_type():
    # asset 2 needs power from asset 0 or asset 1
    g = graph([2], [(0, 0), (0, 1)])
    assert run([False, True, True], *g)[0][2]
    assert run([True, False, True], *g)[0][2]
    working, supplied = run([False, False, True], *g)
    assert not working[2] and not supplied[0]


def test_cascade_is_transitive():
    # 0 -> 1 -> 2 -> 3 (each needs the previous one)
    g = graph([1, 2, 3], [(0, 0), (1, 1), (2, 2)])
    assert run([False, True, True, True], *g)[0].tolist() == [False, False, False, False]
    assert run([True, True, False, True], *g)[0].tolist() == [True, True, False, False]


def test_backup_bridges_exactly_its_hours_then_recharges():
    # asset 1 needs power from asset 0, with 3 h of backup; supplier 0 is down for 5 h.
    need_asset, edge_need, edge_supplier = graph([1], [(0, 0)])
    capacity = np.array([3.0])
    left = capacity.copy()
    history = []
    for hour in range(8):
        intact = np.array([hour >= 5, True])
        working, supplied = working_fixed_point(
            intact, need_asset, left > 0, edge_need, edge_supplier
        )
        drain_backups(left, capacity, working[need_asset] & ~supplied, supplied, 1.0, 1.0)
        history.append((bool(working[1]), float(left[0])))
    assert [w for w, _ in history] == [True, True, True, False, False, True, True, True]
    assert [b for _, b in history] == [2.0, 1.0, 0.0, 0.0, 0.0, 1.0, 2.0, 3.0]


def test_backup_does_not_drain_while_supplied_or_when_the_asset_is_down():
    need_asset, edge_need, edge_supplier = graph([1], [(0, 0)])
    capacity = np.array([4.0])
    left = capacity.copy()
    # supplier fine: no drain
    working, supplied = working_fixed_point(
        np.array([True, True]), need_asset, left > 0, edge_need, edge_supplier
    )
    drain_backups(left, capacity, working[need_asset] & ~supplied, supplied, 1.0, 1.0)
    assert left[0] == 4.0
    # consumer itself damaged and supplier down: nothing runs, nothing drains
    working, supplied = working_fixed_point(
        np.array([False, False]), need_asset, left > 0, edge_need, edge_supplier
    )
    drain_backups(left, capacity, working[need_asset] & ~supplied, supplied, 1.0, 1.0)
    assert left[0] == 4.0


def test_mutually_dependent_assets_recover_together():
    # 0 needs 1 and 1 needs 0 (for example a substation's SCADA and the telecom site it powers)
    g = graph([0, 1], [(0, 1), (1, 0)])
    assert run([False, True], *g)[0].tolist() == [False, False]
    # once asset 0 is repaired, both come back in the same step
    assert run([True, True], *g)[0].tolist() == [True, True]


def test_fixed_point_is_consistent_on_a_random_graph():
    rng = np.random.default_rng(3)
    n, k = 200, 400
    need_asset = rng.integers(0, n, k)
    edge_need = np.repeat(np.arange(k), 2)
    edge_supplier = rng.integers(0, n, 2 * k)
    intact = rng.random(n) > 0.2
    backup = rng.random(k) > 0.7
    working, supplied = working_fixed_point(intact, need_asset, backup, edge_need, edge_supplier)
    # the rule holds at the fixed point
    sup = np.zeros(k, bool)
    np.logical_or.at(sup, edge_need, working[edge_supplier])
    assert np.array_equal(sup, supplied)
    met = np.ones(n, bool)
    np.logical_and.at(met, need_asset, sup | backup)
    assert np.array_equal(working, intact & met)
    # and it is the greatest such set: every working set obeying the rule lies inside it
    assert not np.any(working & ~intact)


def test_network_cascade_and_intact_assets_equal_a_fresh_computation_every_step():
    """AssetNetwork.cascade reuses the last fixed point while its inputs are unchanged, and
    AssetState.intact_now its last answer while no compromise ends: through a campaign, both
    must equal what is computed from scratch, and backups drain the same."""
    from abm.model import HybridThreatModel

    m = HybridThreatModel(scenario="most_likely_enemy", rng=2, horizon_days=4)
    w, a = m.world, m.assets
    cascade = m.network.cascade
    checked = []

    def checked_cascade(assets, hour, dt):
        intact = ~(a.damaged | (a.compromised_until > hour))
        assert np.array_equal(a.intact_now(hour), intact)
        working, supplied = working_fixed_point(
            intact, w.need_asset, a.backup_left > 0, w.edge_need, w.edge_supplier
        )
        left = a.backup_left.copy()
        if intact.all():
            working, supplied = np.ones_like(working), np.ones_like(supplied)
        on_backup = working[w.need_asset] & ~supplied
        drain_backups(left, a.backup_capacity, on_backup, supplied, dt, m.network.recharge)
        changed = cascade(assets, hour, dt)
        assert np.array_equal(a.working, working)
        assert np.array_equal(a.backup_left, left)
        checked.append(bool(changed.size) or not intact.all())
        return changed

    m.network.cascade = checked_cascade
    m.run_model()
    assert any(checked), "the campaign took some asset down"


def test_fixed_point_started_from_the_answer_for_less_damage_is_the_same():
    """After more damage or less backup, the removals may start from the last answer (as
    AssetNetwork.cascade does): the same working and supplied sets as from the intact set."""
    rng = np.random.default_rng(11)
    n, k = 300, 600
    need_asset = rng.integers(0, n, k)
    edge_need = np.repeat(np.arange(k), 2)
    edge_supplier = rng.integers(0, n, 2 * k)
    for _ in range(20):
        intact, backup = rng.random(n) > 0.05, rng.random(k) > 0.5
        last, _ = working_fixed_point(intact, need_asset, backup, edge_need, edge_supplier)
        for _ in range(5):  # more damage, less backup, one step after another
            intact = intact & (rng.random(n) > 0.05)
            backup = backup & (rng.random(k) > 0.2)
            cold = working_fixed_point(intact, need_asset, backup, edge_need, edge_supplier)
            warm = working_fixed_point(
                intact, need_asset, backup, edge_need, edge_supplier, last & intact
            )
            assert np.array_equal(cold[0], warm[0]) and np.array_equal(cold[1], warm[1])
            last = cold[0]
