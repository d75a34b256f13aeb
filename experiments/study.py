"""The default study (``make run``): every mitigation against the hybrid campaign, and a report.

Runs the ``mitigation_comparison`` preset with 20 replicates of 60 days per mitigation on two
workers (each arm's replicates as two jobs, ``replicate_blocks=2``, so that both workers stay
busy to the end), then the ``lever_increments`` preset (``combined`` minus each of its levers,
on the same seeds) into ``<out>/increments``, prints what happens without mitigation (per
sector in natural units, unmet need per cohort, the allied transit), the ranking of the
mitigations and each lever's increment inside ``combined``, and writes the report. Extra
arguments are Hydra overrides (``python -m experiments.study scenario=cyber_only replicates=50``);
``mitigation.without=[a],[b]`` chooses the increments, ``--no-increments`` skips them.

Then the lever samples (:mod:`analysis.lever_robustness`): ``lever_samples=N`` (default 20, at
most the replicates of ``none``; 0 skips them) Latin-hypercube samples of every lever's strength
and cost, each lever run on replicate j for sample j and paired with ``none``'s replicate j, to
say how often each lever keeps its rank under what we do not know (12 x N one-replicate runs,
into ``<out>/lever_samples``). The sweep directory is fixed (``--out``, default
``outputs/study``), so a second run reuses every finished job that is intact and was computed
under the same resume key (config, seed, code and package versions), and says so in one line
first; jobs computed by other code are redone. The study holds ``<out>/.study.lock`` from
start to end, so a second study into the same directory stops at once in one line with exit
status 2 (or waits, with ``sweep_wait=true``); a sweep that cannot start (its directory in use,
or ``stale_jobs=refuse`` and jobs of other code) stops the study the same way.

``size=smoke`` (or ``full``) sets the replicates and horizon of every sweep in place of the
study's 20 replicates of 60 days. Bad input (an unknown flag, size, scenario or key, a value
``experiments.run`` would refuse, an ``--out`` that is a file or read-only) stops the study
before it writes anything, in one line ``error: <key>: <what is allowed>`` with exit status 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import yaml

import configs
from abm.cli import guarded
from abm.config import RunConfig, WeightingConfig
from abm.errors import ConfigError
from abm.levers import LEVER_KINDS
from abm.study_config import OneLineParser, check_output_dir, check_run_overrides
from abm.sweeps import (
    REFUSED,
    SweepRefused,
    acquire_sweep_lock,
    launch_sweep,
    record_owner,
    reusable_jobs,
    sweep_command,
)
from abm.weighting import WEIGHTINGS, as_weighting, describe
from analysis.catalog import arm_rows, build_catalog, read_results
from analysis.compare import (
    NEVER_ENGAGED,
    RANKING_COLUMNS,
    TRANSIT_SHORT,
    additivity,
    increments,
    is_increment,
    ranking,
    ranking_by_weighting,
    recorded_weighting,
    total_label,
)
from analysis.lever_robustness import (
    DEFAULT_LEVER_SAMPLES,
    DEFAULT_LEVER_SEED,
    LEVER_SAMPLES_DIR,
    describe_robustness,
    lever_robustness,
    run_lever_samples,
)
from analysis.report import INCREMENTS_DIR, build_report
from analysis.tables import (
    cohort_unmet_need,
    sector_summary,
    to_text,
    total_summary,
    transit_summary,
)

DEFAULTS = ("replicates=20", "horizon_days=60", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2")
#: The defaults that ``size=<name>`` replaces (a size sets replicates and horizon itself, and
#: the command line's values would override the size's).
SIZED = ("replicates", "horizon_days")
#: Overrides that belong to one of the two sweeps only: the comparison sweeps the packages,
#: the increments sweep ``combined`` minus its levers.
ONLY_INCREMENTS = ("mitigation.without",)
ONLY_COMPARISON = ("mitigation",)
#: Held by the study over all its sweeps (each sweep also holds ``.sweep.lock`` while it runs).
STUDY_LOCK = ".study.lock"


def _key(override: str) -> str:
    return override.split("=", 1)[0].lstrip("+~")


def _defaults(given: Sequence[str]) -> list[str]:
    """The study's defaults that the given overrides leave in force."""
    keys = {_key(o) for o in given}
    if "size" in keys:
        keys |= set(SIZED)
    return [d for d in DEFAULTS if _key(d) not in keys]


#: Jobs per arm in the study's sweeps: each arm's replicates in two blocks, so that 15 arms on
#: two workers end together (as 15 jobs, one worker would run the last arm alone).
BLOCKS_PER_ARM = 2


def _replicates(given: Sequence[str]) -> int:
    """The replicates per arm the study runs: ``replicates=N``, a size's, or the default's (0
    when the value is not a whole number or the size is unknown: checking the overrides says
    so in one line)."""
    value = dict(d.split("=", 1) for d in DEFAULTS)["replicates"]
    for override in given:
        if _key(override) == "size":
            size = Path(configs.__file__).parent / "size" / f"{override.split('=', 1)[1]}.yaml"
            if not size.is_file():
                return 0
            value = (yaml.safe_load(size.read_text()) or {}).get("replicates", RunConfig.replicates)
    for override in given:
        if _key(override) == "replicates":
            value = override.split("=", 1)[1]
    try:
        return int(value)
    except ValueError:
        return 0


def arm_blocks(given: Sequence[str]) -> list[str]:
    """The overrides that split each arm's replicates into :data:`BLOCKS_PER_ARM` jobs (fewer
    if there are fewer replicates; none if the command line sets the blocks itself)."""
    if {_key(o) for o in given} & {"replicate_blocks", "replicate_block"}:
        return []
    blocks = min(BLOCKS_PER_ARM, _replicates(given))
    if blocks < 2:
        return []
    return [f"replicate_blocks={blocks}", "replicate_block=" + ",".join(map(str, range(blocks)))]


def _overrides(preset: str, given: list[str], drop: tuple[str, ...]) -> list[str]:
    return [
        f"+experiment={preset}",
        *_defaults(given),
        *arm_blocks(given),
        *(o for o in given if _key(o) not in drop),
    ]


def _ci(low: float, high: float, fmt: str) -> str:
    """``low to high`` (empty without an interval)."""
    return "" if pd.isna(low) else f"{low:{fmt}} to {high:{fmt}}"


def _fmt(values: pd.Series) -> str:
    largest = values.abs().max()
    return ",.0f" if largest >= 100 else ".3g"


def print_tables(sweep_dir: Path, done: pd.DataFrame, weighting: WeightingConfig) -> None:
    """The console tables: natural units first (per sector, per cohort, transit), then the
    ranking, the increments and the ranking under every shipped weighting."""
    label = total_label(weighting)
    base = done[(done.mitigation == "none")]
    if base.empty:
        return
    scenario = base.scenario.iloc[0]
    base = base[base.scenario == scenario]
    n = len(base)
    print(
        f"\nScenario {scenario!r} without mitigation, {n} replicates. Per sector, in natural "
        "units:\n"
        "  person_hours: person-hours of service lost (dependents x share of service lacking x "
        "hours): mean, 95% t-interval, min, max\n"
        "  people_affected: dependents in regions where the sector fell below its minimum "
        "service; hours_below_min: hours the worst region spent below it (means)\n"
        "  h_per_inhabitant: person_hours / population (derived); dependents: the sector's "
        "people or users\n"
    )
    print(to_text(sector_summary(base)))
    print(f"\nSummed over sectors only under a named weighting ({describe(weighting)}):\n")
    print(to_text(total_summary(base, weighting)))

    jobs = base.drop_duplicates("job")
    groups = read_results(sweep_dir, jobs, "groups.parquet")
    print(
        f"\nUnmet need per cohort, person-hours (summed over regions and the nine sectors with "
        f"weight 1), {n} replicates:\n"
    )
    print(to_text(cohort_unmet_need(groups)))
    print(f"\nAllied transit (the defence plan's main effort), {n} replicates:\n")
    print(to_text(transit_summary(base)))

    group = done[done.scenario == scenario]
    singles = {m for m in group.mitigation if not is_increment(m)}
    if len(singles) < 2:
        return
    rank = ranking(group, weighting=weighting)
    pairs = int(rank.pairs.max())
    shown = rank[RANKING_COLUMNS].rename(
        columns={
            "mitigation_cost_meur": "meur_per_year",
            "engaged_share": "engaged",
        }
    )
    for outcome, short in TRANSIT_SHORT.items():
        if f"{short}_ci_low" not in rank:
            continue
        fmt = ".2f" if "completed" in outcome else ".1f"
        shown[short] = [
            "" if pd.isna(m) else f"{m:{fmt}} ({_ci(lo, hi, fmt)})"
            for m, lo, hi in zip(
                rank[short], rank[f"{short}_ci_low"], rank[f"{short}_ci_high"], strict=True
            )
        ]
    shown["note"] = rank.note
    print(
        f"\nMitigations ranked by total loss avoided, {label} (paired with none, {pairs} pairs; "
        "95% bootstrap CI; Wilcoxon signed-rank, Holm-corrected). meur_per_year: annualised "
        "cost (investment / lifetime + yearly cost); avoided_per_meur_year: loss avoided per "
        "MEUR per year; engaged: share of replicates in which the package's levers engaged "
        f"('{NEVER_ENGAGED}' when none did); d_transit_*: mitigation minus none, mean (95% CI): "
        "completion share, mean and worst delay in h:\n"
    )
    formats = {c: _fmt(rank[c]) for c in ("loss_avoided", "avoided_ci_low", "avoided_ci_high")}
    formats |= {"p_holm": ".3g", "meur_per_year": ".4g", "engaged": ".0%"}
    formats["avoided_per_meur_year"] = _fmt(rank.avoided_per_meur_year)
    print(to_text(shown.set_index("rank"), formats=formats))

    inc = increments(group, weighting)
    if len(inc):
        table = pd.DataFrame(
            {
                "lever": inc.lever,
                "alone": inc.alone,
                "alone_95ci": [
                    _ci(lo, hi, _fmt(inc.alone))
                    for lo, hi in zip(inc.alone_ci_low, inc.alone_ci_high, strict=True)
                ],
                "increment": inc.increment,
                "increment_95ci": [
                    _ci(lo, hi, _fmt(inc.increment))
                    for lo, hi in zip(inc.increment_ci_low, inc.increment_ci_high, strict=True)
                ],
                "p_holm": inc.p_holm,
                "engaged_in_combined": inc.engaged_in_package,
                "note": inc.note,
            }
        ).set_index("lever")
        print(
            f"\nEach lever inside combined, {label}: increment = loss of combined without the "
            "lever minus loss of combined (paired; 95% bootstrap CI; Holm over the increments), "
            "beside its stand-alone loss avoided against none:\n"
        )
        print(
            to_text(
                table,
                formats={
                    "alone": _fmt(inc.alone),
                    "increment": _fmt(inc.increment),
                    "p_holm": ".3g",
                    "engaged_in_combined": ".0%",
                },
            )
        )
    add = additivity(group, weighting)
    if add:
        fmt = _fmt(pd.Series([add["sum_alone"], add["package_avoided"]]))
        print(
            f"\nThe {len(add['singles'])} single mitigations together avoid "
            f"{add['sum_alone']:{fmt}}; combined avoids {add['package_avoided']:{fmt}} ({label}); "
            f"combined minus the sum: {add['interaction']:{fmt}} (95% CI "
            f"{_ci(add['interaction_ci_low'], add['interaction_ci_high'], fmt)})"
            + (
                f"; the {add['increments']} increments sum to {add['sum_increments']:{fmt}}."
                if add["increments"]
                else "."
            )
        )
    every = [*WEIGHTINGS] + ([] if weighting.name in WEIGHTINGS else [weighting])
    print("\nThe ranking under every shipped weighting (loss avoided in its unit, rank):\n")
    by = ranking_by_weighting(group, every)
    print(
        to_text(
            by,
            formats={c: _fmt(by[c]) for c in by.columns if c.startswith("avoided")}
            | {c: "d" for c in by.columns if c.startswith("rank")},
        )
    )


def _is_hydra(override: str) -> bool:
    return _key(override).startswith("hydra")


def _lever_samples(overrides: list[str]) -> tuple[int | None, list[str]]:
    """``lever_samples=N`` taken out of the overrides (None when not given)."""
    rest, samples = [], None
    for item in overrides:
        if _key(item) != "lever_samples":
            rest.append(item)
            continue
        value = item.split("=", 1)[1] if "=" in item else ""
        if not value.isdigit():
            raise ConfigError("lever_samples", f"a whole number >= 0, got {value!r}")
        samples = int(value)
    return samples, rest


def print_robustness(sweep_dir: Path, weighting: WeightingConfig) -> None:
    """How each lever's avoided loss and rank vary over the sampled strengths and costs."""
    table = lever_robustness(sweep_dir, weighting)
    print(
        f"\nRankings under what we do not know: {int(table.samples.max())} Latin-hypercube "
        f"samples of every lever's strength and annualised cost, {total_label(weighting)}; "
        "avoided: median (5% to 95%) over the samples, each paired with none's replicate; "
        "keeps_rank / top3 / keeps_ce_rank: share of samples with the nominal rank, in the top "
        "three, with the nominal rank of loss avoided per MEUR a year:\n"
    )
    fmt = _fmt(table.avoided_median)
    shown = pd.DataFrame(
        {
            "lever": table.lever,
            "nominal_rank": table.nominal_rank,
            "avoided": [
                f"{m:{fmt}} ({lo:{fmt}} to {hi:{fmt}})"
                for m, lo, hi in zip(
                    table.avoided_median, table.avoided_q05, table.avoided_q95, strict=True
                )
            ],
            "keeps_rank": table.keeps_rank_share,
            "top3": table.top3_share,
            "keeps_ce_rank": table.keeps_ce_rank_share,
        }
    ).set_index("lever")
    print(to_text(shown, formats={"keeps_rank": ".0%", "top3": ".0%", "keeps_ce_rank": ".0%"}))
    print("\n" + describe_robustness(table))


def main(argv: list[str] | None = None) -> int:
    """Run the sweeps, print the tables, write the report; one line and exit status 2 for bad
    input, before anything is written."""
    return guarded(lambda: _main(argv))


def _main(argv: list[str] | None) -> int:
    """:func:`main`, raising :class:`ConfigError` (and Hydra's errors) for bad input."""
    parser = OneLineParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("outputs/study"))
    parser.add_argument(
        "--no-increments",
        action="store_true",
        help="skip the sweep of combined minus each lever",
    )
    parser.add_argument("overrides", nargs="*", help="Hydra overrides, and lever_samples=N")
    args = parser.parse_args(argv)
    samples, args.overrides = _lever_samples(args.overrides)
    check_output_dir("--out", args.out)
    # what the first sweep's jobs would refuse, refused before the study writes anything
    check_run_overrides(_overrides("mitigation_comparison", args.overrides, ONLY_INCREMENTS))
    try:
        # one study per directory: its sweeps each own the directory only while they run, and
        # another study between them would mix its jobs with this one's
        owner = acquire_sweep_lock(
            args.out, wait=_sweep_wait(args.overrides), name=STUDY_LOCK, user="study"
        )
    except SweepRefused as err:
        print(f"error: {err}", file=sys.stderr)
        return REFUSED
    record_owner(owner)
    try:
        return _run(args, samples)
    finally:
        os.close(owner)


def _sweep_wait(overrides: list[str]) -> bool:
    """Whether ``sweep_wait=true`` is among the overrides (the study waits like its sweeps)."""
    values = [o.split("=", 1)[1].lower() for o in overrides if _key(o) == "sweep_wait" and "=" in o]
    return bool(values) and values[-1] in ("true", "yes", "on", "1")


def _run(args: argparse.Namespace, samples: int | None) -> int:
    """The sweeps, the tables and the report of :func:`main`."""
    overrides = _overrides("mitigation_comparison", args.overrides, ONLY_INCREMENTS)
    if args.out.is_dir():
        kept, found = reusable_jobs(args.out)
        if kept:
            print(
                f"Reusing {kept} of the {found} jobs already in {args.out}: complete, intact and "
                "computed by the same code and packages (a job whose config differs is redone); "
                "delete the folder to recompute them.",
                flush=True,
            )
    print("Running:", " ".join(sweep_command(overrides, args.out)[1:]), flush=True)
    sweep = launch_sweep(overrides, args.out, check=False, quiet=True)
    if sweep.returncode == REFUSED:
        return REFUSED  # the sweep said why in one line (its directory is in use...)
    returncode = sweep.returncode
    catalog = build_catalog(args.out)
    if catalog.empty:  # the sweep stopped before its first job (it has said why)
        print(
            f"error: {args.out}: the sweep stopped before any job started (exit status "
            f"{returncode}); see its message above",
            file=sys.stderr,
        )
        return max(returncode, 1)
    done = arm_rows(catalog)
    if not args.no_increments and "combined" in set(done.mitigation):
        inc_dir = args.out / INCREMENTS_DIR
        inc_overrides = _overrides("lever_increments", args.overrides, ONLY_COMPARISON)
        print("Running:", " ".join(sweep_command(inc_overrides, inc_dir)[1:]), flush=True)
        code = launch_sweep(inc_overrides, inc_dir, check=False, quiet=True).returncode
        if code == REFUSED:
            return REFUSED
        returncode = max(returncode, code)
        done = arm_rows(build_catalog(args.out))
    none = done[done.mitigation == "none"]
    n = min(DEFAULT_LEVER_SAMPLES, none.replicate.nunique()) if samples is None else samples
    if n > 0 and len(none) and done.mitigation.isin(LEVER_KINDS).any():
        try:
            code = run_lever_samples(
                args.out,
                n,
                DEFAULT_LEVER_SEED,
                [o for o in args.overrides if not _is_hydra(o) and _key(o) not in ONLY_INCREMENTS],
                [
                    *(d for d in _defaults(args.overrides) if _is_hydra(d)),
                    *(o for o in args.overrides if _is_hydra(o)),
                ],
            )
        except ConfigError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        if code == REFUSED:
            return REFUSED
        returncode = max(returncode, code)
    if done.empty:
        print(
            f"error: {args.out}: no job finished; see the error.json files under it",
            file=sys.stderr,
        )
        return 1
    done = done.copy()
    for col in ["replicate", "seed"]:
        done[col] = done[col].astype(int)
    weighting = as_weighting(recorded_weighting(done))
    with pd.option_context("display.width", 250):
        print_tables(args.out, done, weighting)
        if (args.out / LEVER_SAMPLES_DIR).is_dir() and n > 0:
            print_robustness(args.out, weighting)
    report = build_report(args.out, weighting)
    print(f"\nReport: {report}")
    return returncode


if __name__ == "__main__":
    sys.exit(main())
