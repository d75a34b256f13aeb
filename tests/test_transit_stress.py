"""The planner's preset: ``+experiment=transit_stress`` runs, its scenario discovery finds the
conditions of a 24 h delay where they are known, says so where no replicate reaches a threshold,
and the report shows the section in hours."""

import itertools
import subprocess
import sys

import pandas as pd
import pytest

from analysis.catalog import arm_rows, build_catalog
from analysis.report import build_report
from analysis.transit_stress import (
    BOXES_FILE,
    EFFORT,
    at_reference_effort,
    delay_table,
    describe_box,
    discover_delay,
    reference_effort,
    transit_stress,
    varies_effort,
)

EFFORTS = (0.5, 1.0, 2.0, 4.0, 8.0)
MITIGATIONS = ("none", "hardening", "intelligence", "territorial_reserve")


def synthetic(delayed) -> pd.DataFrame:
    """Four replicates per effort x mitigation; mean delay 30-33 h where ``delayed(effort,
    mitigation)``, 5-8 h elsewhere."""
    rows = []
    for effort, mitigation, r in itertools.product(EFFORTS, MITIGATIONS, range(4)):
        delay = (30.0 if delayed(effort, mitigation) else 5.0) + r
        rows.append(
            {
                "job": f"{mitigation}@{effort:g}",
                "scenario": "corridor_sabotage",
                "mitigation": mitigation,
                "replicate": r,
                EFFORT: effort,
                "transit_mean_delay_h": delay,
                "transit_max_delay_h": delay + 3.0,
                "transit_completed_fraction": 1.0,
            }
        )
    return pd.DataFrame(rows)


def test_prim_finds_the_known_conditions_of_a_24_h_delay():
    rows = synthetic(lambda effort, mitigation: effort >= 4 and mitigation == "none")
    box = discover_delay(rows, "transit_mean_delay_h", 24.0).set_index("parameter")
    assert box.loc[EFFORT, "values"] == "4,8" and box.loc[EFFORT, "restricted"]
    assert box.loc["mitigation", "values"] == "none" and box.loc["mitigation", "restricted"]
    assert box.loc[EFFORT, "coverage"] == 1.0 and box.loc[EFFORT, "density"] == 1.0
    assert (box.cases == 8).all() and (box.runs == 80).all()
    sentence = describe_box(box.reset_index())
    assert "corridor effort 4 to 8" in sentence and "mitigation none" in sentence
    # the same delays under a lever that protects at every effort: "any mitigation but it"
    rows = synthetic(lambda effort, mitigation: effort >= 2 and mitigation != "hardening")
    box = discover_delay(rows, "transit_mean_delay_h", 24.0).set_index("parameter")
    assert box.loc[EFFORT, "values"] == "2,4,8"
    assert box.loc["mitigation", "values"] == "intelligence,none,territorial_reserve"


def test_no_box_where_no_replicate_or_every_replicate_crosses():
    rows = synthetic(lambda effort, mitigation: False)
    none_above = discover_delay(rows, "transit_mean_delay_h", 48.0)
    assert len(none_above) == 1 and none_above.parameter.isna().all()
    assert none_above.note.iloc[0] == "no replicate above 48 h (the largest is 8.0 h)"
    every = discover_delay(rows, "transit_mean_delay_h", 1.0)
    assert every.note.iloc[0].startswith("every replicate above 1 h")
    assert "no box" in describe_box(none_above)


def test_the_delay_table_has_the_mean_and_its_interval_per_effort_and_mitigation():
    rows = synthetic(lambda effort, mitigation: effort >= 4 and mitigation == "none")
    table = delay_table(rows)
    assert len(table) == len(EFFORTS) * len(MITIGATIONS)
    cell = table.loc[(8.0, "none")]
    assert cell.mean_delay_h == pytest.approx(31.5)  # 30, 31, 32, 33
    assert cell.ci95_low_h < 31.5 < cell.ci95_high_h
    assert cell.share_above_24h == 1.0 and cell.share_above_48h == 0.0
    assert table.loc[(1.0, "none")].share_above_24h == 0.0


def test_the_other_sections_read_one_job_per_arm_at_the_reference_effort():
    """Effort 1 where the sweep has it, else the effort nearest to 1 on a ratio scale; arms
    then pair by replicate again."""
    rows = synthetic(lambda effort, mitigation: effort >= 4)
    at_one = at_reference_effort(rows)
    assert EFFORT not in at_one and len(at_one) == len(MITIGATIONS) * 4
    assert set(at_one.job) == {f"{m}@1" for m in MITIGATIONS}
    assert not at_one.duplicated(["mitigation", "replicate"]).any()
    assert reference_effort(rows[rows[EFFORT] != 1.0]) == 0.5  # |log 0.5| < |log 2|, first
    assert reference_effort(rows[rows[EFFORT] >= 4.0]) == 4.0


@pytest.mark.slow
def test_the_preset_runs_and_reports_its_transit_stress(tmp_path):
    """The preset reduced to two efforts without mitigation, two replicates of a day, through
    the joblib launcher in the sweep's own process (``n_jobs=1``: two workers would each cost
    the imports again; tests/test_sweeps.py checks that the workers change no result): the
    catalog, the boxes' file and the report's section. (Two jobs: most of a job's cost is
    composing its config twice; the other sections' reading of the reference effort is
    checked on synthetic rows above.)"""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "experiments.run",
            "-m",
            "+experiment=transit_stress",
            "size=smoke",
            "scenario.corridor_effort=1,8",
            "mitigation=none",
            "horizon_days=1",
            f"hydra.sweep.dir={tmp_path}",
            "hydra/launcher=joblib",
            "hydra.launcher.n_jobs=1",
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    catalog = build_catalog(tmp_path)
    assert (catalog.status == "complete").all() and catalog.job.nunique() == 2
    assert set(catalog.scenario) == {"corridor_sabotage"} and catalog.seed.nunique() == 1
    stress = varies_effort(tmp_path, arm_rows(catalog))
    assert stress is not None and sorted(set(stress[EFFORT])) == [1.0, 8.0]
    build_report(tmp_path)  # writes the boxes' file through transit_stress
    boxes = pd.read_csv(tmp_path / BOXES_FILE)
    result = transit_stress(tmp_path, stress, write=False)
    pd.testing.assert_frame_equal(
        boxes[["outcome", "threshold_h", "cases", "runs"]],
        result.boxes[["outcome", "threshold_h", "cases", "runs"]].reset_index(drop=True),
    )
    assert set(boxes.threshold_h) == {24.0, 48.0} and (boxes.runs == 4).all()
    md = (tmp_path / "report.md").read_text()
    section = md.split("## Transit stress")[1].split("\n## ")[0]
    assert "Mean delay per corridor effort and mitigation (h)" in section
    assert "mean delay above 24 h" in section and "mean delay above 48 h" in section
    assert "The other sections of this report read the jobs at corridor effort 1." in section
