"""A model built without ``rng`` is a new run, and says which seed it drew.

Mesa's clients build models without a seed when they want different runs (``batch_run`` with
``iterations=N`` passes ``rng=None`` N times). Each such run draws fresh entropy and records
the seed it used (``model.seed``, the summary row, the DataCollector's records), so that any of
them can be run again with ``rng=<that seed>``; an explicit seed stays reproducible.
"""

import numpy as np
import pytest
from mesa.batchrunner import batch_run

from abm import HybridThreatModel, load_config
from abm.model import SEED_BITS, _seed_asked, fresh_seed

#: Three days of a shock whose losses depend on the seed, at two-hour steps to keep it quick.
SHOCK = {"scenario": "grid_shock", "horizon_days": 3, "dt_hours": 2}


def _batch(**how: object) -> list[dict]:
    return batch_run(
        HybridThreatModel,
        parameters=SHOCK,
        max_steps=10_000,
        number_processes=1,
        data_collection_period=-1,
        display_progress=False,
        **how,
    )


def test_batch_run_iterations_gives_different_runs_that_their_seeds_reproduce():
    with pytest.warns(DeprecationWarning, match="iterations"):  # Mesa's own deprecation
        first = _batch(iterations=2)
    seeds = [row["seed"] for row in first]
    assert len(set(seeds)) == 2, "each iteration draws its own seed"
    assert all(0 <= s < 2**63 for s in seeds)
    losses = [row["total_loss"] for row in first]
    assert losses[0] != losses[1], "iterations are different runs, not copies of one"

    (again,) = _batch(rng=[seeds[1]])
    assert again["seed"] == again["rng"] == seeds[1]
    assert again["total_loss"] == losses[1]


def test_a_model_without_rng_draws_a_seed_records_it_and_is_reproduced_by_it():
    cfg = load_config("grid_shock", horizon_days=1)
    a, b = HybridThreatModel(cfg), HybridThreatModel(cfg)
    assert a.seed != b.seed, "not the config's seed twice"
    assert not np.array_equal(a.world.capacity, b.world.capacity)
    assert a.summary()["seed"] == a.seed, "the summary row names the seed the run used"
    same = HybridThreatModel(cfg, rng=a.seed)
    assert same.seed == a.seed
    assert np.array_equal(same.world.capacity, a.world.capacity)
    assert cfg.seed == 0, "the caller's config is left as it was"


def test_an_explicit_seed_is_kept_however_it_is_given():
    # batch_run(parameters={"seed": [...]}) passes it as a keyword: a config key, not rng
    assert HybridThreatModel(scenario="peacetime", seed=7, horizon_days=1).seed == 7
    assert _seed_asked(["horizon_days=1", "seed=8"], {}) == 8
    assert _seed_asked(["++seed=9"], {}) == 9
    assert _seed_asked(["world.seed=3"], {}) is None, "the world's seed is not the run's"
    assert _seed_asked([], {"seed": None}) is None


def test_fresh_seeds_fit_the_results_int64_column_and_do_not_repeat():
    seeds = [fresh_seed() for _ in range(2000)]
    assert len(set(seeds)) == len(seeds)
    assert all(isinstance(s, int) and 0 <= s < 2**SEED_BITS for s in seeds)
    assert SEED_BITS == 63  # summary.parquet stores seeds as int64
    assert max(seeds) >= 2**60, "the draw uses the whole range, not a few bits of it"
    np.array(seeds, dtype=np.int64)  # no overflow
