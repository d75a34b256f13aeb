"""The serials' delay responds to the corridor campaign and to the protection levers, in
expectation over 20 paired replicates (common random numbers: replicate r of every arm has the
same world and the same adversary draws).

Delay is counted behind the peacetime schedule (``abm/transit.py``), so it is exactly 0 in
peacetime and what a replicate of ``corridor_sabotage`` shows is what the campaign adds."""

import pandas as pd
import pytest

from abm import HybridThreatModel, load_config

PAIRS = 20
#: Long enough for the movement (the last serial crosses around day 12 in peacetime), on 2 h
#: steps (the transit's capacities accrue as credits, so the step does not change its rates).
HORIZON_DAYS, DT_HOURS = 16, 2


def summaries(scenario: str, overrides: tuple[str, ...] = (), pairs: int = PAIRS) -> pd.DataFrame:
    """One summary row per replicate."""
    cfg = load_config(
        scenario, horizon_days=HORIZON_DAYS, dt_hours=DT_HOURS, overrides=list(overrides)
    )
    rows = []
    for r in range(pairs):
        model = HybridThreatModel(cfg, rng=11, replicate=r)
        model.run_model()
        rows.append(model.summary())
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def sabotage() -> pd.DataFrame:
    return summaries("corridor_sabotage")


def test_corridor_sabotage_delays_the_serials_more_than_peacetime_in_18_of_20_pairs(sabotage):
    quiet = summaries("peacetime", pairs=2).transit_mean_delay_h
    assert (quiet == 0.0).all()  # the peacetime schedule is peacetime's own
    assert (sabotage.transit_mean_delay_h > quiet.max()).sum() >= 18


def test_more_corridor_effort_gives_more_mean_delay(sabotage):
    harder = summaries("corridor_sabotage", ("scenario.corridor_effort=4",))
    assert harder.transit_mean_delay_h.mean() > sabotage.transit_mean_delay_h.mean()
    assert harder.n_sabotage.mean() > sabotage.n_sabotage.mean()


@pytest.mark.parametrize("lever", ["territorial_reserve", "hardening", "intelligence"])
def test_each_protection_lever_reduces_mean_corridor_delay(sabotage, lever):
    """Guards on the movement's chokepoints, hardened sites and structures, and cells found
    before they strike each shorten the mean delay on the same 20 replicates, and stop hits."""
    protected = summaries("corridor_sabotage", (f"mitigation={lever}",))
    assert protected.transit_mean_delay_h.mean() < sabotage.transit_mean_delay_h.mean()
    assert protected.n_sabotage_success.mean() < sabotage.n_sabotage_success.mean()
