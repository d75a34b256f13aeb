"""Schema of the adversary: hostile cells, and how cyber intrusions and disinformation play out."""

from __future__ import annotations

from dataclasses import dataclass, field

from omegaconf import MISSING

from abm.config.declare import (
    ANY_CHOICE,
    FLAG,
    IDENTIFIER,
    NON_NEGATIVE,
    POSITIVE,
    SHARE,
    Choices,
    Rule,
    param,
)
from abm.vocabulary import SECTORS, STRATEGIES


@dataclass
class CellConfig:
    """A hostile cell: what it can do, how much, where, and how careful it is."""

    label: str = param("", doc="A readable name.", source=IDENTIFIER)
    budget: float = param(
        10.0,
        doc="Action points for the whole campaign; each action costs adversary.action_costs.",
        unit="action points",
        valid=NON_NEGATIVE,
        scale=(0.5, 2.0),
    )
    capabilities: dict[str, float] = param(
        doc="Per action type (sabotage, cyber, disinformation): the probability of success "
        "against an unprotected target; 0 means the cell cannot do it.",
        unit="probability",
        valid=SHARE,
        scale=(0.5, 1.2),
        factory=dict,
    )
    strategy: str = param(
        "weighted",
        doc=(
            "random targets, or weighted by value x vulnerability (value: the criticality, or, "
            "for sabotage aimed at the transit corridors, the pieces of the movement a loss "
            "would hold up)."
        ),
        valid=Choices(STRATEGIES),
        alternatives=ANY_CHOICE,
    )
    detection: dict[str, float] = param(
        doc="Per action type: probability that the action exposes the cell and it is dismantled.",
        unit="probability",
        valid=SHARE,
        scale=(0.5, 2.0),
        factory=dict,
    )
    actions_per_day: float = param(
        1.0,
        doc="Actions per day while the cell is active (outside windows, or inside them).",
        unit="1/day",
        valid=NON_NEGATIVE,
        scale=(0.5, 2.0),
    )
    regions: list[str] = param(
        doc="Regions it operates in (sabotage and disinformation targets); empty means all.",
        valid=Rule("regions or provinces of the world"),
        alternatives="other areas of operation",
        factory=list,
    )


#: Where the intrusion dwell time comes from (the median time from intrusion to detection).
M_TRENDS = (
    "Mandiant M-Trends 2025: global median dwell time 11 days in 2024 (10 in 2023), 45% of "
    "intrusions detected within a week; 10 to 24 days in M-Trends 2021-2026"
)
#: Where the ransomware restore time comes from.
RANSOMWARE_RECOVERY = (
    "Sophos, State of Ransomware 2023: 45% of victims restoring from backups recovered within "
    "a week (39% of those who paid); Coveware Q2 2021: average downtime 23 days"
)


@dataclass
class CyberConfig:
    """How cyber intrusions play out once they succeed.

    An intrusion and its effect are separate: the intruder stays in the operator until it is
    detected and evicted (the dwell time); the effect on service depends on the asset type
    (``world.asset_types.<type>.cyber``) and is usually much shorter, so service can return
    while the intruder is still inside.
    """

    dwell_median_hours: float = param(
        264.0,
        doc="Hours an intruder stays in an operator until it is detected and evicted: median of "
        "a lognormal. While it is there, a new cyber action on the operator does not face its "
        "cyber maturity.",
        unit="h",
        valid=POSITIVE,
        source=M_TRENDS,
        plausible=(168, 576),
    )
    dwell_sigma: float = param(
        1.5,
        doc="Log-sd of the intruder's dwell time (lognormal); 1.5 puts about 40% of evictions "
        "within a week of an 11-day median, as M-Trends reports 45%.",
        valid=NON_NEGATIVE,
        source=M_TRENDS,
        plausible=(0.75, 2.5),
    )
    asset_share: float = param(
        0.25,
        doc="Share of a compromised operator's assets its effect reaches (each independently).",
        unit="share",
        valid=SHARE,
        plausible=(0.05, 0.5),
    )
    spread_probability: float = param(
        0.2,
        doc="Probability that a compromise spreads to an operator linked by IT, vendor or "
        "managed-service links (world.operators.<family>.it_links, and within a family), "
        "before that operator's cyber maturity.",
        unit="probability",
        valid=SHARE,
        plausible=(0.0, 0.4),
    )
    ransomware_sectors: list[str] = param(
        doc="Sectors where an intrusion's effect is ransomware: the hit assets are encrypted, a "
        "full outage for the ransomware restore time.",
        valid=Choices(SECTORS),
        alternatives="other sets of sectors",
        factory=list,
    )
    ransomware_restore_median_hours: float = param(
        168.0,
        doc="Hours until encrypted assets are restored (from backups or a decryptor): median of "
        "a lognormal.",
        unit="h",
        valid=POSITIVE,
        source=RANSOMWARE_RECOVERY,
        plausible=(72, 504),
    )
    ransomware_restore_sigma: float = param(
        1.0,
        doc="Log-sd of the ransomware restore time (lognormal; 1.0 gives a mean of about 11 "
        "days for a one-week median, the long tail the averages report).",
        valid=NON_NEGATIVE,
        source=RANSOMWARE_RECOVERY,
        plausible=(0.5, 1.5),
    )


#: What the amplification of a disinformation action rests on.
AMPLIFICATION = (
    "of the order of documented operations: inauthentic accounts made 10-20% of the posts about "
    "targeted actors in the 2024 European elections (Trollrensics via the Guardian, July 2024); "
    "1,366 Doppelganger accounts reached an audience of 4.6 million accounts on X in three weeks "
    "(Counter Disinformation Network, 2024); value calibrated so that budget and tempo matter "
    "(tests/test_narratives.py)"
)


@dataclass
class DisinformationConfig:
    """What a disinformation action seeds."""

    behaviours: dict[str, float] = param(
        doc="Weights of the behaviours the adversary's narratives push (at least one positive).",
        unit="weight",
        valid=NON_NEGATIVE,
        scale=(0.5, 2.0),
        factory=dict,
    )
    virality: float = param(
        2.0,
        doc="Virality of adversary narratives (multiplier of the spreading rate).",
        unit="factor",
        valid=NON_NEGATIVE,
        plausible=(1.0, 3.0),
    )
    seed_fraction: float = param(
        0.002,
        doc="Share of target groups made spreaders by one disinformation action.",
        unit="share",
        valid=SHARE,
        plausible=(0.0005, 0.005),
    )
    amplification: float = param(
        4.0,
        doc="Each successful action also amplifies its narrative in the target region (bots, "
        "paid reach, coordinated accounts): the region's spreading rate is raised by this "
        "multiple while it lasts, and overlapping amplifications add up, so more actions "
        "(budget) closer together (tempo) reach more people. An assumption, " + AMPLIFICATION + ".",
        unit="factor per action",
        valid=NON_NEGATIVE,
        plausible=(1.0, 6.0),
    )
    amplification_hours: float = param(
        48.0,
        doc="Hours an action's amplification lasts.",
        unit="h",
        valid=NON_NEGATIVE,
        plausible=(24.0, 96.0),
    )


@dataclass
class AdversaryConfig:
    """The hostile cells of a campaign; the scenario says which dimensions they may use."""

    name: str = param(MISSING, doc="The adversary's name.", source=IDENTIFIER)
    cells: dict[str, CellConfig] = field(default_factory=dict)
    action_costs: dict[str, float] = param(
        doc="Action points per action type.",
        unit="action points",
        valid=POSITIVE,
        scale=(0.5, 2.0),
        factory=dict,
    )
    cyber: CyberConfig = field(default_factory=CyberConfig)
    disinformation: DisinformationConfig = field(default_factory=DisinformationConfig)
    adaptive: bool = param(
        False,
        doc="Cells learn which action types pay (an epsilon-greedy bandit rewarded by the "
        "disruption each action causes), instead of choosing in proportion to capability.",
        valid=FLAG,
        alternatives="true or false",
    )
    exploration: float = param(
        0.1,
        doc="Share of actions still chosen by capability, to keep exploring.",
        unit="probability",
        valid=SHARE,
        plausible=(0.05, 0.3),
    )
    learning_rate: float = param(
        0.3,
        doc="Weight of the newest reward in an action's learned value.",
        unit="weight",
        valid=SHARE,
        plausible=(0.1, 0.5),
    )
