"""Paired comparisons: bootstrap, Wilcoxon with Holm, effect size, degenerate cases, synergy;
weightings, increments, engagement and transit in the ranking (synthetic summary frames)."""

import numpy as np
import pandas as pd
import pytest

from abm import SECTORS
from abm.weighting import WEIGHTINGS, load_weighting
from analysis.compare import (
    NEVER_ENGAGED,
    additivity,
    bootstrap_ci,
    compare,
    coupling_contributions,
    effect_size,
    engagement,
    holm,
    increments,
    ranking,
    ranking_by_weighting,
    recorded_weighting,
    synergy,
    synergy_attempts,
    total_label,
    with_weighting,
)

LEVERS = ("hardening", "intelligence", "legal_framework")


def synthetic(
    effects: dict[str, float],
    n: int = 30,
    noise: float = 1.0,
    seed: int = 0,
    engaged: dict[str, dict[str, bool]] | None = None,
):
    """Summary rows as the results contract has them: a none arm and one arm per mitigation
    shifted by a known amount of total loss (spread evenly over the sectors, in person-hours),
    people affected 100 per sector less 10 per unit of effect, ``engaged_<kind>`` flags (null
    where the package lacks the lever) and transit outcomes that improve with the effect."""
    rng = np.random.default_rng(seed)
    base = rng.gamma(4.0, 2.0, size=n)
    engaged = engaged or {}
    rows = []
    for mitigation, effect in {"none": 0.0, **effects}.items():
        shift = np.zeros(n) if mitigation == "none" else effect + rng.normal(0, noise, n)
        for r in range(n):
            row = {
                "scenario": "s",
                "mitigation": mitigation,
                "replicate": r,
                "seed": 0,
                "weighting": "equal",
                "mitigation_cost_meur": 10.0,
                "mitigation_cost_low_meur": 5.0,
                "mitigation_cost_high_meur": 20.0,
                "mitigation_investment_meur": 50.0,
                "mitigation_yearly_meur": 5.0,
                "population": 1000.0,
            }
            total = base[r] + shift[r]
            for s in SECTORS:
                row[f"loss_{s}"] = total / len(SECTORS)
                row[f"affected_{s}"] = 100.0 + 10.0 * shift[r]
            row["total_loss"] = total
            row["transit_completed_fraction"] = min(1.0, 0.5 - 0.01 * shift[r])
            row["transit_mean_delay_h"] = 10.0 + shift[r]
            row["transit_max_delay_h"] = 20.0 + 2 * shift[r]
            for kind in LEVERS:
                row[f"engaged_{kind}"] = engaged.get(mitigation, {}).get(kind)
            rows.append(row)
    return pd.DataFrame(rows)


def test_the_paired_bootstrap_recovers_a_known_difference():
    table = compare(synthetic({"good": -2.0, "useless": 0.0}, n=40))
    good = table.set_index("mitigation").loc["good"]
    assert good.ci_low < -2.0 < good.ci_high
    assert good.ci_high < 0 and good.significant
    useless = table.set_index("mitigation").loc["useless"]
    assert useless.ci_low < 0 < useless.ci_high and not useless.significant


def test_bootstrap_interval_covers_the_mean_at_about_the_nominal_rate():
    rng = np.random.default_rng(1)
    hits = 0
    for trial in range(200):
        d = rng.normal(1.5, 2.0, 40)
        low, high = bootstrap_ci(d, resamples=2000, seed=trial)
        hits += low < 1.5 < high
    assert 0.88 <= hits / 200 <= 0.99


def test_holm_matches_a_hand_computed_example():
    # p sorted: 0.01 (x4 = 0.04), 0.02 (x3 = 0.06), 0.03 (x2 = 0.06), 0.04 (x1 -> max 0.06)
    adjusted = holm([0.03, 0.01, 0.04, 0.02])
    assert adjusted.tolist() == pytest.approx([0.06, 0.04, 0.06, 0.06])
    assert holm([0.5, np.nan, 0.01]).tolist()[0] == pytest.approx(0.5)
    assert np.isnan(holm([0.5, np.nan, 0.01])[1])
    assert holm([0.9, 0.8]).max() <= 1.0


def test_all_differences_zero():
    summary = synthetic({"same": 0.0}, noise=0.0)
    row = compare(summary).iloc[0]
    assert row.mean_difference == 0 and row.ci_low == 0 and row.ci_high == 0
    assert row.p_wilcoxon == 1.0 and row.effect_size_dz == 0.0
    assert "identical" in row.note


def test_a_single_replicate():
    row = compare(synthetic({"one": -1.0}, n=1)).iloc[0]
    assert np.isnan(row.ci_low) and np.isnan(row.p_wilcoxon) and np.isnan(row.effect_size_dz)
    assert "one replicate" in row.note


def test_too_few_replicates_to_separate_is_said():
    row = compare(synthetic({"maybe": -3.0}, n=4)).iloc[0]
    assert "too few replicates" in row.note and not row.significant
    many = compare(synthetic({f"m{k}": -3.0 for k in range(8)}, n=7))
    assert many.note.str.contains("Holm").all()  # 2/2^7 x 8 = 0.125: never significant


def test_effect_size():
    assert effect_size(np.array([1.0, 2.0, 3.0])) == pytest.approx(2.0)
    assert effect_size(np.array([1.0])) != effect_size(np.array([1.0]))  # NaN


def test_total_loss_is_recomputed_under_a_named_weighting():
    summary = synthetic({"a": -1.0}, n=10)
    impact = load_weighting("impact")
    weighted = with_weighting(summary, "impact")
    w = np.array([impact.weights[s] for s in SECTORS])
    expected = summary[[f"loss_{s}" for s in SECTORS]].to_numpy() @ w
    assert np.allclose(weighted.total_loss, expected)
    assert set(weighted.weighting) == {"impact"}
    people = with_weighting(summary, "people_affected")
    assert np.allclose(people.total_loss, summary[[f"affected_{s}" for s in SECTORS]].sum(axis=1))
    assert total_label("equal") == "total_loss [weighting equal: person-hours]"
    assert recorded_weighting(summary) == "equal"
    assert recorded_weighting(summary.drop(columns="weighting")) == "equal"
    assert recorded_weighting(summary.assign(weighting="impact")) == "impact"


def test_ranking_and_cost_effectiveness_per_meur_per_year():
    table = ranking(synthetic({"big": -4.0, "small": -1.0}, n=30))
    assert table.mitigation.tolist() == ["big", "small"]
    assert set(table.weighting) == {"equal"}
    big = table.iloc[0]
    # loss is in person-hours already: no conversion by the population any more
    assert big.avoided_per_meur_year == pytest.approx(big.loss_avoided / 10)
    assert big.per_meur_year_low < big.avoided_per_meur_year < big.per_meur_year_high
    assert big.mitigation_investment_meur == 50 and big.mitigation_yearly_meur == 5


def test_the_ranking_under_another_weighting_is_in_its_unit():
    summary = synthetic({"big": -4.0, "small": -1.0}, n=30)
    people = ranking(summary, weighting="people_affected").set_index("mitigation")
    # people affected, summed over the nine sectors: 9 x (100 - the arm's mean)
    big_affected = summary[summary.mitigation == "big"].affected_energy.mean()
    assert people.loc["big", "loss_avoided"] == pytest.approx(9 * (100 - big_affected))
    by = ranking_by_weighting(summary, WEIGHTINGS)
    assert list(by.index) == ["big", "small"]
    assert list(by.columns) == [
        "avoided [equal: person-hours]",
        "rank [equal]",
        "avoided [people_affected: people affected (summed over sectors)]",
        "rank [people_affected]",
        "avoided [impact: impact-weighted person-hours]",
        "rank [impact]",
    ]
    assert by["rank [equal]"].tolist() == [1, 2] and by["rank [impact]"].tolist() == [1, 2]


def test_transit_is_in_the_ranking():
    table = ranking(synthetic({"big": -4.0}, n=30)).set_index("mitigation")
    big = table.loc["big"]
    assert big.d_transit_mean_delay_h == pytest.approx(big.mean_difference)
    assert big.d_transit_max_delay_h == pytest.approx(2 * big.mean_difference)
    assert big.d_transit_completed > 0
    assert big.d_transit_mean_delay_h_ci_low < big.d_transit_mean_delay_h < 0
    # missing transit (no serials) leaves the pairs out instead of giving NaN
    summary = synthetic({"big": -4.0}, n=30)
    summary.loc[summary.replicate == 0, "transit_mean_delay_h"] = np.nan
    assert compare(summary, "transit_mean_delay_h").pairs.iloc[0] == 29


def test_a_lever_that_never_engages_says_so():
    engaged = {
        "hardening": {"hardening": True},
        "legal_framework": {"legal_framework": False},
        "intelligence": {"intelligence": True},
    }
    summary = synthetic(
        {"hardening": -2.0, "legal_framework": 0.0, "intelligence": -1.0},
        n=12,
        engaged=engaged,
    )
    legal = summary.mitigation == "legal_framework"
    summary.loc[legal, "total_loss"] = summary.loc[legal].replicate.map(
        summary[summary.mitigation == "none"].set_index("replicate").total_loss
    )
    for s in SECTORS:
        summary.loc[legal, f"loss_{s}"] = summary.loc[legal, "total_loss"] / len(SECTORS)
    # intelligence engages in half the replicates only
    summary.loc[
        (summary.mitigation == "intelligence") & (summary.replicate % 2 == 0),
        "engaged_intelligence",
    ] = False
    table = ranking(summary).set_index("mitigation")
    assert table.loc["legal_framework", "note"].startswith(NEVER_ENGAGED)
    assert table.loc["legal_framework", "loss_avoided"] == 0
    assert table.loc["legal_framework", "engaged_share"] == 0
    assert (
        table.loc["hardening", "engaged_share"] == 1
        and NEVER_ENGAGED not in table.loc["hardening", "note"]
    )
    assert table.loc["intelligence", "engaged_share"] == pytest.approx(0.5)
    shares = engagement(summary)
    assert shares.loc["hardening", "hardening"] == 1 and np.isnan(shares.loc["none", "hardening"])


def increments_summary(n: int = 12) -> pd.DataFrame:
    """none, two single levers, combined, and combined minus each: hardening adds 3 inside
    combined, legal_framework nothing."""
    summary = synthetic(
        {
            "hardening": -4.0,
            "legal_framework": 0.0,
            "combined": -5.0,
            "combined_minus_hardening": -2.0,
            "combined_minus_legal_framework": -5.0,
        },
        n=n,
        noise=0.0,
    )
    return summary


def test_the_ranking_leaves_the_increment_arms_out_and_increments_compare_with_combined():
    summary = increments_summary()
    table = ranking(summary)
    assert set(table.mitigation) == {"hardening", "legal_framework", "combined"}
    inc = increments(summary).set_index("lever")
    assert set(inc.index) == {"hardening", "legal_framework"}
    assert inc.loc["hardening", "increment"] == pytest.approx(3.0)
    assert inc.loc["hardening", "alone"] == pytest.approx(4.0)
    assert inc.loc["legal_framework", "increment"] == pytest.approx(0.0, abs=1e-12)
    assert inc.loc["legal_framework", "note"] == "no effect inside combined"
    assert inc.loc["hardening", "package"] == "combined"


def test_additivity_of_the_single_levers():
    add = additivity(increments_summary())
    assert add["singles"] == ["hardening", "legal_framework"]
    assert add["sum_alone"] == pytest.approx(4.0)
    assert add["package_avoided"] == pytest.approx(5.0)
    assert add["interaction"] == pytest.approx(1.0)
    assert add["sum_increments"] == pytest.approx(3.0) and add["increments"] == 2


def test_synergy_of_a_known_case():
    rows = []
    for r in range(12):
        for scenario, loss in (
            ("hybrid_campaign", 10.0),
            ("sabotage_only", 2.0),
            ("cyber_only", 3.0),
            ("disinformation_only", 1.0),
        ):
            row = {"scenario": scenario, "mitigation": "none", "replicate": r, "seed": 0}
            row.update({f"loss_{s}": loss / 9 for s in SECTORS})
            row["total_loss"] = loss + (0.1 * r if scenario == "hybrid_campaign" else 0)
            rows.append(row)
    frame = pd.DataFrame(rows)
    table = synergy(frame).set_index("sector")
    assert table.loc["total_loss", "synergy"] == pytest.approx(4.0 + 0.55)
    assert table.loc["total_loss", "ci_low"] < 4.55 < table.loc["total_loss", "ci_high"]
    assert table.loc["energy", "synergy"] == pytest.approx(4.0 / 9)


CAMPAIGN = "hybrid_campaign"


def couplings_summary() -> pd.DataFrame:
    """The campaign and its parts under every coupling, all off, and one off: known losses."""
    losses = {  # couplings -> scenario -> total loss
        "all": {
            "hybrid_campaign": 12.0,
            "sabotage_only": 2.0,
            "cyber_only": 3.0,
            "disinformation_only": 2.0,
        },
        "none": {
            "hybrid_campaign": 6.1,
            "sabotage_only": 2.0,
            "cyber_only": 3.0,
            "disinformation_only": 1.0,
        },
        "without_local_recruits": {"hybrid_campaign": 10.0},
    }
    rows = []
    for couplings, arms in losses.items():
        for scenario, loss in arms.items():
            for r in range(8):
                row = {
                    "scenario": scenario,
                    "mitigation": "none",
                    "couplings": couplings,
                    "replicate": r,
                    "seed": 0,
                }
                row.update({f"loss_{s}": loss / 9 for s in SECTORS})
                row["total_loss"] = loss + (
                    0.01 * r if (couplings, scenario) == ("all", CAMPAIGN) else 0
                )
                rows.append(row)
    return pd.DataFrame(rows)


def test_synergy_is_computed_under_one_couplings_option():
    frame = couplings_summary()
    every = synergy(frame).set_index("sector").loc["total_loss"]
    assert every.synergy == pytest.approx(5.0 + 0.035) and every.pairs == 8
    off = synergy(frame, couplings="none").set_index("sector").loc["total_loss"]
    assert off.synergy == pytest.approx(0.1)
    assert synergy_attempts(frame.assign(n_sabotage=1)).loc["hybrid_campaign", "n_sabotage"] == 1


def test_each_couplings_contribution_is_the_campaign_with_it_minus_without_it():
    table = coupling_contributions(couplings_summary()).set_index("coupling")
    assert list(table.index) == ["all couplings", "local_recruits"]
    every = 12.0 + 0.035
    assert table.loc["local_recruits", "contribution"] == pytest.approx(every - 10.0)
    assert table.loc["local_recruits", "share"] == pytest.approx((every - 10.0) / every)
    assert (
        table.loc["local_recruits", "ci_low"]
        < every - 10.0
        < table.loc["local_recruits", "ci_high"]
    )
    assert np.isnan(table.loc["local_recruits", "synergy"])  # its parts did not run
    assert table.loc["all couplings", "contribution"] == pytest.approx(every - 6.1)
    assert table.loc["all couplings", "synergy"] == pytest.approx(0.1)
    assert coupling_contributions(couplings_summary().query("couplings == 'all'")).empty


def test_the_synergy_attempts_show_whether_the_parts_split_the_campaign():
    rows = []
    attempts = {
        "hybrid_campaign": (10, 4, 12),
        "sabotage_only": (10, 0, 0),
        "cyber_only": (0, 5, 0),
        "disinformation_only": (0, 0, 12),
    }
    for r in range(4):
        for scenario, (sab, cyb, dis) in attempts.items():
            rows.append(
                {
                    "scenario": scenario,
                    "mitigation": "none",
                    "replicate": r,
                    "n_sabotage": sab,
                    "n_cyber": cyb,
                    "n_disinformation": dis + r if dis else 0,
                }
            )
    table = synergy_attempts(pd.DataFrame(rows))
    assert list(table.index) == [
        "hybrid_campaign",
        "sabotage_only",
        "cyber_only",
        "disinformation_only",
        "sum of parts",
        "part / campaign",
    ]
    assert table.loc["part / campaign", "n_sabotage"] == 1.0
    assert table.loc["part / campaign", "n_cyber"] == pytest.approx(5 / 4)
    assert table.loc["sum of parts", "n_disinformation"] == pytest.approx(13.5)
