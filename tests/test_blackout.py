"""Blackouts: a grid trip puts a region's power suppliers out without damage and re-energises
them in black-start order (bulk power first, then by criticality) over the restore time; a grid
loss still damages them, for crews to repair."""

import numpy as np
import pytest

from abm import HybridThreatModel, load_config
from abm.config import ShockConfig
from abm.errors import ConfigError
from abm.vocabulary import SECTOR_INDEX

AT = 5.0  # hour the grid goes


def blackout(shock: ShockConfig, *overrides: str) -> HybridThreatModel:
    """A quiet province world whose grid goes in one province, run to the end."""
    cfg = load_config("peacetime", horizon_days=2, record_every_hours=1, overrides=list(overrides))
    cfg.scenario.shocks = [shock]
    model = HybridThreatModel(cfg, rng=5)
    model.run_model()
    return model


def grid_suppliers(model: HybridThreatModel, region: str) -> np.ndarray:
    """Assets of the region whose type provides power or bulk power."""
    w = model.world
    types = model.cfg.world.asset_types
    grid = [types[t].provides in ("power", "bulk_power") for t in w.type_names]
    return np.flatnonzero(np.array(grid)[w.asset_type] & w.regions.mask(region)[w.asset_region])


def test_a_grid_trip_damages_nothing_and_is_re_energised_within_the_restore_time():
    model = blackout(
        ShockConfig(at_hour=AT, kind="grid_trip", region="liege", restore_hours=10, label="trip")
    )
    a, w = model.assets, model.world
    suppliers = grid_suppliers(model, "liege")
    tripped = [(i, h) for h, kind, i, _ in model.events if kind == "tripped"]
    assert {i for i, _ in tripped} == set(suppliers) and {h for _, h in tripped} == {AT}
    assert not a.damaged.any() and not a.in_repair.any()
    assert not [e for e in model.events if e[1] in ("shock", "repair_start", "repaired")]
    back = a.compromised_until[suppliers]
    assert back.min() > AT and back.max() == pytest.approx(AT + 10)
    # evenly spread: one supplier back every restore_hours / n
    assert np.allclose(np.sort(back) - AT, 10 * np.arange(1, len(back) + 1) / len(back))
    # service in the province fell, and the grid's capacity is whole again after the restore
    region = list(w.regions.keys).index("liege")
    energy = model.recorded_service[:, region, SECTOR_INDEX["energy"]]
    assert energy[model.recorded_hours > AT].min() < 0.5
    restored = [h for h, kind, i, _ in model.events if kind == "restored" and i in set(suppliers)]
    assert restored and max(restored) <= AT + 10
    assert a.working.all()


def test_a_grid_trip_re_energises_bulk_power_first_then_by_criticality():
    model = blackout(ShockConfig(at_hour=AT, kind="grid_trip", region="liege", restore_hours=12))
    w, types = model.world, model.cfg.world.asset_types
    suppliers = grid_suppliers(model, "liege")
    order = suppliers[np.argsort(model.assets.compromised_until[suppliers], kind="stable")]
    bulk = np.array([types[w.type_names[t]].provides == "bulk_power" for t in w.asset_type[order]])
    assert bulk.any() and not bulk.all()
    first_power = np.argmin(bulk)
    assert bulk[:first_power].all() and not bulk[first_power:].any()  # bulk power first
    for group in (order[bulk], order[~bulk]):
        assert np.all(np.diff(w.criticality[group]) <= 0)  # most critical first


def test_a_grid_trip_without_restore_hours_takes_the_worlds_reenergise_hours():
    model = blackout(
        ShockConfig(at_hour=AT, kind="grid_trip", region="namur"), "world.reenergise_hours=7"
    )
    suppliers = grid_suppliers(model, "namur")
    assert model.assets.compromised_until[suppliers].max() == pytest.approx(AT + 7)


def test_a_grid_loss_still_damages_every_power_supplier():
    model = blackout(ShockConfig(at_hour=AT, kind="grid_loss", region="liege"))
    damaged = {i for h, kind, i, _ in model.events if kind == "shock" and h == AT}
    w = model.world
    power = w.resource_names.index("power")
    providers = np.unique(w.edge_supplier[w.need_resource[w.edge_need] == power])
    expected = set(providers[w.regions.mask("liege")[w.asset_region[providers]]])
    assert damaged == expected
    assert not [e for e in model.events if e[1] == "tripped"]
    assert [e for e in model.events if e[1] == "repair_start"]


def test_restore_hours_is_only_for_a_grid_trip():
    cfg = load_config("peacetime", horizon_days=1)
    cfg.scenario.shocks = [ShockConfig(kind="grid_loss", region="liege", restore_hours=5)]
    with pytest.raises(ConfigError, match=r"scenario\.shocks\[0\]\.restore_hours"):
        HybridThreatModel(cfg, rng=1)
    cfg.scenario.shocks = [ShockConfig(kind="grid_trip", region="liege", restore_hours=0)]
    with pytest.raises(ConfigError, match=r"scenario\.shocks\[0\]\.restore_hours"):
        HybridThreatModel(cfg, rng=1)
