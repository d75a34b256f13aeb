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

A composite (``total_loss``) is a value judgement, so it is always recomputed under a named
weighting (:mod:`abm.weighting`) and shown with that name and unit (:func:`total_label`).
Arms named ``<package>_minus_<lever>`` (a package with levers removed, on the same seeds) are
increments: they are compared with their package (:func:`increments`), never ranked against
``none`` beside the single levers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from abm.config import WeightingConfig
from abm.sectors import SECTORS
from abm.vocabulary import ACTIONS
from abm.weighting import WEIGHTING_DIR, as_weighting, weighted_total

BOOTSTRAP_RESAMPLES = 10_000
BOOTSTRAP_SEED = 20_251_104
ALPHA = 0.05
#: Fewest pairs for which a two-sided exact Wilcoxon test can reach p < 0.05 (2 / 2^6 = 0.031).
MIN_PAIRS_FOR_WILCOXON = 6
KEYS = ["scenario", "replicate", "seed"]
#: The weighting used when the results record none (results written before weightings).
DEFAULT_WEIGHTING = "equal"
#: What separates a package from the levers removed from it in an arm's name.
MINUS = "_minus_"
#: The allied transit outcomes every comparison shows, with their units.
TRANSIT_OUTCOMES = {
    "transit_completed_fraction": "share of serials across by the deadline",
    "transit_mean_delay_h": "h behind the peacetime schedule",
    "transit_max_delay_h": "h behind the peacetime schedule",
    "transit_p90_delay_h": "h behind the peacetime schedule",
    "sustainment_mean_delay_h": "h behind the sustainment flow's peacetime schedule",
}
#: Short names of the transit differences in the ranking (``d_`` = mitigation minus none).
TRANSIT_SHORT = {
    "transit_completed_fraction": "d_transit_completed",
    "transit_mean_delay_h": "d_transit_mean_delay_h",
    "transit_max_delay_h": "d_transit_max_delay_h",
    "transit_p90_delay_h": "d_transit_p90_delay_h",
    "sustainment_mean_delay_h": "d_sustainment_mean_delay_h",
}
#: The note of a package whose levers' mechanisms never engaged in any replicate.
NEVER_ENGAGED = "mechanism never engaged"
#: The note of a lever whose removal from the package changes nothing in any replicate.
NO_INCREMENT = "no effect inside combined"
#: The ranking's headline columns: estimate, interval, corrected test, annualised cost,
#: cost-effectiveness, engagement (the transit differences and the note follow them).
RANKING_COLUMNS = [
    "rank",
    "mitigation",
    "loss_avoided",
    "avoided_ci_low",
    "avoided_ci_high",
    "p_holm",
    "mitigation_cost_meur",
    "avoided_per_meur_year",
    "engaged_share",
]


# ------------------------------------------------------------------------------ weightings
def total_label(weighting: WeightingConfig | str) -> str:
    """``total_loss [weighting equal: person-hours]``: the name a composite is shown under."""
    w = as_weighting(weighting)
    return f"total_loss [weighting {w.name}: {w.unit}]"


def recorded_weighting(summary: pd.DataFrame) -> str:
    """The shipped weighting the results were written under (``equal`` when they record none,
    mix several or name one that is not shipped: every row is then recomputed under ``equal``,
    and shown so)."""
    if "weighting" not in summary:
        return DEFAULT_WEIGHTING
    names = summary["weighting"].dropna().unique()
    if len(names) == 1 and (WEIGHTING_DIR / f"{names[0]}.yaml").is_file():
        return str(names[0])
    return DEFAULT_WEIGHTING


def with_weighting(summary: pd.DataFrame, weighting: WeightingConfig | str) -> pd.DataFrame:
    """The rows with ``total_loss`` recomputed under ``weighting`` from the per-sector columns
    (and ``weighting`` set to its name), so that every composite shown has a named basis."""
    w = as_weighting(weighting)
    out = summary.copy()
    out["total_loss"] = weighted_total(out, w).to_numpy(dtype=float) if len(out) else []
    out["weighting"] = w.name
    return out


# ------------------------------------------------------------------------------ arms
def is_increment(mitigation: str) -> bool:
    """Whether an arm is a package with levers removed (``combined_minus_intelligence``)."""
    return MINUS in mitigation


def split_increment(mitigation: str) -> tuple[str, list[str]]:
    """``combined_minus_a_minus_b`` -> (``combined``, [``a``, ``b``])."""
    parent, *removed = mitigation.split(MINUS)
    return parent, removed


def paired_differences(
    summary: pd.DataFrame,
    outcome: str,
    baseline: str = "none",
    arms: Sequence[str] | None = None,
) -> dict[str, np.ndarray]:
    """Per arm, the paired differences of ``outcome`` with the baseline arm.

    Args:
        arms: The arms compared; default every arm but the baseline and the increment arms
            (``<package>_minus_<lever>``, which belong to :func:`increments`). Pairs where either
            value is missing (transit without serials) are left out.
    """
    if arms is None:
        arms = [m for m in dict.fromkeys(summary.mitigation) if m != baseline]
        arms = [m for m in arms if not is_increment(m)]
    # one index for every arm: selecting an arm is then a lookup, not a scan and a re-index
    values = summary.set_index(["mitigation", *KEYS])[outcome].astype(float).sort_index()
    base = values.loc[baseline] if baseline in values.index.levels[0] else values.iloc[:0]
    out = {}
    for mitigation in sorted(arms):
        arm = values.loc[mitigation] if mitigation in values.index.levels[0] else base.iloc[:0]
        d = (arm - base.reindex(arm.index)).to_numpy()
        out[mitigation] = d[~np.isnan(d)]
    return out


# ------------------------------------------------------------------------------ statistics
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


COMPARE_COLUMNS = [
    "mitigation",
    "outcome",
    "pairs",
    "mean_difference",
    "ci_low",
    "ci_high",
    "p_wilcoxon",
    "effect_size_dz",
    "note",
]


def compare(
    summary: pd.DataFrame,
    outcome: str = "total_loss",
    baseline: str = "none",
    confidence: float = 0.95,
    arms: Sequence[str] | None = None,
) -> pd.DataFrame:
    """One row per arm: paired difference, bootstrap CI, Wilcoxon, Holm, d_z, note.

    The Holm family is the arms compared (by default every arm but the baseline and the
    increment arms; see :func:`paired_differences`).
    """
    diffs = paired_differences(summary, outcome, baseline, arms)
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
    table = pd.DataFrame(rows, columns=COMPARE_COLUMNS)
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


# ------------------------------------------------------------------------------ levers
def _as_float(values: pd.Series) -> pd.Series:
    """True/False/None (a nullable boolean read back from Parquet) as 1.0/0.0/NaN."""
    return values.map(lambda v: np.nan if v is None or pd.isna(v) else float(bool(v)))


def engagement(summary: pd.DataFrame) -> pd.DataFrame:
    """Per arm and lever kind, the share of replicates in which the lever's mechanism engaged
    (NaN where the package does not have that lever), from the ``engaged_<kind>`` columns."""
    cols = [c for c in summary.columns if c.startswith("engaged_")]
    if not cols:
        return pd.DataFrame(index=pd.Index([], name="mitigation"))
    flags = summary[["mitigation"]].join(summary[cols].apply(_as_float))
    table = flags.groupby("mitigation", sort=True)[cols].mean()
    table.columns = [c.removeprefix("engaged_") for c in cols]
    return table.dropna(axis=1, how="all")


def package_engagement(summary: pd.DataFrame) -> pd.DataFrame:
    """Per arm: ``engaged_share`` (share of replicates in which any of its levers engaged),
    ``levers_engaged_share`` (mean share of its levers engaged) and ``never_engaged`` (it has
    levers, and none engaged in any replicate). NaN for an arm without levers (``none``)."""
    cols = [c for c in summary.columns if c.startswith("engaged_")]
    rows = {}
    for mitigation, group in summary.groupby("mitigation", sort=True):
        flags = group[cols].apply(_as_float).to_numpy(dtype=float) if cols else np.empty((0, 0))
        has = ~np.isnan(flags).all(axis=0) if flags.size else np.zeros(0, dtype=bool)
        if not has.any():
            rows[mitigation] = (np.nan, np.nan, False)
            continue
        f = np.nan_to_num(flags[:, has])
        rows[mitigation] = (float(f.any(axis=1).mean()), float(f.mean()), bool(f.sum() == 0))
    return pd.DataFrame.from_dict(
        rows, orient="index", columns=["engaged_share", "levers_engaged_share", "never_engaged"]
    ).rename_axis("mitigation")


# ------------------------------------------------------------------------------ ranking
def ranking(
    summary: pd.DataFrame,
    baseline: str = "none",
    weighting: WeightingConfig | str | None = None,
) -> pd.DataFrame:
    """Single mitigations ranked by total loss avoided, with certainty, cost, engagement and
    transit.

    ``total_loss`` is recomputed under ``weighting`` (default: the one the results record), so
    ``loss_avoided`` is in that weighting's unit. Increment arms are left out. Cost is the
    annualised cost (MEUR per year); cost-effectiveness is the loss avoided per MEUR per year,
    at the point cost and at the low and high cost bounds. A package whose levers never engaged
    says so in ``note``. ``d_transit_*`` are the mean paired differences of the allied transit
    outcomes (mitigation minus none; ``*_ci_low``/``*_ci_high`` their intervals).
    """
    summary = with_weighting(summary, weighting or recorded_weighting(summary))
    table = compare(summary, "total_loss", baseline)
    cost_cols = [
        c
        for c in (
            "mitigation_cost_meur",
            "mitigation_cost_low_meur",
            "mitigation_cost_high_meur",
            "mitigation_investment_meur",
            "mitigation_yearly_meur",
        )
        if c in summary
    ]
    table = table.join(summary.groupby("mitigation")[cost_cols].first(), on="mitigation")
    table["loss_avoided"] = 0.0 - table.mean_difference  # 0.0 - x: no "-0" in tables
    table["avoided_ci_low"] = 0.0 - table.ci_high
    table["avoided_ci_high"] = 0.0 - table.ci_low
    with np.errstate(divide="ignore", invalid="ignore"):
        table["avoided_per_meur_year"] = table.loss_avoided / table.mitigation_cost_meur
        # the low cost bound gives the high effectiveness bound, and vice versa
        table["per_meur_year_high"] = table.loss_avoided / table.mitigation_cost_low_meur
        table["per_meur_year_low"] = table.loss_avoided / table.mitigation_cost_high_meur
    table = table.join(package_engagement(summary), on="mitigation")
    never = table.never_engaged.fillna(False).astype(bool)
    table.loc[never, "note"] = [
        f"{NEVER_ENGAGED}" + (f"; {n}" if n else "") for n in table.loc[never, "note"]
    ]
    for outcome, short in TRANSIT_SHORT.items():
        if outcome not in summary:
            table[short] = np.nan
            continue
        t = compare(summary, outcome, baseline).set_index("mitigation")
        table[short] = table.mitigation.map(t.mean_difference)
        table[f"{short}_ci_low"] = table.mitigation.map(t.ci_low)
        table[f"{short}_ci_high"] = table.mitigation.map(t.ci_high)
    table = table.sort_values("loss_avoided", ascending=False).reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    table["weighting"] = summary["weighting"].iloc[0] if len(summary) else None
    return table


def ranking_by_weighting(
    summary: pd.DataFrame,
    weightings: Sequence[WeightingConfig | str],
    baseline: str = "none",
) -> pd.DataFrame:
    """Mitigation x weighting: loss avoided (in each weighting's unit) and rank, to show
    whether a ranking survives another value judgement. Columns ``avoided [<name>: <unit>]``
    and ``rank [<name>]``; rows in the order of the first weighting's ranking."""
    out: pd.DataFrame | None = None
    for weighting in weightings:
        w = as_weighting(weighting)
        rank = ranking(summary, baseline, w).set_index("mitigation")
        part = pd.DataFrame(
            {f"avoided [{w.name}: {w.unit}]": rank.loss_avoided, f"rank [{w.name}]": rank["rank"]}
        )
        out = part if out is None else out.join(part)
    if out is None:
        return pd.DataFrame()
    return out.sort_values(out.columns[1])


def increments(
    summary: pd.DataFrame,
    weighting: WeightingConfig | str | None = None,
    baseline: str = "none",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Each lever's increment inside its package, beside its stand-alone effect.

    For every arm ``<package>_minus_<lever>``: ``increment`` = mean paired difference of
    ``total_loss`` (the package without the lever minus the package), so a positive increment
    is loss the lever avoids inside the package; Holm over the increments of the sweep. Beside
    it, ``alone`` = the loss the lever's own package avoids against ``baseline`` (when the sweep
    has it), and ``engaged_in_package`` = the share of the package's replicates in which the
    lever's mechanism engaged. The note says ``no effect inside <package>`` when removing the
    lever changes nothing in any replicate.
    """
    w = as_weighting(weighting or recorded_weighting(summary))
    summary = with_weighting(summary, w)
    arms = [m for m in dict.fromkeys(summary.mitigation) if is_increment(m)]
    columns = [
        "lever",
        "package",
        "alone",
        "alone_ci_low",
        "alone_ci_high",
        "increment",
        "increment_ci_low",
        "increment_ci_high",
        "p_holm",
        "pairs",
        "engaged_in_package",
        "note",
    ]
    if not arms:
        return pd.DataFrame(columns=columns)
    alone = (
        ranking(summary, baseline, w).set_index("mitigation")
        if baseline in set(summary.mitigation)
        else pd.DataFrame()
    )
    engaged = engagement(summary)
    rows = []
    for package in sorted({split_increment(m)[0] for m in arms}):
        mine = [m for m in arms if split_increment(m)[0] == package]
        if package not in set(summary.mitigation):
            continue
        table = compare(summary, "total_loss", package, confidence, arms=mine)
        for row in table.itertuples():
            removed = split_increment(row.mitigation)[1]
            lever = "+".join(removed)
            note = row.note
            if row.pairs and row.mean_difference == 0 and row.ci_low == row.ci_high == 0:
                note = NO_INCREMENT.replace("combined", package)
            single = alone.loc[lever] if lever in alone.index else None
            share = (
                engaged.loc[package, lever]
                if package in engaged.index and lever in engaged.columns
                else np.nan
            )
            rows.append(
                {
                    "lever": lever,
                    "package": package,
                    "alone": np.nan if single is None else single.loss_avoided,
                    "alone_ci_low": np.nan if single is None else single.avoided_ci_low,
                    "alone_ci_high": np.nan if single is None else single.avoided_ci_high,
                    "increment": row.mean_difference,
                    "increment_ci_low": row.ci_low,
                    "increment_ci_high": row.ci_high,
                    "p_holm": row.p_holm,
                    "pairs": row.pairs,
                    "engaged_in_package": share,
                    "note": note,
                }
            )
    out = pd.DataFrame(rows, columns=columns)
    return out.sort_values("increment", ascending=False).reset_index(drop=True)


def additivity(
    summary: pd.DataFrame,
    weighting: WeightingConfig | str | None = None,
    package: str = "combined",
    baseline: str = "none",
    confidence: float = 0.95,
) -> dict[str, Any]:
    """Do the single levers add up to the package? Paired by replicate.

    The single arms are every arm but ``baseline``, ``package`` and the increment arms.
    Returns ``singles`` (their names), ``sum_alone`` (the sum of their stand-alone losses
    avoided), ``package_avoided`` (what the package avoids), ``interaction`` = package avoided
    minus the sum (negative: the levers overlap) with ``interaction_ci_low``/``_high``, and
    ``sum_increments`` (the sum of the increments inside the package, NaN without increments).
    """
    w = as_weighting(weighting or recorded_weighting(summary))
    summary = with_weighting(summary, w)
    names = set(summary.mitigation)
    singles = sorted(m for m in names if m not in {baseline, package} and not is_increment(m))
    if baseline not in names or package not in names or not singles:
        return {}
    by = summary.set_index(KEYS).total_loss
    base = by[summary.mitigation.to_numpy() == baseline]
    whole = base - by[summary.mitigation.to_numpy() == package]
    parts = sum(base - by[summary.mitigation.to_numpy() == s] for s in singles)
    d = (whole - parts).dropna().to_numpy(dtype=float)
    low, high = bootstrap_ci(d, confidence)
    inc = increments(summary, w, baseline, confidence)
    inc = inc[inc.package == package]
    return {
        "singles": singles,
        "pairs": len(d),
        "sum_alone": float(parts.dropna().mean()),
        "package_avoided": float(whole.dropna().mean()),
        "interaction": float(d.mean()) if len(d) else np.nan,
        "interaction_ci_low": low,
        "interaction_ci_high": high,
        "sum_increments": float(inc.increment.sum()) if len(inc) else np.nan,
        "increments": len(inc),
    }


def sector_reductions(summary: pd.DataFrame, baseline: str = "none") -> pd.DataFrame:
    """Mean paired loss reduction per sector and mitigation, in % of the baseline's loss."""
    base = summary[summary.mitigation == baseline]
    out = {}
    for s in SECTORS:
        col = f"loss_{s}"
        diffs = paired_differences(summary, col, baseline)
        base_mean = base[col].mean()
        out[s] = {
            m: ((0.0 - d.mean()) / base_mean * 100 if base_mean > 0 else 0.0)
            for m, d in diffs.items()
        }
    return pd.DataFrame(out)


# ------------------------------------------------------------------------------ synergy
#: The couplings option under which every coupling acts (configs/couplings/all.yaml), and the
#: one under which none does.
ALL_COUPLINGS = "all"
NO_COUPLINGS = "none"
#: The prefix of a couplings option that switches one coupling off.
WITHOUT = "without_"


def couplings_options(summary: pd.DataFrame) -> list[str]:
    """The couplings options the rows were run under, ``all`` first (``all`` for results
    written before the ``couplings`` column)."""
    if "couplings" not in summary or summary.couplings.isna().all():
        return [ALL_COUPLINGS]
    names = sorted(str(c) for c in summary.couplings.dropna().unique())
    return sorted(names, key=lambda c: (c != ALL_COUPLINGS, c != NO_COUPLINGS, c))


def main_couplings(summary: pd.DataFrame) -> str:
    """The couplings option the ordinary comparisons use: ``all`` when it ran, else the first."""
    return couplings_options(summary)[0]


def under_couplings(summary: pd.DataFrame, couplings: str | None = None) -> pd.DataFrame:
    """The rows of one couplings option (default :func:`main_couplings`), so that arms are
    identified by scenario and mitigation (results without the column are all ``all``)."""
    if "couplings" not in summary:
        return summary
    name = couplings or main_couplings(summary)
    return summary[summary.couplings.fillna(ALL_COUPLINGS) == name]


def synergy(
    summary: pd.DataFrame,
    campaign: str = "hybrid_campaign",
    parts: Sequence[str] = ("sabotage_only", "cyber_only", "disinformation_only"),
    confidence: float = 0.95,
    couplings: str | None = None,
) -> pd.DataFrame:
    """Campaign loss minus the sum of its parts' losses, per sector, paired by replicate.

    Computed on the rows of one couplings option (``couplings``; default ``all`` when it ran).
    The ``total_loss`` row is under whatever weighting ``summary`` holds
    (:func:`with_weighting` first to choose one)."""
    summary = under_couplings(summary, couplings)
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


def coupling_contributions(
    summary: pd.DataFrame,
    campaign: str = "hybrid_campaign",
    parts: Sequence[str] = ("sabotage_only", "cyber_only", "disinformation_only"),
    confidence: float = 0.95,
) -> pd.DataFrame:
    """What each coupling contributes to the campaign's loss, on common random numbers.

    For every couplings option the campaign ran under besides ``all`` (``without_<name>``:
    one coupling off; ``none``: all off), the contribution is the campaign's ``total_loss``
    with every coupling minus its loss under that option, paired by replicate, with a
    percentile bootstrap interval; ``share`` is it over the campaign's loss. Where the parts
    also ran under the option, ``synergy`` is the campaign's synergy under it
    (:func:`synergy`), so how much of the synergy a coupling carries is visible too.

    Returns:
        One row per option: ``coupling`` (the coupling switched off, or ``all couplings``),
        ``couplings`` (the option), ``campaign`` (mean loss under it), ``contribution``,
        ``ci_low``, ``ci_high``, ``share``, ``pairs``, ``synergy``, ``synergy_ci_low``,
        ``synergy_ci_high``; empty when the campaign ran under one option only.
    """
    options = couplings_options(summary)
    columns = [
        "coupling",
        "couplings",
        "campaign",
        "contribution",
        "ci_low",
        "ci_high",
        "share",
        "pairs",
        "synergy",
        "synergy_ci_low",
        "synergy_ci_high",
    ]
    if ALL_COUPLINGS not in options or len(options) < 2:
        return pd.DataFrame(columns=columns)
    rows_of = summary[(summary.scenario == campaign) & (summary.mitigation == "none")]
    if rows_of.empty:
        rows_of = summary[summary.scenario == campaign]
        rows_of = rows_of[rows_of.mitigation == rows_of.mitigation.iloc[0]]
    by = rows_of.assign(couplings=rows_of.couplings.fillna(ALL_COUPLINGS)).set_index(
        ["couplings", "replicate"]
    )["total_loss"]
    if ALL_COUPLINGS not in by.index.get_level_values(0):
        return pd.DataFrame(columns=columns)
    whole = by.loc[ALL_COUPLINGS]
    rows = []
    for option in options[1:]:
        if option not in by.index.get_level_values(0):
            continue
        off = by.loc[option]
        d = (whole - off).dropna().to_numpy(dtype=float)
        low, high = bootstrap_ci(d, confidence)
        row = {
            "coupling": "all couplings" if option == NO_COUPLINGS else option.removeprefix(WITHOUT),
            "couplings": option,
            "campaign": float(off.mean()),
            "contribution": float(d.mean()) if len(d) else np.nan,
            "ci_low": low,
            "ci_high": high,
            "share": float(d.mean() / whole.mean()) if len(d) and whole.mean() else np.nan,
            "pairs": len(d),
            "synergy": np.nan,
            "synergy_ci_low": np.nan,
            "synergy_ci_high": np.nan,
        }
        ran = set(summary[summary.couplings.fillna(ALL_COUPLINGS) == option].scenario)
        if {campaign, *parts} <= ran:
            total = synergy(summary, campaign, parts, confidence, option)
            total = total.set_index("sector").loc["total_loss"]
            row |= {
                "synergy": total.synergy,
                "synergy_ci_low": total.ci_low,
                "synergy_ci_high": total.ci_high,
            }
        rows.append(row)
    return pd.DataFrame(rows, columns=columns)


def synergy_attempts(
    summary: pd.DataFrame,
    campaign: str = "hybrid_campaign",
    parts: Sequence[str] = ("sabotage_only", "cyber_only", "disinformation_only"),
    couplings: str | None = None,
) -> pd.DataFrame:
    """Mean attempts per action (``n_<action>``) of the campaign, each part and their sum, so
    that whether the parts are a true split of the campaign is visible. When a part is named
    ``<action>_only``, the row ``part / campaign`` gives that part's attempts of its own action
    over the campaign's (1 = matched). Computed on one couplings option (default ``all``)."""
    summary = under_couplings(summary, couplings)
    arm = summary[summary.mitigation == summary.mitigation.iloc[0]]
    cols = [f"n_{a}" for a in ACTIONS if f"n_{a}" in arm]
    means = arm.groupby("scenario")[cols].mean()
    table = means.reindex([campaign, *parts])
    table.loc["sum of parts"] = table.loc[list(parts)].sum()
    ratio = {}
    for part in parts:
        action = part.removesuffix("_only")
        col = f"n_{action}"
        if part.endswith("_only") and col in cols:
            whole = table.loc[campaign, col]
            ratio[col] = table.loc[part, col] / whole if whole else np.nan
    if ratio:
        table.loc["part / campaign"] = pd.Series(ratio)
    table.index.name = "arm"
    return table
