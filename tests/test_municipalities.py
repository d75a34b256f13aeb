"""The large world: Belgium's 581 municipalities, with configs that still name provinces."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abm import HybridThreatModel, load_config
from abm.displacement import Whereabouts, displace
from abm.groups import GroupState, build_groups
from abm.world import allocate, load_regions

FINE = ["world=belgium_municipalities"]


@pytest.fixture(scope="module")
def regions():
    return load_regions("regions_municipalities.csv")


@pytest.fixture(scope="module")
def flood():
    """A river flood in Liège, Namur and Luxembourg on the municipalities, 10 days."""
    model = HybridThreatModel(scenario="river_flood", overrides=FINE, rng=3, horizon_days=10)
    model.run_model()
    return model


def test_municipalities_add_up_to_the_provinces(regions):
    provinces = load_regions("regions_provinces.csv")
    assert regions.n == 581
    assert regions.provinces == tuple(dict.fromkeys(regions.province))
    assert set(regions.provinces) == set(provinces.keys)
    for key, population in zip(provinces.keys, provinces.population, strict=True):
        assert regions.population[regions.mask(key)].sum() == population


def test_a_province_name_means_its_municipalities(regions):
    brussels = regions.mask("brussels")
    assert brussels.sum() == 19
    assert regions.mask(["brussels", "liege"]).sum() > 19
    key = regions.keys[0]
    assert regions.mask(key).sum() == 1  # a municipality's own key is just itself
    assert set(regions.indices("liege")) == {
        i for i, p in enumerate(regions.province) if p == "liege"
    }


def test_the_large_world_is_large_and_keeps_the_province_counts():
    model = HybridThreatModel(scenario="peacetime", overrides=FINE, rng=0, horizon_days=1)
    w = model.world
    assert w.n_assets > 20_000
    assert model.people.groups.n >= 1_500
    # A count given for a province stays that count, spread over its municipalities.
    ports = w.asset_type == w.type_names.index("port")
    in_antwerp = w.regions.mask("antwerp")[w.asset_region]
    assert (ports & in_antwerp).sum() == 1
    generation = w.asset_type == w.type_names.index("generation")
    assert (generation & in_antwerp).sum() == 3
    # Operators of a province are one set per province, as in the province world.
    coarse = HybridThreatModel(scenario="peacetime", rng=0, horizon_days=1)
    assert w.operators.n == coarse.world.operators.n
    # Every municipality has some capacity in every sector (service is local).
    cell = w.asset_sector * w.regions.n + w.asset_region
    cell_capacity = np.bincount(cell, weights=w.capacity, minlength=9 * w.regions.n)
    assert np.all(cell_capacity > 0)


def test_allocation_goes_to_the_most_populous():
    assert list(allocate(2, np.array([5.0, 50.0, 20.0, 1.0]))) == [0, 1, 1, 0]


def test_a_shock_in_a_province_hits_its_municipalities():
    model = HybridThreatModel(scenario="regional_blackout", overrides=FINE, rng=1, horizon_days=2)
    model.run_model()
    w = model.world
    shocked = {a for _, kind, a, _ in model.events if kind == "shock"}
    region = model.cfg.scenario.shocks[0].region
    assert region in w.regions.provinces and len(shocked) > 1
    assert {w.regions.province[w.asset_region[a]] for a in shocked} == {region}
    # Several of the province's municipalities are hit, not one.
    assert len({w.asset_region[a] for a in shocked}) > 1


def test_flood_displaces_and_conserves_people_across_municipalities(flood):
    people = flood.people
    st, g = people.state, people.groups
    total = g.size.sum()
    assert st.home.sum() + st.displaced.sum() == pytest.approx(total, rel=1e-12)
    assert st.peak_displaced.sum() > 100
    arrivals = people.arrivals()
    assert arrivals.sum() == pytest.approx(st.displaced.sum(), rel=1e-9)
    assert np.all(arrivals >= -1e-9)
    present = np.bincount(g.region, weights=st.home, minlength=flood.world.regions.n) + arrivals
    assert present.sum() == pytest.approx(total, rel=1e-12)


def test_nobody_is_displaced_into_their_own_municipality(regions):
    cfg = load_config("peacetime").population
    groups = build_groups(cfg, regions)
    state = GroupState.initial(groups)
    leaving = np.zeros(groups.n)
    # The first group of Antwerp city leaves, with a reason to: hardship at home.
    antwerp_city = regions.keys.index("antwerpen_11002")
    first = np.flatnonzero(groups.region == antwerp_city)[0]
    leaving[first] = 1.0
    weight = regions.population.copy()
    where = Whereabouts(weight, groups)
    for _ in range(10):
        displace(
            state, groups, leaving, np.zeros(groups.n), weight, 24, 0.3, 0.5, 0, 0, 1.0, 0.0, where
        )
    arrivals = where.arrivals(state.displaced)
    assert state.displaced.sum() > 0
    assert arrivals[antwerp_city] == 0.0
    assert arrivals.sum() == pytest.approx(state.displaced.sum(), rel=1e-12)
    # Some stay in the province, elsewhere than their city.
    in_province = arrivals[regions.mask("antwerp")].sum()
    assert 0 < in_province < arrivals.sum()
    # What they meet is the service where they are: all the shortfall in their own city
    # touches nobody displaced.
    shortfall = np.zeros((regions.n, 9))
    shortfall[antwerp_city] = 1.0
    assert np.all(where.shortfall(state.displaced, shortfall) == pytest.approx(0.0, abs=1e-9))


def test_the_province_shortcut_agrees_with_the_general_bookkeeping():
    regions = load_regions("regions_provinces.csv")
    groups = build_groups(load_config("peacetime").population, regions)
    rng = np.random.default_rng(0)
    displaced = rng.random((groups.n, groups.n_areas)) * 100
    displaced[np.arange(groups.n), groups.area] = 0.0  # nobody in their own region
    where = Whereabouts(rng.random(regions.n) * 1e6, groups)
    shortfall = rng.random((regions.n, 9))
    assert where.by_region
    fast = where.arrivals(displaced), where.shortfall(displaced, shortfall)
    where.by_region = False
    general = where.arrivals(displaced), where.shortfall(displaced, shortfall)
    for a, b in zip(fast, general, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_allied_transit_crosses_the_municipalities():
    """The movement, through its peacetime queue, ends on day 13 (before the day-14 deadline)."""
    model = HybridThreatModel(
        scenario="peacetime", overrides=[*FINE, "dt_hours=2"], rng=0, horizon_days=14
    )
    model.run_model()
    s = model.summary()
    assert s["transit_completed_fraction"] == 1.0
    assert s["transit_censored"] == 0


def test_a_job_on_the_municipalities_writes_the_results_contract(tmp_path):
    from omegaconf import OmegaConf

    from abm.job import run_job
    from abm.results import is_complete

    cfg = load_config("river_flood", overrides=FINE, horizon_days=3, replicates=2)
    resolved = OmegaConf.to_yaml(OmegaConf.structured(cfg))
    summary = run_job(cfg, tmp_path, resolved)
    assert is_complete(tmp_path, resolved) and len(summary) == 2
    ts = pd.read_parquet(tmp_path / "timeseries.parquet")
    assert ts.region.nunique() == 581 and ts.province.nunique() == 11
    first = ts[(ts.time_h == 0) & (ts.replicate == 0)].drop_duplicates("region")
    assert first.groupby("province").population.sum()["liege"] == pytest.approx(1_106_992)
    groups = pd.read_parquet(tmp_path / "groups.parquet")
    assert set(groups.province) == set(ts.province)
