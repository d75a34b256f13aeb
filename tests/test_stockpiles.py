"""Strategic stockpiles are finite stocks: they run down as they are used, substitute only
where they can (food, water, medical supplies), and fuel keeps generators running without
ever restoring the grid."""

import numpy as np

from abm import HybridThreatModel, load_config
from abm.vocabulary import SECTOR_INDEX

FOOD = SECTOR_INDEX["food_water"]
ENERGY = SECTOR_INDEX["energy"]


def _run_stepwise(cfg, record):
    model = HybridThreatModel(cfg, rng=2)
    series = []
    while model.running:
        model.step()
        series.append(record(model))
    return model, np.array(series)


def _stockpiles(days: float, targets: str, *extra: str) -> list[str]:
    return [
        "mitigation=strategic_stockpiles",
        f"mitigation.levers.strategic_stockpiles.strength={days}",
        f"mitigation.levers.strategic_stockpiles.strength_low={days}",
        f"mitigation.levers.strategic_stockpiles.targets=[{targets}]",
        "responders.decision_delay_hours=1",
        *extra,
    ]


def test_food_stock_runs_down_and_then_is_gone():
    """A panic-buying shortage outlasts a stock of a few hours: the stock falls step by step to
    nothing, and while it lasted it covered part of the shortfall."""
    # hoarding competes with normal need for food (extra_demand_competes=1): a real shortage
    rationed = ["sectors.subservices.food.extra_demand_competes=1"]
    cfg = load_config(
        "narrative_only", overrides=[*_stockpiles(0.1, "food_water"), *rationed], horizon_days=20
    )
    model, left = _run_stepwise(cfg, lambda m: m.responses.stock_left[FOOD])
    assert left[0] <= 6.0 and np.all(np.diff(left) <= 1e-12), "never refilled"
    assert left[-1] == 0.0, "a shortage longer than the stock empties it"
    assert np.isfinite(model.responses.stock_used_from[FOOD])
    base = HybridThreatModel(
        load_config("narrative_only", overrides=rationed, horizon_days=20), rng=2
    )
    base.run_model()
    assert model.loss[FOOD] < base.loss[FOOD], "the stock covered part of the shortfall"


def _substations(m: HybridThreatModel) -> np.ndarray:
    """Which substations (the distribution grid, the electricity itself) work now."""
    w = m.world
    return m.assets.working[w.asset_type == w.type_names.index("substation")].copy()


def test_fuel_keeps_generators_running_but_never_raises_electricity():
    """In a provincial blackout, fuel keeps generator-backed sites running longer, runs down,
    and never brings back a substation that has no power: step for step, a substation works
    with fuel and not without it only where it needs telecom (its control link, kept up by a
    refuelled generator), never where power alone is missing."""
    horizon = 6
    base_cfg = load_config("regional_blackout", horizon_days=horizon)
    fuel_cfg = load_config(
        "regional_blackout", overrides=_stockpiles(0.25, "energy"), horizon_days=horizon
    )
    base, grid0 = _run_stepwise(base_cfg, _substations)
    fuel, grid1 = _run_stepwise(fuel_cfg, _substations)
    w = base.world
    substations = np.flatnonzero(w.asset_type == w.type_names.index("substation"))
    telecom = w.resource_names.index("telecom")
    needs_telecom = np.isin(substations, w.need_asset[w.need_resource == telecom])
    assert not (grid0 & ~grid1).any(), "fuel never stops a substation"
    kept = (grid1 & ~grid0).any(axis=0)
    assert not (kept & ~needs_telecom).any(), "only through their control links"
    np.testing.assert_array_equal(fuel.sectors.capacity_factor, base.sectors.capacity_factor)
    assert fuel.responses.stock_left[ENERGY] < fuel.responses.stockpile[ENERGY], "fuel was used"
    drawn_base = base.assets.backup_drawn
    assert np.all(fuel.assets.backup_drawn <= drawn_base + 1e-9), "refuelled sites drain less"
    assert np.any(fuel.assets.backup_drawn < drawn_base - 1e-9)
