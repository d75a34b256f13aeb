"""Rankings under sampled lever strengths and costs (analysis.lever_robustness).

The arithmetic is checked on synthetic numbers (a dominant lever keeps rank 1 everywhere, ties
share a rank, cost-effectiveness uses the sampled cost); the pairing on synthetic summary rows;
and the design option that pairs sample j with replicate j on a tiny run of the model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abm.config import WeightingConfig
from abm.vocabulary import SECTORS
from analysis.lever_robustness import (
    COLUMNS,
    DEFAULT_LEVER_SAMPLES,
    describe_robustness,
    design_overrides,
    latin_hypercube,
    rank_robustness,
    sample_avoided,
)

EQUAL = WeightingConfig(
    name="equal",
    outcome="loss",
    unit="person-hours",
    weights={s: 1.0 for s in SECTORS},
)


def _table(avoided: dict[str, list[float]], cost: dict[str, list[float]] | None = None):
    frame = pd.DataFrame(avoided)
    cost_frame = pd.DataFrame(cost) if cost else pd.DataFrame(1.0, frame.index, frame.columns)
    nominal = frame.mean()
    return rank_robustness(nominal, cost_frame.mean(), frame, cost_frame)


def test_a_dominant_lever_keeps_rank_one_in_every_sample():
    rng = np.random.default_rng(0)
    table = _table(
        {
            "big": list(100 + rng.random(20)),
            "mid": list(10 + 5 * rng.random(20)),
            "low": list(10 + 5 * rng.random(20)),
            "nil": [0.0] * 20,
        }
    ).set_index("lever")
    assert list(table.columns) == COLUMNS[1:]
    assert table.loc["big", "nominal_rank"] == 1
    assert table.loc["big", "keeps_rank_share"] == 1.0
    assert table.loc["big", "top3_share"] == 1.0
    assert table.loc["nil", "top3_share"] == 0.0 and table.loc["nil", "keeps_rank_share"] == 1.0
    # mid and low swap places from sample to sample: both keep their ranks, or neither does
    assert 0 < table.loc["mid", "keeps_rank_share"] < 1
    assert table.loc["mid", "keeps_rank_share"] == table.loc["low", "keeps_rank_share"]
    assert table.loc["big", "avoided_q05"] <= table.loc["big", "avoided_median"]
    assert table.loc["big", "avoided_median"] <= table.loc["big", "avoided_q95"]
    assert (table.samples == 20).all()


def test_tied_levers_share_their_rank_and_keep_it():
    """Two levers that never engage avoid exactly 0 everywhere: a shared rank, kept always."""
    table = _table({"a": [5.0, 6.0, 7.0], "x": [0.0] * 3, "y": [0.0] * 3}).set_index("lever")
    assert table.loc["x", "nominal_rank"] == table.loc["y", "nominal_rank"] == 2
    assert table.loc["x", "keeps_rank_share"] == table.loc["y", "keeps_rank_share"] == 1.0
    assert table.loc["x", "keeps_ce_rank_share"] == 1.0
    assert table.loc["x", "top3_share"] == 1.0  # rank 2 of 3: in the top 3


def test_cost_effectiveness_uses_the_sampled_cost():
    """Same avoided loss; the cheaper lever by nominal cost loses that rank when its sampled
    cost is the higher one in one sample of two."""
    table = _table(
        {"a": [10.0, 10.0], "b": [10.0, 10.0]},
        cost={"a": [1.0, 3.0], "b": [2.5, 2.5]},  # means: a 2.0, b 2.5: a first nominally
    ).set_index("lever")
    assert table.loc["a", "nominal_ce_rank"] == 1 and table.loc["b", "nominal_ce_rank"] == 2
    assert table.loc["a", "keeps_ce_rank_share"] == 0.5
    assert table.loc["b", "keeps_ce_rank_share"] == 0.5
    # by avoided loss they tie everywhere
    assert (table.nominal_rank == 1).all() and (table.keeps_rank_share == 1.0).all()


def test_samples_pair_with_the_replicate_of_none():
    def rows(values: list[float], replicates: list[int]) -> pd.DataFrame:
        frame = pd.DataFrame({f"loss_{s}": 0.0 for s in SECTORS}, index=range(len(values)))
        frame["loss_energy"] = values
        frame["replicate"] = replicates
        frame["seed"] = 7
        return frame

    none = rows([100.0, 200.0, 300.0], [0, 1, 2])
    runs = rows([90.0, 150.0], [1, 0]).assign(design_row=[1, 0])
    avoided = sample_avoided(none, runs, EQUAL)
    assert avoided.to_dict() == {0: 100.0 - 150.0, 1: 200.0 - 90.0}
    with pytest.raises(ValueError, match="its own replicate"):
        sample_avoided(none, runs.assign(design_row=[0, 1]), EQUAL)
    with pytest.raises(ValueError, match="same replicate and seed"):
        sample_avoided(none, runs.assign(seed=8), EQUAL)


def _job(directory, overrides: list[str], frame: pd.DataFrame) -> None:
    """A finished job as the catalog sees it: overrides, summary rows, and a completion marker
    with the summary's checksum (the catalog reads only jobs whose files match it)."""
    from abm.results import write_marker

    (directory / ".hydra").mkdir(parents=True)
    (directory / ".hydra" / "overrides.yaml").write_text("".join(f"- {o}\n" for o in overrides))
    frame.to_parquet(directory / "summary.parquet", index=False)
    write_marker(directory, "\n".join(overrides), ["summary.parquet"])


def _summary(mitigation: str, energy: list[float], cost: float, **extra) -> pd.DataFrame:
    frame = pd.DataFrame({f"loss_{s}": 0.0 for s in SECTORS}, index=range(len(energy)))
    frame["loss_energy"] = energy
    frame["scenario"] = "most_likely_enemy"
    frame["mitigation"] = mitigation
    frame["replicate"] = extra.pop("replicate", list(range(len(energy))))
    frame["seed"] = 7
    frame["mitigation_cost_meur"] = cost
    return frame.assign(**extra)


def test_lever_robustness_reads_the_study_and_its_samples(tmp_path):
    """The study's catalog without the lever samples gives the nominal ranks; each lever's
    design gives its samples, paired with none's replicate j."""
    import json

    from analysis.lever_robustness import lever_robustness, study_rows

    study = tmp_path / "study"
    _job(study / "mitigation=none", ["mitigation=none"], _summary("none", [100, 200, 300], 0))
    # nominal: hardening avoids 50 in every replicate, intelligence 10
    _job(study / "mitigation=hardening", ["m"], _summary("hardening", [50, 150, 250], 10))
    _job(study / "mitigation=intelligence", ["m"], _summary("intelligence", [90, 190, 290], 2))
    root = study / "lever_samples"
    for lever, energy in {"hardening": [80, 195, 100], "intelligence": [90, 150, 290]}.items():
        rows = _summary(lever, energy, 0.0, design_row=[0, 1, 2])
        _job(root / lever / "runs" / "design.block=0", ["design.block=0"], rows)
    (root / "plan.json").write_text(json.dumps({"n": 3, "levers": ["hardening", "intelligence"]}))
    cost = {"hardening": [10.0, 10.0, 10.0], "intelligence": [1.0, 10.0, 1.0]}
    samples = pd.DataFrame(
        [(j, lv, 0.5, c[j]) for lv, c in cost.items() for j in range(3)],
        columns=["sample", "lever", "strength", "cost_meur"],
    )
    samples.to_parquet(root / "samples.parquet", index=False)

    assert set(study_rows(study).mitigation) == {"none", "hardening", "intelligence"}
    assert len(study_rows(study)) == 9  # the samples' 6 rows are not the study's
    table = lever_robustness(study, EQUAL).set_index("lever")
    assert table.nominal_avoided.to_dict() == {"hardening": 50.0, "intelligence": 10.0}
    assert table.nominal_rank.to_dict() == {"hardening": 1, "intelligence": 2}
    # avoided per sample: hardening 20, 5, 200; intelligence 10, 50, 10
    assert table.loc["hardening", "avoided_median"] == 20.0
    assert table.keeps_rank_share.to_dict() == pytest.approx(
        {"hardening": 2 / 3, "intelligence": 2 / 3}
    )
    # per MEUR: nominal hardening 5, intelligence 5 (a tie: both rank 1); samples
    # (2, 10), (0.5, 5), (20, 10): hardening first in one sample of three
    assert table.nominal_ce_rank.to_dict() == {"hardening": 1, "intelligence": 1}
    assert table.keeps_ce_rank_share.to_dict() == pytest.approx(
        {"hardening": 1 / 3, "intelligence": 2 / 3}
    )
    assert (table.weighting == "equal").all()


def test_identical_runs_avoid_exactly_nothing():
    """A lever that never engages reproduces none's runs: its avoided loss is exactly 0 under
    any weights, so it ties exactly with another such lever."""
    from analysis.lever_robustness import avoided_loss

    rng = np.random.default_rng(3)
    none = pd.DataFrame(
        rng.random((50, len(SECTORS))) * 1e7, columns=[f"loss_{s}" for s in SECTORS]
    )
    none["replicate"], none["seed"] = np.arange(50), 7
    arm = none.sample(frac=1.0, random_state=1)  # same runs, another order in memory
    arm.iloc[::2, 0] *= 0.9  # half of them changed
    odd = WeightingConfig(
        name="odd",
        outcome="loss",
        unit="x",
        weights={s: 1 / (i + 3) for i, s in enumerate(SECTORS)},
    )
    avoided = avoided_loss(none, arm, odd, ["replicate", "seed"])
    unchanged = arm.iloc[1::2].set_index(["replicate", "seed"]).index
    assert (avoided.loc[unchanged] == 0.0).all()
    assert (avoided.drop(unchanged) > 0).all()


def test_the_hypercube_stratifies_every_range_and_is_seeded():
    ranges = {
        "a": {"strength": [0.2, 0.8], "cost_meur": [10.0, 20.0]},
        "b": {"strength": [5.0, 5.0], "cost_meur": [1.0, 3.0]},  # a fixed strength
    }
    n = DEFAULT_LEVER_SAMPLES
    samples = latin_hypercube(ranges, n, seed=1)
    assert len(samples) == 2 * n
    a = samples[samples.lever == "a"]
    # one sample in each of the n equal slices of the range
    strata = np.floor((a.strength - 0.2) / 0.6 * n).astype(int)
    assert sorted(strata) == list(range(n))
    assert (samples[samples.lever == "b"].strength == 5.0).all()
    pd.testing.assert_frame_equal(samples, latin_hypercube(ranges, n, seed=1))


def test_the_designs_drop_what_they_set_themselves():
    given = ["+experiment=mitigation_comparison", "replicates=20", "horizon_days=60", "seed=3"]
    assert design_overrides([*given, "mitigation=none"]) == ["horizon_days=60", "seed=3"]


def test_the_sentence_names_the_top_lever_and_the_weighting():
    table = _table({"big": [9.0, 8.0], "small": [1.0, 2.0]}).assign(weighting="equal")
    text = describe_robustness(table)
    assert "big, ranked 1" in text and "'equal'" in text and "100%" in text


def test_a_design_row_runs_its_own_replicate(tmp_path):
    """With design.replicate_per_row, row j runs replicate j alone, on the job's seed, and
    gives exactly what replicate j of an ordinary job gives at the same strength."""
    from omegaconf import OmegaConf

    from abm.api import load_config
    from abm.designs import write_design
    from abm.job import row_replicates, run_job
    from analysis.lever_robustness import lever_space

    cfg = load_config(overrides=["size=smoke", "mitigation=hardening"], horizon_days=2)
    cfg.replicates = 3
    assert list(row_replicates(cfg, None)) == [0, 1, 2]
    assert list(row_replicates(cfg, 1)) == [0, 1, 2]  # the default: every row, every replicate
    lever = cfg.mitigation.levers["hardening"]
    low, strength = lever.strength_low, lever.strength
    assert low is not None and low < strength
    write_design(
        tmp_path / "design",
        pd.DataFrame({"strength": [low, strength]}),
        lever_space("hardening", low, strength),
    )
    cfg.design.file = str(tmp_path / "design" / "design.parquet")
    cfg.design.uncertainty = str(tmp_path / "design" / "uncertainty.yaml")
    cfg.design.block_size = 2
    cfg.design.replicate_per_row = True
    assert list(row_replicates(cfg, 1)) == [1]
    resolved = OmegaConf.to_yaml(OmegaConf.structured(cfg))
    summary = run_job(cfg, tmp_path / "job", resolved)
    assert summary.design_row.tolist() == [0, 1]
    assert summary.replicate.tolist() == [0, 1]
    assert (summary.seed == cfg.seed).all()
    assert summary.param_strength.tolist() == pytest.approx([low, strength])
    # row 1 (nominal strength, replicate 1) is replicate 1 of the plain package
    plain = load_config(overrides=["size=smoke", "mitigation=hardening"], horizon_days=2)
    from abm.model import HybridThreatModel

    model = HybridThreatModel(plain, rng=plain.seed, replicate=1)
    model.run_model()
    assert summary.total_loss.iloc[1] == model.summary()["total_loss"]
