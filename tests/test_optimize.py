"""The search over mitigation packages: a known Pareto front, levers as variables, a model run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abm import HybridThreatModel, load_config
from abm.designs import lever_space
from abm.mitigation import package_cost
from abm.uncertainty import apply
from analysis.catalog import build_catalog
from analysis.search import nsga2, pareto_mask, robustness
from experiments.optimize import main as optimize_main

#: Largest distance allowed between the recovered front and ZDT1's true front.
TOLERANCE = 0.05


def zdt1(batch):
    """ZDT1 with three variables (Zitzler, Deb & Thiele 2000): the Pareto front is
    f2 = 1 - sqrt(f1), f1 in [0, 1], reached where x2 = x3 = 0."""
    out = []
    for p in batch:
        g = 1 + 9 * (p["x2"] + p["x3"]) / 2
        out.append((p["x1"], g * (1 - np.sqrt(p["x1"] / g))))
    return out


def test_nsga2_recovers_the_zdt1_front():
    trials = nsga2(zdt1, ["x1", "x2", "x3"], ["f1", "f2"], 4000, 40, seed=1)
    front = trials[pareto_mask(trials[["f1", "f2"]].to_numpy())]
    # Every point found lies on the true front, within the tolerance ...
    assert np.abs(front.f2 - (1 - np.sqrt(front.f1))).max() < TOLERANCE
    # ... and the points found cover the whole front.
    f1 = np.linspace(0, 1, 51)
    f2 = 1 - np.sqrt(f1)
    gap = np.hypot(
        front.f1.to_numpy()[None, :] - f1[:, None], front.f2.to_numpy()[None, :] - f2[:, None]
    )
    assert gap.min(axis=1).max() < TOLERANCE


def test_a_budget_keeps_every_evaluated_candidate_within_it():
    seen = []

    def evaluate(batch):
        seen.extend(batch)
        return [(p["a"] + p["b"],) for p in batch]

    trials = nsga2(
        evaluate, ["a", "b"], ["f"], 30, 10, seed=0, feasible=lambda p: p["a"] + p["b"] <= 0.5
    )
    assert len(trials) == len(seen) == 30
    assert all(p["a"] + p["b"] <= 0.5 for p in seen)


def test_pareto_mask_and_robustness_measures():
    values = np.array([[1, 5], [2, 2], [3, 3], [5, 1], [2, 2]])
    assert list(pareto_mask(values)) == [True, True, False, True, True]
    loss = pd.DataFrame([[1.0, 4.0], [2.0, 2.0], [3.0, 5.0]])
    table = robustness(loss, threshold=2.0)
    assert list(table.max_regret) == [2.0, 1.0, 3.0]
    assert list(table.satisficing) == [0.5, 1.0, 0.0]


def test_lever_intensities_span_none_to_the_full_package():
    cfg = load_config("grid_shock", overrides=["mitigation=combined"], horizon_days=4)
    space = lever_space(cfg)
    assert set(space.parameters) == set(cfg.mitigation.levers)
    off = apply(cfg, space, dict.fromkeys(space.parameters, 0.0))
    full = apply(cfg, space, dict.fromkeys(space.parameters, 1.0))
    half = apply(cfg, space, dict.fromkeys(space.parameters, 0.5))
    assert package_cost(off.mitigation) == 0.0
    assert package_cost(full.mitigation) == pytest.approx(package_cost(cfg.mitigation))
    assert package_cost(half.mitigation) == pytest.approx(package_cost(cfg.mitigation) / 2)
    # Intensity 0 is no mitigation at all: the same run as "none", to the bit.
    none = load_config("grid_shock", overrides=["mitigation=none"], horizon_days=4)
    runs = [HybridThreatModel(c, rng=2) for c in (off, none, full)]
    for m in runs:
        m.run_model()
    assert runs[0].summary()["total_loss"] == runs[1].summary()["total_loss"]
    assert runs[2].summary()["total_loss"] < runs[1].summary()["total_loss"]


@pytest.mark.slow
def test_a_smoke_search_on_the_model(tmp_path, run_module):
    out = tmp_path / "opt"
    proc = run_module(
        "experiments.optimize",
        "objectives=[total_loss,mitigation_cost_meur,transit_mean_delay_h]",
        "budget=150",
        "n_trials=8",
        "population=4",
        "robust=2",
        "robust_max=3",
        f"out={out}",
        "size=smoke",
        "replicates=1",
        # 2 jobs a generation (not 4 of one package each): the catalog check still reads a
        # generation across a job boundary, at half the jobs' fixed cost
        "block_size=2",
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    trials = pd.read_csv(out / "trials.csv")
    assert len(trials) == 8 and (trials.mitigation_cost_meur <= 150 + 1e-6).all()
    pareto = pd.read_csv(out / "pareto.csv")
    assert {"hardening", "total_loss", "total_loss_ci", "mitigation_cost_meur"} <= set(pareto)
    assert 1 <= len(pareto) <= 8
    robust = pd.read_csv(out / "robustness.csv")
    assert 1 <= len(robust) <= 3
    assert (robust.mean_regret >= 0).all() and (robust.max_regret >= robust.mean_regret).all()
    # regret is measured from each scenario's best candidate: mean loss minus mean regret is
    # that best, the same for every candidate, and no candidate's mean loss is below it
    best = robust.mean_loss - robust.mean_regret
    assert np.allclose(best, best.iloc[0]) and best.iloc[0] <= robust.mean_loss.min() + 1e-6
    assert (out / "report.html").is_file()
    # Each generation is an ordinary sweep in the catalog.
    catalog = build_catalog(out / "generations" / "000" / "runs", write=False)
    assert sorted(catalog.design_row.astype(int).unique()) == [0, 1, 2, 3]


def test_bad_input_stops_before_anything_runs(tmp_path, run_module, capsys):
    out = tmp_path / "bad"
    proc = run_module("experiments.optimize", "objectives=[total_loss,happiness]", f"out={out}")
    assert proc.returncode == 2 and "objectives" in proc.stderr and "Traceback" not in proc.stderr
    # The second refusal takes the same path to the same one-line answer (the subprocess above
    # is the command as a user runs it): in-process, it skips a second start-up.
    capsys.readouterr()
    assert optimize_main(["budget=-5", f"out={out}"]) == 2
    assert "budget" in capsys.readouterr().err
    assert not out.exists()
