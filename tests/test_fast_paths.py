"""Fast paths of the step phases give what the general code gives."""

import copy

import numpy as np

from abm import HybridThreatModel
from agents.adversary import AdversaryCell


def test_dependents_now_are_the_counts_with_residents_and_reception_written_in():
    model = HybridThreatModel(scenario="most_likely_enemy", rng=3, horizon_days=1)
    deps, rng = model.dependents, np.random.default_rng(0)
    n = model.world.regions.n
    for _ in range(5):
        present, reception = rng.random(n) * 1e5, 1.0 + rng.random(n)
        plain = deps.count.copy()
        plain[:, deps._residents] = present[:, None]
        plain[:, deps._reception] = (deps.reception * reception)[:, None]
        assert np.array_equal(deps.now(present, reception), plain)


def test_the_serials_delivered_count_is_that_of_delivered():
    model = HybridThreatModel(scenario="most_likely_enemy", rng=3, horizon_days=16)
    transit = model.transit
    for _ in range(model.n_steps):
        model.step()
        expected = np.count_nonzero(~np.isnan(transit.delivered(model.hour)))
        assert transit.delivered_count(model.hour) == expected
    assert not np.isnan(transit.crossed_at).any()  # the count after the last crossing too


def test_recruiting_all_cells_at_once_is_each_cell_recruiting():
    model = HybridThreatModel(scenario="most_likely_enemy", rng=3, horizon_days=10)
    for _ in range(200):  # trust has fallen somewhere
        model.step()
    campaign = model.campaign
    before = copy.deepcopy((campaign.recruits, campaign.recruited))
    for cell in model.cells:  # each cell on its own, in full
        if cell._sabotages and campaign.active[cell.index]:
            gained = 0.7 * cell.trust_lost() * model.dt / 24.0
            campaign.recruits[cell.index] += gained
            campaign.recruited[cell.index] += gained
    one_by_one = (campaign.recruits.copy(), campaign.recruited.copy())
    campaign.recruits[:], campaign.recruited[:] = before
    AdversaryCell.recruit_all(model.cells, 0.7, model.dt)
    assert np.array_equal(campaign.recruits, one_by_one[0])
    assert np.array_equal(campaign.recruited, one_by_one[1])
    assert (one_by_one[1] > before[1]).any()


def test_the_exposure_summed_per_group_is_the_general_one():
    model = HybridThreatModel(scenario="corridor_sabotage", rng=3, horizon_days=14)
    transit = model.transit
    assert transit._disjoint_corridors  # the shipped worlds keep the groups apart
    seen = 0
    for step in range(model.n_steps):
        model.step()
        if step % 12:
            continue
        fast = transit.exposure()
        transit._disjoint_corridors = False
        general = transit.exposure()
        transit._disjoint_corridors = True
        assert np.array_equal(fast, general)
        seen += bool(fast.any())
    assert seen > 3
