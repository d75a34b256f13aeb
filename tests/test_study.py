"""The default study's two sweeps: which overrides go to the comparison and which to the lever
increments (no sweep is run here)."""

import pytest

from analysis.catalog import arm_rows, build_catalog
from experiments import study
from experiments.study import _overrides


def test_the_comparison_and_the_increments_share_all_but_their_own_keys():
    given = ["scenario=cyber_only", "replicates=50", "mitigation=none,combined"]
    given.append("mitigation.without=[intelligence],[legal_framework]")
    comparison = _overrides("mitigation_comparison", given, ("mitigation.without",))
    increments = _overrides("lever_increments", given, ("mitigation",))
    assert comparison[0] == "+experiment=mitigation_comparison"
    assert increments[0] == "+experiment=lever_increments"
    assert "mitigation=none,combined" in comparison
    assert not any(o.startswith("mitigation.without") for o in comparison)
    assert "mitigation.without=[intelligence],[legal_framework]" in increments
    assert not any(o.startswith("mitigation=") for o in increments)
    for sweep in (comparison, increments):
        assert "scenario=cyber_only" in sweep and "replicates=50" in sweep
        assert "replicates=20" not in sweep  # a given key replaces the study's default
        assert "horizon_days=60" in sweep and "hydra/launcher=joblib" in sweep


@pytest.mark.slow
def test_the_study_runs_its_arms_in_blocks_then_its_lever_samples(tmp_path, capsys):
    """End to end at a tiny size: each arm as two jobs of one replicate, then the lever samples,
    then the report. The lever samples of two levers are one sweep over them whose jobs each read
    a design file named after their lever (``${mitigation.name}``): the sweep's input check once
    resolved that on the sweep's own config (mitigation none) and refused it."""
    out = tmp_path / "study"
    given = ["mitigation=none,hardening,prebunking", "replicates=2", "horizon_days=1"]
    given.append("lever_samples=2")
    status = study.main(["--out", str(out), "--no-increments", *given, "hydra.launcher.n_jobs=1"])
    printed = capsys.readouterr()
    assert status == 0, printed.err[-3000:]
    assert len(list(out.glob("*replicate_block=*"))) == 6
    arms = arm_rows(build_catalog(out))
    assert {m: sorted(r) for m, r in arms.groupby("mitigation").replicate} == {
        m: [0, 1] for m in ("none", "hardening", "prebunking")
    }
    for lever in ("hardening", "prebunking"):
        assert list((out / "lever_samples" / lever / "runs").glob("*/summary.parquet"))
    assert "Latin-hypercube samples" in printed.out
    assert (out / "report.html").is_file()
