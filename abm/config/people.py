"""Schema of the population: cohorts, narratives' dynamics, trust, behaviour; seeded narratives."""

from __future__ import annotations

from dataclasses import dataclass, field

from omegaconf import MISSING

from abm.config.declare import (
    IDENTIFIER,
    NON_NEGATIVE,
    NUMERICAL,
    POSITIVE,
    SCENARIO,
    SHARE,
    Bounds,
    Choices,
    Rule,
    param,
)
from abm.vocabulary import BEHAVIOURS

SUDBURY = "Maki-Thompson: equal to the contact rate (Sudbury 1985); value assumption"


@dataclass
class CohortConfig:
    """A population cohort: its share of every region and how it lives through a crisis."""

    share: float = param(
        MISSING,
        doc="The cohort's share of every region (shares sum to 1).",
        valid=SHARE,
        alternatives="other splits that sum to 1 (not sampled as one number)",
    )
    label: str = param("", doc="A readable name.", source=IDENTIFIER)
    stock_hours: dict[str, float] = param(
        doc="Hours of autonomy per sector a household keeps (food and water, cash, medication, "
        "power banks, ...); sectors not named have none.",
        unit="h",
        valid=NON_NEGATIVE,
        scale=(0.5, 2.0),
        factory=dict,
    )
    trust: float = param(
        0.5, doc="Initial trust in institutions.", unit="share", valid=SHARE, scale=(0.8, 1.2)
    )
    susceptibility: float = param(
        0.3,
        doc="Probability that a contact with a spreader convinces a member (before media "
        "literacy and trust).",
        unit="probability",
        valid=SHARE,
        scale=(0.5, 1.5),
    )
    media_literacy: float = param(
        0.3,
        doc="Share of convincing contacts that media literacy defuses.",
        unit="share",
        valid=SHARE,
        scale=(0.5, 1.5),
    )
    health_dependency: float = param(
        0.0,
        doc="Extra health demand, in units of the region's baseline per member, while the "
        "member's power or water need is unmet.",
        unit="baseline demand per member",
        valid=NON_NEGATIVE,
        scale=(0.5, 2.0),
    )
    mobility: float = param(
        1.0,
        doc="Multiplier of the propensity to leave the region.",
        unit="factor",
        valid=NON_NEGATIVE,
        scale=(0.5, 1.5),
    )


@dataclass
class NarrativeDynamicsConfig:
    """Maki-Thompson rumour spreading within and between groups (rates per hour)."""

    contact_rate: float = param(
        0.5,
        doc="Contacts per hour that can pass a narrative on (spreader meets ignorant).",
        unit="1/h",
        valid=NON_NEGATIVE,
        plausible=(0.25, 1.0),
    )
    stifling_rate: float = param(
        0.5,
        doc="Contacts per hour at which a spreader meeting someone who already knows stops "
        "spreading.",
        unit="1/h",
        valid=POSITIVE,
        source=SUDBURY,
        plausible=(0.25, 1.0),
    )
    within_region_share: float = param(
        0.8,
        doc="Share of a group's contacts within its own region; the rest mix nationally.",
        unit="share",
        valid=SHARE,
        plausible=(0.6, 0.95),
    )
    trust_discount: float = param(
        0.5,
        doc="How much trust lowers acceptance: acceptance x (1 - trust_discount x trust).",
        unit="share",
        valid=SHARE,
        plausible=(0.25, 0.75),
    )
    max_substep_rate: float = param(
        0.2,
        doc="Largest rate x sub-step of the Runge-Kutta integration inside one model step.",
        unit="-",
        valid=POSITIVE,
        source=NUMERICAL,
    )


@dataclass
class TrustConfig:
    """Trust in institutions (rates per hour)."""

    loss_per_unmet: float = param(
        0.02,
        doc="Trust lost per hour per unit of unmet-need fraction.",
        unit="1/h",
        valid=NON_NEGATIVE,
        plausible=(0.01, 0.04),
    )
    loss_per_belief: float = param(
        0.002,
        doc="Trust lost per hour per unit of hostile belief (reach of all narratives, capped "
        "at 1).",
        unit="1/h",
        valid=NON_NEGATIVE,
        plausible=(0.001, 0.004),
    )
    recovery: float = param(
        0.01,
        doc="Share of the gap to initial trust closed per hour, scaled by the share of needs met.",
        unit="1/h",
        valid=NON_NEGATIVE,
        plausible=(0.005, 0.02),
    )


@dataclass
class BehaviourConfig:
    """How beliefs and shortages change what people do."""

    behaviour_hours: float = param(
        48.0,
        doc="Average hours a new believer acts on a narrative (buys, withdraws, prepares to "
        "leave) before returning to normal; behaviour follows recent acceptance, belief stays.",
        unit="h",
        valid=POSITIVE,
        plausible=(24, 96),
    )
    panic_buying_gain: float = param(
        2.0,
        doc="Extra food_water demand per unit of the region acting on a panic-buying narrative.",
        unit="baseline demand",
        valid=NON_NEGATIVE,
        plausible=(1.0, 4.0),
    )
    bank_run_gain: float = param(
        3.0,
        doc="Extra finance demand per unit of the region acting on a bank-run narrative.",
        unit="baseline demand",
        valid=NON_NEGATIVE,
        plausible=(1.5, 6.0),
    )
    hardship_hours: float = param(
        24.0,
        doc="Hours over which hardship (the unmet-need fraction) is averaged.",
        unit="h",
        valid=POSITIVE,
        plausible=(12, 48),
    )
    hardship_threshold: float = param(
        0.3,
        doc="Hardship above which people start to leave.",
        unit="share",
        valid=Bounds(0.0, 1.0, high_open=True),
        plausible=(0.15, 0.6),
    )
    leave_rate: float = param(
        0.002,
        doc="Leaving rate per hour at full hardship.",
        unit="1/h",
        valid=NON_NEGATIVE,
        plausible=(0.001, 0.004),
    )
    fear_leave_rate: float = param(
        0.0005,
        doc="Leaving rate per hour per unit of the group acting on a fear narrative.",
        unit="1/h",
        valid=NON_NEGATIVE,
        plausible=(0.00025, 0.001),
    )
    return_rate: float = param(
        0.02,
        doc="Return rate per hour once hardship at home has fallen below half the threshold.",
        unit="1/h",
        valid=NON_NEGATIVE,
        plausible=(0.01, 0.04),
    )
    reception_share: float = param(
        0.3,
        doc="Share of displaced people who need public reception (the rest stay with family or "
        "in hotels).",
        unit="share",
        valid=SHARE,
        plausible=(0.15, 0.6),
    )


@dataclass
class PopulationConfig:
    """Population groups: one per region and cohort."""

    cohorts: dict[str, CohortConfig] = field(default_factory=dict)
    need_weights: dict[str, float] = param(
        doc="Per sector, how much residents need it (0: not at all, 1: fully). Displaced "
        "people need every sector fully, including reception (population_flows).",
        unit="share",
        valid=SHARE,
        scale=(0.8, 1.0),
        factory=dict,
    )
    restock_per_hour: float = param(
        1.0,
        doc="Hours of autonomy regained per hour of full service.",
        unit="h/h",
        valid=NON_NEGATIVE,
        plausible=(0.5, 2.0),
    )
    reception_baseline_persons: float = param(
        33000.0,
        doc="People in public reception in normal times, nationally; sets the scale of the "
        "population_flows demand that displaced arrivals add.",
        unit="persons",
        valid=POSITIVE,
        plausible=(25000, 40000),
    )
    narratives: NarrativeDynamicsConfig = field(default_factory=NarrativeDynamicsConfig)
    trust: TrustConfig = field(default_factory=TrustConfig)
    behaviour: BehaviourConfig = field(default_factory=BehaviourConfig)


@dataclass
class NarrativeSeedConfig:
    """A narrative seeded into chosen groups at an hour."""

    name: str = param(
        MISSING, doc="A unique name.", valid=Rule("unique, non-empty"), source=IDENTIFIER
    )
    at_hour: float = param(
        0.0, doc="Hour of the seeding.", unit="h", valid=NON_NEGATIVE, source=SCENARIO
    )
    behaviour: str = param(
        MISSING,
        doc="The behaviour it pushes: panic_buying, bank_run, fear (leave the region) or distrust.",
        valid=Choices(BEHAVIOURS),
        source=SCENARIO,
    )
    virality: float = param(
        1.0,
        doc="Multiplier of the spreading rate (how catchy it is).",
        unit="factor",
        valid=NON_NEGATIVE,
        plausible=(0.5, 2.0),
    )
    seed_fraction: float = param(
        0.001,
        doc="Share of each target group made spreaders at the seeding hour.",
        unit="share",
        valid=SHARE,
        plausible=(0.0005, 0.004),
    )
    regions: list[str] = param(
        doc="Target regions; empty means all.",
        valid=Rule("regions or provinces of the world"),
        source=SCENARIO,
        factory=list,
    )
    cohorts: list[str] = param(
        doc="Target cohorts; empty means all.",
        valid=Rule("cohorts of population.cohorts"),
        source=SCENARIO,
        factory=list,
    )
