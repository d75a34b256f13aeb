"""Paired comparison of every mitigation with ``none``, on common random numbers.

Replicate r of every arm shares its seed, world and adversary draws, so the right unit is the
paired difference ``d_r = outcome(mitigation, r) - outcome(none, r)``. For each mitigation and
outcome this module reports, in this order:

1. the mean paired difference with a percentile bootstrap confidence interval (resampling
   replicates, 10,000 resamples, a fixed seed so the report is reproducible);
2. a Wilcoxon signed-rank test of "no difference", with the Holm step-down correction over the
   family of all mitigation-versus-none comparisons of that outcome;
3. an effect size: the paired standardised mean difference d_z = mean(d) / sd(d).

Degenerate cases are answered, not crashed on: with all differences zero the estimate is 0 with
interval [0, 0] and p = 1; with one replicate there is no interval and no test. When there are
too few replicates for the test to ever reach significance (a two-sided Wilcoxon test needs at
least 6 pairs to go below 0.05), the table says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from abm.sectors import SECTORS

BOOTSTRAP_RESAMPLES = 10_000
BOOTSTRAP_SEED = 20_251_104
ALPHA = 0.05
#: Fewest pairs for which a two-sided exact Wilcoxon test can reach p < 0.05 (2 / 2^6 = 0.031).
MIN_PAIRS_FOR_WILCOXON = 6
KEYS = ["scenario", "replicate", "seed"]
#: The ranking's headline columns: estimate, interval, corrected test, cost, cost-effectiveness.
RANKING_COLUMNS = [
    "rank",
    "mitigation",
    "loss_avoided",
    "avoided_ci_low",
    "avoided_ci_high",
    "p_holm",
    "mitigation_cost_meur",
    "person_hours_avoided_per_meur",
]


def reweight(summary: pd.DataFrame, weights: Mapping[str, float] | None) -> pd.DataFrame:
    """Recompute ``total_loss`` with other sector weights (missing sectors keep weight 1)."""
    if not weights:
        return summary
    unknown = set(weights) - set(SECTORS)
    if unknown:
        raise ValueError(f"unknown sector(s) in weights: {sorted(unknown)}; allowed: {SECTORS}")
    out = summary.copy()
    w = np.array([weights.get(s, 1.0) for s in SECTORS])
    out["total_loss"] = out[[f"loss_{s}" for s in SECTORS]].to_numpy(dtype=float) @ w
    return out


def paired_differences(
    summary: pd.DataFrame, outcome: str, baseline: str = "none"
) -> dict[str, np.ndarray]:
    """Per mitigation, the paired differences of ``outcome`` with the baseline arm."""
    base = summary[summary.mitigation == baseline].set_index(KEYS)[outcome]
    out = {}
    for mitigation, group in summary[summary.mitigation != baseline].groupby("mitigation"):
        arm = group.set_index(KEYS)[outcome]
        common = arm.index.intersection(base.index)
        out[mitigation] = (arm.loc[common] - base.loc[common]).to_numpy(dtype=float)
    return out


def bootstrap_ci(
    d: np.ndarray,
    confidence: float = 0.95,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of ``d`` (NaN with fewer than 2 values)."""
    if len(d) < 2:
        return np.nan, np.nan
    if np.all(d == d[0]):
        return float(d[0]), float(d[0])
    rng = np.random.default_rng(seed)
    means = d[rng.integers(0, len(d), size=(resamples, len(d)))].mean(axis=1)
    tail = (1 - confidence) / 2
    low, high = np.quantile(means, [tail, 1 - tail])
    return float(low), float(high)


def wilcoxon_p(d: np.ndarray) -> float:
    """Two-sided Wilcoxon signed-rank p-value of ``d`` (1 if all zero, NaN if one value)."""
    if len(d) < 2:
        return np.nan
    if np.all(d == 0):
        return 1.0
    return float(stats.wilcoxon(d, zero_method="zsplit", alternative="two-sided").pvalue)


def holm(pvalues: Sequence[float]) -> np.ndarray:
    """Holm's step-down adjusted p-values (Holm 1979); NaN stays NaN and is not counted."""
    p = np.asarray(pvalues, dtype=float)
    out = np.full_like(p, np.nan)
    valid = np.flatnonzero(~np.isnan(p))
    m = len(valid)
    order = valid[np.argsort(p[valid], kind="stable")]
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        out[i] = running
    return out


def effect_size(d: np.ndarray) -> float:
    """Paired standardised mean difference d_z (0 if all differences are equal to 0)."""
    if len(d) < 2:
        return np.nan
    sd = d.std(ddof=1)
    if sd == 0:
        return 0.0 if d.mean() == 0 else float(np.sign(d.mean()) * np.inf)
    return float(d.mean() / sd)


def compare(
    summary: pd.DataFrame,
    outcome: str = "total_loss",
    baseline: str = "none",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """One row per mitigation: paired difference, bootstrap CI, Wilcoxon, Holm, d_z, note."""
    diffs = paired_differences(summary, outcome, baseline)
    rows = []
    for mitigation, d in diffs.items():
        low, high = bootstrap_ci(d, confidence)
        note = ""
        if len(d) < 2:
            note = "one replicate: no interval, no test"
        elif len(d) < MIN_PAIRS_FOR_WILCOXON:
            note = (
                f"too few replicates ({len(d)}) to separate from {baseline} at "
                f"{ALPHA:g}: need at least {MIN_PAIRS_FOR_WILCOXON}"
            )
        elif np.all(d == 0):
            note = f"identical to {baseline} in every replicate"
        rows.append(
            {
                "mitigation": mitigation,
                "outcome": outcome,
                "pairs": len(d),
                "mean_difference": float(d.mean()) if len(d) else np.nan,
                "ci_low": low,
                "ci_high": high,
                "p_wilcoxon": wilcoxon_p(d),
                "effect_size_dz": effect_size(d),
                "note": note,
            }
        )
    table = pd.DataFrame(
        rows,
        columns=[
            "mitigation",
            "outcome",
            "pairs",
            "mean_difference",
            "ci_low",
            "ci_high",
            "p_wilcoxon",
            "effect_size_dz",
            "note",
        ],
    )
    table.insert(7, "p_holm", holm(table.p_wilcoxon.to_numpy()) if len(table) else [])
    table["significant"] = table.p_holm < ALPHA
    family = int(table.p_wilcoxon.notna().sum())
    for i, row in table.iterrows():
        # the smallest two-sided exact Wilcoxon p with n pairs is 2 / 2^n; Holm multiplies the
        # smallest p of the family by its size
        if not row.note and family and 2.0 / 2**row.pairs * family >= ALPHA:
            table.loc[i, "note"] = (
                f"too few replicates ({row.pairs}) to separate from {baseline} after the Holm "
                f"correction over {family} comparisons"
            )
    return table


def ranking(summary: pd.DataFrame, baseline: str = "none") -> pd.DataFrame:
    """Mitigations ranked by total loss avoided, with certainty and cost-effectiveness.

    Cost-effectiveness is the loss avoided (person-hours of full outage, national) per million
    euro, at the point cost and at the low and high cost bounds.
    """
    table = compare(summary, "total_loss", baseline)
    costs = summary.groupby("mitigation")[
        ["mitigation_cost_meur", "mitigation_cost_low_meur", "mitigation_cost_high_meur"]
    ].first()
    population = float(summary["population"].iloc[0])
    table = table.join(costs, on="mitigation")
    table["loss_avoided"] = 0.0 - table.mean_difference  # 0.0 - x: no "-0" in tables
    table["avoided_ci_low"] = 0.0 - table.ci_high
    table["avoided_ci_high"] = 0.0 - table.ci_low
    avoided_ph = table.loss_avoided * population
    with np.errstate(divide="ignore", invalid="ignore"):
        table["person_hours_avoided_per_meur"] = avoided_ph / table.mitigation_cost_meur
        # the low cost bound gives the high effectiveness bound, and vice versa
        table["per_meur_high"] = avoided_ph / table.mitigation_cost_low_meur
        table["per_meur_low"] = avoided_ph / table.mitigation_cost_high_meur
    table = table.sort_values("loss_avoided", ascending=False).reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table


def sector_reductions(summary: pd.DataFrame, baseline: str = "none") -> pd.DataFrame:
    """Mean paired loss reduction per sector and mitigation, in % of the baseline's loss."""
    base = summary[summary.mitigation == baseline]
    out = {}
    for s in SECTORS:
        col = f"loss_{s}"
        diffs = paired_differences(summary, col, baseline)
        base_mean = base[col].mean()
        out[s] = {
            m: (-d.mean() / base_mean * 100 if base_mean > 0 else 0.0) for m, d in diffs.items()
        }
    return pd.DataFrame(out)


def synergy(
    summary: pd.DataFrame,
    campaign: str = "hybrid_campaign",
    parts: Sequence[str] = ("sabotage_only", "cyber_only", "disinformation_only"),
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Campaign loss minus the sum of its parts' losses, per sector, paired by replicate."""
    arm = summary[summary.mitigation == summary.mitigation.iloc[0]]
    by = arm.set_index(["scenario", "replicate"])
    replicates = sorted(set(arm.replicate))
    rows = []
    for col in [f"loss_{s}" for s in SECTORS] + ["total_loss"]:
        whole = by.loc[campaign][col].reindex(replicates)
        sum_parts = sum(by.loc[p][col].reindex(replicates) for p in parts)
        d = (whole - sum_parts).dropna().to_numpy(dtype=float)
        low, high = bootstrap_ci(d, confidence)
        rows.append(
            {
                "sector": col.removeprefix("loss_"),
                "campaign": float(whole.mean()),
                "sum_of_parts": float(sum_parts.mean()),
                "synergy": float(d.mean()) if len(d) else np.nan,
                "ci_low": low,
                "ci_high": high,
                "pairs": len(d),
            }
        )
    return pd.DataFrame(rows)
