"""A report an analyst can act on: ``python -m analysis.report <sweep_dir>``.

Writes ``<sweep_dir>/report.md`` (figures as files in ``<sweep_dir>/figures/``) and a
self-contained ``<sweep_dir>/report.html`` (figures embedded). Everything is computed from the
results files of the sweep, through the catalog. The report leads with what happens without
mitigation, per sector in natural units (person-hours lost, people affected, hours below
minimum service), then unmet need per cohort, then the allied transit; then the ranking of the
mitigations with their tests, costs, engagement and transit, the ranking under every shipped
weighting, each lever's increment inside ``combined``, where the harm falls, synergy where the
sweep has the parts, the configs compared and the provenance. A sum over sectors appears only
with the name and unit of the weighting it is computed under (``--weighting``, default the one
the results record; ``--weights energy=2 health=3`` changes sectors' weights of it).
"""

from __future__ import annotations

import base64
import html
import json
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from abm.cli import guarded
from abm.config import WeightingConfig
from abm.errors import ConfigError
from abm.results import block_range
from abm.sectors import SECTORS
from abm.study_config import OneLineParser
from abm.weighting import WEIGHTINGS, as_weighting, describe, load_weighting, reweighted
from analysis import figures, movement, transit_stress
from analysis.catalog import arm_rows, build_catalog, check_sweep_dir, job_dir, read_results
from analysis.compare import (
    ALPHA,
    BOOTSTRAP_RESAMPLES,
    NEVER_ENGAGED,
    TRANSIT_OUTCOMES,
    additivity,
    compare,
    coupling_contributions,
    couplings_options,
    engagement,
    increments,
    is_increment,
    ranking,
    ranking_by_weighting,
    recorded_weighting,
    sector_reductions,
    synergy,
    synergy_attempts,
    total_label,
    under_couplings,
    with_weighting,
)
from analysis.lever_robustness import (
    LEVER_SAMPLES_DIR,
    describe_robustness,
    lever_robustness,
)
from analysis.tables import (
    OUTCOME_SENTENCES,
    cohort_sector_unmet_need,
    cohort_unmet_need,
    readable,
    region_overview,
    region_sector,
    sector_summary,
    total_summary,
    transit_summary,
)

SYNERGY_PARTS = ("sabotage_only", "cyber_only", "disinformation_only")
#: The sweep directory of the lever increments inside a study directory (experiments.study).
INCREMENTS_DIR = "increments"


class Report:
    """Sections of markdown text, tables and figures, rendered to Markdown and to HTML."""

    def __init__(self, title: str) -> None:
        self.title = title
        #: (kind, item): a heading or text (str), a table (DataFrame), a figure ((png, caption)).
        self.parts: list[tuple[str, Any]] = []

    def heading(self, text: str) -> None:
        self.parts.append(("heading", text))

    def subheading(self, text: str) -> None:
        self.parts.append(("subheading", text))

    def text(self, text: str) -> None:
        self.parts.append(("text", text))

    def bullets(self, items: list[str]) -> None:
        self.parts.append(("bullets", items))

    def table(self, frame: pd.DataFrame, digits: int = 3) -> None:
        self.parts.append(("table", frame.round(digits)))

    def formatted(self, frame: pd.DataFrame) -> None:
        """A table whose cells are already text (numbers formatted, right-aligned)."""
        self.parts.append(("formatted", frame))

    def figure(self, png: Path, caption: str) -> None:
        self.parts.append(("figure", (png, caption)))

    def markdown(self, base: Path) -> str:
        out = [f"# {self.title}\n"]
        for kind, item in self.parts:
            if kind == "heading":
                out.append(f"\n## {item}\n")
            elif kind == "subheading":
                out.append(f"\n### {item}\n")
            elif kind == "text":
                out.append(f"{item}\n")
            elif kind == "bullets":
                out.append("\n".join(f"- {line}" for line in item) + "\n")
            elif kind == "table":
                out.append(item.to_markdown(index=True) + "\n")
            elif kind == "formatted":
                align = ("left",) + tuple(
                    "left" if item[c].map(_is_text).any() else "right" for c in item.columns
                )
                out.append(
                    item.to_markdown(index=True, disable_numparse=True, colalign=align) + "\n"
                )
            else:
                png, caption = item
                out.append(f"![{caption}]({png.relative_to(base).as_posix()})\n\n*{caption}*\n")
        return "\n".join(out)

    def html(self) -> str:
        out = [
            f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(self.title)}"
            "</title><style>body{font-family:sans-serif;max-width:1100px;margin:auto;"
            "padding:1em}table{border-collapse:collapse;font-size:0.85em}td,th{border:1px "
            "solid #ccc;padding:3px 6px;text-align:right}img{max-width:100%}"
            "figcaption{font-style:italic;color:#444}</style></head><body>",
            f"<h1>{html.escape(self.title)}</h1>",
        ]
        for kind, item in self.parts:
            if kind == "heading":
                out.append(f"<h2>{html.escape(item)}</h2>")
            elif kind == "subheading":
                out.append(f"<h3>{html.escape(item)}</h3>")
            elif kind == "text":
                out.append(f"<p>{html.escape(item)}</p>")
            elif kind == "bullets":
                lis = "".join(f"<li>{html.escape(line)}</li>" for line in item)
                out.append(f"<ul>{lis}</ul>")
            elif kind in ("table", "formatted"):
                out.append(item.to_html(border=0))
            else:
                png, caption = item
                data = base64.b64encode(png.read_bytes()).decode()
                out.append(
                    f"<figure><img src='data:image/png;base64,{data}' "
                    f"alt='{html.escape(caption)}'><figcaption>{html.escape(caption)}"
                    "</figcaption></figure>"
                )
        out.append("</body></html>")
        return "\n".join(out)


def _is_text(value: Any) -> bool:
    """Whether a cell holds words rather than a formatted number (left- or right-aligned)."""
    if not isinstance(value, str) or not value:
        return False
    try:
        float(value.replace(",", ""))
    except ValueError:
        return True
    return False


def _table(
    rep: Report, frame: pd.DataFrame, digits: int = 3, formats: dict[str, str] | None = None
) -> None:
    """A table with numbers formatted for their magnitude (people and person-hours whole, with
    thousands separators; shares and p-values to ``digits`` significant digits)."""
    rep.formatted(readable(frame, digits, formats))


def configs_compared(sweep_dir: Path, jobs: pd.DataFrame) -> pd.DataFrame:
    """Per job: scenario, mitigation, its levers (strength, start, investment, yearly cost and
    lifetime), the levers removed, the weighting, the couplings, seed, replicates and
    horizon."""
    rows = []
    for row in jobs.itertuples():
        try:
            text = (job_dir(sweep_dir, row.job) / ".hydra" / "config.yaml").read_text()
            cfg = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
            mitigation, scenario = cfg["mitigation"], cfg["scenario"]["name"]
        except (OSError, UnicodeDecodeError, yaml.YAMLError, TypeError, KeyError) as err:
            # not among the files a marker checks: one bad config costs its row, not the report
            rows.append(
                {"job": row.job, "mitigation": row.mitigation, "levers": f"unreadable ({err})"}
            )
            continue
        removed = set(mitigation.get("without") or [])
        levers = (
            "; ".join(
                f"{name}: {lv['kind']} {lv['strength']} from hour {lv.get('start_hour', 0)}, "
                + _lever_cost(lv)
                for name, lv in (mitigation.get("levers") or {}).items()
                if name not in removed
            )
            or "none"
        )
        rows.append(
            {
                "job": row.job,
                "scenario": scenario,
                "mitigation": row.mitigation,
                "levers": levers,
                "without": ", ".join(mitigation.get("without") or []) or "",
                "weighting": (cfg.get("weighting") or {}).get("name", ""),
                "couplings": (cfg.get("couplings") or {}).get("name", ""),
                "seed": cfg["seed"],
                "replicates": _job_replicates(cfg),
                "horizon_days": cfg["horizon_days"],
            }
        )
    return pd.DataFrame(rows).set_index("job")


def _job_replicates(cfg: dict[str, Any]) -> int | str:
    """The replicates a job ran: all of its arm's, or its block of them (``0-9 of 20``)."""
    n, blocks = cfg["replicates"], cfg.get("replicate_blocks", 1)
    if blocks == 1:
        return n
    block = block_range(n, blocks, cfg.get("replicate_block", 0))
    return f"{block.start}-{block.stop - 1} of {n}"


def _lever_cost(lever: dict[str, Any]) -> str:
    """A lever's cost basis as configured: investment, yearly cost, lifetime."""
    if "investment_meur" in lever or "yearly_meur" in lever:
        return (
            f"{lever.get('investment_meur', 0)} MEUR investment over "
            f"{lever.get('lifetime_years', '?')} years + {lever.get('yearly_meur', 0)} MEUR/year"
        )
    return f"{lever.get('cost_meur', '?')} MEUR"


def _interval(value: float, low: float, high: float, fmt: str = ",.0f") -> str:
    """``1,234 (95% CI 1,000 to 1,500)``."""
    if pd.isna(low):
        return f"{value:{fmt}} (no interval)"
    return f"{value:{fmt}} (95% CI {low:{fmt}} to {high:{fmt}})"


def _verdict(low: float, high: float, above: str, below: str, neither: str) -> str:
    if pd.isna(low):
        return neither
    return above if low > 0 else below if high < 0 else neither


def _primary(done: pd.DataFrame) -> str | None:
    """The first scenario with a ``none`` arm and at least one mitigation to compare."""
    for scenario, group in done.groupby("scenario"):
        singles = {m for m in group.mitigation if not is_increment(m)}
        if "none" in singles and len(singles) > 1:
            return str(scenario)
    return None


def _has(sweep_dir: Path, jobs: pd.DataFrame, name: str) -> bool:
    return len(jobs) > 0 and all(
        (job_dir(sweep_dir, job) / name).is_file() for job in jobs.drop_duplicates("job").job
    )


def _lever_robustness_section(rep: Report, sweep_dir: Path, w: WeightingConfig) -> None:
    """How each single lever's avoided loss and rank vary when lever strengths and costs are
    sampled from their plausible ranges (a Latin hypercube on common random numbers)."""
    try:
        table = lever_robustness(sweep_dir, w)
    except (ConfigError, ValueError, KeyError) as err:
        rep.subheading("Rankings under what we do not know")
        rep.text(f"The lever samples could not be read ({err}); run the study again.")
        return
    rep.subheading("Rankings under what we do not know: lever strengths and costs sampled")
    rep.text(
        f"Each lever's strength and annualised cost are drawn {int(table.samples.max())} times "
        "from their plausible ranges (configs/mitigation, strength_low/high and the cost "
        "bounds) by a Latin hypercube; sample j runs each single lever on replicate j of the "
        "study and is paired with none's replicate j, so the spread holds both replicate noise "
        f"and the lever uncertainty ({total_label(w)}). keeps_rank_share: share of samples in "
        "which the lever has its nominal rank; top3_share: in the top three; keeps_ce_rank_share: "
        "the same for loss avoided per MEUR per year. " + describe_robustness(table)
    )
    _table(rep, table.set_index("lever").drop(columns=["weighting"]), digits=3)


def build_report(sweep_dir: str | Path, weighting: WeightingConfig | str | None = None) -> Path:
    """Build the report of a sweep; return the path of ``report.html``.

    Args:
        weighting: The weighting of every composite shown (a shipped name, a YAML file or a
            weighting); default the one the results record (``equal`` if none).
    """
    sweep_dir = Path(sweep_dir)
    catalog = build_catalog(sweep_dir)
    fig_dir = sweep_dir / "figures"
    done = arm_rows(catalog)
    if done.empty:
        raise ValueError(f"no complete job in {sweep_dir}")
    for col in ["replicate", "seed"]:
        done[col] = done[col].astype(int)
    # A transit stress sweep (scenario.corridor_effort varied) has one job per arm and effort:
    # its own section reads every effort, the others the reference effort's jobs, so that arms
    # still pair by replicate.
    stress = transit_stress.varies_effort(sweep_dir, done)
    if stress is not None:
        done = transit_stress.at_reference_effort(stress)
    w = as_weighting(weighting or recorded_weighting(done))
    label = total_label(w)
    done = with_weighting(done, w)
    # Arms are scenario x mitigation x couplings: every section but the synergy's reads the
    # rows of one couplings option (all, when it ran), so arms stay paired by replicate.
    options = couplings_options(done)
    every_option = done
    done = under_couplings(done)
    jobs = done.drop_duplicates("job")
    rep = Report(f"Hybrid threats and resilience in Belgium: {sweep_dir.name}")
    failed = catalog[catalog.status != "complete"].drop_duplicates("job")
    rep.text(
        f"{len(jobs)} complete jobs ({len(failed)} failed, damaged or unfinished: listed "
        "below and left out), "
        f"{len(done)} replicates, scenarios: {', '.join(sorted(done.scenario.unique()))}; "
        f"mitigations: {', '.join(sorted(done.mitigation.unique()))}."
    )
    rep.text(
        f"Per-sector outcomes are in natural units; a sum over sectors appears only as "
        f"{label}: {describe(w)} (source: {w.source}). Other weightings: "
        f"`--weighting {'|'.join(WEIGHTINGS)}`."
    )
    if len(options) > 1:
        rep.text(
            f"Couplings: {', '.join(options)}; every section but the synergy's shows the runs "
            f"with couplings={options[0]}."
        )
    if len(failed):
        rep.table(failed.set_index("job")[["status", "error"]])

    rep.heading("Outcomes and their units")
    rep.bullets(list(OUTCOME_SENTENCES.values()))

    primary = _primary(done)
    scenario = primary or str(done.scenario.iloc[0])
    base_name = "none" if "none" in set(done[done.scenario == scenario].mitigation) else None
    base_name = base_name or str(done[done.scenario == scenario].mitigation.iloc[0])
    base = done[(done.scenario == scenario) & (done.mitigation == base_name)]
    _natural_units(rep, sweep_dir, base, scenario, base_name, w)
    movement.report_section(rep, sweep_dir, done, fig_dir)
    if stress is not None:
        transit_stress.report_section(rep, sweep_dir, stress)

    best = None
    for scen, group in done.groupby("scenario"):
        singles = {m for m in group.mitigation if not is_increment(m)}
        if "none" not in singles or len(singles) < 2:
            continue
        rank = _ranking_section(rep, group, str(scen), w, fig_dir, scen == primary)
        if scen == primary:
            best = str(rank.mitigation.iloc[0])

    arms = [base_name] + ([best] if best else [])
    chosen = jobs[(jobs.scenario == scenario) & jobs.mitigation.isin(arms)]
    _where_harm_falls(rep, sweep_dir, chosen, arms, w, fig_dir)

    ts = read_results(sweep_dir, chosen, "timeseries.parquet")
    rep.heading(f"Service over time ({scenario})")
    rep.figure(
        figures.service_timeseries(ts, fig_dir, arms),
        f"National service per sector, {', '.join(arms)}: mean and min-max band.",
    )
    _unmet_need_by_region(rep, sweep_dir, chosen, fig_dir)

    base_arm = done[done.mitigation == base_name]
    scenarios = set(done.scenario)
    if {"hybrid_campaign", *SYNERGY_PARTS} <= scenarios:
        _synergy_section(rep, every_option[every_option.mitigation == base_name], label, fig_dir)
    compound = ("compound_storm", ("most_likely_enemy", "winter_storm"))
    if {compound[0], *compound[1]} <= scenarios:
        excess = synergy(base_arm[base_arm.scenario.isin([compound[0], *compound[1]])], *compound)
        excess["sector"] = excess.sector.replace({"total_loss": label})
        rep.heading("Compound hazard: the storm during the campaign")
        rep.text(
            "Excess = loss of the campaign with the winter storm minus the losses of the "
            "campaign alone and the storm alone, paired by replicate; 95% bootstrap CI. Sectors "
            f"in person-hours; the last row under the weighting named ({label})."
        )
        _table(rep, excess.set_index("sector"))

    rep.heading("Outcomes per arm (mean over replicates)")
    rep.text(
        "Person-hours lost per sector, the composite under the weighting named, unmet need "
        "(person-hours), lowest trust (0 to 1) and peak narrative reach (share)."
    )
    keys = ["scenario", "mitigation"] + (["couplings"] if len(options) > 1 else [])
    means = every_option.groupby(keys)[
        [f"loss_{s}" for s in SECTORS]
        + ["total_loss", "unmet_need_person_hours", "min_trust", "peak_belief"]
    ].mean()
    means.columns = [c.removeprefix("loss_") for c in means.columns]
    if len(keys) == 2 and done.scenario.nunique() == 1:
        means = means.droplevel("scenario")
    else:
        means.index = [": ".join(map(str, arm)) for arm in means.index]
        means.index.name = ": ".join(keys)
    _table(rep, means.rename(columns={"total_loss": label}))

    rep.heading("Configs compared")
    rep.table(configs_compared(sweep_dir, every_option.drop_duplicates("job")))
    rep.heading("Provenance")
    prov = json.loads((job_dir(sweep_dir, jobs.job.iloc[0]) / "provenance.json").read_text())
    rep.text(
        f"git commit {prov.get('git_commit')}, Python {prov.get('python')}, "
        f"{prov.get('platform')}; seeds: {sorted(set(done.seed))} (replicate r uses "
        "SeedSequence(seed, spawn_key=(r,)))."
    )
    rep.table(
        pd.DataFrame(sorted(prov["packages"].items()), columns=["package", "version"]).set_index(
            "package"
        )
    )

    (sweep_dir / "report.md").write_text(rep.markdown(sweep_dir), encoding="utf-8")
    out = sweep_dir / "report.html"
    out.write_text(rep.html(), encoding="utf-8")
    return out


def _natural_units(
    rep: Report,
    sweep_dir: Path,
    base: pd.DataFrame,
    scenario: str,
    arm: str,
    w: WeightingConfig,
) -> None:
    """Per sector in natural units, then unmet need per cohort, then transit, for one arm."""
    n = len(base)
    rep.heading(
        f"Without mitigation ({scenario}): per sector, in natural units"
        if arm == "none"
        else f"{scenario}, mitigation {arm}: per sector, in natural units"
    )
    rep.text(
        f"{n} replicates. Person-hours lost: mean, 95% t-interval, min and max over the "
        "replicates; people affected, hours below minimum service and hours per inhabitant "
        "(person-hours / population, derived): means. Dependents: the people or users of the "
        "sector at the start."
    )
    _table(rep, sector_summary(base))
    rep.text(f"Summed over sectors only under a named weighting ({describe(w)}):")
    _table(rep, total_summary(base, w))

    jobs = base.drop_duplicates("job")
    if _has(sweep_dir, jobs, "groups.parquet"):
        groups = read_results(sweep_dir, jobs, "groups.parquet")
        rep.subheading("Unmet need per cohort")
        rep.text(
            "Person-hours of need the households of each cohort could not meet from the "
            "service or their own stocks, summed over regions and over the nine sectors with "
            "weight 1: mean, 95% t-interval, min and max over the replicates; then per sector "
            "(mean)."
        )
        _table(rep, cohort_unmet_need(groups))
        _table(rep, cohort_sector_unmet_need(groups))

    rep.subheading("Allied transit (the defence plan's main effort)")
    rep.text(
        "Share of the allied serials across the German border by the deadline, mean and worst "
        "delay against the plan (h), serials still in Belgium at the horizon."
    )
    _table(rep, transit_summary(base))


def _ranking_section(
    rep: Report,
    group: pd.DataFrame,
    scenario: str,
    w: WeightingConfig,
    fig_dir: Path,
    primary: bool,
) -> pd.DataFrame:
    """The ranking of the single mitigations against ``none`` in one scenario (figures go to
    ``fig_dir``, in the sweep directory), the ranking under
    every shipped weighting, engagement, increments, transit and the other outcomes."""
    label = total_label(w)
    rank = ranking(group, weighting=w)
    family = int(rank.p_wilcoxon.notna().sum())
    rep.heading(f"Mitigations against {scenario}: ranking")
    rep.text(
        f"Paired differences with none on common random numbers ({rank.pairs.max()} pairs). "
        f"Estimate: mean loss avoided, {label}, with a 95% percentile bootstrap CI "
        f"({BOOTSTRAP_RESAMPLES:,} resamples). Test: two-sided Wilcoxon signed-rank, "
        f"Holm-corrected over the {family} mitigation-versus-none comparisons (significant: "
        f"p_holm < {ALPHA:g}). Effect size: d_z = mean / sd of the paired differences. Costs: "
        "investment (MEUR, one-off), yearly running cost (MEUR per year) and the annualised "
        "cost (investment / lifetime + yearly, MEUR per year, with its low and high bounds). "
        f"Cost-effectiveness: {w.unit} avoided per MEUR per year, at the point cost and at the "
        "cost bounds. engaged_share: share of the replicates in which the package's levers' "
        f"mechanisms engaged ('{NEVER_ENGAGED}' when in none). d_transit_*: paired mean "
        "difference with none of the transit outcomes (completion share, mean and worst delay "
        "in h; negative delay = faster)."
    )
    unit = f"[{w.name}: {w.unit}]"
    shown = {
        "rank": "rank",
        "mitigation": "mitigation",
        "loss_avoided": f"avoided {unit}",
        "avoided_ci_low": "ci_low",
        "avoided_ci_high": "ci_high",
        "p_wilcoxon": "p_wilcoxon",
        "p_holm": "p_holm",
        "significant": "significant",
        "effect_size_dz": "d_z",
        "mitigation_investment_meur": "investment_meur",
        "mitigation_yearly_meur": "yearly_meur_per_year",
        "mitigation_cost_meur": "annualised_meur_per_year",
        "mitigation_cost_low_meur": "annualised_low",
        "mitigation_cost_high_meur": "annualised_high",
        "avoided_per_meur_year": f"avoided per MEUR/year {unit}",
        "per_meur_year_low": "per_meur_year_low",
        "per_meur_year_high": "per_meur_year_high",
        "engaged_share": "engaged_share",
        "d_transit_completed": "d_transit_completed",
        "d_transit_mean_delay_h": "d_transit_mean_delay_h",
        "d_transit_max_delay_h": "d_transit_max_delay_h",
        "note": "note",
    }
    cols = [c for c in shown if c in rank]
    _table(rep, rank[cols].rename(columns=shown).set_index("rank"), digits=4)

    rep.subheading("The ranking under every shipped weighting")
    every = [*WEIGHTINGS] + ([] if w.name in WEIGHTINGS else [w])
    rep.text(
        "Loss avoided (mean paired difference with none) and rank under each weighting, in its "
        "own unit: "
        + "; ".join(describe(x) for x in every)
        + ". A mitigation whose rank changes between weightings ranks on a value judgement, "
        "not on the evidence."
    )
    _table(rep, ranking_by_weighting(group, every))

    engaged = engagement(group)
    engaged = engaged[[not is_increment(m) for m in engaged.index]]
    if len(engaged.columns):
        rep.subheading("Did each lever's mechanism engage?")
        rep.text(
            "Share of the replicates in which each lever's mechanism engaged (crews used beyond "
            "the standing ones, stock released, cells found, messages sent...), per arm; empty "
            "where the arm does not have the lever. A lever that never engages cannot have an "
            "effect in this scenario, whatever its strength."
        )
        _table(rep, engaged)

    inc = increments(group, w)
    if len(inc):
        rep.subheading("Each lever inside combined: its increment")
        rep.text(
            "Increment = loss of the package without the lever minus loss of the package, "
            f"{label}, paired on common random numbers, 95% bootstrap CI, Holm over the "
            f"{len(inc)} increments: what the lever adds once the others are there. 'alone' is "
            "its stand-alone loss avoided against none (the ranking above). engaged_in_package: "
            "share of the package's replicates in which the lever engaged."
        )
        _table(rep, inc.set_index("lever"), digits=4)
        add = additivity(group, w)
        if add:
            rep.text(
                f"Additivity: the {len(add['singles'])} single mitigations together avoid "
                f"{add['sum_alone']:,.0f}, combined avoids {add['package_avoided']:,.0f} "
                f"({label}); combined minus the sum of its parts: "
                + _interval(
                    add["interaction"], add["interaction_ci_low"], add["interaction_ci_high"]
                )
                + f", paired over {add['pairs']} replicates; "
                + _verdict(
                    add["interaction_ci_low"],
                    add["interaction_ci_high"],
                    "the levers reinforce each other",
                    "the levers overlap (their effects are not additive)",
                    "not distinguishable from additive",
                )
                + f". The {add['increments']} increments sum to {add['sum_increments']:,.0f}."
            )

    if primary and (fig_dir.parent / LEVER_SAMPLES_DIR).is_dir():
        _lever_robustness_section(rep, fig_dir.parent, w)

    rep.subheading("Allied transit: paired differences with none")
    rep.text(
        "Mitigation minus none, per replicate, for the share of serials across by the deadline "
        "and the mean and worst delay (h); same bootstrap and tests as the ranking."
    )
    others = {
        "unmet_need_person_hours": "person-hours",
        "peak_belief": "share reached",
        "min_trust": "0 to 1",
    }
    for outcome, unit_text in {**TRANSIT_OUTCOMES, **others}.items():
        if outcome not in group:
            continue
        same = "" if outcome in TRANSIT_OUTCOMES else ": paired difference with none (same tests)."
        rep.text(f"{outcome} ({unit_text}){same or ':'}")
        _table(
            rep,
            compare(group, outcome)[
                ["mitigation", "mean_difference", "ci_low", "ci_high", "p_holm", "note"]
            ].set_index("mitigation"),
            digits=4,
        )
    if primary:
        reductions = sector_reductions(group)
        rep.text("Mean paired loss reduction per sector, % of none's person-hours lost:")
        _table(rep, reductions, digits=3)
        rep.figure(
            figures.reduction_heatmap(reductions, fig_dir),
            "Mean paired loss reduction per sector, % of none's loss.",
        )
        rep.figure(
            figures.forest(rank.assign(outcome="total_loss"), fig_dir, label),
            f"Paired difference in {label} with none, 95% bootstrap CI.",
        )
        rep.figure(
            figures.cost_effect(rank, fig_dir, label),
            f"Annualised cost against {label} avoided, with the efficient frontier.",
        )
    return rank


def _where_harm_falls(
    rep: Report,
    sweep_dir: Path,
    chosen: pd.DataFrame,
    arms: list[str],
    w: WeightingConfig,
    fig_dir: Path,
) -> None:
    """Per region (``regions.parquet``): person-hours, people affected and hours below minimum
    for the unmitigated arm, and the worst regions of it and of the best mitigation."""
    if not _has(sweep_dir, chosen, "regions.parquet"):
        return
    regions = read_results(sweep_dir, chosen, "regions.parquet")
    label = total_label(w)
    rep.heading("Where the harm falls")
    rep.text(
        "Per region, means over the replicates: person-hours lost per sector, people affected "
        "(dependents in the region while the sector was below its minimum service) and hours "
        f"below the minimum, for {arms[0]}; then the regions ranked by {label} for "
        + " and ".join(arms)
        + ", with each region's share of the national figure, the sector that affected most "
        "people and the longest time below minimum."
    )
    base = regions[regions.mitigation == arms[0]]
    rep.subheading(f"Person-hours lost per region and sector ({arms[0]})")
    _table(rep, region_sector(base, "loss_person_hours"))
    rep.subheading(f"People affected per region and sector ({arms[0]})")
    _table(rep, region_sector(base, "affected"))
    rep.subheading(f"Hours below minimum service per region and sector ({arms[0]})")
    _table(rep, region_sector(base, "hours_below_min"))
    place = "province" if "province" in regions else "region"
    tiles = []
    for arm in arms:
        overview = region_overview(regions[regions.mitigation == arm], w)
        rep.subheading(f"The worst regions ({arm})")
        worst = overview.head(3)
        rep.text(
            "Worst: "
            + "; ".join(
                f"{region} ({row[label]:,.0f}, {row.share_of_national:.0%} of the national "
                f"figure; longest below minimum: {row.longest_hours_below_min:,.0f} h in "
                f"{row.sector_longest_below})"
                for region, row in worst.iterrows()
            )
            + "."
        )
        _table(rep, overview)
        by_place = region_overview(regions[regions.mitigation == arm], w, place)
        tiles.append(
            by_place[label]
            .rename("value")
            .rename_axis("region")
            .reset_index()
            .assign(mitigation=arm)
        )
    data = pd.concat(tiles, ignore_index=True)
    scale = 1e6 if data.value.abs().max() >= 1e6 else 1.0
    rep.figure(
        figures.region_tiles(
            data.assign(value=data.value / scale),
            fig_dir,
            "harm_tiles",
            f"{label}" + (" (millions)" if scale > 1 else ""),
            "Where the harm falls (tiles placed roughly as on the map; north at the top)",
            fmt=".2f" if scale > 1 else ",.0f",
        ),
        f"{label} per region{' (millions)' if scale > 1 else ''}, mean over replicates.",
    )


def _unmet_need_by_region(
    rep: Report, sweep_dir: Path, chosen: pd.DataFrame, fig_dir: Path
) -> None:
    """Unmet need per inhabitant of each province (person-hours per inhabitant, derived)."""
    groups = read_results(sweep_dir, chosen, "groups.parquet")
    # By province (the tiles), which is the region itself at province resolution.
    place = "province" if "province" in groups else "region"
    per_region = (
        groups.groupby(["mitigation", "replicate", place])
        .unmet_need_person_hours.sum()
        .groupby(["mitigation", place])
        .mean()
    )
    regions_pop = _region_population(sweep_dir, chosen, place)
    tiles = (
        (per_region / per_region.index.get_level_values(place).map(regions_pop).values)
        .rename("value")
        .reset_index()
        .rename(columns={place: "region"})
    )
    rep.heading("Unmet need by region")
    rep.text("Unmet need per inhabitant (person-hours / residents of the region), mean.")
    _table(rep, tiles.pivot(index="region", columns="mitigation", values="value"))
    rep.figure(
        figures.unmet_need_tiles(tiles, fig_dir),
        "Unmet need per inhabitant (person-hours), mean over replicates.",
    )


def _synergy_section(rep: Report, base_arm: pd.DataFrame, label: str, fig_dir: Path) -> None:
    """Campaign minus the sum of its parts, with each arm's attempts so the split is visible;
    then, where the campaign ran with couplings switched off, what each coupling contributes
    and the synergy with all of them off."""
    data = base_arm[base_arm.scenario.isin(["hybrid_campaign", *SYNERGY_PARTS])]
    main = couplings_options(data)[0]
    syn = synergy(data, couplings=main)
    total = syn.set_index("sector").loc["total_loss"]
    rep.heading("Synergy of the hybrid campaign")
    rep.text(
        "Synergy = campaign loss minus the sum of the losses of its sabotage-only, "
        "cyber-only and disinformation-only parts, paired by replicate (same seeds); "
        "95% percentile bootstrap CI. Above 0: the synchronised campaign is worse than "
        "its parts together. Sectors in person-hours; the last row under the weighting named"
        f"; couplings={main}."
    )
    rep.text(
        f"Synergy of {label}: "
        + _interval(total.synergy, total.ci_low, total.ci_high)
        + f" over {int(total.pairs)} pairs: "
        + _verdict(
            total.ci_low,
            total.ci_high,
            "the synchronised campaign does more harm than its parts together",
            "the synchronised campaign does less harm than its parts together",
            "not distinguishable from additive",
        )
        + "."
    )
    _table(rep, syn.assign(sector=syn.sector.replace({"total_loss": label})).set_index("sector"))
    rep.text(
        "Mean attempts per replicate of each arm (n_sabotage, n_cyber, n_disinformation): the "
        "parts are a true split of the campaign when each part's attempts of its own action "
        "match the campaign's ('part / campaign' near 1)."
    )
    attempts = synergy_attempts(data, couplings=main)
    _table(rep, attempts, formats=dict.fromkeys(attempts.columns, ".4g"))
    rep.figure(figures.synergy_bars(syn, fig_dir), "Synergy per sector with 95% CI.")
    _couplings_section(rep, data, label, float(total.campaign))


def _couplings_section(rep: Report, data: pd.DataFrame, label: str, campaign: float) -> None:
    """Each coupling's contribution (the campaign with it off, on the same seeds) and the
    synergy with all couplings off."""
    table = coupling_contributions(data)
    if table.empty:
        return
    rep.subheading("What each coupling contributes")
    rep.text(
        "Contribution = the campaign's loss with every coupling (couplings=all) minus its loss "
        "with the coupling switched off (couplings=without_<name>; 'all couplings': "
        "couplings=none), paired by replicate; 95% percentile bootstrap CI; share = "
        "contribution / the campaign's loss. Synergy: the campaign's synergy with the "
        f"coupling off, where its parts ran so too. All in {label}."
    )
    shown = pd.DataFrame(
        {
            "coupling": table.coupling,
            "campaign with it off": table.campaign,
            "contribution": [
                _interval(v, lo, hi)
                for v, lo, hi in zip(table.contribution, table.ci_low, table.ci_high, strict=True)
            ],
            "share": [f"{v:.1%}" if pd.notna(v) else "" for v in table.share],
            "synergy with it off": [
                "" if pd.isna(v) else _interval(v, lo, hi)
                for v, lo, hi in zip(
                    table.synergy, table.synergy_ci_low, table.synergy_ci_high, strict=True
                )
            ],
            "pairs": table.pairs,
        }
    ).set_index("coupling")
    _table(rep, shown, formats={"campaign with it off": ",.0f"})
    off = table[table.couplings == "none"]
    if len(off) and pd.notna(off.synergy.iloc[0]):
        row = off.iloc[0]
        share = row.synergy / row.campaign if row.campaign else float("nan")
        rep.text(
            "With all couplings off the campaign's synergy is "
            + _interval(row.synergy, row.synergy_ci_low, row.synergy_ci_high)
            + f", {share:.1%} of its loss ({row.campaign:,.0f}): what the instruments do "
            "together through the infrastructure and the population they share, beyond the "
            f"couplings (with them: {campaign:,.0f})."
        )


def _region_population(sweep_dir: Path, jobs: pd.DataFrame, place: str = "region") -> pd.Series:
    """Population per region or province from a job's time series (the first recorded time)."""
    extra = ", province" if place == "province" else ""
    ts = read_results(
        sweep_dir,
        jobs.head(1),
        "timeseries.parquet",
        f"region, population, time_h, replicate{extra}",
    )
    first = ts[(ts.time_h == 0) & (ts.replicate == ts.replicate.min())]
    return first.drop_duplicates("region").groupby(place).population.sum()


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: one line and exit status 2 for bad input, with nothing
    written."""
    return guarded(lambda: _main(argv))


def _main(argv: list[str] | None) -> int:
    parser = OneLineParser(description=__doc__.splitlines()[0])
    parser.add_argument("sweep_dir", type=Path)
    parser.add_argument(
        "--weighting",
        help=f"weighting of every composite: one of {', '.join(sorted(WEIGHTINGS))} "
        "(default: the one the results record; equal with --weights)",
    )
    parser.add_argument(
        "--weights",
        nargs="+",
        metavar="SECTOR=WEIGHT",
        help="change the weight of these sectors (finite numbers >= 0) in the weighting",
    )
    args = parser.parse_args(argv)
    if args.weighting is not None and args.weighting not in WEIGHTINGS:
        raise ConfigError("--weighting", f"one of {', '.join(sorted(WEIGHTINGS))}")
    weighting: WeightingConfig | str | None = args.weighting
    if args.weights:
        weighting = reweighted(load_weighting(args.weighting or "equal"), args.weights)
    jobs = check_sweep_dir(args.sweep_dir)
    if not (jobs.status == "complete").any():
        raise ConfigError("sweep_dir", f"a sweep with a complete job; {args.sweep_dir} has none")
    out = build_report(args.sweep_dir, weighting)
    print(f"Report: {out}")
    print(f"        {args.sweep_dir / 'report.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
