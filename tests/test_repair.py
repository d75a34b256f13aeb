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


def test_repairs_and_degradation_end_when_a_full_scan_says_so():
    """AssetState skips its scans for ending repairs and degraded operation until the first
    hour one can end (``repairs_end_from``, ``degraded_next``): whatever the order of starts,
    slowdowns and hours, they must end exactly what a full scan ends."""
    from abm.state import AssetState

    rng = np.random.default_rng(5)
    cfg = load_config("peacetime", horizon_days=1)
    model = HybridThreatModel(cfg, rng=1)
    a, n = AssetState.intact(model.world), model.world.n_assets
    in_repair, repair_end = np.zeros(n, bool), np.full(n, np.inf)
    capacity, until = np.ones(n), np.full(n, -np.inf)
    for hour in np.arange(0.0, 200.0, 1.0):
        new = rng.choice(np.flatnonzero(~in_repair), size=3, replace=False)
        end = hour + rng.uniform(0.5, 30.0, 3)
        a.damaged[new] = True
        a.start_repairs(new, end)
        in_repair[new], repair_end[new] = True, end
        if hour % 7 == 0:  # a repair slowed down, as under cyber_slows_repair
            busy = np.flatnonzero(in_repair)
            a.repair_end[busy] += 0.5
            repair_end[busy] += 0.5
            a.repairs_end_from = min(a.repairs_end_from, float(a.repair_end[busy].min()))
        want = np.flatnonzero(in_repair & (repair_end <= hour + 1.0))
        assert np.array_equal(a.finish_repairs(hour + 1.0), want)
        in_repair[want], repair_end[want] = False, np.inf
        hit = rng.choice(n, size=2, replace=False)
        share, ends = rng.uniform(0.2, 0.9, 2), hour + rng.uniform(1.0, 40.0, 2)
        now = until[hit] > hour
        capacity[hit] = np.where(now, np.minimum(capacity[hit], share), share)
        until[hit] = np.maximum(until[hit], ends)
        a.degrade(hit, ends, share, hour)
        ended = (until <= hour) & (capacity < 1.0)
        assert a.end_degradation(hour) == bool(ended.any())
        capacity[ended] = 1.0
        assert np.array_equal(a.degraded_capacity, capacity)


def _dispatch_by_full_scan(assets, operators, world, hour, dt, slowdown=None):
    """dispatch_crews as first written: every asset tested every step, no kept bounds."""
    from agents.operator import RepairSlowdown, _track_crews

    started = np.zeros(0, dtype=np.int64)
    if not assets.damaged.any():
        return started, started
    response = operators.response_hours[world.asset_operator]
    reachable = (hour >= assets.damaged_at + response) & (hour >= assets.parts_at)
    waiting = assets.damaged & ~assets.in_repair & reachable
    if waiting.any():
        busy = np.bincount(world.asset_operator[assets.in_repair], minlength=world.operators.n)
        started = assign_repairs(
            waiting,
            world.asset_operator,
            world.criticality,
            assets.damaged_at,
            operators.crews - busy,
        )
        if started.size:
            assets.start_repairs(started, hour + assets.repair_hours[started])
            _track_crews(operators, world, busy, started, assets.damaged_at, hour)
    if slowdown is not None and assets.in_repair.any():
        factor = slowdown.factor if isinstance(slowdown, RepairSlowdown) else slowdown
        busy_now = assets.in_repair
        assets.repair_end[busy_now] += dt * (1.0 - 1.0 / factor[busy_now])
    done = np.flatnonzero(assets.in_repair & (assets.repair_end <= hour + dt))
    assets.repairs_end_from = -np.inf  # scan every step
    assets.finish_repairs(hour + dt)
    return started, done


def test_dispatch_with_kept_bounds_equals_a_full_scan(monkeypatch):
    """dispatch_crews tests only idle damaged assets, from the first hour one can be reached,
    reuses the slowdown's delays and ends repairs from a kept bound: through a campaign with
    cyber_slows_repair, the events and repair hours must equal a full scan's every step."""
    import abm.model

    cfg = load_config("most_likely_enemy", horizon_days=12)
    fast = HybridThreatModel(cfg, rng=3)
    fast.run_model()
    monkeypatch.setattr(abm.model, "dispatch_crews", _dispatch_by_full_scan)
    full = HybridThreatModel(cfg, rng=3)
    full.run_model()
    assert any(kind == "repair_start" for _, kind, _, _ in fast.events)
    assert fast._slowdown[1] is not None, "an intruder slowed repairs"
    assert fast.events == full.events
    assert np.array_equal(fast.assets.repair_end, full.assets.repair_end)
    assert np.array_equal(fast.operators.busy_peak, full.operators.busy_peak)


def test_a_repair_shorter_than_a_step_logs_the_hours_it_took():
    """A repair started and finished within one step is logged with its drawn hours (it was
    logged as "nan h": the finished repair's hours were cleared before the log read them)."""
    model = HybridThreatModel(load_config("peacetime", horizon_days=1), rng=0)
    asset = int(np.argmax(model.world.criticality))
    model.operators.response_hours[:] = 0.0
    model.assets.damage(np.array([asset]), 0.0, np.array([0.4]), np.array([0.0]))
    model.step()
    mine = [(kind, detail) for _, kind, a, detail in model.events if a == asset]
    assert ("repair_start", "0.4 h") in mine and ("repaired", "") in mine, mine
