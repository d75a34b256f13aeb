"""The couplings of a hybrid campaign: each acts in its direction when on, and does nothing
when off; with every coupling off the campaign is the sum of its parts (issue 21)."""

import copy
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from abm import HybridThreatModel, load_config
from abm.config import RunConfig
from abm.vocabulary import SECTOR_INDEX
from agents.operator import dispatch_crews, repair_slowdown, telecom_intrusion

TELECOM = SECTOR_INDEX["telecom"]
#: Short, coarse runs (2 h steps, no transit) of the campaign's first strike window (days 2-5):
#: the couplings' directions, not their sizes. Composing a config is the dear part, so each
#: test varies one composed config (:func:`variant`).
DAYS = 6
FAST = {"horizon_days": DAYS, "dt_hours": 2, "record_every_hours": 24}
OFF = ["transit.enabled=false", "couplings=none"]


@pytest.fixture(scope="module")
def campaign() -> RunConfig:
    """The hybrid campaign with every coupling off."""
    return load_config("hybrid_campaign", overrides=OFF, **FAST)


def variant(cfg: RunConfig, **couplings: dict[str, float | bool]) -> RunConfig:
    """A copy of ``cfg`` with the named couplings' fields set (``local_recruits={...}``)."""
    out = copy.deepcopy(cfg)
    for name, fields in couplings.items():
        for key, value in fields.items():
            setattr(getattr(out.couplings, name), key, value)
    return out


def run(
    cfg: RunConfig, replicate: int = 0, setup: Callable[[HybridThreatModel], None] | None = None
) -> HybridThreatModel:
    model = HybridThreatModel(cfg, rng=11, replicate=replicate)
    if setup is not None:
        setup(model)
    model.run_model()
    return model


# ------------------------------------------------------------------- switched off or null
def test_a_coupling_at_strength_zero_is_the_coupling_switched_off(campaign):
    """A coupling's strength is its only channel: at 0 the run is exactly the run without it
    (couplings=none), and switched off nothing of it is recorded."""
    off = run(campaign).summary()
    assert off["couplings"] == "none" and off["recruit_points"] == 0
    for coupling in ("cyber_slows_repair", "responder_load", "local_recruits"):
        null = run(variant(campaign, **{coupling: {"enabled": True, "strength": 0.0}})).summary()
        assert off.keys() == null.keys()
        for key, value in off.items():
            same = null[key] == value or (value != value and null[key] != null[key])
            assert same, (coupling, key)


# ------------------------------------------------------------------------ cyber_slows_repair
def test_the_repair_slowdown_is_one_plus_strength_times_the_telecom_intrusion_or_an_intruder(
    campaign,
):
    model = HybridThreatModel(campaign, rng=11)
    w = model.world
    telecom = np.zeros(w.regions.n)
    telecom[0] = 0.5
    intruded = np.zeros(w.operators.n, dtype=bool)
    intruded[w.asset_operator[-1]] = True
    inside = intruded[w.asset_operator]
    factor = repair_slowdown(telecom, intruded, w, strength=2.0)
    assert np.allclose(factor[(w.asset_region == 0) & ~inside], 2.0)
    assert np.allclose(factor[inside], 3.0)
    assert np.allclose(factor[(w.asset_region != 0) & ~inside], 1.0)
    # a step under the factor does 1 / factor of a step's work: the end moves back by the rest
    a, ops = model.assets, model.operators
    a.damage(np.array([0]), 0.0, np.array([10.0]), np.array([0.0]))
    ops.response_hours[:] = 0.0
    slow = np.ones(w.n_assets)
    slow[0] = 2.5
    started, _ = dispatch_crews(a, ops, w, hour=100.0, dt=1.0, slowdown=slow)
    assert list(started) == [0] and a.repair_end[0] == pytest.approx(110.0 + 0.6)
    dispatch_crews(a, ops, w, hour=101.0, dt=1.0, slowdown=None)
    assert a.repair_end[0] == pytest.approx(110.6)


def _intruders_everywhere(model: HybridThreatModel) -> None:
    model.operators.intruded_until[:] = np.inf


def _repairs(model: HybridThreatModel) -> list[tuple[float, float]]:
    """Per repair, in start order: the hours of work drawn and the hours it took."""
    started: dict[int, tuple[float, float]] = {}
    out = []
    for hour, kind, asset, detail in model.events:
        if kind == "repair_start":
            started[asset] = (hour, float(detail.split()[0]))
        elif kind == "repaired" and asset in started:
            start, work = started.pop(asset)
            out.append((work, hour + model.dt - start))
    return out


def test_with_an_intruder_in_every_operator_every_repair_is_slower_and_the_loss_higher(
    campaign,
):
    """The same campaign with intruders inside every operator: with the coupling every repair
    takes 1 + strength times its hours of work (to within a step), and the loss is higher on
    every replicate."""
    on = variant(campaign, cyber_slows_repair={"enabled": True, "strength": 1.0})
    for r in range(2):
        slow, fast = (run(c, r, _intruders_everywhere) for c in (on, campaign))
        repairs = np.array(_repairs(slow))
        assert len(repairs) > 0
        assert np.all(np.abs(repairs[:, 1] - 2.0 * repairs[:, 0]) <= 2 * slow.dt)
        plain = np.array(_repairs(fast))
        assert np.all(np.abs(plain[:, 1] - plain[:, 0]) <= fast.dt)
        assert slow.summary()["total_loss"] > fast.summary()["total_loss"]


def test_an_intruder_in_telecom_slows_the_search_for_cells_but_a_mere_outage_does_not(campaign):
    model = HybridThreatModel(variant(campaign, cyber_slows_repair={"enabled": True}), rng=11)
    strength = model.cfg.couplings.cyber_slows_repair.strength
    assert model.security_services.cyber_slowdown() == pytest.approx(1.0)
    model.sectors.inoperability[:, TELECOM] = 0.5  # an outage from lost power: no slowdown
    assert model.security_services.cyber_slowdown() == pytest.approx(1.0)
    w = model.world
    telecom_operators = np.unique(w.asset_operator[w.asset_sector == TELECOM])
    model.operators.intruded_until[telecom_operators] = 1e9  # every telecom operator intruded
    assert model.security_services.cyber_slowdown() == pytest.approx(1.0 + strength)
    assert telecom_intrusion(w, model.operators.intruded_until > 0).min() == 1.0
    off = HybridThreatModel(campaign, rng=11)
    off.operators.intruded_until[telecom_operators] = 1e9
    assert off.security_services.cyber_slowdown() == 1.0


# ---------------------------------------------------------------------------- responder_load
def test_simultaneous_incidents_delay_the_crisis_centres_decision(campaign):
    """On the same seeds the run is the same until the first activation, so with the coupling
    the decision is never earlier, and it is later where incidents pile up."""
    on = variant(campaign, responder_load={"enabled": True})
    loaded, unloaded = [], []
    for r in range(3):
        a, b = run(on, r), run(campaign, r)
        assert a.crisis_centre.incidents(1e9) >= 1
        loaded.append(a.crisis_centre.activation_hour or np.inf)
        unloaded.append(b.crisis_centre.activation_hour or np.inf)
    assert np.all(np.array(loaded) >= unloaded) and np.any(np.array(loaded) > unloaded)


# ---------------------------------------------------------------------------- local_recruits
def _trust_falls(model: HybridThreatModel) -> None:
    model.people.state.trust -= 0.1


def test_cells_recruit_where_trust_has_fallen_and_the_recruits_sabotage(campaign):
    """Where trust has fallen, active saboteur cells gain recruits who sabotage when the cell
    acts: on the same seeds, more sabotage and more loss on average; without the coupling no
    recruit. In a part of the campaign without sabotage, recruits sabotage nothing."""
    on = variant(campaign, local_recruits={"enabled": True})
    with_, without = [], []
    for r in range(3):
        with_.append(run(on, r, _trust_falls).summary())
        without.append(run(campaign, r, _trust_falls).summary())
        assert without[-1]["recruit_points"] == 0 and without[-1]["n_recruit_sabotage"] == 0
    assert all(s["recruit_points"] > 0 for s in with_)
    assert sum(s["n_recruit_sabotage"] for s in with_) > 0
    assert np.mean([s["total_loss"] for s in with_]) > np.mean([s["total_loss"] for s in without])
    part = copy.deepcopy(on)
    part.scenario.adversary_part = ["cyber"]
    cyber = run(part, 0, _trust_falls).summary()
    assert cyber["recruit_points"] > 0 and cyber["n_recruit_sabotage"] == 0


# ------------------------------------------------------------- the synergy without couplings
PARTS = {
    "sabotage": "sabotage_only",
    "cyber": "cyber_only",
    "disinformation": "disinformation_only",
}
REPLICATES = 50


@pytest.fixture(scope="module")
def without_couplings() -> dict[str, pd.DataFrame]:
    """The campaign and its parts with every coupling off, 50 replicates on the same seeds.

    Days 2-5 hold the first strike window; 2 h steps and no transit keep 200 runs at ~20 s."""
    out = {}
    for scenario in ("hybrid_campaign", *PARTS.values()):
        cfg = load_config(
            scenario, overrides=OFF, horizon_days=5, dt_hours=2, record_every_hours=24
        )
        rows = []
        for r in range(REPLICATES):
            model = HybridThreatModel(cfg, rng=11, replicate=r)
            model.run_model()
            rows.append(model.summary())
        out[scenario] = pd.DataFrame(rows).set_index("replicate")
    return out


@pytest.mark.slow
def test_each_part_attempts_what_the_whole_campaign_attempts_in_its_dimension(
    without_couplings,
):
    """The synergy design: the parts are a true split of what the whole campaign does."""
    whole = without_couplings["hybrid_campaign"]
    for dimension, scenario in PARTS.items():
        part = without_couplings[scenario]
        col = f"n_{dimension}"
        assert whole[col].mean() > 0
        assert part[col].mean() == pytest.approx(whole[col].mean(), rel=0.05), dimension
        others = [f"n_{d}" for d in PARTS if d != dimension]
        assert part[others].to_numpy().sum() == 0  # the other parts' actions are not carried out


@pytest.mark.slow
def test_without_couplings_the_campaign_is_the_sum_of_its_parts(without_couplings):
    """Issue 21's done-when: with every coupling off (couplings=none), the campaign's synergy
    (its total loss minus the sum of its parts', paired by replicate) is within 2% of its loss,
    so what synergy there is with the couplings comes from them."""
    whole = without_couplings["hybrid_campaign"].total_loss
    parts = sum(without_couplings[s].total_loss for s in PARTS.values())
    synergy = (whole - parts).mean()
    assert whole.mean() > 0
    assert abs(synergy) <= 0.02 * whole.mean(), (synergy, whole.mean())
