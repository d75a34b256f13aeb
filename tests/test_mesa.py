"""The model is a plain Mesa model: batch_run, SolaraViz and a hand-written loop drive it."""

import numpy as np
import pytest
from mesa.batchrunner import batch_run

from abm import SECTORS, HybridThreatModel, run_replicate
from agents import InfrastructureOperator, PopulationGroup, SectorAgent


def test_batch_run_drives_the_model_for_two_seeds():
    results = batch_run(
        HybridThreatModel,
        parameters={"scenario": "grid_shock", "horizon_days": 3},
        rng=[1, 2],
        max_steps=10_000,
        number_processes=1,
        data_collection_period=-1,
        display_progress=False,
    )
    assert len(results) == 2
    assert {r["rng"] for r in results} == {1, 2}
    assert all(r["Step"] == 3 * 24 for r in results), "the last record is the horizon"
    losses = [r["total_loss"] for r in results]
    assert all(loss > 0 for loss in losses)
    assert losses[0] != losses[1]


def test_running_turns_false_at_the_horizon_and_reporters_follow_the_interval():
    model = HybridThreatModel(scenario="peacetime", rng=0, horizon_days=2, record_every_hours=4)
    model.run_model()
    assert not model.running
    assert model.steps == 48
    frame = model.datacollector.get_model_vars_dataframe()
    assert len(frame) == 13  # hours 0, 4, ..., 44 and the end of the run
    assert (frame["mean_service"] == 1.0).all()


def test_agents_are_readable_views():
    model = HybridThreatModel(scenario="grid_shock", rng=2, horizon_days=3)
    model.run_model()
    sectors = list(model.agents_by_type[SectorAgent])
    assert [s.key for s in sectors] == list(SECTORS)
    energy = sectors[SECTORS.index("energy")]
    assert energy.loss == pytest.approx(model.summary()["loss_energy"])
    assert 0 <= energy.national_service <= 1
    operators = list(model.agents_by_type[InfrastructureOperator])
    assert len(operators) == model.world.operators.n
    owned = np.concatenate([op.assets for op in operators])
    assert np.array_equal(np.sort(owned), np.arange(model.world.n_assets))
    hospital_networks = [op for op in operators if op.name.startswith("hospital_networks")]
    assert len(hospital_networks) <= 25  # FACTS.md: at most 25 loco-regional networks
    groups = list(model.agents_by_type[PopulationGroup])
    assert len(groups) == model.world.regions.n * 3  # general, vulnerable, digitally exposed
    assert sum(g.size for g in groups) == pytest.approx(model.world.regions.population.sum())
    antwerp = [g for g in groups if g.region == "antwerp"]
    assert all(0 <= g.trust <= 1 for g in antwerp)
    assert sum(sum(g.unmet_need.values()) for g in groups) == pytest.approx(
        model.summary()["unmet_need_person_hours"]
    )


def test_solara_viz_renders_the_model_unchanged():
    solara = pytest.importorskip("solara")
    from mesa.visualization import SolaraViz, make_plot_component

    model = HybridThreatModel(scenario="grid_shock", rng=1, horizon_days=2)
    page = SolaraViz(
        model,
        components=[make_plot_component("mean_service")],
        model_params={"scenario": "grid_shock", "horizon_days": 2, "rng": 1},
    )
    solara.render(page, handle_error=False)
    for _ in range(36):
        model.step()
    assert model.datacollector.get_model_vars_dataframe()["mean_service"].iloc[-1] < 1


def test_three_lines_in_a_notebook():
    summary = run_replicate(scenario="grid_shock", seed=1, horizon_days=4)
    assert summary["scenario"] == "grid_shock"
    assert summary["loss_energy"] > 0


def test_phases_are_the_steps_order():
    """The benchmark times ``PHASES``; they must be exactly the calls of ``step``, in order."""
    import inspect
    import re

    from abm.vocabulary import PHASES

    source = inspect.getsource(HybridThreatModel.step)
    called = re.findall(r"self\.(\w+)\(", source)
    assert called == list(PHASES)
