"""The report of a smoke-size mitigation comparison (with two lever increments): it builds, its
figures are real images, its tables match a recomputation from the summary files, it leads with
natural units, names the weighting of every composite, and the study's console does the same."""

import re
import shutil
import subprocess
import sys

import matplotlib.image
import pandas as pd
import pytest

from abm import SECTORS
from abm.weighting import load_weighting
from analysis.catalog import build_catalog
from analysis.compare import increments, ranking
from analysis.report import INCREMENTS_DIR, Report, _synergy_section, build_report
from analysis.tables import readable
from experiments.study import print_tables

pytestmark = pytest.mark.slow
INCREMENT_LEVERS = ("legal_framework", "intelligence")
ARMS = ("none", "hardening", *INCREMENT_LEVERS, "combined")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    sweep_dir = tmp_path_factory.mktemp("comparison")
    # The arms the report needs, not all 15: none (the baseline), the levers whose increments
    # are measured (their stand-alone effect is the increments' "alone"), hardening (a single
    # lever with an effect of its own, so the ranking orders unequal values) and combined (their
    # package, with every lever for the engagement table); 3 replicates for the paired tests.
    smoke_sweep(sweep_dir, "mitigation_comparison", f"mitigation={','.join(ARMS)}", "replicates=3")
    smoke_sweep(
        sweep_dir / INCREMENTS_DIR,
        "lever_increments",
        "replicates=3",
        "mitigation.without=" + ",".join(f"[{lever}]" for lever in INCREMENT_LEVERS),
    )
    return sweep_dir, build_report(sweep_dir)


def summaries(sweep_dir):
    frames = [pd.read_parquet(p) for p in sorted(sweep_dir.glob("**/summary.parquet"))]
    return pd.concat(frames, ignore_index=True)


def test_every_figure_is_a_real_image(report):
    sweep_dir, html = report
    names = [
        "reduction_heatmap",
        "forest",
        "cost_effect",
        "harm_tiles",
        "service_timeseries",
        "unmet_need_tiles",
        "movement_by_day",
    ]
    for name in names:
        png = sweep_dir / "figures" / f"{name}.png"
        image = matplotlib.image.imread(png)
        assert image.shape[0] > 200 and image.shape[1] > 300
        assert image[..., :3].std() > 0.05  # not a blank canvas
        assert (sweep_dir / "figures" / f"{name}.svg").read_text().lstrip().startswith("<?xml")
    text = html.read_text()
    assert text.count("data:image/png;base64,") == len(names)
    assert "Holm" in text and "Wilcoxon" in text and "Provenance" in text
    md = (sweep_dir / "report.md").read_text()
    assert all(f"figures/{n}.png" in md for n in names)


def test_tables_match_a_recomputation_from_the_summary_files(report):
    sweep_dir, _ = report
    summary = summaries(sweep_dir)
    means = summary.groupby("mitigation").total_loss.mean()
    md = (sweep_dir / "report.md").read_text()
    for value in readable(pd.DataFrame({"total": means})).total:
        assert value in md
    rank = ranking(summary).set_index("mitigation")
    assert not any("_minus_" in m for m in rank.index)  # increments are not ranked
    for mitigation, row in rank.iterrows():
        expected = means["none"] - means[mitigation]  # paired mean = difference of means
        assert row.loss_avoided == pytest.approx(expected, abs=1e-6 * abs(means["none"]) + 1e-9)
    inc = increments(summary).set_index("lever")
    assert set(inc.index) == set(INCREMENT_LEVERS)
    for lever, row in inc.iterrows():
        expected = means[f"combined_minus_{lever}"] - means["combined"]
        assert row.increment == pytest.approx(expected, abs=1e-6 * abs(means["none"]) + 1e-9)
    assert "configs compared" in md.lower() and "combined" in md


def test_the_report_leads_with_natural_units_and_names_every_composite(report):
    sweep_dir, _ = report
    md = (sweep_dir / "report.md").read_text()
    order = [
        "## Outcomes and their units",
        "## Without mitigation (most_likely_enemy): per sector, in natural units",
        "### Unmet need per cohort",
        "### Allied transit",
        "## Allied movement by day",
        "## Mitigations against most_likely_enemy: ranking",
        "### The ranking under every shipped weighting",
        "### Did each lever's mechanism engage?",
        "### Each lever inside combined: its increment",
        "### Allied transit: paired differences with none",
        "## Where the harm falls",
    ]
    positions = [md.index(heading) for heading in order]
    assert positions == sorted(positions)
    for mention in re.finditer(r"total_loss(?! \[weighting)", md):
        context = md[max(0, mention.start() - 200) : mention.end() + 200]
        assert "weighting" in context, context
    assert "total_loss [weighting equal: person-hours]" in md
    for name in ("equal", "people_affected", "impact"):
        assert f"rank [{name}]" in md
    assert "d_transit_mean_delay_h" in md and "annualised_meur_per_year" in md
    assert "investment_meur" in md and "MEUR per year" in md
    assert "### The worst regions (none)" in md


def test_the_study_console_leads_with_natural_units(report, capsys):
    sweep_dir, _ = report
    catalog = build_catalog(sweep_dir, write=False)
    done = catalog[catalog.status == "complete"].copy()
    for col in ["replicate", "seed"]:
        done[col] = done[col].astype(int)
    print_tables(sweep_dir, done, load_weighting("equal"))
    out = capsys.readouterr().out
    order = [
        "without mitigation, 3 replicates. Per sector, in natural units",
        "person_hours",
        "Summed over sectors only under a named weighting",
        "Unmet need per cohort",
        "Allied transit",
        "Mitigations ranked by total loss avoided, total_loss [weighting equal: person-hours]",
        "Each lever inside combined, total_loss [weighting equal: person-hours]",
        "The ranking under every shipped weighting",
    ]
    positions = [out.index(text) for text in order]
    assert positions == sorted(positions), out
    for mention in re.finditer(r"total_loss", out):
        assert out[mention.end() :].startswith((" [weighting", " under weighting")) or (
            "weighting" in out[mention.start() - 30 : mention.start()]
        ), out[mention.start() - 80 : mention.end() + 80]
    ranked = out[out.index("Mitigations ranked") : out.index("Each lever inside")]
    assert "_minus_" not in ranked


def test_the_report_command_line(report, tmp_path):
    # a copy: the report it writes (another weighting) would replace the one the others read
    sweep_dir = tmp_path / "comparison"
    shutil.copytree(report[0], sweep_dir)
    proc = subprocess.run(
        [sys.executable, "-m", "analysis.report", str(sweep_dir), "--weighting", "impact"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    md = (sweep_dir / "report.md").read_text()
    assert "total_loss [weighting impact: impact-weighted person-hours]" in md
    bad = subprocess.run(
        [sys.executable, "-m", "analysis.report", str(sweep_dir), "--weighting", "equl"],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2
    assert bad.stderr.strip() == "error: --weighting: one of equal, impact, people_affected"


def smoke_sweep(sweep_dir, preset: str, *overrides: str) -> None:
    """Run a preset at smoke size through the study's launcher (joblib) into ``sweep_dir``.

    One worker: joblib then runs the jobs in the sweep's process, where two workers would each
    pay the imports again (about twice the time of these few-job sweeps); the report reads the
    same files either way (tests/test_sweeps.py checks joblib's equal to the serial run).
    """
    subprocess.run(
        [
            sys.executable,
            "-m",
            "experiments.run",
            "-m",
            f"+experiment={preset}",
            "size=smoke",
            *overrides,
            f"hydra.sweep.dir={sweep_dir}",
            "hydra/launcher=joblib",
            "hydra.launcher.n_jobs=1",
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )


def test_a_synergy_sweep_reports_its_synergy(tmp_path):
    # every coupling on only (4 of the preset's 24 jobs); the couplings' section: below
    smoke_sweep(tmp_path, "synergy", "couplings=all")
    build_report(tmp_path)
    md = (tmp_path / "report.md").read_text()
    assert "## Synergy of the hybrid campaign" in md and "figures/synergy.png" in md
    assert "Synergy of total_loss [weighting equal: person-hours]: " in md
    assert "part / campaign" in md and "n_sabotage" in md
    assert matplotlib.image.imread(tmp_path / "figures" / "synergy.png").shape[0] > 200


def test_a_compound_sweep_reports_the_excess(tmp_path):
    smoke_sweep(tmp_path, "compound")
    build_report(tmp_path)
    assert "## Compound hazard" in (tmp_path / "report.md").read_text()


def test_the_synergy_report_lists_each_couplings_contribution(tmp_path):
    rows = []
    losses = {"all": 12.0, "none": 6.0, "without_local_recruits": 10.0}
    for couplings, campaign in losses.items():
        for scenario, loss in (
            ("hybrid_campaign", campaign),
            ("sabotage_only", 2.0),
            ("cyber_only", 3.0),
            ("disinformation_only", 1.0),
        ):
            for r in range(6):
                row = {"scenario": scenario, "mitigation": "none", "couplings": couplings}
                row |= {"replicate": r, "seed": 0, "total_loss": loss + 0.1 * r * (loss > 3)}
                row |= {f"loss_{s}": loss / 9 for s in SECTORS}
                row |= {"n_sabotage": 1, "n_cyber": 1, "n_disinformation": 1}
                rows.append(row)
    rep = Report("synergy")
    _synergy_section(
        rep, pd.DataFrame(rows), "total_loss [weighting equal: person-hours]", tmp_path
    )
    md = rep.markdown(tmp_path)
    assert "### What each coupling contributes" in md
    table = md[md.index("### What each coupling contributes") :]
    assert re.search(r"\| local_recruits +\| +10\S* +\| 2 \(95% CI", table), table
    assert re.search(r"\| all couplings +\| +6\S* +\| 6 \(95% CI", table), table
    # with all off, the campaign (6 + 0.1 r) minus its parts (6): 0.25 on average, 4.0%
    assert "With all couplings off the campaign's synergy is 0 (95% CI 0 to 0), 4.0% " in md
