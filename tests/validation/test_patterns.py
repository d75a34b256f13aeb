"""Pattern-oriented checks: the model reproduces the qualitative patterns of three Belgian
episodes (documented in docs/ODD.md, "Patterns")."""

import numpy as np

from abm import SECTORS, HybridThreatModel, load_config
from abm.config import DroneIncursionConfig

FOOD_WATER, ENERGY, TRANSPORT = (SECTORS.index(s) for s in ("food_water", "energy", "transport"))


def run(cfg, seed=0):
    model = HybridThreatModel(cfg, rng=seed)
    model.run_model()
    return model


def test_march_2020_panic_buying_empties_shelves_within_days_and_recovers_within_weeks():
    """Demand for food outruns the shops within days of the narrative and is back to normal
    within weeks; the shops sell more than usual (restocking) but nobody is left without food
    (no food_water outage below the minimum level) and tap water is untouched."""
    model = run(load_config("narrative_only", horizon_days=42))
    seeded = model.cfg.scenario.narratives[0].at_hour
    food = model.subservices.names.index("food")
    water = model.subservices.names.index("drinking_water")
    demand = model.recorder.subservice_demand[:, food]
    sales = model.recorder.subservice_sales[:, food]
    short = np.flatnonzero(demand > sales + 1e-9)
    assert short.size, "shelves never run short"
    assert short[0] * model.dt - seeded <= 7 * 24  # within days of the narrative
    assert short[-1] * model.dt - seeded <= 28 * 24  # back within weeks
    assert sales.max() > 1.15, "the shops sold more than their normal flow (restocking)"
    assert np.abs(demand[-24:] - 1.0).max() < 0.01
    assert model.national_service[:, FOOD_WATER].min() >= 0.9  # no food outage
    assert model.recorder.subservice_service[:, :, water].min() == 1.0  # tap water untouched
    assert not model.assets.damaged.any() and model.summary()["n_sabotage"] == 0


def test_july_2021_floods_cause_regional_outages_and_displacement():
    model = run(load_config("river_flood", horizon_days=30))
    keys = model.world.regions.keys
    energy = model.recorded_service[:, :, ENERGY]
    assert energy[:, keys.index("liege")].min() < 0.9  # the flooded province loses power
    assert energy[:, keys.index("west_flanders")].min() >= 0.99  # the rest of the country not
    s = model.summary()
    assert s["peak_displaced"] > 1000
    assert model.people.state.displaced.sum() < 0.05 * s["peak_displaced"]  # they return


def test_november_2025_drones_close_airports_for_hours_without_a_cascade():
    cfg = load_config("peacetime", horizon_days=3)
    cfg.scenario.drone_incursions = [
        DroneIncursionConfig(at_hour=18, hours=5, region="flemish_brabant"),
        DroneIncursionConfig(at_hour=18, hours=5, region="liege"),
    ]
    model = run(cfg)
    s = model.summary()
    losses = {x: s[f"loss_{x}"] for x in SECTORS}
    assert losses["transport"] > 0 and max(losses, key=losses.get) == "transport"
    w = model.world
    failed = {a for _, kind, a, _ in model.events if kind == "failure"}
    airports = set(np.flatnonzero(w.asset_type == w.type_names.index("airport")).tolist())
    assert failed and failed <= airports  # nothing beyond the closed airports stops working
    assert model.assets.working.all()  # and the airports reopen within hours
