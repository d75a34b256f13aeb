"""What a run measures: minimum service levels, the recovery threshold, and the weighting of
the one cross-sector number (``total_loss``).

Outcomes are in natural units, per sector: person-hours of service lost by the people who
depend on the sector (:mod:`abm.dependents`), the people affected, and the hours below the
sector's minimum service level. Nothing is summed across sectors except ``total_loss``, and
that only under a named weighting (``configs/weighting/``).
"""

from __future__ import annotations

from dataclasses import dataclass

from omegaconf import MISSING

from abm.config.declare import SHARE, USER_CHOICE, Bounds, Choices, Rule, param

#: NATO's seven baseline requirements for civil preparedness (Warsaw Summit 2016), as listed in
#: NATO Review, "Resilience: the first line of defence", 27 February 2019. They name what must
#: keep working, not how well: the levels below are assumptions mapped onto them.
NATO_BLR = (
    "NATO's seven baseline requirements for civil preparedness (Warsaw 2016; NATO Review, "
    "27 Feb 2019) name continuity of government, energy, uncontrolled movement of people, food "
    "and water, mass casualties, civil communications and civil transport, without levels: the "
    "levels are assumptions"
)

#: What ``weighting.outcome`` may name: the per-sector columns ``<outcome>_<sector>``.
WEIGHTED_OUTCOMES = ("loss", "affected")


@dataclass
class OutcomesConfig:
    """Thresholds of the outcomes: minimum service per sector and the recovery threshold."""

    minimum_service: dict[str, float] = param(
        doc="Per sector, the minimum service level (share of normal service): hours below it "
        "and the people affected are counted per region.",
        unit="share",
        valid=SHARE,
        source=NATO_BLR,
        plausible=(0.7, 0.95),
        factory=dict,
    )
    recovery_threshold: float = param(
        0.95,
        doc="National service at or above this share of normal counts as recovered (time to "
        "recover).",
        unit="share",
        valid=Bounds(0.0, 1.0, low_open=True),
        plausible=(0.9, 0.99),
    )


@dataclass
class WeightingConfig:
    """How ``total_loss`` sums the sectors: which outcome, with which weight per sector.

    ``total_loss = sum_s weights[s] * <outcome>_<s>``; the summary records the weighting's name
    beside it, and every table that shows it names the weighting.
    """

    name: str = param(MISSING, doc="The weighting's name.", source=USER_CHOICE)
    description: str = param(
        "", doc="What the weighting values, in a sentence.", source=USER_CHOICE
    )
    outcome: str = param(
        "loss",
        doc="The per-sector outcome summed: loss (person-hours) or affected (people).",
        valid=Choices(WEIGHTED_OUTCOMES),
        source=USER_CHOICE,
    )
    unit: str = param("person-hours", doc="Unit of the weighted total.", source=USER_CHOICE)
    weights: dict[str, float] = param(
        doc="Per sector, its weight (every sector named, >= 0).",
        valid=Rule("a non-negative weight for each of the nine sectors"),
        source=USER_CHOICE,
        factory=dict,
    )
    source: str = param(
        "", doc="Where the weights come from, or the word assumption.", source=USER_CHOICE
    )
