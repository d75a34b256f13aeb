"""No dependency is counted twice: the asset graph's sector pairs are exactly A*'s physical ones."""

import numpy as np
import pytest

from abm import HybridThreatModel, load_config
from abm.errors import ConfigError
from abm.interdependency import load_interdependency
from abm.sectors import SECTORS
from abm.seeding import Streams, replicate_sequence
from abm.world import build_world


@pytest.fixture(scope="module")
def world():
    cfg = load_config("peacetime")
    return build_world(cfg.world, Streams(replicate_sequence(0, 0)).generator("world"))


def test_graph_pairs_are_the_tables_physical_pairs(world):
    table = load_interdependency()
    physical = {(SECTORS[i], SECTORS[j]) for i, j in zip(*np.nonzero(table.physical), strict=True)}
    in_graph = world.sector_pairs_in_graph()
    assert in_graph - physical == set(), "graph edges the table does not mark physical"
    assert physical - in_graph == set(), "pairs marked physical that no asset edge carries"
    functional = {(SECTORS[i], SECTORS[j]) for i, j in zip(*np.nonzero(table.a_star), strict=True)}
    assert not functional & in_graph


def test_model_refuses_an_a_star_that_overlaps_the_graph():
    a_star = load_interdependency().a_star.copy()
    a_star[SECTORS.index("health"), SECTORS.index("energy")] = 0.2  # power is a graph edge
    cfg = load_config("peacetime", horizon_days=1)
    cfg.sectors.a_star = a_star.tolist()
    with pytest.raises(ConfigError, match="health <- energy"):
        HybridThreatModel(cfg, rng=0)
