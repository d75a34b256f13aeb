"""Honest levers: each lever says whether its mechanism engaged in a replicate, so that a lever
whose stock nobody needed, or whose crews were never the bottleneck, is reported as "never
engaged" instead of as an effect of zero.

Configs are composed once per module (composing costs more than a short run) and the levers are
copied in from the combined package.
"""

import copy

import numpy as np
import pytest

from abm import HybridThreatModel, load_config
from abm.config import RunConfig
from abm.levers import LEVER_KINDS, LEVERS, engagement


@pytest.fixture(scope="module")
def composed() -> dict[str, RunConfig]:
    """The most likely enemy over 10 days (crews are never the bottleneck there), a grid shock
    with a fast decision (measures active within hours, crews short: six substations and a data
    centre down at once, none waiting for parts), and the combined package (every lever)."""
    return {
        "mle": load_config("most_likely_enemy", horizon_days=10),
        "grid": load_config(
            "grid_shock",
            horizon_days=2,
            # every damaged substation repairable at once (no long-lead item to wait for)
            overrides=[
                "responders.decision_delay_hours=1",
                "world.asset_types.substation.long_lead_probability=0",
            ],
        ),
        "combined": load_config(overrides=["mitigation=combined"]),
    }


def run(composed: dict[str, RunConfig], scenario: str, *kinds: str, **changes) -> HybridThreatModel:
    """A replicate of ``scenario`` with the levers of ``kinds`` (as in the combined package;
    ``changes`` set fields of every one of them), run to the end."""
    cfg = copy.deepcopy(composed[scenario])
    levers = copy.deepcopy(composed["combined"].mitigation.levers)
    cfg.mitigation.levers = {kind: levers[kind] for kind in kinds}
    cfg.mitigation.name = "+".join(kinds) or "none"
    for lever in cfg.mitigation.levers.values():
        for name, value in changes.items():
            setattr(lever, name, value)
    model = HybridThreatModel(cfg, rng=0)
    model.run_model()
    return model


@pytest.fixture(scope="module")
def alone(composed) -> dict[str, dict[str, bool | None]]:
    """Per lever kind, the flags of a package of that lever alone on the most likely enemy."""
    return {kind: engagement(run(composed, "mle", kind)) for kind in LEVER_KINDS}


def test_every_lever_says_when_it_engages():
    for kind, lever in LEVERS.items():
        assert callable(lever.engaged), kind
        assert len(lever.engaged_when.split()) >= 8, kind


def test_without_levers_no_flag_is_set(composed):
    assert engagement(run(composed, "mle")) == dict.fromkeys(LEVER_KINDS)


@pytest.mark.parametrize("kind", LEVER_KINDS)
def test_a_lever_alone_flags_its_own_kind_and_no_other(kind, alone):
    flags = alone[kind]
    assert isinstance(flags[kind], bool)
    assert all(flag is None for other, flag in flags.items() if other != kind)


def test_levers_that_only_add_to_other_measures_never_engage_alone(alone):
    # nothing to release, counter-message or crew earlier; crews are never the bottleneck
    assert alone["legal_framework"]["legal_framework"] is False
    assert alone["civil_contracts"]["civil_contracts"] is False
    # while levers with a mechanism of their own do, in the same campaign
    assert alone["hardening"]["hardening"] and alone["intelligence"]["intelligence"]


def test_civil_contracts_engage_when_crews_are_the_bottleneck(composed):
    model = run(composed, "grid", "civil_contracts")
    assert engagement(model)["civil_contracts"] is True
    ops = model.operators
    assert np.any(ops.busy_peak > ops.standing_crews)  # surge crews worked
    assert np.isfinite(ops.surge_used_from)
    assert engagement(run(composed, "grid", "legal_framework"))["legal_framework"] is False


def test_the_legal_framework_engages_when_it_brings_a_measure_forward(composed):
    model = run(composed, "mle", "legal_framework", "strategic_communication")
    cc = model.crisis_centre
    assert cc.activation_hour < cc.unaided_activation_hour
    assert float(model.responses.messaging_from) < cc.unaided_activation_hour
    flags = engagement(model)
    assert flags["legal_framework"] is True and flags["strategic_communication"] is True


def test_backup_and_crews_engage_beyond_what_was_built(composed):
    model = run(composed, "grid", "backup_power", "repair_capacity")
    flags = engagement(model)
    assert flags["backup_power"] is True and flags["repair_capacity"] is True
    w = model.world
    assert np.any(model.assets.backup_drawn > w.need_backup_hours)
    # without the levers, backups never run deeper than built
    base = run(composed, "grid")
    assert np.all(base.assets.backup_drawn <= w.need_backup_hours + 1e-9)
    assert not base.operators.early_repairs.any()


def test_a_lever_that_cannot_act_never_engages(composed):
    weak = run(composed, "mle", "hardening", strength=0.0, strength_low=None, strength_high=None)
    assert engagement(weak)["hardening"] is False
    late = run(composed, "mle", "hardening", "intelligence", start_hour=1000.0)
    assert engagement(late) == {
        **dict.fromkeys(LEVER_KINDS),
        "hardening": False,
        "intelligence": False,
    }
