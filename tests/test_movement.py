"""The allied movement by day: its national series in timeseries.parquet, and the report's
"Allied movement by day" built from them."""

import json
import shutil

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from omegaconf import OmegaConf

from abm import HybridThreatModel
from abm.job import run_job
from abm.recorder import REPORTERS
from abm.results import COMPLETE_MARKER, timeseries_table, write_marker
from abm.vocabulary import NATIONAL_SERIES
from analysis import movement
from analysis.catalog import arm_rows, build_catalog
from analysis.report import Report

SERIALS, TONNES = NATIONAL_SERIES


def write_run(outdir, cfg, scenario):
    """One job into ``outdir``, laid out as experiments.run lays it out (the catalog finds a
    job by its .hydra directory)."""
    resolved = OmegaConf.to_yaml(OmegaConf.structured(cfg))
    (outdir / ".hydra").mkdir(parents=True)
    (outdir / ".hydra" / "config.yaml").write_text(resolved)
    (outdir / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump([f"scenario={scenario}"]))
    run_job(cfg, outdir, resolved)


@pytest.fixture(scope="module")
def quiet_run(tmp_path_factory, peacetime):
    """A peacetime job long enough for every serial to cross (14 days, 2 h steps), and its
    report's movement section as ``report.md`` (tests/test_report.py checks that the whole
    report has the section)."""
    outdir = tmp_path_factory.mktemp("peacetime")
    cfg = peacetime(14)
    cfg.replicates = 1
    write_run(outdir, cfg, "peacetime")
    rep = Report("peacetime")
    rows = arm_rows(build_catalog(outdir, write=False))
    assert movement.report_section(rep, outdir, rows, outdir / "figures") is not None
    (outdir / "report.md").write_text(rep.markdown(outdir))
    return outdir


def national(outdir):
    """One row per recorded time: the national series (checked equal on every row)."""
    ts = pd.read_parquet(outdir / "timeseries.parquet")
    per_time = ts.groupby("time_h")[list(NATIONAL_SERIES)]
    assert (per_time.nunique() == 1).all().all(), "one value per time, on every row"
    return per_time.first().reset_index()


def test_every_national_series_has_its_reporter():
    assert set(NATIONAL_SERIES) <= set(REPORTERS)


def test_the_series_climbs_to_every_serial_and_the_summarys_tonnage(quiet_run):
    series = national(quiet_run)
    summary = pd.read_parquet(quiet_run / "summary.parquet").iloc[0]
    assert summary.transit_censored == 0
    assert np.all(np.diff(series[SERIALS]) >= 0) and np.all(np.diff(series[TONNES]) >= 0)
    assert series[SERIALS].iloc[0] == 0 and series[TONNES].iloc[0] == 0
    assert series[SERIALS].iloc[-1] == 12
    assert series[TONNES].iloc[-1] == pytest.approx(summary.transit_tonnes_delivered)


def test_the_series_follows_the_events_trail(quiet_run):
    """At every recorded time: the serials delivered and the tonnes of the serials' crossings
    logged at or before it (the events trail is written independently of the series)."""
    series = national(quiet_run)
    events = pd.read_parquet(quiet_run / "events.parquet")
    delivered = events[events.kind == "serial_delivered"].time_h.to_numpy()
    crossed = events[events.kind.str.endswith("_crossed") & events.detail.str.startswith("serial")]
    tonnes = crossed.detail.str.extract(r" (\d+) t,")[0].astype(float).to_numpy()
    for t, n, w in series[["time_h", SERIALS, TONNES]].itertuples(index=False):
        assert n == (delivered <= t).sum()
        assert w == pytest.approx(tonnes[crossed.time_h.to_numpy() <= t].sum())
    assert 0 < (series[SERIALS] == 0).sum() < len(series)  # the landings take days


def test_without_the_transit_the_series_is_nan(peacetime):
    cfg = peacetime(1)
    cfg.transit.enabled = False
    model = HybridThreatModel(cfg, rng=0)
    assert model.transit.n == 0
    model.run_model()
    table = timeseries_table(model)
    for name in NATIONAL_SERIES:
        assert np.isnan(table[name].to_numpy()).all()


def test_the_report_shows_the_movement_by_day_with_the_delays_and_the_peacetime_queue(
    quiet_run,
):
    md = (quiet_run / "report.md").read_text()
    assert "## Allied movement by day" in md and "figures/movement_by_day.png" in md
    assert "transit_queue_h" in md and "Even in peacetime a capacity binds" in md
    section = md.split("## Allied movement by day")[1].split("\n## ")[0]
    assert "day_all_p90" in section and "transit_p90_delay_h" in section
    m = movement.movement(quiet_run)
    assert m is not None
    row = m.milestones.loc[("peacetime", "none")]
    assert row.serials == 12 and row.all_not_by_horizon == 0
    assert 0 < row.day_half_mean <= row.day_all_mean < 14
    events = pd.read_parquet(quiet_run / "events.parquet")
    last = events[events.kind == "serial_delivered"].time_h.max()
    # deliveries fall on the 2 h steps, the series is recorded every 6 h: the next record
    assert row.day_all_mean * 24 == pytest.approx(np.ceil(last / 6) * 6)
    daily = pd.read_csv(quiet_run / movement.BY_DAY_FILE)
    assert daily.day.tolist() == list(range(14))  # the last record is at 330 h
    assert daily.serials_delivered.iloc[-1] == 12
    assert row.tonnes_by_day_7 == pytest.approx(daily.tonnes_delivered[daily.day == 7].item())
    assert np.isnan(row.tonnes_by_day_14)  # past the horizon's last record


def test_older_results_get_no_section(quiet_run, tmp_path):
    old = tmp_path / "old"
    shutil.copytree(quiet_run, old)
    ts = pq.read_table(old / "timeseries.parquet")
    pq.write_table(ts.drop_columns(list(NATIONAL_SERIES)), old / "timeseries.parquet")
    marker = json.loads((old / COMPLETE_MARKER).read_text())  # as the older version wrote it
    resolved = (old / ".hydra" / "config.yaml").read_text()
    write_marker(old, resolved, list(marker["files"]))
    rep = Report("old")
    assert movement.movement(old) is None
    rows = arm_rows(build_catalog(old, write=False))
    assert len(rows) == 1
    assert movement.report_section(rep, old, rows, old / "figures") is None
    assert rep.parts == []


def test_a_replicate_short_of_every_serial_counts_at_the_horizon():
    """Day 0.5: 6 of 12 serials in both replicates; only replicate 0 has all 12, at day 1."""
    hours = np.arange(0, 48 + 1, 12.0)
    series = pd.DataFrame(
        {
            "job": "j",
            "scenario": "s",
            "mitigation": "none",
            "replicate": np.repeat([0, 1], len(hours)),
            "time_h": np.tile(hours, 2),
            SERIALS: [0, 6, 12, 12, 12, 0, 6, 6, 8, 11],
            TONNES: np.arange(10.0),
        }
    )
    serials = pd.Series([12], index=pd.MultiIndex.from_tuples([("s", "none")]))
    row = movement.milestones(series, serials).loc[("s", "none")]
    assert row.day_half_mean == 0.5 and row.half_not_by_horizon == 0
    assert row.day_all_mean == pytest.approx((1.0 + 2.0) / 2) and row.all_not_by_horizon == 1
    assert np.isnan(row.tonnes_by_day_7)  # past the horizon (day 2)
    daily = movement.by_day(series)
    assert daily[daily.replicate == 1][SERIALS].tolist() == [0, 6, 11]


def test_the_queue_sentence_says_whether_a_capacity_binds():
    binds = movement.queue_sentence(pd.DataFrame({"transit_queue_h": [56.2, 56.2]}))
    assert binds.startswith("Even in peacetime a capacity binds") and "56.2 h" in binds
    free = pd.DataFrame({"transit_queue_h": [0.0]})
    assert movement.queue_sentence(free).startswith("No capacity binds")
    assert "censored at the horizon" in movement.queue_sentence(free, censored=True)
