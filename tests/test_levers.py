"""The lever registry: every lever is declared once, ships as a package of its own, and changes
the state it names, which the agents then show (no stale copies)."""

import copy
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import yaml

from abm import load_config
from abm.config import RunConfig
from abm.errors import ConfigError
from abm.levers import LEVERS, Range
from abm.model import HybridThreatModel
from abm.validation import validate
from abm.vocabulary import SECTOR_INDEX
from agents.operator import InfrastructureOperator
from agents.population import PopulationGroup

MITIGATIONS = Path(__file__).parents[1] / "configs" / "mitigation"

#: Per lever kind: a strength inside its range and targets (when it takes them) that name a
#: part of what it could change, so that "only the targets changed" can be checked.
SETTINGS = {
    "hardening": (0.5, ["substation"]),
    "backup_power": (24.0, ["telecom_node"]),
    "cyber_hygiene": (0.5, ["energy"]),
    "repair_capacity": (1.0, ["telecom"]),
    "household_stockpiles": (48.0, ["food_water"]),
    "strategic_stockpiles": (3.0, ["energy"]),
    "prebunking": (0.36, ["vulnerable"]),
    "territorial_reserve": (20.0, []),
    "intelligence": (0.01, []),
    "strategic_communication": (0.5, []),
    "legal_framework": (0.5, []),
    "civil_contracts": (1.0, []),
    "counter_drone": (0.5, ["air_base"]),
}


@pytest.fixture(scope="module")
def composed() -> tuple[RunConfig, RunConfig]:
    """A short grid shock with a fast decision (measures active from hour 31), and the combined
    package (every lever): composed once, since composing costs more than running."""
    # an alert at a 0.5% fall of national service (the default 1% is the size of this shock,
    # so whether it fires would depend on the world drawn)
    fast = ["responders.decision_delay_hours=1", "responders.alert_service=0.995"]
    cfg = load_config("grid_shock", horizon_days=2, overrides=fast)
    combined = load_config(overrides=["mitigation=combined"])
    return cfg, combined


def with_lever(composed: tuple[RunConfig, RunConfig], kind: str | None, **values) -> RunConfig:
    """The grid shock with one lever of ``kind`` (or none) as SETTINGS (or ``values``) say."""
    cfg, combined = copy.deepcopy(composed)
    cfg.mitigation.name = kind or "none"
    cfg.mitigation.levers = {}
    if kind is not None:
        (lever,) = [lv for lv in combined.mitigation.levers.values() if lv.kind == kind]
        lever.strength, lever.targets = SETTINGS[kind]
        lever.strength_low = lever.strength_high = None  # the plausible range is the strength
        for name, value in values.items():
            setattr(lever, name, value)
        cfg.mitigation.levers = {kind: lever}
    return cfg


def build(composed: tuple[RunConfig, RunConfig], kind: str | None) -> HybridThreatModel:
    """The model with one lever of ``kind`` (or none), stepped to the end."""
    model = HybridThreatModel(with_lever(composed, kind), rng=0)
    model.run_model()
    assert model.crisis_centre.active
    return model


def operators(model: HybridThreatModel) -> list[InfrastructureOperator]:
    return list(model.agents_by_type[InfrastructureOperator])


def changed(after: np.ndarray, before: np.ndarray) -> np.ndarray:
    return np.flatnonzero(np.any((after != before).reshape(len(after), -1), axis=1))


def check_hardening(m: HybridThreatModel, base: HybridThreatModel) -> None:
    for op in operators(m):
        np.testing.assert_array_equal(op.protection, m.assets.protection[op.assets])
    w = m.world
    substations = np.flatnonzero(w.asset_type == w.type_names.index("substation"))
    np.testing.assert_array_equal(changed(m.assets.protection, base.assets.protection), substations)


def check_backup_power(m: HybridThreatModel, base: HybridThreatModel) -> None:
    w = m.world
    for op in operators(m):
        np.testing.assert_array_equal(
            op.backup_hours, m.assets.backup_capacity[np.isin(w.need_asset, op.assets)]
        )
    power_needs = np.flatnonzero(
        (w.need_resource == w.resource_names.index("power"))
        & (w.asset_type[w.need_asset] == w.type_names.index("telecom_node"))
    )
    np.testing.assert_array_equal(
        changed(m.assets.backup_capacity, base.assets.backup_capacity), power_needs
    )


def _operator_check(attribute: str, sector: str) -> Callable:
    def check(m: HybridThreatModel, base: HybridThreatModel) -> None:
        state = getattr(m.operators, attribute)
        for op in operators(m):
            assert getattr(op, attribute) == state[op.index]
        in_sector = np.flatnonzero(m.world.operators.sector == SECTOR_INDEX[sector])
        np.testing.assert_array_equal(changed(state, getattr(base.operators, attribute)), in_sector)

    return check


def check_repair_capacity(m: HybridThreatModel, base: HybridThreatModel) -> None:
    _operator_check("crews", "telecom")(m, base)
    _operator_check("response_hours", "telecom")(m, base)


def check_household_stockpiles(m: HybridThreatModel, base: HybridThreatModel) -> None:
    state = m.people.state
    for group in m.agents_by_type[PopulationGroup]:
        assert list(group.stock_capacity.values()) == state.stock_capacity[group.index].tolist()
        assert list(group.stocks.values()) == state.stocks[group.index].tolist()
    columns = changed(state.stock_capacity.T, base.people.state.stock_capacity.T)
    assert columns.tolist() == [SECTOR_INDEX["food_water"]]


def check_strategic_stockpiles(m: HybridThreatModel, base: HybridThreatModel) -> None:
    cc, res = m.crisis_centre, m.responses
    np.testing.assert_array_equal(cc.stockpile, res.stockpile)
    np.testing.assert_array_equal(cc.released, res.released)
    np.testing.assert_array_equal(cc.stock_left, res.stock_left)
    energy = SECTOR_INDEX["energy"]
    assert changed(res.stockpile, base.responses.stockpile).tolist() == [energy]
    assert res.stockpile[energy] == 3.0 * 24  # days of fuel for every backup generator
    # a stock is never spare capacity: no sector's capacity factor moves
    np.testing.assert_array_equal(m.sectors.capacity_factor, base.sectors.capacity_factor)


def check_prebunking(m: HybridThreatModel, base: HybridThreatModel) -> None:
    g = m.people.groups
    reached = [group.prebunked > 0 for group in m.agents_by_type[PopulationGroup]]
    vulnerable = g.cohort == g.cohort_names.index("vulnerable")
    assert reached == vulnerable.tolist()
    assert not any(group.prebunked for group in base.agents_by_type[PopulationGroup])


def check_territorial_reserve(m: HybridThreatModel, base: HybridThreatModel) -> None:
    d = m.defence
    assert d.guard_capacity == int(m.responses.guard_capacity) == base.defence.guard_capacity + 20
    np.testing.assert_array_equal(d.guarded, np.flatnonzero(m.assets.guarded))
    assert len(d.guarded) == d.guard_capacity


def check_intelligence(m: HybridThreatModel, base: HybridThreatModel) -> None:
    s = m.security_services
    assert s.find_rate == float(m.responses.find_rate) == base.security_services.find_rate + 0.01


def check_strategic_communication(m: HybridThreatModel, base: HybridThreatModel) -> None:
    sc = m.strategic_communication
    assert sc.counter_messaging == float(m.responses.counter_messaging) == 0.5
    assert base.strategic_communication.counter_messaging == 0.0
    assert m.people.stifling_multiplier == 1.5  # measures are active: in force


def check_legal_framework(m: HybridThreatModel, base: HybridThreatModel) -> None:
    cc = m.crisis_centre
    assert cc.decision_delay_hours == pytest.approx(0.5 * base.crisis_centre.decision_delay_hours)
    assert cc.decision_delay_hours == pytest.approx(
        m.cfg.responders.decision_delay_hours * float(m.responses.delay_factor)
    )


def check_civil_contracts(m: HybridThreatModel, base: HybridThreatModel) -> None:
    assert m.crisis_centre.surge_share == float(m.responses.surge_share) == 1.0
    ops = operators(m)
    for op in ops:  # called at activation: as many surge crews as standing crews
        assert op.surge_crews == m.operators.surge_crews[op.index] == op.crews // 2
        assert op.crews == m.operators.crews[op.index]
    assert not base.operators.surge_crews.any()


def check_counter_drone(m: HybridThreatModel, base: HybridThreatModel) -> None:
    w = m.world
    air_bases = np.flatnonzero(w.asset_type == w.type_names.index("air_base"))
    np.testing.assert_array_equal(changed(m.assets.drone_cut, base.assets.drone_cut), air_bases)
    assert np.all(m.assets.drone_cut[air_bases] == 0.5)


CHECKS = {
    "hardening": check_hardening,
    "backup_power": check_backup_power,
    "cyber_hygiene": _operator_check("cyber_maturity", "energy"),
    "repair_capacity": check_repair_capacity,
    "household_stockpiles": check_household_stockpiles,
    "strategic_stockpiles": check_strategic_stockpiles,
    "prebunking": check_prebunking,
    "territorial_reserve": check_territorial_reserve,
    "intelligence": check_intelligence,
    "strategic_communication": check_strategic_communication,
    "legal_framework": check_legal_framework,
    "civil_contracts": check_civil_contracts,
    "counter_drone": check_counter_drone,
}


@pytest.fixture(scope="module")
def baseline(composed) -> HybridThreatModel:
    return build(composed, None)


def test_every_registered_lever_is_checked():
    assert set(CHECKS) == set(LEVERS) == set(SETTINGS)


@pytest.mark.parametrize("kind", list(LEVERS))
def test_a_lever_changes_its_targets_and_the_agents_show_the_state(kind, composed, baseline):
    CHECKS[kind](build(composed, kind), baseline)


@pytest.mark.parametrize("kind", list(LEVERS))
def test_each_lever_ships_as_a_package_of_its_own(kind):
    package = yaml.safe_load((MITIGATIONS / f"{kind}.yaml").read_text())
    assert package["name"] == kind
    assert [lever["kind"] for lever in package["levers"].values()] == [kind]


def test_every_shipped_lever_is_registered(composed):
    for path in MITIGATIONS.glob("*.yaml"):
        levers = yaml.safe_load(path.read_text()).get("levers") or {}
        for name, lever in levers.items():
            assert lever["kind"] in LEVERS, f"{path.name}: {name}"
    assert {lv.kind for lv in composed[1].mitigation.levers.values()} == set(LEVERS)


def test_a_lever_outside_its_range_is_refused(composed):
    for kind, entry in LEVERS.items():
        bad = entry.range.high + 1 if np.isfinite(entry.range.high) else -1.0
        with pytest.raises(ConfigError, match=f"mitigation.levers.{kind}.strength"):
            validate(with_lever(composed, kind, strength=bad))


def test_targets_and_fields_a_lever_does_not_read_are_refused(composed):
    with pytest.raises(ConfigError, match="takes no targets"):
        validate(with_lever(composed, "intelligence", targets=["energy"]))
    with pytest.raises(ConfigError, match="only prebunking read it"):
        validate(with_lever(composed, "hardening", reach=0.5))


def test_ranges_say_what_they_allow():
    share = Range(0.0, 1.0, high_open=True)
    assert share.allows(0.0) and share.allows(0.99) and not share.allows(1.0)
    assert not Range().allows(float("nan")) and not Range().allows(True)
    assert str(share) == "[0, 1)" and str(Range()) == ">= 0"
