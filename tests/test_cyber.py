"""Cyber attacks: the intrusion (an intruder inside until eviction) is separate from its effect
on service (by asset type: an outage, manual operation after a switch-over, degraded operation;
ransomware: encryption until restored), and a compromise spreads only along IT links."""

import numpy as np
import pytest
from scipy.special import ndtri

from abm import HybridThreatModel, load_config
from abm.config import ShockConfig
from abm.cyber import it_links
from abm.errors import ConfigError
from abm.vocabulary import SECTOR_INDEX

AT = 5.0  # hour the scripted attacks land


def attacked(shock: ShockConfig, *overrides: str, days: int = 2) -> HybridThreatModel:
    """A quiet province world with one scripted attack, ready to step."""
    cfg = load_config(
        "peacetime", horizon_days=days, record_every_hours=1, overrides=list(overrides)
    )
    cfg.scenario.shocks = [shock]
    return HybridThreatModel(cfg, rng=3)


def step_to(model: HybridThreatModel, hour: float) -> None:
    """Run the steps up to and including the one starting at ``hour``."""
    while model.hour < hour or model.steps == 0:
        model.step()


def hit(model: HybridThreatModel) -> np.ndarray:
    """The assets the scripted attack reached."""
    return np.flatnonzero(model.assets.compromised_until >= AT)


def test_service_returns_while_the_intruder_is_still_inside():
    shock = ShockConfig(
        at_hour=AT, kind="cyber", region="luxembourg", asset_type="telecom_node", probability=1.0
    )
    model = attacked(
        shock,
        "adversary.cyber.dwell_median_hours=2000",
        "adversary.cyber.dwell_sigma=0",
        "world.asset_types.telecom_node.cyber.restore_median_hours=6",
        "world.asset_types.telecom_node.cyber.restore_sigma=0",
        days=3,
    )
    region = list(model.world.regions.keys).index("luxembourg")
    telecom = SECTOR_INDEX["telecom"]
    full = model.network.capacity(model.assets, model.sectors)[region, telecom]
    model.run_model()
    targets = hit(model)
    assert targets.size and np.allclose(model.assets.compromised_until[targets], AT + 6)
    owners = np.unique(model.world.asset_operator[targets])
    assert np.allclose(model.operators.intruded_until[owners], AT + 2000)
    assert model.network.capacity(model.assets, model.sectors)[region, telecom] == full
    # the province's telecom service collapsed, and was back (99.9%) long before the eviction
    service = model.recorded_service[:, region, telecom]
    hours = model.recorded_hours
    assert service[hours >= AT].min() < 0.5
    back = hours[(hours > AT + 6) & (service > 0.999)]
    assert back.size and back[0] < model.operators.intruded_until[owners].min()
    assert model.assets.working.all()
    kinds = {kind for _, kind, _, _ in model.events}
    assert {"intrusion", "compromised"} <= kinds and "shock" not in kinds


def test_manual_mode_is_a_full_outage_for_the_switchover_then_manual_capacity():
    shock = ShockConfig(at_hour=AT, kind="cyber", region="namur", asset_type="substation", count=3)
    model = attacked(
        shock,
        "world.asset_types.substation.cyber.switchover_hours=4",
        "world.asset_types.substation.cyber.manual_capacity=0.5",
        "world.asset_types.substation.cyber.restore_median_hours=20",
        "world.asset_types.substation.cyber.restore_sigma=0",
    )
    quiet = attacked(ShockConfig(at_hour=1000, region="namur", asset_type="substation", count=1))
    region = list(model.world.regions.keys).index("namur")
    energy = SECTOR_INDEX["energy"]

    def energy_capacity(m: HybridThreatModel) -> float:
        return float(m.network.capacity(m.assets, m.sectors)[region, energy])

    step_to(model, AT)
    step_to(quiet, AT)
    targets = hit(model)
    assert len(targets) == 3
    assert np.allclose(model.assets.compromised_until[targets], AT + 4)
    assert np.allclose(model.assets.degraded_until[targets], AT + 20)
    assert not model.assets.working[targets].any()
    step_to(model, AT + 4)  # the switch-over is over: manual operation at half capacity
    step_to(quiet, AT + 4)
    assert model.assets.working[targets].all()
    assert np.allclose(model.assets.degraded_capacity[targets], 0.5)
    w = model.world
    lost = 0.5 * w.capacity[targets].sum() * model.sectors.capacity_factor[energy]
    assert energy_capacity(quiet) - energy_capacity(model) == pytest.approx(lost)
    step_to(model, AT + 20)  # automatic operation is back: full capacity
    step_to(quiet, AT + 20)
    assert np.allclose(model.assets.degraded_capacity[targets], 1.0)
    assert energy_capacity(model) == pytest.approx(energy_capacity(quiet))


def test_degrade_mode_never_takes_an_asset_out_of_the_supply_graph():
    shock = ShockConfig(
        at_hour=AT, kind="cyber", region="brussels", asset_type="data_centre", probability=1.0
    )
    model = attacked(
        shock,
        "world.asset_types.data_centre.cyber.mode=degrade",
        "world.asset_types.data_centre.cyber.manual_capacity=0.3",
    )
    step_to(model, AT)
    targets = np.flatnonzero(model.assets.degraded_until > AT)
    assert targets.size
    assert np.all(model.assets.degraded_capacity[targets] == 0.3)
    while model.running:
        model.step()
        assert model.assets.working[targets].all()
        assert np.all(model.assets.compromised_until[targets] <= AT)
    assert not [e for e in model.events if e[1] == "failure" and e[2] in set(targets)]


def test_ransomware_is_an_outage_for_the_drawn_restore_time():
    shock = ShockConfig(
        at_hour=AT, kind="ransomware", region="antwerp", asset_type="hospital", count=4
    )
    model = attacked(shock, "adversary.cyber.ransomware_restore_median_hours=24", days=3)
    step_to(model, AT)
    targets = hit(model)
    assert len(targets) == 4
    # the draw, one uniform per asset from the hazard stream at the step (this shock's row)
    c = model.cfg.adversary.cyber
    u = model.streams.at_step("hazard", int(AT)).random((1, model.world.n_assets))[0]
    expected = c.ransomware_restore_median_hours * np.exp(
        c.ransomware_restore_sigma * ndtri(u[targets])
    )
    assert np.allclose(model.assets.compromised_until[targets] - AT, expected)
    assert np.all(model.assets.degraded_capacity[targets] == 1.0)  # encrypted: no part capacity
    ends = model.assets.compromised_until[targets]
    while model.running:
        model.step()
        assert np.array_equal(model.assets.working[targets], ends <= model.hour)
    assert model.assets.working[targets].any()  # some restored within the run


def test_the_adversary_encrypts_only_in_ransomware_sectors_for_the_restore_time():
    cfg = load_config("cyber_only", horizon_days=20)
    cell = cfg.adversary.cells["cyber_unit"]
    cell.budget, cell.strategy, cell.actions_per_day = 200, "random", 24
    cell.detection = {"cyber": 0.0}
    cfg.adversary.cyber.asset_share = 1.0
    cfg.adversary.cyber.ransomware_restore_sigma = 0.0
    cfg.adversary.cyber.spread_probability = 0.0
    model = HybridThreatModel(cfg, rng=11)
    model.run_model()
    w, median = model.world, cfg.adversary.cyber.ransomware_restore_median_hours
    ransom, other = set(), set()
    for _, kind, _, detail in model.events:
        if kind == "compromised":
            operator, rest = detail.split(": ", 1)
            sector = w.operators.sector[w.operators.names.index(operator)]
            (ransom if rest.startswith("ransomware") else other).add((sector, rest))
    assert ransom and other
    encrypted = {SECTOR_INDEX[s] for s in cfg.adversary.cyber.ransomware_sectors}
    assert {s for s, _ in ransom} <= encrypted
    assert not {s for s, _ in other} & encrypted
    assert all(f"outage {median:.0f} h" in rest for _, rest in ransom)


def test_a_compromise_spreads_only_along_it_links():
    only_cyber = ["scenario.adversary_dimensions=[cyber]", "scenario.adversary_part=[]"]
    cfg = load_config("cyber_only", horizon_days=20, overrides=only_cyber)
    cfg.adversary.cyber.spread_probability = 1.0
    for op in cfg.world.operators.values():
        op.cyber_maturity = 0.0
    model = HybridThreatModel(cfg, rng=11, replicate=3)
    model.run_model()
    names, family = model.world.operators.names, model.world.operators.family
    links = model.script.operator_links
    spread = []
    for _, kind, _, detail in model.events:
        if kind == "intrusion" and ": spread from " in detail:
            to, rest = detail.split(": spread from ", 1)
            source = rest.split(" (", 1)[0]
            spread.append((names.index(source), names.index(to)))
    assert spread  # every linked operator of a target is reached
    declared = {(f, g) for f, op in cfg.world.operators.items() for g in op.it_links}
    for a, b in spread:
        assert links[a, b]
        pair = (family[a], family[b])
        assert family[a] == family[b] or pair in declared or pair[::-1] in declared
    # an operator alone in its family with no IT link is never reached, however it is supplied
    alone = [
        i
        for i, f in enumerate(family)
        if family.count(f) == 1 and not links[i].any() and f not in {g for _, g in declared}
    ]
    assert alone and not {b for _, b in spread} & set(alone)


def test_it_links_are_declared_families_both_ways_and_within_a_family():
    cfg = load_config("peacetime", horizon_days=1)
    model = HybridThreatModel(cfg, rng=1)
    links, family = it_links(cfg, model.world), model.world.operators.family
    assert np.array_equal(links, links.T) and not links.diagonal().any()
    hospitals = [i for i, f in enumerate(family) if f == "hospital_networks"]
    assert links[np.ix_(hospitals, hospitals)].sum() == len(hospitals) * (len(hospitals) - 1)
    i, j = family.index("payment_processor"), family.index("banks")
    assert links[i, j] and links[j, i]
    # no supply link carries spread: substations power hospitals, but share no IT with them
    assert not links[family.index("distribution"), hospitals].any()


def test_an_effect_draw_depends_only_on_its_own_asset():
    model = HybridThreatModel(load_config("peacetime", horizon_days=1), rng=1)
    u = np.random.default_rng(0).random(model.world.n_assets)
    few = np.arange(0, model.world.n_assets, 7)
    all_ = np.arange(model.world.n_assets)
    alone = model.script.cyber.effect(few, u, model.script.cyber.ransom)
    among = model.script.cyber.effect(all_, u, model.script.cyber.ransom)
    for a, b in zip(alone, among, strict=True):
        assert np.array_equal(a, b[few])


def test_an_unknown_it_link_is_refused_naming_the_key():
    cfg = load_config("peacetime", horizon_days=1)
    cfg.world.operators["banks"].it_links = ["payment_processor", "nonexistent"]
    with pytest.raises(ConfigError, match=r"world\.operators\.banks\.it_links\[1\]"):
        HybridThreatModel(cfg, rng=1)
