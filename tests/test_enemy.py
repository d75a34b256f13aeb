"""The most likely enemy scenario, the adaptive adversary and compound hazards."""

import numpy as np
import pandas as pd
import pytest

from abm import HybridThreatModel, load_config
from abm.results import events_table
from analysis.compare import synergy

pytestmark = pytest.mark.slow


def run(cfg, replicate=0, seed=11):
    model = HybridThreatModel(cfg, rng=seed, replicate=replicate)
    model.run_model()
    return model


def attacks(model) -> pd.DataFrame:
    ev = events_table(model).to_pandas()
    return ev[ev.kind == "attack"]


def test_attack_intensity_rises_across_the_phases():
    cfg = load_config("most_likely_enemy", horizon_days=14)
    phases = cfg.scenario.adversary_phases
    bounds = [p.start_hour for p in phases] + [14 * 24]
    counts = np.zeros(len(phases))
    for r in range(4):
        model = run(cfg, replicate=r)
        hours = attacks(model).time_h.to_numpy()
        counts += np.histogram(hours, bins=bounds)[0]
        phase_events = [d for _, k, _, d in model.events if k == "phase"]
        assert phase_events == [p.name for p in phases]  # phase changes are events
    rates = counts / np.diff(bounds)
    assert rates[0] < rates[1] < rates[2], rates


def test_corridor_attacks_cluster_while_convoys_move():
    inside = outside = corridor_inside = corridor_outside = 0
    cfg = load_config("most_likely_enemy", horizon_days=14)
    for r in range(4):
        model = run(cfg, replicate=r)
        t = model.transit
        start, end = t.arrival.min() - 24, np.nanmax(t.crossed_at)
        sab = attacks(model)
        sab = sab[sab.detail.str.startswith("sabotage") & (sab.asset >= 0)]
        on_corridor = np.isin(sab.asset, t.corridor_assets)
        moving = (sab.time_h >= start) & (sab.time_h <= end)
        inside += moving.sum()
        outside += (~moving).sum()
        corridor_inside += (on_corridor & moving).sum()
        corridor_outside += (on_corridor & ~moving).sum()
    assert inside > 0 and outside > 0
    assert corridor_inside / inside > 0.9
    assert corridor_inside / inside > corridor_outside / outside


def test_the_adaptive_adversary_shifts_to_the_action_that_pays():
    """Make cyber pay (no operator is mature) and the rest fail (full protection, nobody
    susceptible): learning cells end up choosing cyber far more often."""

    def cyber_share(adaptive: bool) -> float:
        cfg = load_config("hybrid_campaign", horizon_days=20)
        cfg.adversary.adaptive = adaptive
        cfg.adversary.action_costs = {"sabotage": 1, "cyber": 1, "disinformation": 1}
        cfg.scenario.adversary_windows = []
        for cell in cfg.adversary.cells.values():
            cell.capabilities = {"sabotage": 0.5, "cyber": 0.5, "disinformation": 0.5}
            cell.detection = {}
            cell.budget = 200
            cell.actions_per_day = 6
        for op in cfg.world.operators.values():
            op.cyber_maturity = 0.0
        for t in cfg.world.asset_types.values():
            t.protection = 1.0
        for cohort in cfg.population.cohorts.values():
            cohort.susceptibility = 0.0
        cfg.responders.find_rate_per_hour = 0.0
        tried = sum(run(cfg, replicate=r).cells[k].tried for r in range(2) for k in range(5))
        return tried[1] / tried.sum()

    plain, learning = cyber_share(False), cyber_share(True)
    assert plain == pytest.approx(1 / 3, abs=0.1)
    # about twice as often: a cyber hit now pays only the capacity it takes away (manual and
    # degraded operation lose a share of it), so the other actions keep some exploration
    assert learning > 0.6 and learning > 1.8 * plain


def test_a_compound_storm_is_worse_than_either_part_and_the_excess_is_reported():
    rows = []
    for scenario in ("compound_storm", "most_likely_enemy", "winter_storm"):
        cfg = load_config(scenario, horizon_days=14)
        for r in range(6):
            rows.append(run(cfg, replicate=r).summary())
    summary = pd.DataFrame(rows)
    by = summary.groupby("scenario").total_loss
    paired = summary.pivot(index="replicate", columns="scenario", values="total_loss")
    assert (paired.compound_storm - paired.winter_storm).mean() > 0
    assert (paired.compound_storm - paired.most_likely_enemy).mean() > 0
    assert by.mean()["compound_storm"] > max(
        by.mean()["winter_storm"], by.mean()["most_likely_enemy"]
    )
    excess = synergy(summary, "compound_storm", ("most_likely_enemy", "winter_storm"))
    total = excess.set_index("sector").loc["total_loss"]
    assert total.pairs == 6 and np.isfinite(total.synergy)


def test_hazards_alone_damage_and_shift_demand():
    for scenario in ("winter_storm", "heatwave", "river_flood"):
        model = run(load_config(scenario, horizon_days=10))
        s = model.summary()
        assert s["total_loss"] > 0 and s["n_sabotage"] == 0
        assert any(k == "hazard" for _, k, _, _ in model.events)


def test_a_migration_push_loads_reception():
    cfg = load_config("peacetime", horizon_days=10)
    base = run(cfg).summary()["loss_population_flows"]
    cfg.scenario.migration_pushes = [
        type(load_config("most_likely_enemy").scenario.migration_pushes[0])(
            start_hour=24, end_hour=120, region="liege", persons=20000
        )
    ]
    assert base == 0 and run(cfg).summary()["loss_population_flows"] > 0


def test_drones_close_airports_for_hours_without_damage():
    model = HybridThreatModel(load_config("most_likely_enemy", horizon_days=4), rng=1)
    airports = np.flatnonzero(model.world.asset_type == model.world.type_names.index("airport"))
    closed = []
    while model.running:
        model.step()
        closed.append(~model.assets.working[airports])
    closed = np.array(closed)
    assert closed.any() and not model.assets.damaged[airports].any()
    assert closed[-1].sum() == 0  # reopened
    assert any(k == "drone_closure" for _, k, _, _ in model.events)


def test_every_logged_event_kind_is_documented():
    from abm.vocabulary import EVENT_KINDS

    cfg = load_config("compound_storm", horizon_days=14, overrides=["mitigation=combined"])
    kinds = {kind for _, kind, _, _ in run(cfg).events}
    assert kinds <= set(EVENT_KINDS), kinds - set(EVENT_KINDS)
    assert {"attack", "hazard", "phase", "drone_closure", "measures_activated"} <= kinds
