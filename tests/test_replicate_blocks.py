"""Sweeps that scale: an arm's replicates in blocks of jobs, each job's config composed once, and
the sweep's checks of its overrides as written."""

from pathlib import Path

import pandas as pd
import pytest
from hydra._internal.config_loader_impl import ConfigLoaderImpl
from omegaconf import OmegaConf

from abm.errors import ConfigError
from abm.job import replicate_range
from abm.validation import first_of_sweeps, sweep_lines, validate
from analysis.catalog import build_catalog
from experiments.run import command
from experiments.study import _overrides, arm_blocks


@pytest.mark.parametrize("n", [1, 2, 5, 20, 21])
def test_blocks_cover_every_replicate_once_in_order(peacetime, n):
    cfg = peacetime(1)
    for blocks in range(1, n + 1):
        cfg.replicates, cfg.replicate_blocks = n, blocks
        ranges = []
        for b in range(blocks):
            cfg.replicate_block = b
            ranges.append(replicate_range(cfg))
        assert [r for rng in ranges for r in rng] == list(range(n))
        assert all(len(rng) >= 1 for rng in ranges)
        assert max(map(len, ranges)) - min(map(len, ranges)) <= 1


@pytest.mark.parametrize(
    ("values", "key"),
    [
        ({"replicates": 2, "replicate_blocks": 3}, "replicate_blocks"),
        ({"replicates": 4, "replicate_blocks": 2, "replicate_block": 2}, "replicate_block"),
        ({"replicates": 4, "replicate_blocks": 2, "replicate_block": -1}, "replicate_block"),
    ],
)
def test_a_block_that_does_not_exist_is_refused(peacetime, values, key):
    cfg = peacetime(1)
    for k, v in values.items():
        setattr(cfg, k, v)
    with pytest.raises(ConfigError) as err:
        validate(cfg)
    assert err.value.key == key


def test_a_design_job_is_not_split_into_replicate_blocks(peacetime, tmp_path):
    cfg = peacetime(1)
    cfg.replicates, cfg.replicate_blocks = 2, 2
    cfg.design.file = str(tmp_path / "design.parquet")
    with pytest.raises(ConfigError) as err:
        validate(cfg)
    assert err.value.key == "replicate_blocks"


def test_blocks_give_the_rows_of_one_job_and_each_job_composes_once(tmp_path, monkeypatch):
    composed: list[list[str]] = []
    compose = ConfigLoaderImpl.load_sweep_config

    def counting(self, master_config, sweep_overrides):
        composed.append(list(sweep_overrides))
        return compose(self, master_config, sweep_overrides)

    monkeypatch.setattr(ConfigLoaderImpl, "load_sweep_config", counting)
    common = ["replicates=3", "horizon_days=0.5", "dt_hours=2", "print_summary=false"]
    assert command([*common, f"hydra.run.dir={tmp_path / 'one'}"]) == 0
    split = ["-m", *common, "replicate_blocks=2", "replicate_block=0,1"]
    assert command([*split, f"hydra.sweep.dir={tmp_path / 'two'}"]) == 0
    # the input check composes the first job; then each job once (Hydra's basic sweeper would
    # compose both again before launching them)
    assert len(composed) == 3

    catalog = build_catalog(tmp_path / "two")
    assert sorted(catalog.replicate) == [0, 1, 2]
    one = pd.read_parquet(tmp_path / "one" / "summary.parquet")
    jobs = sorted((tmp_path / "two").glob("*replicate_block=*"))
    two = pd.concat([pd.read_parquet(j / "summary.parquet") for j in jobs], ignore_index=True)
    pd.testing.assert_frame_equal(one, two)


def test_a_sweep_of_user_files_checks_every_job_before_any_runs(tmp_path):
    """Files from outside the package may fail to compose in a later job: such a sweep
    composes every job first, as Hydra's basic sweeper does, and runs none if one fails."""
    folder = tmp_path / "configs" / "scenario"
    folder.mkdir(parents=True)
    shipped = Path(__file__).parents[1] / "configs" / "scenario" / "peacetime.yaml"
    (folder / "mine.yaml").write_text(shipped.read_text())
    (folder / "broken.yaml").write_text(shipped.read_text() + "\nno_such_key: 1\n")
    code = command(
        [
            "-m",
            f"--config-dir={tmp_path / 'configs'}",
            "scenario=mine,broken",
            "replicates=1",
            "horizon_days=0.25",
            f"hydra.sweep.dir={tmp_path / 'sweep'}",
        ]
    )
    assert code != 0
    assert not list((tmp_path / "sweep").glob("*/summary.parquet"))


def test_the_study_splits_each_arm_into_two_jobs_when_it_can():
    assert arm_blocks([]) == ["replicate_blocks=2", "replicate_block=0,1"]
    assert arm_blocks(["size=smoke"]) == ["replicate_blocks=2", "replicate_block=0,1"]
    assert arm_blocks(["replicates=1"]) == []
    assert arm_blocks(["replicate_blocks=3", "replicate_block=0,1,2"]) == []
    assert arm_blocks(["replicates=many"]) == []  # refused in one line by the overrides' check
    assert "replicate_block=0,1" in _overrides("mitigation_comparison", [], ())


def test_a_sweep_checks_its_overrides_as_written_not_resolved_on_the_sweep_config():
    """The lever samples' sweep gives ``design.file='.../${mitigation.name}/design.parquet'``
    with ``mitigation`` swept: each job resolves it on its own config, so the check of the first
    job must read it unresolved (on the sweep's config, mitigation is the default, none)."""
    task = ["mitigation=hardening,prebunking", "design.file='d/${mitigation.name}'"]
    config = OmegaConf.create(
        {
            "mitigation": {"name": "none"},
            "hydra": {
                "sweeper": {"params": {"seed": "1,2"}},
                "overrides": {"task": task},
            },
        }
    )
    lines = sweep_lines(config)
    assert lines == [
        "seed=1,2",
        "mitigation=hardening,prebunking",
        "design.file='d/${mitigation.name}'",
    ]
    assert first_of_sweeps(lines)[1:] == [
        "mitigation=hardening",
        "design.file='d/${mitigation.name}'",
    ]
