"""Bad input stops the run before it starts: a short message naming the key, no traceback,
a non-zero exit, and no summary.parquet."""

import subprocess
import sys

import pytest

NINE_BY_NINE_NEGATIVE = (
    "["
    + ",".join(
        "[" + ",".join("-0.1" if i == j == 0 else "0" for j in range(9)) + "]" for i in range(9)
    )
    + "]"
)
NINE_BY_NINE_UNSTABLE = (
    "["
    + ",".join(
        "["
        + ",".join("0.9" if j == (i + 1) % 9 else "0.2" if i == j else "0" for j in range(9))
        + "]"
        for i in range(9)
    )
    + "]"
)

CASES = {
    "unknown scenario": (["scenario=no_such_scenario"], "scenario"),
    "wrong type": (["seed=abc"], "seed"),
    "wrong type in a group": (["world.capacity_cv=high"], "world.capacity_cv"),
    "probability above 1": (["world.asset_types.hospital.protection=1.5"], "protection"),
    "probability below 0": (["world.operators.banks.cyber_maturity=-0.2"], "cyber_maturity"),
    "zero replicates": (["replicates=0"], "replicates"),
    "zero crews": (["world.operators.banks.crews=0"], "crews"),
    "negative duration": (["horizon_days=-1"], "horizon_days"),
    "negative backup": (
        ["world.asset_types.hospital.needs.power.backup_hours=-5"],
        "backup_hours",
    ),
    "negative seed": (["seed=-1"], "seed"),
    "A* not square": (["sectors.a_star=[[0,0.1,0],[0,0,0.1]]"], "sectors.a_star"),
    "A* negative": ([f"sectors.a_star={NINE_BY_NINE_NEGATIVE}"], "sectors.a_star"),
    "A* spectral radius": ([f"sectors.a_star={NINE_BY_NINE_UNSTABLE}"], "spectral radius"),
    "unknown region": (
        ["scenario=grid_shock", "scenario.shocks.0.region=antwerpen"],
        "scenario.shocks[0].region",
    ),
    "unknown region key": (
        ["+world.asset_types.hospital.by_region.antwerpen=3"],
        "by_region.antwerpen",
    ),
    "unknown sector": (["world.operators.banks.sector=banking"], "world.operators.banks.sector"),
    "unknown sector key": (["+sectors.k.energie=0.1"], "sectors.k.energie"),
    "shares do not sum to 1": (
        ["world.service_shares.energy.substation=0.5"],
        "world.service_shares.energy",
    ),
    "cohort shares do not sum to 1": (
        ["population.cohorts.general.share=0.5"],
        "population.cohorts",
    ),
    "trust outside [0, 1]": (["population.cohorts.vulnerable.trust=1.2"], "trust"),
    "unknown narrative behaviour": (
        ["scenario=narrative_only", "scenario.narratives.0.behaviour=riot"],
        "scenario.narratives[0].behaviour",
    ),
    "unknown narrative region": (
        ["scenario=narrative_only", "scenario.narratives.0.regions=[atlantis]"],
        "scenario.narratives[0].regions[0]",
    ),
    "unknown narrative cohort": (
        ["scenario=narrative_only", "scenario.narratives.0.cohorts=[pensioners]"],
        "scenario.narratives[0].cohorts[0]",
    ),
    "negative behaviour duration": (
        ["population.behaviour.behaviour_hours=-3"],
        "behaviour_hours",
    ),
    "unknown mitigation": (["mitigation=walls"], "mitigation"),
    "negative budget": (["adversary.cells.cyber_unit.budget=-5"], "budget"),
    "unknown target strategy": (
        ["adversary.cells.cyber_unit.strategy=clever"],
        "adversary.cells.cyber_unit.strategy",
    ),
    "capability above 1": (["adversary.cells.cyber_unit.capabilities.cyber=1.5"], "capabilities"),
    "detection below 0": (["adversary.cells.cyber_unit.detection.cyber=-0.1"], "detection"),
    "unknown dimension": (["scenario.adversary_dimensions=[arson]"], "adversary_dimensions"),
    "lever cost negative": (
        ["mitigation=hardening", "mitigation.levers.hardening.investment_meur=-1"],
        "mitigation.levers.hardening.investment_meur",
    ),
    "lever unknown target": (
        ["mitigation=hardening", "mitigation.levers.hardening.targets=[castle]"],
        "mitigation.levers.hardening.targets[0]",
    ),
    "unknown transit route region": (
        ["transit.routes.antwerp=[antwerp,limbourg]"],
        "transit.routes.antwerp[1]",
    ),
    "transit port shares": (["transit.ports.antwerp=0.9"], "transit.ports"),
    "guard protection above 1": (["responders.guard_protection=1.5"], "guard_protection"),
    "negative decision delay": (["responders.decision_delay_hours=-2"], "decision_delay_hours"),
    "legal framework removes the whole delay": (
        ["mitigation=legal_framework", "mitigation.levers.legal_framework.strength=1"],
        "mitigation.levers.legal_framework.strength",
    ),
    "unknown sabotage target type": (
        ["scenario=corridor_sabotage", "scenario.adversary_target_types=[bridge]"],
        "adversary_target_types",
    ),
    "recording interval": (["record_every_hours=2.5"], "record_every_hours"),
    "recording interval vs dt": (["dt_hours=2", "record_every_hours=3"], "record_every_hours"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_refused(name, tmp_path):
    overrides, key = CASES[name]
    outdir = tmp_path / "run"
    proc = subprocess.run(
        [sys.executable, "-m", "experiments.run", *overrides, f"hydra.run.dir={outdir}"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode != 0
    assert key in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert len(proc.stderr.strip().splitlines()) <= 40  # Hydra lists a group's options
    assert not (outdir / "summary.parquet").exists()
