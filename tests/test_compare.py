"""Paired comparisons: bootstrap, Wilcoxon with Holm, effect size, degenerate cases, synergy."""

import numpy as np
import pandas as pd
import pytest

from abm import SECTORS
from analysis.compare import (
    bootstrap_ci,
    compare,
    effect_size,
    holm,
    ranking,
    reweight,
    synergy,
)


def synthetic(effects: dict[str, float], n: int = 30, noise: float = 1.0, seed: int = 0):
    """Summary rows: a none arm and one arm per mitigation shifted by a known amount."""
    rng = np.random.default_rng(seed)
    base = rng.gamma(4.0, 2.0, size=n)
    rows = []
    for mitigation, effect in {"none": 0.0, **effects}.items():
        shift = 0.0 if mitigation == "none" else effect + rng.normal(0, noise, n)
        for r in range(n):
            row = {
                "scenario": "s",
                "mitigation": mitigation,
                "replicate": r,
                "seed": 0,
                "mitigation_cost_meur": 10.0,
                "mitigation_cost_low_meur": 5.0,
                "mitigation_cost_high_meur": 20.0,
                "population": 1000.0,
            }
            total = base[r] + (shift[r] if mitigation != "none" else 0.0)
            for s in SECTORS:
                row[f"loss_{s}"] = total / len(SECTORS)
            row["total_loss"] = total
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


def test_sector_weights_can_change_at_analysis_time():
    summary = synthetic({"a": -1.0}, n=10)
    heavy = reweight(summary, {"energy": 10.0})
    share = summary.loss_energy.to_numpy()
    assert np.allclose(heavy.total_loss, summary.total_loss + 9 * share)
    with pytest.raises(ValueError, match="unknown sector"):
        reweight(summary, {"energie": 1.0})


def test_ranking_and_cost_effectiveness():
    table = ranking(synthetic({"big": -4.0, "small": -1.0}, n=30))
    assert table.mitigation.tolist() == ["big", "small"]
    big = table.iloc[0]
    assert big.person_hours_avoided_per_meur == pytest.approx(big.loss_avoided * 1000 / 10)
    assert big.per_meur_low < big.person_hours_avoided_per_meur < big.per_meur_high


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
    table = synergy(pd.DataFrame(rows)).set_index("sector")
    assert table.loc["total_loss", "synergy"] == pytest.approx(4.0 + 0.55)
    assert table.loc["total_loss", "ci_low"] < 4.55 < table.loc["total_loss", "ci_high"]
    assert table.loc["energy", "synergy"] == pytest.approx(4.0 / 9)
