"""The world: official populations, published counts, ownership and coverage."""

import numpy as np
import pytest

from abm import SECTORS, load_config
from abm.cascade import working_fixed_point
from abm.seeding import Streams, replicate_sequence
from abm.world import allocate, build_world, load_regions


@pytest.fixture(scope="module")
def world():
    cfg = load_config("peacetime")
    return build_world(cfg.world, Streams(replicate_sequence(0, 0)).generator("world"))


def count(world, type_name, region=None):
    mask = world.asset_type == world.type_names.index(type_name)
    if region is not None:
        mask &= world.asset_region == world.regions.keys.index(region)
    return int(mask.sum())


def test_regions_are_the_statbel_provinces():
    regions = load_regions("regions_provinces.csv")
    assert regions.n == 11
    assert regions.population.sum() == 11_431_406  # Statbel, 1 January 2019
    assert set(regions.federated_region) == {"flanders", "wallonia", "brussels"}


def test_published_counts(world):
    assert count(world, "hospital") == 103  # FACTS.md, 1 January 2025
    assert count(world, "port") == 3
    assert count(world, "port", "antwerp") == 1 and count(world, "port", "east_flanders") == 1
    assert count(world, "interconnector") == 4
    assert count(world, "eastern_rail", "limburg") == 1


def test_counts_scale_with_population(world):
    sub = [count(world, "substation", r) for r in world.regions.keys]
    pop = world.regions.population
    assert sub[world.regions.keys.index("antwerp")] > sub[world.regions.keys.index("luxembourg")]
    assert np.corrcoef(sub, pop)[0, 1] > 0.9


def test_every_sector_has_capacity_in_every_region(world):
    cap = np.zeros((len(SECTORS), world.regions.n))
    np.add.at(cap, (world.asset_sector, world.asset_region), world.capacity)
    assert np.allclose(cap, 1.0)


def test_hospital_networks_stay_within_their_federated_region(world):
    ops = world.operators
    hosp = np.flatnonzero(world.asset_type == world.type_names.index("hospital"))
    for a in hosp:
        op = world.asset_operator[a]
        assert ops.area[op] == world.regions.federated_region[world.asset_region[a]]
    networks = {ops.names[o] for o in world.asset_operator[hosp]}
    assert len(networks) == 25


def test_suppliers_are_local_for_regional_resources(world):
    power = world.resource_names.index("power")
    edges = world.need_resource[world.edge_need] == power
    consumer = world.need_asset[world.edge_need[edges]]
    supplier = world.edge_supplier[edges]
    assert np.array_equal(world.asset_region[consumer], world.asset_region[supplier])
    assert not np.any(consumer == supplier)


def test_criticality_counts_dependants(world):
    gen = world.asset_type == world.type_names.index("generation")
    assert np.all(world.capacity[gen] == 0)  # generation delivers no service directly ...
    assert np.all(world.criticality[gen] > 0)  # ... but substations depend on it


def test_allocate_is_exact():
    counts = allocate(103, np.array([3.0, 2.0, 1.0, 0.5]))
    assert counts.sum() == 103
    assert counts.tolist() == sorted(counts.tolist(), reverse=True)


def _working_without(world, cut):
    """Which assets work once the assets of ``cut`` fail and every backup has run out."""
    intact = np.ones(world.n_assets, dtype=bool)
    intact[cut] = False
    working, _ = working_fixed_point(
        intact,
        world.need_asset,
        np.zeros(len(world.need_asset), dtype=bool),
        world.edge_need,
        world.edge_supplier,
    )
    return working


def _of_type(world, type_name):
    return np.flatnonzero(world.asset_type == world.type_names.index(type_name))


def test_gas_and_cable_assets_are_where_the_sources_put_them(world):
    # Zeebrugge LNG terminal, Zeepipe and Interconnector terminals, Alveringem (West Flanders);
    # Zelzate, 's-Gravenvoeren, Eynatten; Loenhout storage (Antwerp) (abm/data/README.md).
    assert count(world, "gas_entry_point", "west_flanders") == 4
    assert count(world, "gas_entry_point") == 7
    assert count(world, "gas_storage") == count(world, "gas_storage", "antwerp") == 1
    assert count(world, "subsea_cable") == count(world, "subsea_cable", "west_flanders") == 4
    assert count(world, "cable_landing_station", "west_flanders") == 2
    assert count(world, "gas_generation", "liege") == 2
    # Every province has its own pipeline sections (the gas resource is provincial).
    assert all(count(world, "gas_pipeline", r) >= 2 for r in world.regions.keys)


def test_gas_generation_depends_on_gas(world):
    supply = np.concatenate([_of_type(world, "gas_entry_point"), _of_type(world, "gas_storage")])
    working = _working_without(world, supply)
    assert not working[_of_type(world, "gas_generation")].any()
    assert not working[_of_type(world, "gas_pipeline")].any()
    assert working[_of_type(world, "generation")].all()  # nuclear, hydro, wind need no gas
    # Bulk power has other suppliers, so the substations keep working, except those whose
    # three bulk-power suppliers happen all to be gas-fired plants (6 of 23 suppliers).
    bulk = world.resource_names.index("bulk_power")
    needs = np.flatnonzero(
        (world.asset_type[world.need_asset] == world.type_names.index("substation"))
        & (world.need_resource == bulk)
    )
    gas_plants = _of_type(world, "gas_generation")
    gas_only = np.array(
        [np.isin(world.edge_supplier[world.edge_need == k], gas_plants).all() for k in needs]
    )
    assert gas_only.mean() < 0.1
    np.testing.assert_array_equal(working[world.need_asset[needs]], ~gas_only)


def test_one_cut_cable_does_not_take_data_down(world):
    centres = _of_type(world, "data_centre")
    for cable in _of_type(world, "subsea_cable"):
        assert _working_without(world, [cable])[centres].all()
    # Even with every subsea cable cut, terrestrial routes keep most data centres connected.
    working = _working_without(world, _of_type(world, "subsea_cable"))
    assert working[centres].mean() >= 0.5
    # Without any international route, data centres go down.
    routes = np.concatenate([_of_type(world, "subsea_cable"), _of_type(world, "terrestrial_route")])
    assert not _working_without(world, routes)[centres].any()


def test_gas_and_cable_assets_sit_in_their_municipalities():
    cfg = load_config("peacetime", overrides=["world=belgium_municipalities"])
    fine = build_world(cfg.world, Streams(replicate_sequence(0, 0)).generator("world"))
    assert count(fine, "gas_entry_point", "brugge_31005") == 3  # Zeebrugge
    assert count(fine, "gas_entry_point") == 7
    assert count(fine, "gas_storage", "wuustwezel_11053") == 1  # Loenhout
    assert count(fine, "subsea_cable", "oostende_35013") == 4
    assert count(fine, "gas_generation", "flemalle_62120") == 1  # Les Awirs
    # Every pipeline section supplies consumers of its own province only.
    gas = fine.resource_names.index("gas")
    edges = fine.need_resource[fine.edge_need] == gas
    province = np.array(fine.regions.province)
    consumer = fine.need_asset[fine.edge_need[edges]]
    supplier = fine.edge_supplier[edges]
    assert np.array_equal(
        province[fine.asset_region[consumer]], province[fine.asset_region[supplier]]
    )
