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
        doc="random targets, or weighted by criticality x vulnerability.",
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


@dataclass
class CyberConfig:
    """How cyber intrusions play out once they succeed."""

    dwell_median_hours: float = param(
        48.0,
        doc="Hours an operator's assets stay compromised: median of a lognormal.",
        unit="h",
        valid=POSITIVE,
        plausible=(24, 96),
    )
    dwell_sigma: float = param(
        0.5,
        doc="Log-sd of the hours an operator's assets stay compromised (lognormal).",
        valid=NON_NEGATIVE,
        plausible=(0.25, 1.0),
    )
    asset_share: float = param(
        0.25,
        doc="Share of a compromised operator's assets taken down (each independently).",
        unit="share",
        valid=SHARE,
        plausible=(0.05, 0.5),
    )
    spread_probability: float = param(
        0.2,
        doc="Probability that a compromise spreads to an operator linked by supply edges, "
        "before that operator's cyber maturity.",
        unit="probability",
        valid=SHARE,
        plausible=(0.0, 0.4),
    )
    ransomware_sectors: list[str] = param(
        doc="Sectors where an intrusion is ransomware: the dwell time is multiplied.",
        valid=Choices(SECTORS),
        alternatives="other sets of sectors",
        factory=list,
    )
    ransomware_dwell_multiplier: float = param(
        2.0,
        doc="Multiplier of the dwell time of ransomware.",
        unit="factor",
        valid=POSITIVE,
        plausible=(1.0, 4.0),
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
