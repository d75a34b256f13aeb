"""Mitigation levers: each lowers the loss of the dimension it targets on paired replicates;
packages cost the sum of their levers (annualised: investment over its lifetime plus running
cost); strengths and costs have ordered plausible ranges; a lever starting on day 30 changes
nothing before."""

import copy
import functools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from abm import HybridThreatModel, load_config
from abm.config import WindowConfig
from abm.errors import ConfigError
from abm.levers import LEVERS
from abm.mitigation import (
    annualised_cost,
    annualised_cost_range,
    cost_columns,
    package_cost,
    package_cost_range,
)
from abm.results import events_table, timeseries_table
from abm.validation import validate

REPLICATES = 8
MITIGATIONS = sorted(
    p.stem for p in (Path(__file__).parents[1] / "configs" / "mitigation").glob("*.yaml")
)


@functools.cache
def _composed(scenario, mitigation, horizon_days):
    keywords = {} if horizon_days is None else {"horizon_days": horizon_days}
    return load_config(scenario, overrides=[f"mitigation={mitigation}"], **keywords)


def config(scenario=None, mitigation="none", horizon_days=None):
    """A fresh copy of the composed config: composing costs more than a short run, and several
    tests compose the same one."""
    return copy.deepcopy(_composed(scenario, mitigation, horizon_days))


@functools.cache
def _summaries(scenario, mitigation, horizon_days):
    """The summaries of one arm's replicates, run once per module: several tests compare the
    same arm (the no-mitigation arm of a scenario, or one lever) on different outcomes."""
    cfg = config(scenario, mitigation, horizon_days=horizon_days)
    out = []
    for r in range(REPLICATES):
        model = HybridThreatModel(cfg, rng=11, replicate=r)
        model.run_model()
        out.append(model.summary())
    return tuple(out)


def arm(scenario, mitigation, metric="total_loss", horizon_days=20):
    return np.array([s[metric] for s in _summaries(scenario, mitigation, horizon_days)])


LEVER_TARGETS = {
    # lever: (scenario of the dimension it targets, outcome it should lower)
    "hardening": ("sabotage_only", "n_sabotage_success"),
    "backup_power": ("cyber_only", "total_loss"),
    "cyber_hygiene": ("cyber_only", "total_loss"),
    "repair_capacity": ("sabotage_only", "total_loss"),
    "household_stockpiles": ("hybrid_campaign", "unmet_need_person_hours"),
    "strategic_stockpiles": ("hybrid_campaign", "total_loss"),
    "prebunking": ("disinformation_only", "peak_belief"),
    "intelligence": ("hybrid_campaign", "total_loss"),
    "strategic_communication": ("disinformation_only", "peak_belief"),
    "legal_framework": ("hybrid_campaign", "decision_activation_h"),
    "civil_contracts": ("regional_blackout", "total_loss"),
    "counter_drone": ("most_likely_enemy", "total_loss"),
}


@pytest.mark.slow
@pytest.mark.parametrize("lever", list(LEVER_TARGETS))
def test_each_lever_lowers_the_loss_it_targets(lever):
    scenario, metric = LEVER_TARGETS[lever]
    base = arm(scenario, "none", metric)
    treated = arm(scenario, lever, metric)
    assert treated.mean() < base.mean()


def test_hardening_also_lowers_sabotage_loss():
    assert arm("sabotage_only", "hardening").mean() < arm("sabotage_only", "none").mean()


def test_prebunking_lowers_disinformation_loss():
    base = arm("disinformation_only", "none")
    assert arm("disinformation_only", "prebunking").mean() < base.mean()


@pytest.mark.slow
def test_combined_lowers_total_loss_on_paired_replicates():
    base = arm("hybrid_campaign", "none")
    combined = arm("hybrid_campaign", "combined")
    assert combined.mean() < base.mean()
    assert np.sum(combined <= base) >= REPLICATES - 1


def test_a_package_costs_the_sum_of_its_levers():
    combined = config(mitigation="combined").mitigation
    names = sorted(set(MITIGATIONS) - {"none", "combined"})
    singles = [config(mitigation=name).mitigation for name in names]
    assert set(combined.levers) == set(names)
    assert package_cost(combined) == pytest.approx(sum(package_cost(m) for m in singles))
    low, high = package_cost_range(combined)
    assert low < package_cost(combined) < high
    assert package_cost(config().mitigation) == 0.0
    model = HybridThreatModel(config(mitigation="combined", horizon_days=1), rng=0)
    assert model.summary()["mitigation_cost_meur"] == pytest.approx(package_cost(combined))
    assert model.summary()["mitigation"] == "combined"


def test_costs_state_their_basis_and_annualise_over_the_lifetime():
    cfg = config(mitigation="combined")
    for name, lever in cfg.mitigation.levers.items():
        assert annualised_cost(lever) == pytest.approx(
            lever.investment_meur / lever.lifetime_years + lever.yearly_meur
        )
        low, high = annualised_cost_range(lever)
        assert 0 <= low <= annualised_cost(lever) <= high, name
        # every shipped lever states the bounds of its costs and a plausible range of strength
        assert lever.investment_low_meur <= lever.investment_meur <= lever.investment_high_meur
        assert lever.yearly_low_meur <= lever.yearly_meur <= lever.yearly_high_meur
        assert lever.strength_low < lever.strength < lever.strength_high, name
        assert LEVERS[lever.kind].range.allows(lever.strength_high), name
    columns = cost_columns(cfg.mitigation)
    levers = cfg.mitigation.levers.values()
    assert columns["mitigation_cost_meur"] == pytest.approx(package_cost(cfg.mitigation))
    assert columns["mitigation_investment_meur"] == pytest.approx(
        sum(lv.investment_meur for lv in levers)
    )
    assert columns["mitigation_yearly_meur"] == pytest.approx(sum(lv.yearly_meur for lv in levers))
    low, high = package_cost_range(cfg.mitigation)
    assert (columns["mitigation_cost_low_meur"], columns["mitigation_cost_high_meur"]) == (
        low,
        high,
    )
    assert cost_columns(config().mitigation) == dict.fromkeys(columns, 0.0)


@pytest.mark.parametrize(
    ("field", "value", "key"),
    [
        ("strength_low", 0.6, "strength_low"),  # above the strength (0.5)
        ("strength_high", 1.2, "strength_high"),  # outside hardening's range [0, 1]
        ("strength", 0.9, "strength_high"),  # outside the plausible range it ships with
        ("investment_low_meur", 500.0, "investment_low_meur"),
        ("yearly_high_meur", 1.0, "yearly_high_meur"),
    ],
)
def test_plausible_ranges_hold_their_values(field, value, key, hardening):
    cfg = copy.deepcopy(hardening)
    setattr(cfg.mitigation.levers["hardening"], field, value)
    with pytest.raises(ConfigError, match=f"mitigation.levers.hardening.{key}"):
        validate(cfg)


@pytest.fixture(scope="module")
def hardening():
    cfg = config(mitigation="hardening")
    validate(cfg)
    return cfg


def test_a_mitigation_starting_on_day_30_leaves_days_0_to_29_identical():
    start = 30 * 24
    runs = {}
    for mitigation in ("none", "combined"):
        cfg = config("hybrid_campaign", mitigation, horizon_days=40)
        for lever in cfg.mitigation.levers.values():
            lever.start_hour = start
        # a third strike window after the levers start, so that they have something to do
        cfg.scenario.adversary_windows.append(WindowConfig(start_hour=768, end_hour=864))
        model = HybridThreatModel(cfg, rng=4, replicate=1)
        model.run_model()
        runs[mitigation] = model
    ts = {k: timeseries_table(m).to_pandas() for k, m in runs.items()}
    before = {k: t[t.time_h < start].reset_index(drop=True) for k, t in ts.items()}
    pd.testing.assert_frame_equal(before["none"], before["combined"])
    ev = {k: events_table(m).to_pandas() for k, m in runs.items()}
    pd.testing.assert_frame_equal(
        ev["none"][ev["none"].time_h < start].reset_index(drop=True),
        ev["combined"][ev["combined"].time_h < start].reset_index(drop=True),
    )
    # and the mitigation does act afterwards
    assert not ts["none"].equals(ts["combined"])
    assert (ev["combined"].kind == "mitigation_start").sum() == len(MITIGATIONS) - 2


def test_every_arm_has_the_same_world():
    worlds = [
        HybridThreatModel(config(mitigation=m, horizon_days=1), rng=2, replicate=3).world
        for m in ("none", "combined")
    ]
    assert np.array_equal(worlds[0].capacity, worlds[1].capacity)
    assert np.array_equal(worlds[0].protection, worlds[1].protection)
