"""Sensitivity analysis and scenario discovery: known indices, checked inputs, a model run."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from SALib.test_functions import Ishigami

import configs
from abm import load_config
from abm.errors import ConfigError
from abm.results import results_yaml
from abm.uncertainty import (
    apply,
    get_value,
    load_uncertainty,
    numeric_leaves,
    validate_uncertainty,
)
from analysis.catalog import build_catalog
from analysis.sensitivity import (
    OUTCOMES,
    default_threshold,
    discover,
    morris_indices,
    sample,
    sobol_indices,
)
from experiments.sensitivity import main as sensitivity_main

ISHIGAMI = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
# Analytic indices of the Ishigami function with a = 7, b = 0.1 (Ishigami & Homma 1990;
# values as tabulated by Saltelli et al. 2008, Global Sensitivity Analysis: The Primer).
ISHIGAMI_S1 = np.array([0.3139, 0.4424, 0.0])
ISHIGAMI_ST = np.array([0.5576, 0.4424, 0.2437])


def test_sobol_indices_of_the_ishigami_function_match_the_known_values():
    x = sample(ISHIGAMI, "sobol", 1024, seed=1)
    indices = sobol_indices(ISHIGAMI, pd.DataFrame({"y": Ishigami.evaluate(x)}), seed=1)
    assert list(indices.parameter) == ["x1", "x2", "x3"]
    for key, known in (("S1", ISHIGAMI_S1), ("ST", ISHIGAMI_ST)):
        estimate, conf = indices[key].to_numpy(), indices[f"{key}_conf"].to_numpy()
        assert np.all(np.abs(estimate - known) <= conf), (key, estimate, conf)
        assert np.all(conf < 0.1)  # and the intervals are informative


def test_morris_screening_of_the_ishigami_function():
    x = sample(ISHIGAMI, "morris", 100, seed=1)
    indices = morris_indices(ISHIGAMI, x, pd.DataFrame({"y": Ishigami.evaluate(x)}), seed=1)
    mu_star = indices.set_index("parameter").mu_star
    sigma = indices.set_index("parameter").sigma
    # x3 acts only through its interaction with x1: a small mean effect but a large spread.
    assert mu_star["x3"] < mu_star["x1"] and mu_star["x3"] < mu_star["x2"]
    assert sigma["x3"] > 0.5 * mu_star["x3"]


def test_a_constant_outcome_is_reported_not_decomposed():
    x = sample(ISHIGAMI, "sobol", 64, seed=0)
    indices = sobol_indices(ISHIGAMI, pd.DataFrame({"flat": np.ones(len(x))}))
    assert set(indices.note) == {"constant over the design"}
    assert indices.ST.isna().all()


def test_prim_finds_the_box_that_produces_the_outcome():
    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.random((2000, 3)), columns=["a", "b", "c"])
    inside = (x.a > 0.6) & (x.b < 0.3)
    loss = pd.Series(np.where(inside, 10.0, 0.0) + rng.random(2000), name="loss")
    box = discover(x, loss, threshold=5.0)
    limits = box.limits.set_index("parameter")
    assert list(limits.restricted) == [True, True, False]
    # The box holds the true region (a > 0.6, b < 0.3) with little else around it.
    assert 0.5 < limits.low["a"] <= 0.6 and 0.3 <= limits.high["b"] < 0.4
    assert box.coverage >= 0.95 and box.density >= 0.8
    assert box.cases == int(inside.sum())
    # Asking for a denser box trades coverage for a tighter fit.
    tight = discover(x, loss, threshold=5.0, min_density=0.97).limits.set_index("parameter")
    assert tight.low["a"] == pytest.approx(0.6, abs=0.03)
    assert tight.high["b"] == pytest.approx(0.3, abs=0.03)


def test_default_threshold_leaves_cases_above_it_despite_ties():
    y = pd.Series([0.0] * 85 + [1.0] * 15)
    assert (y > default_threshold(y)).sum() == 15
    y = pd.Series([0.0] * 10 + [2.0] * 90)
    assert (y > default_threshold(y)).sum() == 90


# ----------------------------------------------------------------------- declared uncertainty
def write_set(tmp_path, body: str):
    path = tmp_path / "set.yaml"
    path.write_text("name: test\nparameters:\n" + textwrap.indent(textwrap.dedent(body), "  "))
    return str(path)


def test_the_shipped_set_is_valid_and_scales_families_of_values():
    cfg = load_config("most_likely_enemy")
    spec = load_uncertainty("default")
    validate_uncertainty(spec, cfg)
    doubled = apply(cfg, spec, {"repair_time": 2.0, "decision_delay_hours": 30.0})
    for name, t in cfg.world.asset_types.items():
        assert doubled.world.asset_types[name].repair_median_hours == 2 * t.repair_median_hours
    assert doubled.responders.decision_delay_hours == 30.0
    assert cfg.responders.decision_delay_hours == 24  # the original is untouched


@pytest.mark.parametrize(
    "name", sorted(p.stem for p in (Path(configs.__file__).parent / "uncertainty").glob("*.yaml"))
)
def test_every_shipped_range_holds_the_shipped_value(name):
    """A range that leaves out the model's own value explores another model: the shipped
    contact rate fell to 0.08 while the default set still swept 0.25 to 1, and total_loss
    then seemed to depend on it alone (ST 0.94)."""
    cfg = load_config()
    for key, p in load_uncertainty(name).parameters.items():
        if p.mode == "scale":
            assert p.low <= 1.0 <= p.high, key
            continue
        for container, leaf in numeric_leaves(cfg, key, p):
            assert p.low <= get_value(container, leaf) <= p.high, (key, leaf)


def test_integer_values_stay_integers(tmp_path):
    cfg = load_config("most_likely_enemy")
    spec = load_uncertainty(
        write_set(tmp_path, "guards: {path: responders.guarded_assets, low: 0, high: 10}")
    )
    validate_uncertainty(spec, cfg)
    assert apply(cfg, spec, {"guards": 6.6}).responders.guarded_assets == 7


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ("x: {path: responders.no_such_key, low: 0, high: 1}", "uncertainty.parameters.x.path"),
        ("x: {path: responders.guard_protection, low: 0.5, high: 0.5}", "parameters.x.high"),
        (
            "x: {path: responders.guard_protection, low: 0.1, high: 0.5, distribution: beta}",
            "uncertainty.parameters.x.distribution",
        ),
        (
            "x: {path: responders.find_rate_per_hour, low: 0, high: 1, distribution: loguniform}",
            "uncertainty.parameters.x.low",
        ),
        (
            "x: {path: responders.guard_protection, low: 0.1, high: 0.5, distribution: triangular}",
            "uncertainty.parameters.x.peak",
        ),
        # A probability pushed above 1 at the top of the range: the model would refuse it.
        ("x: {path: responders.guard_protection, low: 0.5, high: 1.5}", "parameters.x.high"),
        (
            "x: {path: world.asset_types.*.protection, low: 1, high: 2}",
            "uncertainty.parameters.x.path",  # several values need mode scale
        ),
        ("x: {path: responders.guard_protection, low: 0.1}", "uncertainty.parameters.x.high"),
    ],
)
def test_bad_uncertainty_sets_are_refused_with_the_key(tmp_path, body, key):
    cfg = load_config("most_likely_enemy")
    with pytest.raises(ConfigError) as err:
        validate_uncertainty(load_uncertainty(write_set(tmp_path, body)), cfg)
    assert key in str(err.value)


def test_plain_jobs_keep_their_config_hash():
    """Adding designs did not change what earlier sweeps' completion markers were hashed on."""
    from omegaconf import OmegaConf

    cfg = OmegaConf.structured(load_config("grid_shock"))
    assert "design" not in results_yaml(cfg)


# ----------------------------------------------------------------------- through the model
SMALL_SET = """
budget: {path: adversary.cells.*.budget, mode: scale, low: 0.5, high: 2.0}
repair: {path: world.asset_types.*.repair_median_hours, mode: scale, low: 0.5, high: 2.0}
delay: {path: responders.decision_delay_hours, low: 6, high: 72}
"""


@pytest.mark.slow
def test_a_small_sobol_run_on_the_model(tmp_path, run_module):
    out = tmp_path / "gsa"
    args = [
        # n=4, 20 rows in 2 jobs of 10: still two jobs (the resume check counts both), enough
        # rows for PRIM to find a box and for total_loss's ST to be defined (as at n=8)
        "method=sobol",
        "n=4",
        f"out={out}",
        f"uncertainty={write_set(tmp_path, SMALL_SET)}",
        "block_size=10",
        "size=smoke",
        "replicates=1",
        "horizon_days=14",
        # the campaign that damages from the start (most_likely_enemy's first 12 days go for the
        # allied corridors, whose losses do not vary with these three inputs in 14 days)
        "scenario=hybrid_campaign",
    ]
    proc = run_module("experiments.sensitivity", *args)
    assert proc.returncode == 0, proc.stderr[-2000:]
    indices = pd.read_csv(out / "sobol_indices.csv")
    assert list(indices.columns[:6]) == ["outcome", "parameter", "S1", "S1_conf", "ST", "ST_conf"]
    assert len(indices) == len(OUTCOMES) * 3
    assert set(indices.outcome) == set(OUTCOMES)
    total = indices[indices.outcome == "total_loss"].set_index("parameter")
    assert total.ST.notna().all()
    assert (out / "report.html").is_file() and (out / "discovery_box.csv").is_file()
    # The runs are an ordinary sweep: the catalog has every design row, with its inputs.
    catalog = build_catalog(out / "runs", write=False)
    assert (catalog.status == "complete").all()
    assert sorted(catalog.design_row.astype(int)) == list(range(4 * 5))
    assert {"param_budget", "param_repair", "param_delay"} <= set(catalog.columns)
    # Each run carries the inputs of its design row.
    design = pd.read_parquet(out / "design.parquet")
    assert catalog.param_budget.to_numpy() == pytest.approx(
        design.set_index("design_row").budget.loc[catalog.design_row.astype(int)].to_numpy()
    )
    # Running the same command again resumes: nothing reruns, the indices are the same.
    again = run_module("experiments.sensitivity", *args)
    assert again.returncode == 0
    assert again.stderr.count("already complete") == 2  # both jobs
    pd.testing.assert_frame_equal(pd.read_csv(out / "sobol_indices.csv"), indices)


@pytest.mark.slow
def test_a_small_morris_run_on_the_model(tmp_path, run_module):
    out = tmp_path / "morris"
    proc = run_module(
        "experiments.sensitivity",
        # 2 trajectories (8 runs) of the hybrid campaign, whose losses do move with these
        # inputs within 14 days (the default scenario's do not: every index of its design was
        # "constant over the design", so the elementary effects were never computed)
        "method=morris",
        "n=2",
        f"out={out}",
        f"uncertainty={write_set(tmp_path, SMALL_SET)}",
        "size=smoke",
        "replicates=1",
        "horizon_days=14",
        "scenario=hybrid_campaign",
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    indices = pd.read_csv(out / "morris_indices.csv")
    assert {"mu_star", "mu_star_conf", "sigma"} <= set(indices.columns)
    assert len(indices) == len(OUTCOMES) * 3
    total = indices[indices.outcome == "total_loss"]
    assert (total.mu_star.dropna() >= 0).all() and (total.mu_star > 0).any(), total


def test_bad_input_stops_before_anything_runs(tmp_path, run_module, capsys):
    out = tmp_path / "bad"
    bad = write_set(tmp_path, "x: {path: responders.guard_protection, low: 0.5, high: 1.5}")
    proc = run_module(
        "experiments.sensitivity", "method=sobol", "n=8", f"out={out}", f"uncertainty={bad}"
    )
    assert proc.returncode == 2
    assert "uncertainty.parameters.x.high" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists()
    # The other refusals take the same path to the same one-line answer (the subprocess above
    # is the command as a user runs it): in-process, they skip a second and third start-up.
    capsys.readouterr()
    assert sensitivity_main(["method=sobol", "n=12", f"out={out}"]) == 2
    assert "n: a power of 2" in capsys.readouterr().err
    assert sensitivity_main(["method=fast", f"out={out}"]) == 2
    assert "method" in capsys.readouterr().err
