"""The synergy design: the parts of a campaign are a true split of what the whole campaign does."""

import numpy as np
import pytest

from abm import HybridThreatModel, load_config
from abm.errors import ConfigError

PARTS = {
    "sabotage": "sabotage_only",
    "cyber": "cyber_only",
    "disinformation": "disinformation_only",
}
REPLICATES = 50


def attempts(scenario: str, replicates: int) -> np.ndarray:
    """Attempts per action type, per replicate, over the campaign's first strike window."""
    # Days 2-5 hold the first window; 2 h steps and no transit keep 200 runs at ~20 s.
    cfg = load_config(
        scenario,
        horizon_days=5,
        dt_hours=2,
        record_every_hours=24,
        overrides=["transit.enabled=false"],
    )
    out = []
    for r in range(replicates):
        model = HybridThreatModel(cfg, rng=11, replicate=r)
        model.run_model()
        s = model.summary()
        out.append([s["n_sabotage"], s["n_cyber"], s["n_disinformation"]])
    return np.array(out, dtype=float)


@pytest.mark.slow
def test_each_part_attempts_what_the_whole_campaign_attempts_in_its_dimension():
    whole = attempts("hybrid_campaign", REPLICATES)
    for k, (dimension, scenario) in enumerate(PARTS.items()):
        part = attempts(scenario, REPLICATES)
        assert whole[:, k].mean() > 0
        assert part[:, k].mean() == pytest.approx(whole[:, k].mean(), rel=0.05), dimension
        others = [j for j in range(3) if j != k]
        assert part[:, others].sum() == 0  # the other parts' actions are not carried out


def test_a_part_must_be_a_dimension_of_the_campaign():
    with pytest.raises(ConfigError, match=r"scenario.adversary_part\[0\]"):
        HybridThreatModel(
            load_config(
                "hybrid_campaign",
                overrides=[
                    "scenario.adversary_dimensions=[cyber]",
                    "scenario.adversary_part=[sabotage]",
                ],
            )
        )
