"""The plan's test as a scenario: the allied movement under the most likely enemy's campaign,
with host-nation support and drones over the military sites."""

import pytest

from abm import HybridThreatModel, load_config


@pytest.fixture(scope="module")
def run():
    cfg = load_config("steadfast_defender", horizon_days=6, dt_hours=2)
    model = HybridThreatModel(cfg, rng=5)
    model.run_model()
    return cfg, model


def test_it_is_the_most_likely_enemy_with_host_nation_support(run):
    cfg, model = run
    enemy = load_config("most_likely_enemy", horizon_days=6, dt_hours=2)
    assert cfg.scenario.adversary_phases == enemy.scenario.adversary_phases
    assert cfg.scenario.housed_troops == {"antwerp": 1800, "liege": 1200}
    s = model.summary()
    housed_days = (6 * 24 - 72) / 24
    assert s["hns_troop_days"] == pytest.approx(3000 * housed_days)
    assert 0 <= s["hns_days_delivered"] <= housed_days


def test_drones_close_the_military_sites(run):
    _, model = run
    closures = [detail for _, kind, _, detail in model.events if kind == "drone_closure"]
    assert any(d.startswith("air_base in limburg") for d in closures)  # Kleine-Brogel
    assert any(d.startswith("army_base in liege") for d in closures)  # Elsenborn
