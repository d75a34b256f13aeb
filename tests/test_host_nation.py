"""Host-nation support: housed troops and the institutions' surge add demand in the regions
that host them, and an outage there lowers the days of support delivered."""

import copy

import numpy as np
import pytest

from abm import HybridThreatModel, load_config
from abm.errors import ConfigError
from abm.host_nation import HostNation, per_soldier, water_share
from abm.sectors import SECTOR_INDEX, SECTORS
from abm.world import build_world

FOOD_WATER, HEALTH, ENERGY, TRANSPORT, TELECOM, FINANCE = (
    SECTOR_INDEX[s] for s in ("food_water", "health", "energy", "transport", "telecom", "finance")
)
#: Legal population on 1 January 2019 (Statbel), as in abm/data/regions_provinces.csv.
ANTWERP, BRUSSELS, HAINAUT = 1_857_986, 1_208_542, 1_344_241


@pytest.fixture(scope="module")
def short(peacetime):
    """A short peacetime config (2 h steps) and its province world."""
    cfg = peacetime(3)
    return cfg, build_world(cfg.world, np.random.default_rng(0))


def host(base, troops=None, **fields):
    """Host-nation support on ``base``'s world, with ``troops`` housed and ``fields`` set."""
    cfg, world = base
    cfg = copy.deepcopy(cfg)
    if troops is not None:
        cfg.scenario.housed_troops = troops
    for name, value in fields.items():  # the scenario's own fields, or host_nation's
        setattr(cfg.scenario if hasattr(cfg.scenario, name) else cfg.host_nation, name, value)
    return HostNation(cfg, world, 1.0)


def whole(hn):
    return np.ones_like(hn.demand)


def test_zero_troops_and_no_crisis_add_nothing(short):
    for hn in (host(short), host(short, {"antwerp": 0.0})):
        assert not hn.demand.any()
        hn.step(0.0, whole(hn), np.ones(short[1].n_assets, bool), surge=False)
        assert not hn.demand.any()
        assert hn.summary()["hns_troop_days"] == 0.0
        assert np.isnan(hn.summary()["hns_days_delivered"])


def test_housed_troops_raise_the_host_regions_demand_by_the_stated_amount(short):
    """1,800 troops in Antwerp: Grobbendonk at the peak of DEFENDER-Europe 20."""
    hn = host(short, {"antwerp": 1800.0})
    antwerp = short[1].regions.keys.index("antwerp")
    food_water = 0.5 * 1.0 + 0.5 * 25.0 / 163.0  # three meals; 25 L against 163 L; half each
    health = 0.02 / (6.7 / 365.0)  # contacts a day against a resident's
    energy = 15.0 * 10.0 / 101.0  # 15 L of fuel at 10 kWh/L against 101 kWh a day
    assert hn.demand[antwerp, FOOD_WATER] == pytest.approx(1800 * food_water / ANTWERP)
    assert hn.demand[antwerp, HEALTH] == pytest.approx(1800 * health / ANTWERP)
    assert hn.demand[antwerp, ENERGY] == pytest.approx(1800 * energy / ANTWERP)
    assert hn.demand[antwerp, TRANSPORT] == pytest.approx(1800 * 1.0 / ANTWERP)
    assert hn.demand[antwerp, TELECOM] == 0.0
    assert not np.delete(hn.demand, antwerp, axis=0).any()


def test_troops_arrive_at_their_hour(short):
    hn = host(short, {"liege": 1200.0}, housed_from_hour=48.0)
    assert not hn.demand.any()
    hn.step(
        46.0, whole(hn), np.ones(short[1].n_assets, bool), surge=False
    )  # demand for the step from hour 47
    assert not hn.demand.any() and hn.summary()["hns_troop_days"] == 0.0
    hn.step(47.0, whole(hn), np.ones(short[1].n_assets, bool), surge=False)
    assert hn.demand[short[1].regions.keys.index("liege"), FOOD_WATER] > 0.0


def test_the_institutions_surge_in_brussels_and_hainaut_only_in_a_crisis(short):
    hn = host(short)
    keys = short[1].regions.keys
    hn.step(0.0, whole(hn), np.ones(short[1].n_assets, bool), surge=True)
    brussels, hainaut = keys.index("brussels"), keys.index("hainaut")
    assert hn.demand[brussels, HEALTH] == pytest.approx((4000 + 40000) * 0.25 / BRUSSELS)
    assert hn.demand[hainaut, TELECOM] == pytest.approx(2850 * 0.25 / HAINAUT)
    assert not np.delete(hn.demand, [brussels, hainaut], axis=0).any()
    assert not hn.demand[:, FINANCE].any()
    hn.step(1.0, whole(hn), np.ones(short[1].n_assets, bool), surge=False)
    assert not hn.demand.any()
    assert not host(short, institution_surge=0.0).demand_at(0.0, surge=True).any()


def test_an_unknown_host_region_is_refused(short):
    with pytest.raises(ConfigError, match="housed_troops.atlantis"):
        host(short, {"atlantis": 10.0})
    with pytest.raises(ConfigError, match="host_nation.shape_place"):
        host(short, shape_place="atlantis")


def test_the_water_share_follows_the_sub_services(short):
    cfg = copy.deepcopy(short[0])
    assert water_share(cfg) == pytest.approx(0.5)
    cfg.sectors.subservices["drinking_water"].need_share = 0.25
    assert water_share(cfg) == pytest.approx(0.25 / 0.75)
    assert per_soldier(cfg.host_nation, 1.0)[FOOD_WATER] == pytest.approx(25.0 / 163.0)
    assert per_soldier(cfg.host_nation, 0.0)[FOOD_WATER] == pytest.approx(1.0)
    assert len(per_soldier(cfg.host_nation, 0.5)) == len(SECTORS)


def delivered(cfg):
    """A run with host-nation support counted from the model's service step by step."""
    model = HybridThreatModel(cfg, rng=1)
    hn = HostNation(model.cfg, model.world, model.dt)
    for _ in range(model.n_steps):
        model.step()
        hn.step(model.hour, 1.0 - model.sectors.inoperability, model.assets.working, surge=False)
    return hn.summary()


def test_an_outage_in_the_host_region_lowers_the_days_of_support_delivered(short):
    """1,200 troops at Camp Elsenborn (liege) for 3 days; Liège loses its grid at hour 30."""
    quiet_cfg = copy.deepcopy(short[0])
    quiet_cfg.scenario.housed_troops = {"liege": 1200.0}
    quiet = delivered(quiet_cfg)
    assert quiet["hns_troop_days"] == pytest.approx(1200 * 3.0)
    assert quiet["hns_days_delivered"] == pytest.approx(3.0)  # every day delivered
    blackout = delivered(
        load_config(
            "regional_blackout",
            horizon_days=3,
            dt_hours=2,
            overrides=["++scenario.housed_troops={liege: 1200}"],  # the scenario option
        )
    )
    assert blackout["hns_troop_days"] == pytest.approx(1200 * 3.0)
    assert blackout["hns_days_delivered"] < 3.0 - 0.5  # at least half a day without support


def test_a_camp_closed_by_drones_houses_no_one_while_it_is_closed(peacetime):
    """1,200 troops at Camp Elsenborn, the only army_base in Liège, for 3 days; drones close it
    for 12 h (as on 2-3 October 2025): half a day of support is not delivered."""
    from abm.config import DroneIncursionConfig

    cfg = peacetime(3)
    cfg.scenario.housed_troops = {"liege": 1200.0}
    model = HybridThreatModel(cfg, rng=1)
    assert model.host_nation.quarters[model.world.regions.keys.index("liege")].size == 1
    model.run_model()
    assert model.summary()["hns_days_delivered"] == pytest.approx(3.0)
    cfg.scenario.drone_incursions = [
        DroneIncursionConfig(at_hour=24, hours=12, region="liege", asset_type="army_base")
    ]
    model = HybridThreatModel(cfg, rng=1)
    model.run_model()
    assert model.summary()["hns_days_delivered"] == pytest.approx(2.5, abs=2 / 24)
