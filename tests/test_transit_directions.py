"""The serials' delay responds to the corridor campaign and to the protection levers, in
expectation over 20 paired replicates (common random numbers: replicate r of every arm has the
same world and the same adversary draws).

Delay is counted behind the peacetime schedule (``abm/transit.py``), so it is exactly 0 in
peacetime and what a replicate of ``corridor_sabotage`` shows is what the campaign adds."""

import copy

import pandas as pd
import pytest

from abm import HybridThreatModel, load_config
from abm.config import RunConfig

PAIRS = 20
#: Long enough for the movement (the last serial crosses around day 12 in peacetime), on 2 h
#: steps (the transit's capacities accrue as credits, so the step does not change its rates).
HORIZON_DAYS, DT_HOURS = 16, 2


def config(scenario: str, overrides: tuple[str, ...] = ()) -> RunConfig:
    return load_config(
        scenario, horizon_days=HORIZON_DAYS, dt_hours=DT_HOURS, overrides=list(overrides)
    )


def summaries(cfg: RunConfig, pairs: int = PAIRS) -> pd.DataFrame:
    """One summary row per replicate."""
    rows = []
    for r in range(pairs):
        model = HybridThreatModel(cfg, rng=11, replicate=r)
        model.run_model()
        rows.append(model.summary())
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def corridor() -> RunConfig:
    return config("corridor_sabotage")


@pytest.fixture(scope="module")
def sabotage(corridor) -> pd.DataFrame:
    return summaries(corridor)


def test_corridor_sabotage_delays_the_serials_more_than_peacetime_in_18_of_20_pairs(
    sabotage, peacetime
):
    quiet = summaries(peacetime(HORIZON_DAYS, DT_HOURS), pairs=2).transit_mean_delay_h
    assert (quiet == 0.0).all()  # the peacetime schedule is peacetime's own
    assert (sabotage.transit_mean_delay_h > quiet.max()).sum() >= 18


def test_more_corridor_effort_gives_more_mean_delay(corridor, sabotage):
    """(tests/test_corridor_effort.py checks that ``scenario.corridor_effort=4`` on the
    command line sets what is set here.)"""
    cfg = copy.deepcopy(corridor)
    cfg.scenario.corridor_effort = 4.0
    harder = summaries(cfg)
    assert harder.transit_mean_delay_h.mean() > sabotage.transit_mean_delay_h.mean()
    assert harder.n_sabotage.mean() > sabotage.n_sabotage.mean()


@pytest.mark.parametrize("lever", ["territorial_reserve", "hardening", "intelligence"])
def test_each_protection_lever_reduces_mean_corridor_delay(sabotage, lever):
    """Guards on the movement's chokepoints, hardened sites and structures, and cells found
    before they strike each shorten the mean delay on the same 20 replicates, and stop hits."""
    protected = summaries(config("corridor_sabotage", (f"mitigation={lever}",)))
    assert protected.transit_mean_delay_h.mean() < sabotage.transit_mean_delay_h.mean()
    assert protected.n_sabotage_success.mean() < sabotage.n_sabotage_success.mean()
