"""The adversary's effort against the allied movement: one scenario key, corridor_effort."""

import copy

import numpy as np
import pytest

from abm import HybridThreatModel, load_config
from abm.campaign import corridor_cells
from abm.errors import ConfigError

SHORT = {"horizon_days": 4, "dt_hours": 2}


@pytest.fixture(scope="module")
def corridor():
    return load_config("corridor_sabotage", **SHORT)


@pytest.fixture(scope="module")
def hybrid():
    return load_config("hybrid_campaign", **SHORT)


def test_the_corridor_focused_cells_are_the_sabotage_only_cells_of_a_corridor_scenario(
    corridor, hybrid
):
    names = list(corridor.adversary.cells)
    focused = dict(zip(names, corridor_cells(corridor), strict=True))
    assert focused["saboteurs_east"] and focused["saboteurs_west"]
    assert not focused["hybrid_cell"], "a cell of every dimension is not a corridor cell"
    assert not any(corridor_cells(hybrid))
    assert corridor_cells(load_config("most_likely_enemy", **SHORT)).sum() == 2  # phase focus


def test_corridor_effort_scales_their_budgets_and_tempo_together_and_nothing_else(corridor):
    base = corridor
    more = load_config("corridor_sabotage", overrides=["scenario.corridor_effort=4"], **SHORT)
    assert more.scenario.corridor_effort == 4.0 and base.scenario.corridor_effort == 1.0
    focused = corridor_cells(base)
    a, b = (HybridThreatModel(c, rng=3) for c in (base, more))
    np.testing.assert_allclose(b.campaign.budget[focused], 4 * a.campaign.budget[focused])
    np.testing.assert_array_equal(b.campaign.budget[~focused], a.campaign.budget[~focused])
    acts_a, acts_b = a.script.cell_schedule(a.streams), b.script.cell_schedule(b.streams)
    assert (acts_b[focused].sum(axis=1) > acts_a[focused].sum(axis=1)).all()
    assert (acts_b[focused] >= acts_a[focused]).all(), "the same draws: more, never other, acts"
    np.testing.assert_array_equal(acts_b[~focused], acts_a[~focused])


def test_corridor_effort_is_refused_where_no_cell_goes_for_the_corridors(hybrid):
    cfg = copy.deepcopy(hybrid)
    cfg.scenario.corridor_effort = 2.0
    with pytest.raises(ConfigError, match="scenario.corridor_effort"):
        HybridThreatModel(cfg, rng=0)
