"""Military infrastructure (issue 22): the air bases, barracks and depots that the plan's public
sources name are assets of the world, in the provinces (and municipalities) the sources put them;
they fail without power and telecom once their backups run out, like any asset; drones close
them; and counter-drone measures shorten the closure.

Runs are short (a day or three, two-hour steps) on the quiet ``peacetime`` scenario, composed
once per module; paired runs share their seed, so only the lever differs.
"""

import copy

import numpy as np
import pytest

from abm import HybridThreatModel, load_config
from abm.config import DroneIncursionConfig, RunConfig, ShockConfig
from abm.levers import engagement
from abm.seeding import Streams, replicate_sequence
from abm.world import asset_counts, build_world, load_regions

#: (type, province, municipality) of every site the sources name (configs/world/belgium.yaml).
SITES = [
    ("air_base", "limburg", "peer_72030"),  # Kleine-Brogel
    ("air_base", "namur", "florennes_93022"),
    ("air_base", "walloon_brabant", "beauvechain_25005"),
    ("air_base", "flemish_brabant", "steenokkerzeel_23081"),  # Melsbroek
    ("air_base", "west_flanders", "koksijde_38014"),
    ("air_base", "hainaut", "chievres_51014"),
    ("army_base", "liege", "butgenbach_63013"),  # Elsenborn camp
    ("army_base", "limburg", "leopoldsburg_71034"),
    ("army_base", "luxembourg", "marche_en_famenne_83034"),
    ("army_base", "antwerp", "grobbendonk_13010"),
    ("army_base", "flemish_brabant", "leuven_24062"),  # Heverlee
    ("military_depot", "antwerp", "berlaar_12002"),
    ("military_depot", "antwerp", "brasschaat_11008"),  # Groot Schietveld
]
MILITARY = ("air_base", "army_base", "military_depot")
DT = 2.0  # hours per step


@pytest.fixture(scope="module")
def quiet() -> RunConfig:
    """The quiet scenario with the counter-drone package, in two-hour steps (composed once:
    composing costs more than these runs)."""
    return load_config(
        "peacetime", horizon_days=3, overrides=["mitigation=counter_drone", f"dt_hours={DT:g}"]
    )


def run(
    cfg: RunConfig, days: float, *, strength: float | None = None, **scenario
) -> HybridThreatModel:
    """A run of ``cfg`` over ``days`` with the scenario's lists replaced by ``scenario`` and,
    when ``strength`` is given, the counter_drone lever at that strength on air bases only
    (else no lever)."""
    cfg = copy.deepcopy(cfg)
    cfg.horizon_days = days
    for key, value in scenario.items():
        setattr(cfg.scenario, key, value)
    if strength is None:
        cfg.mitigation.levers = {}
        cfg.mitigation.name = "none"
    else:
        lever = cfg.mitigation.levers["counter_drone"]
        lever.strength, lever.targets = strength, ["air_base"]
        lever.strength_low = lever.strength_high = None
    model = HybridThreatModel(cfg, rng=3)
    model.run_model()
    return model


def sites(model: HybridThreatModel, asset_type: str, region: str) -> np.ndarray:
    w = model.world
    return np.flatnonzero(
        (w.asset_type == w.type_names.index(asset_type)) & w.regions.mask(region)[w.asset_region]
    )


def changes(model: HybridThreatModel, asset: int) -> list[tuple[float, str]]:
    """(hour, failure or restored) of an asset, in order."""
    return [(h, k) for h, k, i, _ in model.events if i == asset and k in ("failure", "restored")]


def test_the_named_sites_are_in_their_provinces(quiet):
    w = build_world(quiet.world, Streams(replicate_sequence(0, 0)).generator("world"))
    for asset_type in MILITARY:
        placed = sorted(w.regions.keys[r] for r in w.asset_region[sites_of(w, asset_type)])
        assert placed == sorted(p for t, p, _ in SITES if t == asset_type), asset_type
    # Sector transport, one Defence operator, no civil service share: they serve no resident.
    military = np.isin(w.asset_type, [w.type_names.index(t) for t in MILITARY])
    assert {w.operators.family[o] for o in w.asset_operator[military]} == {"defence_infrastructure"}
    assert not w.capacity[military].any() and not w.criticality[military].any()


def sites_of(world, asset_type: str) -> np.ndarray:
    return np.flatnonzero(world.asset_type == world.type_names.index(asset_type))


def test_the_municipality_world_puts_them_in_their_municipalities():
    world = load_config("peacetime", overrides=["world=belgium_municipalities"]).world
    regions = load_regions(world.regions_file)
    counts = asset_counts(world, regions)
    for asset_type in MILITARY:
        placed = sorted(
            regions.keys[r] for r in np.repeat(np.arange(regions.n), counts[asset_type])
        )
        assert placed == sorted(m for t, _, m in SITES if t == asset_type), asset_type
    # and each municipality lies in the province the province world uses
    for _, province, municipality in SITES:
        assert regions.province[regions.keys.index(municipality)] == province


def test_they_fail_without_power_and_telecom_once_their_backups_run_out(quiet):
    trip = 2.0
    model = run(
        quiet,
        3,
        shocks=[
            # Limburg's grid out for the whole run (re-energised over far longer than 3 days)
            ShockConfig(at_hour=trip, kind="grid_trip", region="limburg", restore_hours=5000)
        ],
    )
    w, types = model.world, model.cfg.world.asset_types
    checked = []
    for asset_type in MILITARY:
        backups = {r: n.backup_hours for r, n in types[asset_type].needs.items()}
        assert {"power", "telecom"} <= set(backups), asset_type
        for asset in sites(model, asset_type, "limburg"):
            # each need runs on backup from the hour its last supplier went down (telecom
            # sites run on their own batteries first, water plants on their generators)
            down = []
            for k in np.flatnonzero(w.need_asset == asset):
                suppliers = w.edge_supplier[w.edge_need == k]
                last = max(first_failure(model, s) for s in suppliers)
                down.append(last + w.need_backup_hours[k])
            # it works until its first backup runs out, then fails, and stays down
            assert changes(model, asset) == [(pytest.approx(min(down)), "failure")], asset_type
            assert min(down) >= trip + min(backups.values())
            checked.append(asset_type)
    assert sorted(checked) == ["air_base", "army_base"]  # Kleine-Brogel and Leopoldsburg
    # Outside Limburg nothing changed.
    for region in ("namur", "liege"):
        for asset_type in MILITARY:
            for asset in sites(model, asset_type, region):
                assert changes(model, asset) == []


def first_failure(model: HybridThreatModel, asset: int) -> float:
    """The first hour the asset stopped working (inf: never)."""
    hours = [h for h, kind in changes(model, asset) if kind == "failure"]
    return hours[0] if hours else np.inf


@pytest.fixture(scope="module")
def drones(quiet) -> dict[str, HybridThreatModel]:
    """A drone incursion over Kleine-Brogel (air bases in Limburg) at hour 10 for 4 h, without
    counter-drone measures, with them at half strength and at full strength; and a run with
    the lever and no drones."""
    incursion = [DroneIncursionConfig(at_hour=10, hours=4, region="limburg", asset_type="air_base")]
    return {
        "none": run(quiet, 1, drone_incursions=incursion),
        "half": run(quiet, 1, strength=0.5, drone_incursions=incursion),
        "full": run(quiet, 1, strength=1.0, drone_incursions=incursion),
        "no_drones": run(quiet, 1, strength=0.5, drone_incursions=[]),
    }


def test_a_drone_incursion_closes_kleine_brogel_for_its_hours(drones):
    model = drones["none"]
    (kleine_brogel,) = sites(model, "air_base", "limburg")
    assert changes(model, kleine_brogel) == [(10.0, "failure"), (14.0, "restored")]
    others = np.setdiff1d(sites_of(model.world, "air_base"), [kleine_brogel])
    assert all(changes(model, i) == [] for i in others)
    assert [d for _, k, _, d in model.events if k == "drone_closure"] == [
        "air_base in limburg, 4 h"
    ]


def test_counter_drone_shortens_the_closure_or_prevents_it(drones):
    (kleine_brogel,) = sites(drones["none"], "air_base", "limburg")
    assert changes(drones["half"], kleine_brogel) == [(10.0, "failure"), (12.0, "restored")]
    assert changes(drones["full"], kleine_brogel) == []
    assert [d for _, k, _, d in drones["half"].events if k == "drone_closure"] == [
        "air_base in limburg, 4 h, 2 h with counter-drone"
    ]
    # the lever acts on its target type only, and (paired runs) changes no other asset
    w = drones["none"].world
    cut = drones["half"].assets.drone_cut
    np.testing.assert_array_equal(np.flatnonzero(cut), sites_of(w, "air_base"))
    assert set(cut[cut > 0].tolist()) == {0.5}
    for key in ("half", "full"):
        assert others(drones[key], kleine_brogel) == others(drones["none"], kleine_brogel)


def others(model: HybridThreatModel, asset: int) -> list[tuple[float, str, int]]:
    """Failures and restorations of every asset but ``asset``."""
    return [(h, k, i) for h, k, i, _ in model.events if i != asset and k in ("failure", "restored")]


def test_counter_drone_engages_only_when_drones_come(drones):
    assert engagement(drones["half"])["counter_drone"] is True
    assert engagement(drones["no_drones"])["counter_drone"] is False
    assert engagement(drones["none"])["counter_drone"] is None


def test_sabotage_sent_at_military_sites_reaches_them():
    """Military sites serve no resident (zero criticality), so a cell weighing targets by the
    service they carry would find nothing worth hitting; sent at them, it goes for the least
    protected of them instead of giving up."""
    cfg = load_config(
        "corridor_sabotage",
        horizon_days=6,
        dt_hours=DT,
        overrides=["scenario.adversary_target_types=[air_base,army_base,military_depot]"],
    )
    model = HybridThreatModel(cfg, rng=3)
    model.run_model()
    hits = [d for _, kind, _, d in model.events if kind == "attack" and ": success" in d]
    assert hits and all(d.split(" on ")[1].split(":")[0] in MILITARY for d in hits)
    assert not any("nothing in reach" in d for _, _, _, d in model.events)
