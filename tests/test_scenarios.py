"""Scenario invariants and directions, in expectation over paired replicates."""

from pathlib import Path

import numpy as np
import pytest

from abm import SECTORS, HybridThreatModel, load_config
from abm.interdependency import load_interdependency

SCENARIOS = sorted(p.stem for p in (Path(__file__).parents[1] / "configs/scenario").glob("*.yaml"))


def run(cfg, seed, replicate=0):
    model = HybridThreatModel(cfg, rng=seed, replicate=replicate)
    model.run_model()
    return model


def test_peacetime_loses_nothing_anywhere():
    model = run(load_config("peacetime"), seed=0)  # the full 60 days
    summary = model.summary()
    assert all(summary[f"loss_{s}"] == 0.0 for s in SECTORS)
    assert summary["total_loss"] == 0.0
    assert model.assets.working.all()
    assert not [e for e in model.events if e[1] in ("shock", "failure", "compromised")]
    assert np.all(model.recorded_service == 1.0)


def test_grid_shock_hits_energy_and_the_sectors_that_depend_on_it():
    table = load_interdependency()
    model = run(load_config("grid_shock", horizon_days=20), seed=1)
    s = model.summary()
    assert s["loss_energy"] > 0
    dependants = [
        SECTORS[i]
        for i in range(len(SECTORS))
        if table.kind[i, SECTORS.index("energy")] == "physical" and SECTORS[i] != "energy"
    ]
    assert any(s[f"loss_{d}"] > 0 for d in dependants)
    # the shock is local: regions far from Antwerp keep full energy service
    luxembourg = model.world.regions.keys.index("luxembourg")
    assert np.all(model.recorded_service[:, luxembourg, SECTORS.index("energy")] == 1.0)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_shipped_scenario_runs_and_keeps_service_in_bounds(scenario):
    model = run(load_config(scenario, horizon_days=5), seed=2)
    assert np.all((model.recorded_service >= 0) & (model.recorded_service <= 1))
    assert np.all(model.loss >= 0)
    # never more than every dependent losing the whole horizon
    most = (model.recorder.national_dependents.max(axis=0) * 5 * 24) * (1 + 1e-9)
    assert np.all(model.loss <= most)


def test_more_sabotage_does_not_raise_service():
    """More substations lost (same seeds, same worlds) gives at least as much loss on average."""
    losses = {}
    for count in (2, 6, 12):
        cfg = load_config(
            "grid_shock", horizon_days=10, overrides=[f"scenario.shocks.0.count={count}"]
        )
        losses[count] = np.array(
            [run(cfg, seed=9, replicate=r).summary()["total_loss"] for r in range(4)]
        )
    assert losses[2].mean() <= losses[6].mean() <= losses[12].mean()
    assert losses[12].mean() > losses[2].mean()


def test_longer_backups_do_not_raise_loss():
    """Hospitals with more generator fuel lose no more health service (paired replicates)."""
    out = []
    for hours in (0, 72):
        cfg = load_config(
            "regional_blackout",
            horizon_days=8,
            overrides=[f"world.asset_types.hospital.needs.power.backup_hours={hours}"],
        )
        out.append(
            np.array([run(cfg, seed=4, replicate=r).summary()["loss_health"] for r in range(3)])
        )
    assert out[1].mean() < out[0].mean()


def test_more_crews_recover_faster():
    out = []
    for crews in (1, 10):
        cfg = load_config(
            "coastal_storm",
            horizon_days=10,
            overrides=[
                f"world.operators.distribution.crews={crews}",
                f"world.operators.telecom_operators.crews={crews}",
            ],
        )
        out.append(
            np.mean([run(cfg, seed=6, replicate=r).summary()["total_loss"] for r in range(3)])
        )
    assert out[1] < out[0]


def test_a_shock_after_the_horizon_changes_nothing():
    cfg = load_config("grid_shock", horizon_days=1)  # shocks land at hour 30
    assert run(cfg, seed=3).summary()["total_loss"] == 0.0
