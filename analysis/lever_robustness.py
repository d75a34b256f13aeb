"""Rankings under what we do not know: how sure the ranking of single levers is when the levers'
strengths and costs are uncertain.

The study's ranking of the single-lever packages rests on one assumed strength and one assumed
cost per lever, and its intervals reflect replicate noise only. Here every lever's strength and
annualised cost are sampled over their declared plausible ranges (``strength_low`` ..
``strength_high`` of the lever; the annualised cost bounds of
:func:`abm.mitigation.package_cost_range`) by one Latin hypercube of ``n`` rows over all levers at
once, uniform on each range (an assumption: the ranges say what is plausible, not what is
likely). Sample j is one joint draw of every lever's strength and cost.

Each single-lever package runs as a design (:mod:`abm.designs`) whose row j sets that lever's
strength to its value in sample j and runs replicate j alone (``design.replicate_per_row``), on
the study's seed: it is paired with replicate j of the study's unmitigated arm ``none``. One
run per sample thus carries both the parameter uncertainty and the replicate noise, and every
avoided loss is still a paired difference (common random numbers). The twelve designs run as
one sweep (:func:`run_lever_samples`). Cost needs no run: it only enters cost-effectiveness.
Per lever, :func:`lever_robustness` then reports the nominal rank, the spread of the avoided
loss over the samples, and how often the lever keeps its rank (by avoided loss and by
cost-effectiveness) when everything is sampled at once.

Layout: ``<study_dir>/lever_samples/plan.json`` (what defines the samples),
``samples.parquet`` (sample, lever, strength, cost_meur) and one design per lever in
``<study_dir>/lever_samples/<lever>/`` (its runs in ``runs/``). The study's catalog must leave
that directory out (:func:`study_rows`), since its runs are not replicates of the study's arms.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from scipy.stats import qmc

from abm.api import load_config
from abm.config import LeverConfig, WeightingConfig
from abm.designs import DESIGN_FILE, PARAMETERS_FILE, RUNS_DIR, write_design
from abm.errors import ConfigError
from abm.levers import LEVER_KINDS
from abm.mitigation import package_cost_range
from abm.results import write_json, write_parquet
from abm.sweeps import launch_sweep, quoted
from abm.uncertainty import UncertainParameter, UncertaintyConfig, validate_uncertainty
from abm.weighting import as_weighting, columns, weighted_total
from analysis.catalog import build_catalog
from analysis.compare import KEYS
from analysis.designs import design_outcomes

#: 20 samples: the default study runs 20 replicates of ``none``, so each sample has its own
#: paired replicate; 20 Latin-hypercube strata put one sample in each 5 % slice of every lever's
#: strength and cost range, and resolve a share of samples to 5 points. It costs 12 x 20 = 240
#: runs of one replicate (the study's own sweep runs 14 arms x 20 replicates = 280).
DEFAULT_LEVER_SAMPLES = 20
#: Seed of the Latin hypercube (not of the model: the runs use the study's seed).
DEFAULT_LEVER_SEED = 20_251_119
#: Where the designs live, under the study's directory.
LEVER_SAMPLES_DIR = "lever_samples"
PLAN_FILE = "plan.json"
SAMPLES_FILE = "samples.parquet"
#: Design rows per job: 20 samples make 2 jobs per lever, 24 in all for the workers to share;
#: a run of the default study (60 days) takes about 3 s, starting a job about a second.
BLOCK_SIZE = 10
#: The name of the one parameter of each lever's design (its column in design.parquet).
STRENGTH = "strength"
#: Overrides the designs set themselves: which package runs, which replicates, and the study's
#: preset (which would sweep every package).
_DESIGN_KEYS = ("mitigation", "replicates", "experiment")
#: A lever in the top 3 of a sample counts towards ``top3_share``.
TOP = 3

#: The columns of :func:`lever_robustness` (it adds ``weighting``). Ranks are among the single
#: levers, 1 = most loss avoided (or most avoided per MEUR); shares are of the samples.
COLUMNS = [
    "lever",
    "nominal_rank",
    "nominal_avoided",
    "avoided_median",
    "avoided_q05",
    "avoided_q95",
    "keeps_rank_share",
    "top3_share",
    "nominal_ce_rank",
    "keeps_ce_rank_share",
    "samples",
]


# --------------------------------------------------------------------------------- the design
def strength_range(lever: LeverConfig) -> tuple[float, float]:
    """A lever's plausible strength range; a missing bound is the strength itself."""
    low, high = lever.strength_low, lever.strength_high
    return (
        float(lever.strength if low is None else low),
        float(lever.strength if high is None else high),
    )


def design_overrides(model_overrides: Sequence[str]) -> list[str]:
    """The study's model overrides without those the designs set themselves (``mitigation``,
    ``replicates``, the ``experiment`` preset), so a design runs one package on the study's
    world, scenario, horizon and seed."""
    return [o for o in model_overrides if o.split("=", 1)[0].lstrip("+~") not in _DESIGN_KEYS]


def study_rows(study_dir: Path) -> pd.DataFrame:
    """The complete summary rows of the study's own sweep: the catalog of ``study_dir``
    without the lever-sample designs under it (their runs are no replicates of an arm)."""
    catalog = build_catalog(study_dir, write=False)
    keep = catalog.status == "complete"
    keep &= ~catalog.job.astype(str).str.startswith(f"{LEVER_SAMPLES_DIR}/")
    if "design_row" in catalog.columns:
        keep &= catalog.design_row.isna()
    return catalog[keep].reset_index(drop=True)


def latin_hypercube(ranges: dict[str, dict[str, list[float]]], n: int, seed: int) -> pd.DataFrame:
    """``n`` joint samples of every lever's strength and annualised cost, a Latin hypercube
    uniform on each range: one row per sample and lever (sample, lever, strength, cost_meur).

    Args:
        ranges: Per lever, ``{"strength": [low, high], "cost_meur": [low, high]}``; a range
            with low == high is that value in every sample.
        n: Number of samples.
        seed: Of the hypercube.
    """
    levers = list(ranges)
    unit = qmc.LatinHypercube(d=2 * len(levers), rng=np.random.default_rng(seed)).random(n)
    frames = []
    for i, lever in enumerate(levers):
        (s_low, s_high), (c_low, c_high) = ranges[lever]["strength"], ranges[lever]["cost_meur"]
        frames.append(
            pd.DataFrame(
                {
                    "sample": np.arange(n),
                    "lever": lever,
                    "strength": s_low + unit[:, 2 * i] * (s_high - s_low),
                    "cost_meur": c_low + unit[:, 2 * i + 1] * (c_high - c_low),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def lever_space(lever: str, low: float, high: float) -> UncertaintyConfig:
    """The one parameter of a lever's design: its strength, set per row."""
    return UncertaintyConfig(
        name=f"lever_samples_{lever}",
        parameters={
            STRENGTH: UncertainParameter(
                path=f"mitigation.levers.{lever}.strength",
                low=low,
                high=high,  # low == high: a fixed strength (never validated as a range)
                description=f"strength of {lever} over its plausible range",
            )
        },
    )


def prepare_lever_samples(
    study_dir: Path, n: int, seed: int, model_overrides: Sequence[str]
) -> dict[str, Any]:
    """Check the inputs and write the samples and one design per single lever; run nothing.

    The levers are the single-lever packages (named after their lever kind) that the study ran.
    If ``<study_dir>/lever_samples`` holds samples of another plan (another n, seed, ranges or
    model overrides), it is cleared first: its runs would otherwise be read as this plan's.

    Returns:
        The plan: n, seed, the model overrides, and per lever its strength and cost ranges.

    Raises:
        ConfigError: ``lever_samples`` below 1 or above the study's replicates of ``none``, no
            single lever in the study, or a strength range the model refuses.
    """
    if n < 1:
        raise ConfigError("lever_samples", f"at least 1, got {n}")
    rows = study_rows(study_dir)
    if rows.empty:
        raise ConfigError("lever_samples", f"a study with finished runs in {study_dir}")
    replicates = set(rows[rows.mitigation == "none"].replicate.astype(int))
    if not set(range(n)) <= replicates:
        raise ConfigError(
            "lever_samples",
            f"at most the {len(replicates)} replicates of none the study has (sample j is "
            f"paired with replicate j), got {n}",
        )
    levers = [k for k in LEVER_KINDS if k in set(rows.mitigation)]
    if not levers:
        raise ConfigError("lever_samples", f"a study with single-lever packages ({study_dir})")
    overrides = design_overrides(model_overrides)
    ranges: dict[str, dict[str, list[float]]] = {}
    specs = {}
    for lever in levers:
        cfg = load_config(overrides=[*overrides, f"mitigation={lever}"])
        if cfg.mitigation.name != lever or list(cfg.mitigation.levers) != [lever]:
            raise ConfigError(
                f"mitigation.{lever}", f"a package named {lever!r} with the one lever {lever!r}"
            )
        low, high = strength_range(cfg.mitigation.levers[lever])
        cost_low, cost_high = package_cost_range(cfg.mitigation)
        ranges[lever] = {"strength": [low, high], "cost_meur": [cost_low, cost_high]}
        specs[lever] = lever_space(lever, low, high)
        if high > low:  # the model must accept both ends of the range
            validate_uncertainty(specs[lever], cfg)
    plan = {"n": n, "seed": seed, "model_overrides": overrides, "levers": ranges}
    root = study_dir / LEVER_SAMPLES_DIR
    plan_file = root / PLAN_FILE
    if plan_file.is_file() and json.loads(plan_file.read_text()) != json.loads(json.dumps(plan)):
        print(f"lever samples: another plan in {root}, cleared", file=sys.stderr)
        shutil.rmtree(root)
    samples = latin_hypercube(ranges, n, seed)
    for lever in levers:
        values = samples[samples.lever == lever].rename(columns={"strength": STRENGTH})
        write_design(root / lever, values, specs[lever])
    write_parquet(pa.Table.from_pandas(samples, preserve_index=False), root / SAMPLES_FILE)
    write_json(plan, plan_file)
    return plan


def run_lever_samples(
    study_dir: Path,
    n: int,
    seed: int,
    model_overrides: Sequence[str],
    hydra_overrides: Sequence[str],
) -> int:
    """Write and run the lever samples of a finished study: ``n`` one-replicate runs per single
    lever (12 x n runs), into ``<study_dir>/lever_samples/<lever>/runs``.

    The designs of all levers run as one sweep over ``mitigation``, each job reading the design
    of its package (``design.file`` interpolates ``${mitigation.name}``) and writing under it
    (``hydra.sweep.subdir``), so the layout is that of :func:`abm.designs.run_design` run once
    per lever, and :func:`analysis.designs.design_outcomes` reads each lever's directory. Why
    one sweep: a sweep costs about 9 s to start (interpreter, Hydra, launcher), 12 of them
    nearly two minutes; one sweep also lets the launcher's workers share all the jobs.

    Args:
        study_dir: The study's sweep directory (its ``none`` arm must have replicates 0..n-1).
        n: Samples (``lever_samples``), at most the study's replicates of ``none``.
        seed: Of the Latin hypercube.
        model_overrides: The study's overrides of the model (scenario, horizon, size, seed...);
            ``mitigation``, ``replicates`` and the ``experiment`` preset are left out.
        hydra_overrides: Of Hydra (the launcher and its workers), passed to the sweep.

    Returns:
        The sweep's exit status (0 if every job finished); running it again resumes the jobs
        that did not.
    """
    plan = prepare_lever_samples(study_dir, n, seed, model_overrides)
    root = study_dir / LEVER_SAMPLES_DIR
    levers = list(plan["levers"])
    print(
        f"Lever samples: {len(levers)} levers x {n} samples = {len(levers) * n} runs of one "
        f"replicate -> {root}",
        flush=True,
    )
    package = "${mitigation.name}"
    overrides = [
        *plan["model_overrides"],
        f"mitigation={','.join(levers)}",
        "design.replicate_per_row=true",
        f"design.file={quoted(root / package / DESIGN_FILE)}",
        f"design.uncertainty={quoted(root / package / PARAMETERS_FILE)}",
        f"design.block_size={BLOCK_SIZE}",
        f"design.block=range(0,{-(-n // BLOCK_SIZE)})",
        "print_summary=false",
        f"hydra.sweep.subdir={package}/{RUNS_DIR}/${{hydra.job.override_dirname}}",
        *hydra_overrides,
    ]
    return launch_sweep(overrides, root, check=False, quiet=True).returncode


# ------------------------------------------------------------------------------- the analysis
def rank_robustness(
    nominal_avoided: pd.Series,
    nominal_cost: pd.Series,
    avoided: pd.DataFrame,
    cost: pd.DataFrame,
) -> pd.DataFrame:
    """The arithmetic of :func:`lever_robustness`, on numbers already paired.

    Ranks are competition ranks ("1224"): tied levers share the best rank among them, so two
    levers that avoid exactly nothing in every sample keep their shared rank; a lever keeps its
    rank in a sample when its rank there equals its nominal rank. Cost-effectiveness is avoided
    loss per MEUR of annualised cost; a sample with a cost of 0 gives no cost-effectiveness rank.

    Args:
        nominal_avoided: Per lever, the study's mean paired avoided loss.
        nominal_cost: Per lever, its nominal annualised cost (MEUR per year).
        avoided: Samples x levers: avoided loss of the lever in sample j (paired with none's
            replicate j).
        cost: Samples x levers: the sampled annualised cost.

    Returns:
        One row per lever (columns :data:`COLUMNS`), ordered by nominal rank.
    """
    levers = list(avoided.columns)
    nominal_avoided = nominal_avoided.reindex(levers).astype(float)
    nominal_cost = nominal_cost.reindex(levers).astype(float)
    cost = cost.reindex(index=avoided.index, columns=levers).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        nominal_ce = nominal_avoided / nominal_cost.where(nominal_cost > 0)
        sample_ce = avoided / cost.where(cost > 0)
    nominal_rank = nominal_avoided.rank(ascending=False, method="min")
    nominal_ce_rank = nominal_ce.rank(ascending=False, method="min")
    ranks = avoided.rank(axis=1, ascending=False, method="min")
    ce_ranks = sample_ce.rank(axis=1, ascending=False, method="min")
    values = avoided.to_numpy(dtype=float)
    q05, median, q95 = np.quantile(values, [0.05, 0.5, 0.95], axis=0)
    table = pd.DataFrame(
        {
            "lever": levers,
            "nominal_rank": nominal_rank.to_numpy(),
            "nominal_avoided": nominal_avoided.to_numpy(),
            "avoided_median": median,
            "avoided_q05": q05,
            "avoided_q95": q95,
            "keeps_rank_share": (ranks == nominal_rank).mean(axis=0).to_numpy(),
            "top3_share": (ranks <= TOP).mean(axis=0).to_numpy(),
            "nominal_ce_rank": nominal_ce_rank.to_numpy(),
            "keeps_ce_rank_share": (ce_ranks == nominal_ce_rank).mean(axis=0).to_numpy(),
            "samples": len(avoided),
        }
    )
    table = table.astype({"nominal_rank": "Int64", "nominal_ce_rank": "Int64"})
    return table.sort_values(["nominal_rank", "lever"]).reset_index(drop=True)[COLUMNS]


def avoided_loss(
    none: pd.DataFrame, arm: pd.DataFrame, weighting: WeightingConfig, keys: Sequence[str]
) -> pd.Series:
    """Loss of ``none`` minus loss of ``arm`` under the weighting, per pair of runs with the
    same ``keys`` (pairs without a partner are left out), indexed by the arm's keys.

    The runs are differenced per sector, then weighted: two identical runs give exactly 0, which
    differencing two weighted totals does not guarantee (a matrix product's rounding depends on
    where a row sits in memory), and a lever that never engages must tie exactly with another.
    """
    cols = columns(weighting)
    base = none.set_index(list(keys))[cols]
    if base.index.duplicated().any():
        raise ValueError(f"the study has several runs of none per {', '.join(keys)} (stale jobs?)")
    runs = arm.set_index(list(keys))[cols]
    runs = runs[runs.index.isin(base.index)]
    return weighted_total(base.reindex(runs.index) - runs, weighting)


def sample_avoided(
    none: pd.DataFrame, runs: pd.DataFrame, weighting: WeightingConfig | str
) -> pd.Series:
    """Avoided loss of each sample, paired with the run of none on the same replicate and seed
    (sample j ran replicate j), indexed by sample.

    Raises:
        ValueError: If a sample did not run its own replicate, or has no paired run of none.
    """
    if (runs.replicate.astype(int) != runs.design_row.astype(int)).any():
        raise ValueError("a lever sample did not run its own replicate (design.replicate_per_row)")
    runs = runs.astype({"replicate": int, "seed": int, "design_row": int})
    none = none.astype({"replicate": int, "seed": int})
    keys = pd.MultiIndex.from_frame(runs[["replicate", "seed"]])
    missing = keys.difference(pd.MultiIndex.from_frame(none[["replicate", "seed"]]))
    if len(missing):
        raise ValueError(
            f"{len(missing)} lever samples have no run of none on the same replicate and seed "
            f"(first: replicate {missing[0][0]}, seed {missing[0][1]})"
        )
    avoided = avoided_loss(none, runs, as_weighting(weighting), ["replicate", "seed"])
    return pd.Series(avoided.to_numpy(), index=runs.design_row.to_numpy()).sort_index()


def lever_robustness(study_dir: Path, weighting: WeightingConfig | str) -> pd.DataFrame:
    """How sure the ranking of single levers is under sampled lever strengths and costs.

    One row per lever: its nominal rank (the study's single levers ranked by mean paired avoided
    total loss, under ``weighting``, with tied levers sharing a rank), its nominal avoided loss,
    the median and 5 %/95 % quantiles of its avoided loss over the samples (each sample paired
    with replicate j of ``none``), the share of samples in which it keeps its nominal rank, the
    share in which it is in the top 3, and the share in which it keeps its nominal rank by
    cost-effectiveness (avoided loss per MEUR of sampled annualised cost); and ``weighting``,
    the name of the weighting every figure is under.

    Raises:
        FileNotFoundError: If the lever samples were never written (:func:`run_lever_samples`).
        DesignIncomplete: If a lever's design has a failed job or a sample without results
            (running the study again resumes it).
    """
    w = as_weighting(weighting)
    root = study_dir / LEVER_SAMPLES_DIR
    if not (root / PLAN_FILE).is_file():
        raise FileNotFoundError(f"no lever samples in {root}: run_lever_samples writes them")
    plan = json.loads((root / PLAN_FILE).read_text())
    n, levers = int(plan["n"]), list(plan["levers"])
    rows = study_rows(study_dir)
    none = rows[rows.mitigation == "none"]
    singles = rows[rows.mitigation.isin(["none", *levers])]
    nominal = pd.Series(
        {
            lever: float(avoided_loss(none, rows[rows.mitigation == lever], w, KEYS).mean())
            for lever in levers
        }
    )
    nominal_cost = singles.groupby("mitigation").mitigation_cost_meur.first()
    avoided = {}
    for lever in levers:
        runs = design_outcomes(root / lever, [*columns(w), "replicate", "seed"], n)
        runs = runs.rename_axis("design_row").reset_index()
        avoided[lever] = sample_avoided(none, runs, w)
    samples = pd.read_parquet(root / SAMPLES_FILE)
    cost = samples.pivot(index="sample", columns="lever", values="cost_meur")
    table = rank_robustness(nominal, nominal_cost, pd.DataFrame(avoided), cost)
    table["weighting"] = w.name
    return table


def _share(x: float) -> str:
    return f"{x:.0%}"


def _number(x: float) -> str:
    """Avoided loss in a sentence: whole numbers with separators when large (person-hours)."""
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"


def describe_robustness(table: pd.DataFrame) -> str:
    """One sentence for the report: how often the top lever keeps its rank, and how often a
    typical lever keeps its rank by avoided loss and by cost-effectiveness."""
    if table.empty:
        return "No lever samples to report."
    top = table.sort_values(["nominal_rank", "lever"]).iloc[0]
    weighting = f"; weighting {table.weighting.iloc[0]!r}" if "weighting" in table else ""
    spread = table[["nominal_avoided", "avoided_q05", "avoided_q95"]].to_numpy(dtype=float)
    if np.all(spread == 0):
        return (
            f"No single lever avoided any loss, nominally or in any of {int(top.samples)} "
            f"samples of lever strengths and costs{weighting.replace(';', ',')}: the levers tie."
        )
    steady = table[table.top3_share >= 0.9].lever.tolist()
    top3 = (
        f" {', '.join(steady)} {'is' if len(steady) == 1 else 'are'} in the top 3 in at least "
        "90% of samples."
        if steady
        else " No lever is in the top 3 in 90% of samples."
    )
    return (
        f"With lever strengths and costs sampled over their plausible ranges "
        f"({int(top.samples)} Latin-hypercube samples, each paired with one replicate of none"
        f"{weighting}), {top.lever}, ranked {int(top.nominal_rank)} by avoided loss, keeps its "
        f"rank in {_share(top.keeps_rank_share)} of samples (avoided loss "
        f"{_number(top.avoided_q05)} to {_number(top.avoided_q95)}, 5% to 95%); a lever keeps "
        f"its rank in {_share(table.keeps_rank_share.median())} of samples (median over "
        f"{len(table)} levers) and its rank by cost-effectiveness in "
        f"{_share(table.keeps_ce_rank_share.median())}.{top3}"
    )
