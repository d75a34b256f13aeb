"""The world: official populations, published counts, ownership and coverage."""

import numpy as np
import pytest

from abm import SECTORS, load_config
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
