"""Sub-services (abm/subservices.py): behaviours act on the right service, retailers restock,
sectors stay the need-weighted mean of their sub-services, and timeseries.parquet records them."""

import numpy as np
import pytest

from abm.api import load_config
from abm.errors import ConfigError
from abm.interdependency import step_subservices
from abm.model import HybridThreatModel
from abm.results import timeseries_table
from abm.subservices import SubserviceState, SubserviceStep, build_subservices
from abm.vocabulary import BEHAVIOURS, SECTOR_INDEX

FAST = ["dt_hours=2", "transit.enabled=false"]
FOOD_WATER, FINANCE = SECTOR_INDEX["food_water"], SECTOR_INDEX["finance"]


def run(scenario: str, *overrides: str, days: int = 4) -> HybridThreatModel:
    m = HybridThreatModel(
        scenario=scenario, rng=0, horizon_days=days, overrides=[*FAST, *overrides]
    )
    m.run_model()
    return m


@pytest.fixture(scope="module")
def panic() -> HybridThreatModel:
    """The March 2020 scenario: panic-buying narratives alone, nothing damaged."""
    return run("incident_march_2020", days=4)


def index(m: HybridThreatModel, name: str) -> int:
    return m.subservices.names.index(name)


def test_panic_buying_alone_raises_food_demand_and_leaves_tap_water_whole(panic):
    r, food, water = panic.recorder, index(panic, "food"), index(panic, "drinking_water")
    assert r.subservice_demand[:, food].max() > 1.5
    assert r.subservice_demand[:, water].max() == pytest.approx(1.0, abs=1e-12)
    assert np.all(r.subservice_service[:, :, water] == 1.0)
    # food runs short before the extra deliveries arrive, and the sector shows it
    assert r.subservice_service[:, :, food].min() < 0.95
    assert panic.recorded_service[:, :, FOOD_WATER].min() < 1.0


def test_a_bank_run_acts_on_cash_not_payments():
    m = run(
        "incident_march_2020",
        "scenario.narratives.0.behaviour=bank_run",
        "scenario.narratives.1.behaviour=bank_run",
        "population.behaviour.bank_run_gain=6",  # a run beyond the banks' 20% margin
        days=2,
    )
    r, cash, payments = m.recorder, index(m, "cash"), index(m, "payments")
    assert r.subservice_demand[:, cash].max() > 1.05
    assert r.subservice_demand[:, payments].max() == pytest.approx(1.0, abs=1e-12)
    cash_lost = 1.0 - r.subservice_service[:, :, cash].min()
    assert cash_lost > 1e-3
    # payments only feel the bank run through the A* loops of finance (second order)
    assert 1.0 - r.subservice_service[:, :, payments].min() < 0.05 * cash_lost
    food = index(m, "food")
    assert r.subservice_demand[:, food].max() == pytest.approx(1.0, abs=1e-12)


def test_restocking_raises_food_capacity_after_the_lag_up_to_the_ceiling():
    m = HybridThreatModel(scenario="peacetime", rng=0, horizon_days=1, overrides=FAST)
    subs = m.subservices
    food = index(m, "food")
    lag, ceiling = int(subs.restock_lag[food]), float(subs.restock_ceiling[food])
    assert lag == 12 and ceiling > 0  # 24 h at 2 h steps
    own = subs.capacity(m.world, m.assets, m.sectors.capacity_factor)
    working = own / m.sectors.capacity_factor[subs.sector]
    np.testing.assert_allclose(working, 1.0)
    state = SubserviceState.whole(m.world.regions.n, subs)
    excess = np.zeros_like(own)
    excess[:, food] = 0.3
    excess[0, food] = 5.0  # beyond the ceiling in the first region
    extra = []
    for step in range(lag + 2):
        state.restock(subs, step, own + excess, own, working)
        extra.append(state.extra.copy())
    assert all(not e.any() for e in extra[:lag])  # nothing extra before the lag
    np.testing.assert_allclose(extra[lag][1:, food], 0.3)
    assert extra[lag][0, food] == pytest.approx(ceiling)
    assert not np.delete(extra[lag], food, axis=1).any()  # only the food sub-service restocks


def test_restocking_lets_food_sales_exceed_the_chains_normal_capacity(panic):
    food = index(panic, "food")
    cap = 1.0 + panic.cfg.sectors.reserve_margin["food_water"]
    assert panic.recorder.subservice_sales[:, food].max() > cap + 0.1
    without = run("incident_march_2020", "sectors.subservices.food.restock_lag_hours=0", days=3)
    assert without.recorder.subservice_sales[:, food].max() <= cap + 1e-9


def test_sector_service_is_the_need_weighted_mean_of_its_subservices():
    # water plants and bank branches of Antwerp damaged: food_water and finance lose one
    # sub-service each
    m = run(
        "peacetime",
        "scenario.shocks=[{at_hour: 2, kind: damage, region: antwerp, asset_type: water_plant,"
        " probability: 1.0, label: t}, {at_hour: 2, kind: damage, region: antwerp, asset_type:"
        " bank_branch, probability: 1.0, label: t}]",
        days=2,
    )
    subs, r = m.subservices, m.recorder
    for sector in (FOOD_WATER, FINANCE):
        mine = subs.sector == sector
        mean = r.subservice_service[:, :, mine] @ subs.weight[mine]
        np.testing.assert_allclose(m.recorded_service[:, :, sector], mean, atol=1e-12)
        assert mean.min() < 0.99
    mine = subs.sector == FOOD_WATER
    q = m.subservice_state.inoperability[:, mine] @ subs.weight[mine]
    np.testing.assert_allclose(m.sectors.inoperability[:, FOOD_WATER], q, atol=1e-12)


def test_timeseries_has_a_subservice_column_and_the_sector_rows_unchanged(panic):
    ts = timeseries_table(panic).to_pandas()
    sectors = ts[ts.subservice == ""]
    n_t, n_r, n_s = panic.recorded_service.shape
    assert len(sectors) == n_t * n_r * n_s
    np.testing.assert_array_equal(sectors.service.to_numpy(), panic.recorded_service.reshape(-1))
    subs = ts[ts.subservice != ""]
    assert set(subs.subservice) == set(panic.subservices.names)
    water = subs[subs.subservice == "drinking_water"]
    assert set(water.sector) == {"food_water"} and (water.service == 1.0).all()
    # the regional series repeat on the sub-service rows
    first = ts[(ts.time_h == 0) & (ts.region == "antwerp")]
    assert first.population.nunique() == 1


def test_without_subservices_sectors_work_as_one_service_and_write_no_rows():
    cfg = load_config("incident_march_2020", overrides=FAST, horizon_days=3)
    cfg.sectors.subservices = {}
    m = HybridThreatModel(cfg, rng=0)
    m.run_model()
    assert m.subservices.n == 0
    assert (timeseries_table(m).to_pandas().subservice == "").all()
    # panic buying then raises the whole food_water sector's demand, tap water included
    assert m.recorded_service[:, :, FOOD_WATER].min() < 1.0


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("sectors.subservices.food.asset_types=[water_plant]", "already serves"),
        ("sectors.subservices.cash.asset_types=[]", "in none"),
        ("sectors.subservices.food.asset_types=[hospital]", "asset types of food_water"),
        ("sectors.subservices.payments.sector=health", "asset types of health"),
    ],
)
def test_bad_subservices_are_refused(panic, override, message):
    cfg = load_config("peacetime", overrides=[override])
    with pytest.raises(ConfigError, match=message):
        build_subservices(cfg, panic.world)


# --------------------------------------------- the fast path equals the general arithmetic
def _same(fast: np.ndarray, general: np.ndarray) -> None:
    """Bit for bit, and in the same memory layout (it decides later matrix products)."""
    assert fast.shape == general.shape
    assert np.array_equal(fast, general, equal_nan=True)
    assert fast.strides == general.strides


@pytest.mark.parametrize("competes", [0.25, 1.0])
def test_subservice_step_demand_and_restock_equal_the_general_ones(panic, competes):
    n_r = panic.world.regions.n
    subs = build_subservices(panic.cfg, panic.world)
    if competes == 1.0:  # every extra demand competes: one demand
        cfg = load_config(
            "incident_march_2020",
            overrides=[*FAST, "sectors.subservices.food.extra_demand_competes=1"],
        )
        subs = build_subservices(cfg, panic.world)
        assert not (subs.competes < 1.0).any()
    kernel = SubserviceStep(subs, n_r, len(BEHAVIOURS), panic.k, 1e-9)
    rng = np.random.default_rng(7)
    n_s = len(SECTOR_INDEX)
    fast, general = SubserviceState.whole(n_r, subs), SubserviceState.whole(n_r, subs)
    own = subs.capacity(panic.world, panic.assets, panic.sectors.capacity_factor) * 0.8
    working = own / panic.sectors.capacity_factor[subs.sector]
    for step in range(40):
        people = rng.uniform(0.5, 2.0, (n_r, n_s))
        lift = np.where(rng.random((n_r, len(BEHAVIOURS))) < 0.5, 1.0, rng.uniform(1, 3))
        added = np.where(rng.random((n_r, n_s)) < 0.7, 0.0, rng.uniform(0, 0.2, (n_r, n_s)))
        demand, competing = kernel.demand(people, lift, added)
        _same(demand.T, subs.demand(people, lift, added))
        _same(competing.T, subs.competing(people, lift, added))
        kernel.restock(fast, step, demand, own.T, working.T)
        general.restock(subs, step, demand.T, own, working)
        assert np.array_equal(fast.extra, general.extra)
        assert np.array_equal(fast.pending, general.pending)


def test_subservice_step_mean_and_iim_step_equal_the_general_ones(panic):
    subs, n_r, n_s = panic.subservices, panic.world.regions.n, len(SECTOR_INDEX)
    kernel = SubserviceStep(subs, n_r, len(BEHAVIOURS), panic.k, 1e-9)
    rng = np.random.default_rng(3)
    floor = 1e-9
    for _ in range(20):
        c_sector = np.where(rng.random((n_r, n_s)) < 0.5, 0.0, rng.random((n_r, n_s)))
        c_sub = np.where(rng.random((n_r, subs.n)) < 0.5, 0.0, rng.random((n_r, subs.n)))
        q = np.where(rng.random((n_r, n_s)) < 0.3, 0.0, rng.random((n_r, n_s)))
        q_sub = np.where(rng.random((n_r, subs.n)) < 0.3, 0.0, rng.random((n_r, subs.n)))
        q_sub[0, 0] = 1e-12  # below the floor
        c = np.concatenate([c_sector.T, c_sub.T])
        gathered = c.copy()
        kernel.sector_mean(c)
        c_star = subs.sector_mean(c_sub, c_sector)
        assert np.array_equal(c[:n_s].T, c_star) and np.array_equal(c[n_s:].T, c_sub)
        # split sectors not evenly spaced: gathers instead of views, the same numbers
        by_index = SubserviceStep(subs, n_r, len(BEHAVIOURS), panic.k, 1e-9)
        by_index._split = np.arange(n_s)[by_index._split]
        by_index._levels = [np.arange(subs.n)[units] for units in by_index._levels]
        by_index.sector_mean(gathered)
        assert np.array_equal(gathered, c)
        table = np.concatenate([q.T, q_sub.T])
        nxt = kernel.advance(q, table, panic.a_star, c)
        want, want_sub = step_subservices(
            q, q_sub, panic.a_star, c_star, c_sub, panic.k, subs.sector
        )
        want_sub[want_sub < floor] = 0.0
        want = subs.sector_mean(want_sub, want)
        want[want < floor] = 0.0
        assert np.array_equal(nxt[:n_s].T, want) and np.array_equal(nxt[n_s:].T, want_sub)
