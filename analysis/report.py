"""A report an analyst can act on: ``python -m analysis.report <sweep_dir>``.

Writes ``<sweep_dir>/report.md`` (figures as files in ``<sweep_dir>/figures/``) and a
self-contained ``<sweep_dir>/report.html`` (figures embedded). Both hold the tables (loss per
sector, the ranking of mitigations with their tests, synergy where the sweep has the parts), the
figures, the configs compared and the provenance. Everything is computed from the results files
of the sweep, through the catalog.
"""

from __future__ import annotations

import argparse
import base64
import html
import json
import sys
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import yaml

from abm.sectors import SECTORS
from analysis import figures
from analysis.catalog import build_catalog
from analysis.compare import (
    ALPHA,
    BOOTSTRAP_RESAMPLES,
    RANKING_COLUMNS,
    compare,
    ranking,
    reweight,
    sector_reductions,
    synergy,
)

SYNERGY_PARTS = ("sabotage_only", "cyber_only", "disinformation_only")
LOSS_UNIT = "hours of full outage per inhabitant"


class Report:
    """Sections of markdown text, tables and figures, rendered to Markdown and to HTML."""

    def __init__(self, title: str) -> None:
        self.title = title
        #: (kind, item): a heading or text (str), a table (DataFrame), a figure ((png, caption)).
        self.parts: list[tuple[str, Any]] = []

    def heading(self, text: str) -> None:
        self.parts.append(("heading", text))

    def text(self, text: str) -> None:
        self.parts.append(("text", text))

    def table(self, frame: pd.DataFrame, digits: int = 3) -> None:
        self.parts.append(("table", frame.round(digits)))

    def figure(self, png: Path, caption: str) -> None:
        self.parts.append(("figure", (png, caption)))

    def markdown(self, base: Path) -> str:
        out = [f"# {self.title}\n"]
        for kind, item in self.parts:
            if kind == "heading":
                out.append(f"\n## {item}\n")
            elif kind == "text":
                out.append(f"{item}\n")
            elif kind == "table":
                out.append(item.to_markdown(index=True) + "\n")
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
            elif kind == "text":
                out.append(f"<p>{html.escape(item)}</p>")
            elif kind == "table":
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


def _read_parquet(files: list[str], columns: str = "*") -> pd.DataFrame:
    con = duckdb.connect()
    try:
        return con.execute(
            f"SELECT {columns} FROM read_parquet(?, filename = true, union_by_name = true)",
            [files],
        ).df()
    finally:
        con.close()


def _job_files(sweep_dir: Path, jobs: pd.DataFrame, name: str) -> tuple[list[str], dict]:
    files, arm_of = [], {}
    for row in jobs.itertuples():
        path = str(sweep_dir / row.job / name) if row.job != "." else str(sweep_dir / name)
        files.append(path)
        arm_of[path] = (row.scenario, row.mitigation)
    return files, arm_of


def configs_compared(sweep_dir: Path, jobs: pd.DataFrame) -> pd.DataFrame:
    """Per job: scenario, mitigation, its levers, seed, replicates and horizon."""
    rows = []
    for row in jobs.itertuples():
        job_dir = sweep_dir / row.job if row.job != "." else sweep_dir
        cfg = yaml.safe_load((job_dir / ".hydra" / "config.yaml").read_text())
        levers = (
            "; ".join(
                f"{name}: {lv['kind']} {lv['strength']} from hour {lv.get('start_hour', 0)}, "
                f"{lv['cost_meur']} MEUR"
                for name, lv in (cfg["mitigation"].get("levers") or {}).items()
            )
            or "none"
        )
        rows.append(
            {
                "job": row.job,
                "scenario": cfg["scenario"]["name"],
                "mitigation": cfg["mitigation"]["name"],
                "levers": levers,
                "seed": cfg["seed"],
                "replicates": cfg["replicates"],
                "horizon_days": cfg["horizon_days"],
            }
        )
    return pd.DataFrame(rows).set_index("job")


def build_report(sweep_dir: str | Path, weights: dict[str, float] | None = None) -> Path:
    """Build the report of a sweep; return the path of ``report.html``."""
    sweep_dir = Path(sweep_dir)
    catalog = build_catalog(sweep_dir)
    fig_dir = sweep_dir / "figures"
    done = reweight(catalog[catalog.status == "complete"].copy(), weights)
    if done.empty:
        raise ValueError(f"no complete job in {sweep_dir}")
    for col in ["replicate", "seed"]:
        done[col] = done[col].astype(int)
    jobs = done.drop_duplicates("job")
    rep = Report(f"Hybrid threats and resilience in Belgium: {sweep_dir.name}")
    failed = catalog[catalog.status != "complete"].drop_duplicates("job")
    rep.text(
        f"{len(jobs)} complete jobs ({len(failed)} failed or unfinished), "
        f"{len(done)} replicates, scenarios: {', '.join(sorted(done.scenario.unique()))}; "
        f"mitigations: {', '.join(sorted(done.mitigation.unique()))}. "
        f"Loss is in {LOSS_UNIT}; total loss weights: "
        + (", ".join(f"{k} {v:g}" for k, v in weights.items()) if weights else "all 1")
        + "."
    )
    if len(failed):
        rep.table(failed.set_index("job")[["status", "error"]])

    rep.heading("Loss per sector (mean over replicates)")
    means = done.groupby(["scenario", "mitigation"])[
        [f"loss_{s}" for s in SECTORS]
        + ["total_loss", "unmet_need_person_hours", "min_trust", "peak_belief"]
    ].mean()
    means.columns = [c.removeprefix("loss_") for c in means.columns]
    rep.table(means)

    primary = None
    for scenario, group in done.groupby("scenario"):
        if "none" not in set(group.mitigation) or group.mitigation.nunique() < 2:
            continue
        primary = primary or scenario
        rank = ranking(group)
        family = int(rank.p_wilcoxon.notna().sum())
        rep.heading(f"Mitigations against {scenario}: ranking")
        rep.text(
            f"Paired differences with none on common random numbers ({rank.pairs.max()} pairs). "
            f"Estimate: mean difference in total loss ({LOSS_UNIT}) with a 95% percentile "
            f"bootstrap CI ({BOOTSTRAP_RESAMPLES:,} resamples). Test: two-sided Wilcoxon "
            f"signed-rank, Holm-corrected over the {family} mitigation-versus-none comparisons "
            f"(significant: p_holm < {ALPHA:g}). Effect size: d_z = mean / sd of the paired "
            "differences. Cost-effectiveness: person-hours of full outage avoided nationally "
            "per million euro, at the point cost and at the cost bounds."
        )
        cols = [
            *RANKING_COLUMNS[:5],
            "p_wilcoxon",
            "p_holm",
            "significant",
            "effect_size_dz",
            *RANKING_COLUMNS[6:],
            "per_meur_low",
            "per_meur_high",
            "note",
        ]
        rep.table(rank[cols].set_index("rank"), digits=4)
        for outcome in ("unmet_need_person_hours", "peak_belief", "min_trust"):
            rep.text(f"{outcome}: paired difference with none (same tests).")
            rep.table(
                compare(group, outcome)[
                    ["mitigation", "mean_difference", "ci_low", "ci_high", "p_holm", "note"]
                ].set_index("mitigation"),
                digits=4,
            )
        if scenario == primary:
            reductions = sector_reductions(group)
            rep.table(reductions, digits=1)
            rep.figure(
                figures.reduction_heatmap(reductions, fig_dir),
                "Mean paired loss reduction per sector, % of none's loss.",
            )
            rep.figure(
                figures.forest(rank.assign(outcome="total_loss"), fig_dir, LOSS_UNIT),
                "Paired difference in total loss with none, 95% bootstrap CI.",
            )
            rep.figure(
                figures.cost_effect(rank, fig_dir),
                "Cost against total loss avoided, with the efficient frontier.",
            )

    arms_scenario = primary or done.scenario.iloc[0]
    arms = ["none"] if "none" in set(done.mitigation) else [done.mitigation.iloc[0]]
    if primary is not None:
        best = ranking(done[done.scenario == primary]).mitigation.iloc[0]
        arms.append(best)
    chosen = jobs[(jobs.scenario == arms_scenario) & jobs.mitigation.isin(arms)]
    files, arm_of = _job_files(sweep_dir, chosen, "timeseries.parquet")
    ts = _read_parquet(files)
    ts["mitigation"] = [arm_of[f][1] for f in ts.filename]
    rep.heading(f"Service over time ({arms_scenario})")
    rep.figure(
        figures.service_timeseries(ts, fig_dir, arms),
        f"National service per sector, {', '.join(arms)}: mean and min-max band.",
    )
    gfiles, garm = _job_files(sweep_dir, chosen, "groups.parquet")
    groups = _read_parquet(gfiles)
    groups["mitigation"] = [garm[f][1] for f in groups.filename]
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
    rep.table(tiles.pivot(index="region", columns="mitigation", values="value"), digits=3)
    rep.figure(
        figures.unmet_need_tiles(tiles, fig_dir),
        "Unmet need per inhabitant (person-hours), mean over replicates.",
    )

    scenarios = set(done.scenario)
    if {"hybrid_campaign", *SYNERGY_PARTS} <= scenarios:
        base_arm = done[
            done.mitigation
            == ("none" if "none" in set(done.mitigation) else done.mitigation.iloc[0])
        ]
        syn = synergy(base_arm[base_arm.scenario.isin(["hybrid_campaign", *SYNERGY_PARTS])])
        rep.heading("Synergy of the hybrid campaign")
        rep.text(
            "Synergy = campaign loss minus the sum of the losses of its sabotage-only, "
            "cyber-only and disinformation-only parts, paired by replicate (same seeds); "
            "95% percentile bootstrap CI. Above 0: the synchronised campaign is worse than "
            "its parts together."
        )
        rep.table(syn.set_index("sector"), digits=3)
        rep.figure(figures.synergy_bars(syn, fig_dir), "Synergy per sector with 95% CI.")

    compound = ("compound_storm", ("most_likely_enemy", "winter_storm"))
    if {compound[0], *compound[1]} <= scenarios:
        base_arm = done[done.mitigation == done.mitigation.iloc[0]]
        excess = synergy(base_arm[base_arm.scenario.isin([compound[0], *compound[1]])], *compound)
        rep.heading("Compound hazard: the storm during the campaign")
        rep.text(
            "Excess = loss of the campaign with the winter storm minus the losses of the "
            "campaign alone and the storm alone, paired by replicate; 95% bootstrap CI."
        )
        rep.table(excess.set_index("sector"), digits=3)

    rep.heading("Configs compared")
    rep.table(configs_compared(sweep_dir, jobs))
    rep.heading("Provenance")
    first = jobs.job.iloc[0]
    prov = json.loads(
        ((sweep_dir / first if first != "." else sweep_dir) / "provenance.json").read_text()
    )
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


def _region_population(sweep_dir: Path, jobs: pd.DataFrame, place: str = "region") -> pd.Series:
    """Population per region or province from a job's time series (the first recorded time)."""
    files, _ = _job_files(sweep_dir, jobs.head(1), "timeseries.parquet")
    extra = ", province" if place == "province" else ""
    ts = _read_parquet(files, f"region, population, time_h, replicate{extra}")
    first = ts[(ts.time_h == 0) & (ts.replicate == ts.replicate.min())]
    return first.drop_duplicates("region").groupby(place).population.sum()


def parse_weights(text: str | None) -> dict[str, float] | None:
    """``energy=2,health=3`` -> {"energy": 2.0, "health": 3.0}."""
    if not text:
        return None
    pairs = (item.split("=", 1) for item in text.split(","))
    return {k.strip(): float(v) for k, v in pairs}


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sweep_dir", type=Path)
    parser.add_argument("--weights", help="sector weights of total_loss, e.g. energy=2,health=3")
    args = parser.parse_args(argv)
    try:
        out = build_report(args.sweep_dir, parse_weights(args.weights))
    except (FileNotFoundError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"Report: {out}")
    print(f"        {args.sweep_dir / 'report.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
