"""The vectorised population layer against its per-agent Mesa reference, step by step.

``tests.reference.population`` re-implements ``PopulationLayer.step`` one group agent at a
time, in plain Python. Driving both with the same inputs and comparing every state array after
every step checks the vectorised layer (and the reference); the drive is built so that every
mechanism runs, and the test checks that they did, so it cannot pass on a quiet run.
"""

import copy

import numpy as np
import pytest

from abm.config.couplings import HardshipAcceptanceConfig
from abm.population import PopulationLayer
from abm.sectors import SECTOR_INDEX, SECTORS
from tests.reference.population import (
    GroupAgent,
    ReferencePopulationModel,
    default_inputs,
    layer_snapshot,
    split_regions,
)

STEPS = 72
HIT = (0, 3)  # regions hit by the shock (Antwerp and Flemish Brabant, or parts of provinces)
EVACUATED = 5  # a region whose residents are partly evacuated at hour 20
SHOCKED = ("energy", "food_water", "telecom", "health", "finance", "transport")
#: The coupling through which hardship and visible outages raise acceptance, switched on.
COUPLING = HardshipAcceptanceConfig(enabled=True, strength=2.0)


@pytest.fixture(scope="module")
def inputs():
    """The default world's population and narratives, with behaviour quickened so that people
    leave the hit regions and come back within the three days of the test."""
    cfg, narratives, regions = default_inputs()
    cfg = copy.deepcopy(cfg)
    cfg.behaviour.hardship_hours = 8.0
    cfg.behaviour.leave_rate = 0.01
    cfg.behaviour.return_rate = 0.05
    # more of the displaced need public shelter, and it opens slowly: the reception path runs
    cfg.behaviour.reception_share = 0.3
    cfg.shelter_places_per_hour = 10.0
    return cfg, narratives, regions


def shock(n_regions: int) -> np.ndarray:
    """Hours 0-2 whole (the calm path); a deep outage in two regions from hour 3 to 30, long
    enough to exhaust stocks and drive people out; full recovery by hour 36, so they return."""
    out = np.zeros((STEPS, n_regions, len(SECTORS)))
    t = np.arange(STEPS, dtype=float)
    level = 0.95 * np.clip((36.0 - t) / 6.0, 0.0, 1.0) * (t >= 3)
    for r in HIT:
        for s in SHOCKED:
            out[:, r, SECTOR_INDEX[s]] = level
    return out


def drive(runner, hour: int, narratives, regions) -> None:
    """The events of the run, applied identically to the layer and to the reference."""
    names = [n.name for n in narratives]
    if hour == 2:  # at rest, nothing inoperable: the seeding alone ends the calm
        for b in ("panic_buying", "bank_run", "fear", "distrust"):
            runner.seed(names.index(f"adversary_{b}"))
    if hour == 10:  # prebunking of the digitally exposed, half reached
        exposed = runner.groups.cohort == runner.groups.cohort_names.index("digitally_exposed")
        runner.add_prebunking(exposed, 0.36, 30.0, 0.5, float(hour))
    if hour == 20:
        where = np.zeros(regions.n, dtype=bool)
        where[EVACUATED] = True
        runner.evacuate(where, 0.05, 50.0, regions.population)
    if hour == 30:
        runner.stifling_multiplier = 1.5


@pytest.mark.parametrize("n_regions", [11, 25])
def test_reference_matches_the_vectorised_layer_every_step(inputs, n_regions):
    cfg, narratives, provinces = inputs
    regions = provinces if n_regions == 11 else split_regions(provinces, n_regions)
    series = shock(regions.n)
    layer = PopulationLayer(cfg, narratives, regions, 1.0, COUPLING)
    reference = ReferencePopulationModel(
        cfg, narratives, regions, 1.0, rng=7, hardship_acceptance=COUPLING
    )
    g = layer.groups
    hit = np.isin(g.region, HIT)
    evacuated = g.region == EVACUATED
    calm_steps, substeps, demand_gap = 0, set(), np.zeros(len(SECTORS))
    sheltered = 0.0
    hit_displaced, evacuated_displaced, reach, amplified = [], [], [], []
    for k in range(STEPS):
        for runner in (layer, reference):
            drive(runner, k, narratives, regions)
        calm_steps += reference.at_rest and not series[k].any()
        layer.step(series[k], float(k))
        reference.step(series[k], float(k))
        expected, got = layer_snapshot(layer), reference.snapshot()
        for name, value in expected.items():
            np.testing.assert_allclose(
                got[name], value, rtol=1e-9, atol=1e-12, err_msg=f"{name} at hour {k}"
            )
        substeps.add(reference.n_substeps)
        reach.append(layer.reach() @ g.size / g.size.sum())
        amplified.append(bool(layer.amplifications))
        hit_displaced.append(layer.state.displaced[hit].sum())
        evacuated_displaced.append(layer.state.displaced[evacuated].sum())
        demand_gap = np.maximum(demand_gap, np.abs(layer.demand - 1.0).max(axis=0))
        sheltered = max(sheltered, float(layer.shelter.sheltered.sum()))

    # Every mechanism ran, so the comparison is not vacuous.
    assert calm_steps == 2, "the calm path (at rest, nothing inoperable) ran"
    assert max(substeps) >= 2, "spreading took several RK4 sub-steps"
    assert layer.peak_belief > 0.1, "narratives reached people"
    assert layer.acting.max() > 0.01
    assert (layer.acting <= layer.reach() + 1e-15).all(), "only believers act"
    assert amplified[2] and not amplified[-1], "the seeding's amplification ran and ended"
    reach = np.array(reach)
    assert (reach[-1] < 0.8 * reach.max(axis=0)).all(), "belief faded (forgetting, correction)"
    assert layer.state.hardship[hit].max() > 0 and max(hit_displaced) > 2000, (
        "hardship drove people out of the hit regions"
    )
    assert hit_displaced[-1] < 0.5 * max(hit_displaced), "and came back after recovery"
    assert layer.state.return_after[evacuated].min() == 50.0
    before, after = evacuated_displaced[49], evacuated_displaced[-1]
    assert before > 0.04 * g.size[evacuated].sum(), "5% were evacuated"
    assert max(evacuated_displaced[:50]) == before, "none returned before hour 50"
    assert after < 0.6 * before, "the evacuated returned from hour 50"
    for s, floor in [("food_water", 0.05), ("finance", 0.05), ("health", 1e-3)]:
        assert demand_gap[SECTOR_INDEX[s]] > floor, f"{s} demand moved"
    assert demand_gap[SECTOR_INDEX["population_flows"]] > 0.1, "reception demand moved"
    assert sheltered > 100, "emergency shelters opened for the displaced"
    assert layer.min_trust < g.trust0 @ g.size / g.size.sum() - 0.005, "trust fell"
    if regions.n > len(regions.provinces):  # displacement booked by area, not by region
        inside = max(a.displaced[a.area] for a in reference.group_agents if a.own_ok)
        assert inside > 100, "people were displaced to other regions of their own province"


def test_agent_order_does_not_matter(inputs, monkeypatch):
    """Two reference models shuffled by different Mesa seeds give bit-identical results."""
    cfg, narratives, _ = inputs
    regions = split_regions(inputs[2], 25)
    series = shock(regions.n)[:40]
    order: dict[int, list[int]] = {}
    step = GroupAgent.step

    def recorded(agent):
        order.setdefault(id(agent.model), []).append(agent.index)
        step(agent)

    monkeypatch.setattr(GroupAgent, "step", recorded)
    models = [ReferencePopulationModel(cfg, narratives, regions, 1.0, rng=seed) for seed in (1, 2)]
    for k, inoperability in enumerate(series):
        for m in models:
            drive(m, k, narratives, regions)
            m.step(inoperability, float(k))
    first, second = (m.snapshot() for m in models)
    assert order[id(models[0])] != order[id(models[1])], "the agents ran in different orders"
    for name, value in first.items():
        assert np.array_equal(value, second[name]), name
    assert first["peak_belief"] > 0.01 and first["displaced"].sum() > 0


def test_belief_fades_alike_once_nobody_spreads(inputs):
    """The path where nobody spreads any more and belief only fades (forgetting, correction),
    under an outage and then at rest, matches the reference too."""
    cfg, narratives, regions = inputs
    layer = PopulationLayer(cfg, narratives, regions, 1.0, COUPLING)
    reference = ReferencePopulationModel(
        cfg, narratives, regions, 1.0, rng=3, hardship_acceptance=COUPLING
    )
    series = shock(regions.n)
    for k in range(12):
        for runner in (layer, reference):
            drive(runner, k, narratives, regions)
            runner.step(series[k], float(k))
    layer.spreader[...] = 0.0  # the spreaders fall silent
    for agent in reference.group_agents:
        agent.spreader = [0.0] * len(narratives)
    layer.stifling_multiplier = reference.stifling_multiplier = 1.5
    before = layer.reach().sum()
    for k in range(12, 24):
        layer.step(series[k], float(k))
        reference.step(series[k], float(k))
        expected, got = layer_snapshot(layer), reference.snapshot()
        for name, value in expected.items():
            np.testing.assert_allclose(
                got[name], value, rtol=1e-9, atol=1e-12, err_msg=f"{name} at hour {k}"
            )
    assert 0 < layer.reach().sum() < 0.8 * before
