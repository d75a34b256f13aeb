"""Adversary cells: no adversary no damage, a campaign reaches every sector, more budget never
helps the defender, and detection removes cells."""

import numpy as np
import pytest

from abm import SECTORS, HybridThreatModel, load_config
from agents.adversary import AdversaryCell, choose


def run(cfg, seed=11, replicate=0):
    model = HybridThreatModel(cfg, rng=seed, replicate=replicate)
    model.run_model()
    return model


def test_peacetime_has_no_attempts_and_no_attack_damage():
    model = run(load_config("peacetime", horizon_days=20))
    s = model.summary()
    assert all(
        s[f"n_{a}"] == 0 and s[f"n_{a}_success"] == 0
        for a in ("sabotage", "cyber", "disinformation")
    )
    assert s["total_loss"] == 0
    assert not model.cells
    assert not any(
        kind in ("shock", "compromised", "narrative_seeded") for _, kind, _, _ in model.events
    )


@pytest.mark.slow
def test_the_hybrid_campaign_reaches_every_sector():
    cfg = load_config("hybrid_campaign", horizon_days=20)
    totals = {s: 0.0 for s in SECTORS}
    for r in range(6):
        summary = run(cfg, replicate=r).summary()
        for s in SECTORS:
            totals[s] += summary[f"loss_{s}"]
        assert summary["n_sabotage"] + summary["n_cyber"] + summary["n_disinformation"] > 0
    assert all(v > 0 for v in totals.values()), totals


def test_single_dimension_scenarios_use_only_their_dimension():
    for dim in ("sabotage", "cyber", "disinformation"):
        s = run(load_config(f"{dim}_only", horizon_days=15)).summary()
        assert s[f"n_{dim}"] > 0
        others = [a for a in ("sabotage", "cyber", "disinformation") if a != dim]
        assert all(s[f"n_{a}"] == 0 for a in others)


def test_cells_act_only_inside_the_synchronised_windows():
    model = run(load_config("hybrid_campaign", horizon_days=20))
    acting = np.flatnonzero(model._cell_acts.any(axis=0)) * model.dt
    assert acting.size
    assert np.all(((acting >= 48) & (acting < 120)) | ((acting >= 240) & (acting < 312)))


def test_more_sabotage_budget_never_lowers_expected_loss():
    means = []
    for scale in (0.5, 1.0, 3.0):
        cfg = load_config("sabotage_only", horizon_days=20)
        for cell in cfg.adversary.cells.values():
            cell.budget *= scale
        means.append(np.mean([run(cfg, replicate=r).summary()["total_loss"] for r in range(6)]))
    assert means[0] <= means[1] <= means[2]
    assert means[2] > means[0]


def test_a_detected_cell_stops_acting():
    cfg = load_config("sabotage_only", horizon_days=20)
    for cell in cfg.adversary.cells.values():
        cell.detection = {"sabotage": 1.0}
    model = run(cfg)
    s = model.summary()
    assert s["n_sabotage"] == sum(c.cfg.capabilities.get("sabotage", 0) > 0 for c in model.cells)
    assert not any(c.active for c in model.cells if c.cfg.capabilities.get("sabotage", 0) > 0)


def test_perfect_protection_stops_every_sabotage():
    cfg = load_config("sabotage_only", horizon_days=15)
    for t in cfg.world.asset_types.values():
        t.protection = 1.0
    s = run(cfg).summary()
    assert s["n_sabotage"] > 0 and s["n_sabotage_success"] == 0 and s["total_loss"] == 0


def test_full_cyber_maturity_stops_every_intrusion():
    cfg = load_config("cyber_only", horizon_days=15)
    for op in cfg.world.operators.values():
        op.cyber_maturity = 1.0
    s = run(cfg).summary()
    assert s["n_cyber"] > 0 and s["n_cyber_success"] == 0 and s["total_loss"] == 0


def test_a_cyber_compromise_ends_after_its_restore_time_without_repair():
    cfg = load_config("cyber_only", horizon_days=30)
    model = run(cfg, replicate=1)
    assert model.summary()["n_cyber_success"] > 0
    assert np.all(model.assets.compromised_until <= model.hour)
    assert model.assets.working.all()


def test_choose_follows_the_weights():
    weights = np.array([0.0, 1.0, 3.0])
    picks = [choose(weights, u) for u in np.linspace(0, 0.999, 400)]
    assert 0 not in picks
    assert picks.count(2) == pytest.approx(300, abs=2)


def test_cells_are_mesa_agents():
    model = HybridThreatModel(load_config("hybrid_campaign", horizon_days=1), rng=0)
    cells = list(model.agents_by_type[AdversaryCell])
    assert {c.name for c in cells} == set(model.cfg.adversary.cells)


def test_a_compromise_spreads_to_linked_operators():
    def compromised_operators(spread):
        # every cell hacks with all its tempo (not the cyber part of the campaign)
        only_cyber = ["scenario.adversary_dimensions=[cyber]", "scenario.adversary_part=[]"]
        cfg = load_config("cyber_only", horizon_days=20, overrides=only_cyber)
        cfg.adversary.cyber.spread_probability = spread
        for op in cfg.world.operators.values():
            op.cyber_maturity = 0.0
        model = run(cfg, replicate=3)
        hit = {d.split(": ", 1)[0] for _, k, _, d in model.events if k == "compromised"}
        return model, hit

    model, alone = compromised_operators(0.0)
    _, spread = compromised_operators(1.0)
    assert alone < spread  # the same intrusions, plus every linked operator
    names = model.world.operators.names
    for op in spread - alone:
        assert any(model.script.operator_links[names.index(op), names.index(a)] for a in alone)
