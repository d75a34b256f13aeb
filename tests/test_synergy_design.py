"""The synergy design: the parts of a campaign are a true split of what the whole campaign does."""

import pytest

from abm import HybridThreatModel, load_config
from abm.errors import ConfigError

# The parts' attempts split the campaign's: tests/test_couplings.py (on the runs of its
# done-when test, the campaign and its parts with every coupling off).


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
