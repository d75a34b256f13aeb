"""The default study's two sweeps: which overrides go to the comparison and which to the lever
increments (no sweep is run here)."""

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
