"""The report of a smoke-size mitigation comparison: it builds, its figures are real images,
and its tables match a recomputation from the summary files."""

import subprocess
import sys

import matplotlib.image
import pandas as pd
import pytest

from analysis.compare import ranking
from analysis.report import build_report

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    sweep_dir = tmp_path_factory.mktemp("comparison")
    smoke_sweep(sweep_dir, "mitigation_comparison", "replicates=3")
    return sweep_dir, build_report(sweep_dir)


def test_every_figure_is_a_real_image(report):
    sweep_dir, html = report
    names = ["service_timeseries", "reduction_heatmap", "forest", "cost_effect", "unmet_need_tiles"]
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
    frames = [pd.read_parquet(p) for p in sorted(sweep_dir.glob("*/summary.parquet"))]
    summary = pd.concat(frames, ignore_index=True)
    means = summary.groupby("mitigation").total_loss.mean()
    md = (sweep_dir / "report.md").read_text()
    for value in means:
        assert format(round(value, 3), "g") in md
    rank = ranking(summary).set_index("mitigation")
    for mitigation, row in rank.iterrows():
        expected = means["none"] - means[mitigation]  # paired mean = difference of means
        assert row.loss_avoided == pytest.approx(expected, abs=1e-12)
    assert "configs compared" in md.lower() and "combined" in md


def test_the_report_command_line(report):
    sweep_dir, _ = report
    proc = subprocess.run(
        [sys.executable, "-m", "analysis.report", str(sweep_dir), "--weights", "energy=2,health=3"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "energy 2" in (sweep_dir / "report.md").read_text()
    bad = subprocess.run(
        [sys.executable, "-m", "analysis.report", str(sweep_dir), "--weights", "energie=2"],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "unknown sector" in bad.stderr


def smoke_sweep(sweep_dir, preset: str, *overrides: str) -> None:
    """Run a preset at smoke size on two workers into ``sweep_dir``."""
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
            "hydra.launcher.n_jobs=2",
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )


def test_a_synergy_sweep_reports_its_synergy(tmp_path):
    smoke_sweep(tmp_path, "synergy")
    build_report(tmp_path)
    md = (tmp_path / "report.md").read_text()
    assert "## Synergy of the hybrid campaign" in md and "figures/synergy.png" in md
    assert matplotlib.image.imread(tmp_path / "figures" / "synergy.png").shape[0] > 200


def test_a_compound_sweep_reports_the_excess(tmp_path):
    smoke_sweep(tmp_path, "compound")
    build_report(tmp_path)
    assert "## Compound hazard" in (tmp_path / "report.md").read_text()
