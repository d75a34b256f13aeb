"""Population groups: stocks and unmet need, narratives, trust, behaviour, displacement."""

import numpy as np
import pytest

from abm import SECTORS, HybridThreatModel, load_config
from abm.config import CohortConfig, NarrativeSeedConfig
from abm.displacement import Whereabouts, displace
from abm.groups import GroupState, build_groups
from abm.narratives import Mixing, Workspace, advance, never_reached_fraction
from abm.needs import meet_needs
from abm.reception import EmergencyShelter
from abm.world import load_regions

ENERGY = SECTORS.index("energy")


def amplified(cfg, behaviour="panic_buying", seed_fraction=0.01):
    """The narrative_only scenario's narrative, seeded in 1% (by default) of every cohort of
    its regions and amplified for two days (an organic seed alone barely spreads: forgetting
    outpaces it)."""
    n = cfg.scenario.narratives[0]
    n.behaviour, n.cohorts, n.amplification, n.amplification_hours = behaviour, [], 4.0, 48.0
    n.seed_fraction = seed_fraction
    return cfg


def run(cfg, seed=0, replicate=0):
    model = HybridThreatModel(cfg, rng=seed, replicate=replicate)
    model.run_model()
    return model


# ----------------------------------------------------------------------------- narratives
@pytest.mark.parametrize("rate", [0.5, 2.0, 6.0])
def test_maki_thompson_final_size_at_the_model_time_step(rate):
    """One well-mixed large group, one spreader in ten million, one-hour steps."""
    n = 1e7
    i, s = np.array([[1 - 1 / n]]), np.array([[1 / n]])
    one = (np.array([1.0]), np.array([0]), 1.0)
    for _ in range(10_000):
        i, s, _ = advance(i, s, rate, rate, *one, dt=1.0)
        if s.max() < 1e-14:
            break
    assert i[0, 0] == pytest.approx(never_reached_fraction(1.0), abs=1e-4)
    assert never_reached_fraction(1.0) == pytest.approx(0.203, abs=5e-4)  # Sudbury 1985


def test_maki_thompson_final_size_through_the_model():
    """The model's own path: one cohort, every region alike, so each is one well-mixed group."""
    cfg = load_config("peacetime", horizon_days=20, dt_hours=1)
    cfg.population.cohorts = {
        "everyone": CohortConfig(share=1.0, trust=0.0, susceptibility=1.0, media_literacy=0.0)
    }
    cfg.population.behaviour.acting_cohort_factor = {}  # a cohort not named acts by factor 1
    n = cfg.population.narratives
    n.within_region_share = 1.0
    # The pure case: no forgetting and no correction, spreading rate equal to stifling rate.
    n.forgetting_rate = n.correction_rate = 0.0
    n.contact_rate = n.stifling_rate = 0.5
    cfg.population.trust.loss_per_belief = 0.0  # keep acceptance fixed at 1
    cfg.couplings.hardship_acceptance.enabled = False
    cfg.scenario.narratives = [
        NarrativeSeedConfig(name="rumour", at_hour=0, behaviour="distrust", seed_fraction=1e-7)
    ]
    model = run(cfg)
    never = model.people.ignorant[0]
    assert np.allclose(never, never_reached_fraction(1.0), atol=1e-3)
    assert model.summary()["peak_belief"] == pytest.approx(
        1 - never_reached_fraction(1.0), abs=1e-3
    )


def test_explicit_euler_would_miss_it():
    """Why sub-stepping matters: one explicit hourly Euler step per hour at a high rate."""
    rate, i, s = 6.0, 1 - 1e-7, 1e-7
    for _ in range(1000):
        new = rate * i * s
        i, s = max(i - new, 0.0), max(s + new - rate * s * (1 - i), 0.0)
    assert abs(i - never_reached_fraction(1.0)) > 0.05


def test_higher_trust_reaches_less_belief_on_the_same_seeds():
    peaks = {}
    for trust in (0.2, 0.8):
        cfg = amplified(load_config("narrative_only", horizon_days=12))
        for cohort in cfg.population.cohorts.values():
            cohort.trust = trust
        peaks[trust] = np.array(
            [run(cfg, seed=5, replicate=r).summary()["peak_belief"] for r in range(3)]
        )
    assert peaks[0.8].mean() < peaks[0.2].mean()


# ------------------------------------------------------------------- stocks and unmet need
def groups_with_stock(hours):
    cfg = load_config("peacetime").population
    cfg.cohorts = {"all": CohortConfig(share=1.0, stock_hours={"energy": hours})}
    regions = load_regions("regions_provinces.csv")
    groups = build_groups(cfg, regions)
    return groups, GroupState.initial(groups), regions


@pytest.mark.parametrize("cut_hours, unmet", [(8, False), (10, False), (11, True), (30, True)])
def test_stocks_cover_a_cut_shorter_than_they_last(cut_hours, unmet):
    groups, state, regions = groups_with_stock(10.0)
    shortfall = np.zeros((regions.n, len(SECTORS)))
    shortfall[:, ENERGY] = 1.0
    for _ in range(cut_hours):
        meet_needs(state, groups, shortfall, 1.0, restock_per_hour=1.0)
    assert (state.unmet[:, ENERGY].sum() > 0) == unmet
    if unmet:  # every hour beyond the stock is a person-hour of unmet need
        expected = (cut_hours - 10) * groups.size.sum()
        assert state.unmet[:, ENERGY].sum() == pytest.approx(expected)


def test_stocks_refill_once_service_returns():
    groups, state, regions = groups_with_stock(10.0)
    shortfall = np.zeros((regions.n, len(SECTORS)))
    shortfall[:, ENERGY] = 0.5
    for _ in range(8):
        meet_needs(state, groups, shortfall, 1.0, restock_per_hour=1.0)
    assert np.allclose(state.stocks[:, ENERGY], 6.0)
    for _ in range(4):
        meet_needs(state, groups, shortfall * 0, 1.0, restock_per_hour=1.0)
    assert np.allclose(state.stocks[:, ENERGY], 10.0)


def test_unmet_need_reaches_the_summary_and_groups_table():
    from abm.results import groups_table

    model = run(load_config("regional_blackout", horizon_days=8), seed=1)
    total = model.summary()["unmet_need_person_hours"]
    assert total > 0
    table = groups_table(model).to_pandas()
    assert table["unmet_need_person_hours"].sum() == pytest.approx(total)
    liege = table[table.region == "liege"]["unmet_need_person_hours"].sum()
    assert liege > 0.5 * total


# ------------------------------------------------------------------------------ behaviour
def test_panic_buying_without_damage_costs_food_water():
    model = run(amplified(load_config("narrative_only", horizon_days=12)), seed=2)
    s = model.summary()
    assert not any(kind == "shock" for _, kind, _, _ in model.events)
    assert model.assets.working.all()
    assert s["loss_food_water"] > 0
    assert all(s[f"loss_{x}"] == 0 for x in SECTORS if x != "food_water")


def test_a_bank_run_narrative_costs_finance():
    model = run(amplified(load_config("narrative_only", horizon_days=12), "bank_run", 0.02), seed=2)
    s = model.summary()
    assert model.assets.working.all()
    assert s["loss_finance"] > 0
    # food retail needs payments (a functional A* link), so it suffers, but less
    assert s["loss_finance"] > s["loss_food_water"]


def test_vulnerable_people_without_power_load_health():
    losses = []
    for dependency in (0.0, 2.0):
        cfg = load_config("regional_blackout", horizon_days=8)
        cfg.population.cohorts["vulnerable"].health_dependency = dependency
        losses.append(
            np.mean([run(cfg, seed=3, replicate=r).summary()["loss_health"] for r in range(2)])
        )
    assert losses[1] > losses[0]


def test_population_is_conserved_in_every_step_of_a_displacement():
    cfg = load_config("regional_blackout", horizon_days=10)
    cfg.population.behaviour.leave_rate = 0.05
    cfg.population.behaviour.hardship_threshold = 0.05
    cfg.scenario.narratives = [
        NarrativeSeedConfig(
            name="flee",
            at_hour=24,
            behaviour="fear",
            virality=3.0,
            seed_fraction=0.01,
            regions=["liege"],
        )
    ]
    cfg.population.behaviour.fear_leave_rate = 0.05
    model = HybridThreatModel(cfg, rng=1)
    total = model.people.groups.size.sum()
    peak = 0.0
    while model.running:
        model.step()
        st = model.people.state
        assert np.all(st.home >= 0) and np.all(st.displaced >= 0)
        assert st.home.sum() + st.displaced.sum() == pytest.approx(total, rel=1e-12)
        assert model.population_share.sum() == pytest.approx(1.0, rel=1e-12)
        peak = max(peak, st.displaced.sum())
    assert peak > 10_000, "the scenario really displaces people"
    assert model.summary()["loss_population_flows"] > 0  # arrivals need reception


def test_displaced_people_return_when_service_is_back():
    # no long-lead items: the grid is back well within the horizon, and so are the people
    no_wait = ["world.asset_types.substation.long_lead_probability=0"]
    cfg = load_config("regional_blackout", overrides=no_wait, horizon_days=30)
    cfg.population.behaviour.leave_rate = 0.05
    cfg.population.behaviour.hardship_threshold = 0.05
    model = run(cfg, seed=1)
    st = model.people.state
    assert st.peak_displaced.sum() > 1000
    assert st.displaced.sum() < 0.01 * st.peak_displaced.sum()


def test_trust_falls_with_unmet_need_and_recovers():
    model = HybridThreatModel(load_config("regional_blackout", horizon_days=40), rng=1)
    start = model.people.national_trust()
    model.run_model()
    s = model.summary()
    assert s["min_trust"] < start
    assert model.people.national_trust() > s["min_trust"]


def test_an_evacuation_with_nowhere_to_go_moves_nobody():
    cfg = load_config("peacetime")
    model = HybridThreatModel(cfg, rng=0)
    people = model.people
    everywhere = np.ones(model.world.regions.n, dtype=bool)
    before = people.state.home.copy()
    left = people.evacuate(everywhere, 0.5, 100.0, model.world.regions.population)
    assert left == 0.0
    np.testing.assert_array_equal(people.state.home, before)
    assert people.state.displaced.sum() == 0.0
    # With somewhere to go, the same call moves half the hit region, and nobody is lost.
    one = np.zeros_like(everywhere)
    one[0] = True
    left = people.evacuate(one, 0.5, 100.0, model.world.regions.population)
    assert left > 0
    total = people.state.home.sum() + people.state.displaced.sum()
    assert total == pytest.approx(people.groups.size.sum(), rel=1e-12)


# ---------------------------------------------------------------- fast paths = plain forms
def textbook_advance(ignorant, spreader, spread, stifle, meet, dt, max_rate, forget):
    """RK4 of the narratives written plainly (fresh arrays, ``np.clip``): the form the
    workspace of :func:`abm.narratives.advance` must equal bit for bit."""
    bound = float(
        np.max(spread, initial=0.0) + np.max(stifle, initial=0.0) + np.max(forget, initial=0.0)
    )
    n_sub = max(1, int(np.ceil(bound * dt / max_rate)))
    h, n = dt / n_sub, ignorant.shape[0]

    def rates(y):
        i, s = y[:n], y[n : 2 * n]
        met = meet(np.concatenate([s, 1.0 - i]))
        new = spread * i * met[:n]
        if np.any(np.asarray(forget) > 0):
            di = forget * (1.0 - i) - new
            ds = new - stifle * s * met[n:] - forget * s
        else:
            di, ds = -new, new - stifle * s * met[n:]
        return np.concatenate([di, ds, new])

    y = np.concatenate([ignorant, spreader, np.zeros_like(ignorant)])
    for _ in range(n_sub):
        k1 = rates(y)
        k2 = rates(y + 0.5 * h * k1)
        k3 = rates(y + 0.5 * h * k2)
        k4 = rates(y + h * k3)
        y = y + h / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
    i = np.clip(y[:n], 0.0, 1.0)
    return i, np.clip(y[n : 2 * n], 0.0, 1.0 - i), np.maximum(y[2 * n :], 0.0)


@pytest.mark.parametrize("dt", [1.0, 2.0])
@pytest.mark.parametrize("forget", [0.0, 0.03, "array"])
@pytest.mark.parametrize("g", [12, 300])  # dense mixing, and the sums per region
def test_advance_in_a_kept_workspace_is_the_textbook_scheme_bit_for_bit(dt, forget, g):
    rng = np.random.default_rng(7)
    n = 3
    region = np.repeat(np.arange(g // 3), 3)
    home = rng.random(g) * 1e4
    mixing = Mixing(home, region, 0.8)
    forget_rate = rng.random((n, g)) * 0.05 if forget == "array" else forget
    i, s = 1.0 - rng.random((n, g)) * 0.2, rng.random((n, g)) * 0.02
    work = Workspace(n, g)
    for step in range(20):
        spread = rng.random((n, g)) * (0.5 if step % 2 else 3.0)  # one and several sub-steps
        stifle = 0.08 * (1 + step // 10)
        expected = textbook_advance(i, s, spread, stifle, mixing, dt, 0.2, forget_rate)
        got = advance(i, s, spread, stifle, home, region, 0.8, dt, 0.2, forget_rate, mixing, work)
        fresh = advance(i, s, spread, stifle, home, region, 0.8, dt, 0.2, forget_rate, mixing)
        for a, b, c in zip(expected, got, fresh, strict=True):
            assert a.tobytes() == b.tobytes() == c.tobytes()
        i, s = got[0], got[1]


def textbook_destinations(groups, weight):
    """Per group, the share of its leavers going to each area: every area's weight less the
    own region's weight in the own area's column, normalised (cell by cell, fresh arrays)."""
    per_area = np.bincount(groups.region_area, weights=weight, minlength=groups.n_areas)
    dest = np.repeat(per_area[None, :], groups.n, axis=0)
    dest[groups.rows, groups.area] -= weight[groups.region]
    np.maximum(dest, 0.0, out=dest)
    total = dest.sum(axis=1, keepdims=True)
    return np.divide(dest, total, out=np.zeros_like(dest), where=total > 0)


def test_destinations_equal_the_per_cell_subtraction():
    """Whereabouts.destinations (all areas' weight less 1.0 x the own region's weight in the
    own area's column) equals subtracting the own weight cell by cell."""
    for file in ("regions_provinces.csv", "regions_municipalities.csv"):
        regions = load_regions(file)
        groups = build_groups(load_config("peacetime").population, regions)
        rng = np.random.default_rng(3)
        weight = rng.random(regions.n) * 1e6
        weight[rng.random(regions.n) < 0.2] = 0.0  # some regions out of service
        expected = textbook_destinations(groups, weight)
        got = Whereabouts(weight, groups).destinations(weight)
        assert got.tobytes() == expected.tobytes()


def test_an_empty_shelter_step_is_a_step_without_need():
    a, b = EmergencyShelter(4, 10.0), EmergencyShelter(4, 10.0)
    for shelter in (a, b):
        shelter.step(np.array([5.0, 0.0, 30.0, 1.0]), 1.0)
    assert a.step(np.zeros(4), 1.0).tobytes() == b.step_empty().tobytes()
    assert a.sheltered.tobytes() == b.sheltered.tobytes()


def textbook_displace(
    state, groups, home_unmet, fear, weight, hours, threshold, leave, fear_leave, back, dt, hour
):
    """:func:`abm.displacement.displace` written plainly (every term, fresh arrays)."""
    state.hardship += (home_unmet - state.hardship) * min(1.0, dt / hours)
    pressure = np.maximum(0.0, state.hardship - threshold) / (1.0 - threshold)
    rate = groups.mobility * (leave * pressure + fear_leave * fear)
    leavers = state.home * -np.expm1(-rate * dt)
    if leavers.any():
        dest = textbook_destinations(groups, weight)
        leavers = np.where(dest.any(axis=1), leavers, 0.0)
        state.home -= leavers
        state.displaced += leavers[:, None] * dest
    calm = (state.hardship < threshold / 2) & (hour >= state.return_after)
    if state.displaced.any():
        moved = state.displaced * (-np.expm1(-back * dt) * calm)[:, None]
        state.displaced -= moved
        state.home += moved.sum(axis=1)
    np.maximum(state.peak_displaced, state.displaced.sum(axis=1), out=state.peak_displaced)


@pytest.mark.parametrize("case", ["hardship", "fear", "both", "neither", "nowhere"])
def test_displace_takes_its_shortcuts_bit_for_bit(case):
    """Skipping the hardship or fear term when it is 0 everywhere, and the per-cell
    destinations, change no bit of the textbook rules."""
    regions = load_regions("regions_provinces.csv")
    groups = build_groups(load_config("peacetime").population, regions)
    rng = np.random.default_rng(11)
    states = [GroupState.initial(groups) for _ in range(2)]
    for step in range(30):
        unmet = rng.random(groups.n) * (0.9 if case in ("hardship", "both", "nowhere") else 0.1)
        fear = rng.random(groups.n) * 0.3 * (case in ("fear", "both", "nowhere"))
        weight = regions.population * rng.random(regions.n)
        if case == "nowhere":
            weight[rng.random(regions.n) < 0.8] = 0.0
        args = (unmet, fear, weight, 8.0, 0.3, 0.05, 0.02, 0.1, 1.0, float(step))
        displace(states[0], groups, *args)
        textbook_displace(states[1], groups, *args)
        for name in vars(states[0]):
            assert getattr(states[0], name).tobytes() == getattr(states[1], name).tobytes(), name
