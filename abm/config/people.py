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
#: What the forgetting rate rests on (no measured duration of belief in a crisis rumour; the
#: value is an assumption, so it is swept with the other assumptions).
FORGETTING = (
    "Maki-Thompson with forgetting has a threshold: a rumour spreading slower than it is "
    "forgotten fades (de Arruda et al. 2022, Nat. Commun. 13:3049); belief in misinformation "
    "is not stable over weeks (Swire-Thompson et al. 2023, Cognition); most online cascades stay "
    "small (Goel et al. 2016, Management Science 62:180-196); the value (a belief lasts about a "
    "day and a half unless refreshed) is an assumption"
)
#: Share of believers who act on a narrative: the ratio of Belgians who hoarded to those who
#: feared a shortage in March 2020.
ACTING = (
    "panic_buying: 17% of Belgians admitted hoarding (Kantar via Knack, April 2020) while 23% "
    "feared a food shortage (Het Nieuwsblad survey, March 2020): about 0.7 of believers acted; "
    "bank_run and fear: assumptions; distrust: 1 in 14 UK adults forwarded false COVID-19 "
    "claims, about 15% of those exposed (Ofcom, April 2020); the cohort differences are "
    "assumptions"
)


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
        0.08,
        doc="Contacts per hour that can pass a narrative on (spreader meets ignorant).",
        unit="1/h",
        valid=NON_NEGATIVE,
        plausible=(0.04, 0.16),
    )
    stifling_rate: float = param(
        0.08,
        doc="Contacts per hour at which a spreader meeting someone who already knows stops "
        "spreading.",
        unit="1/h",
        valid=POSITIVE,
        source=SUDBURY,
        plausible=(0.04, 0.16),
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
    forgetting_rate: float = param(
        0.03,
        doc="Rate at which people who accepted a narrative (spreaders and stiflers) stop "
        "believing it and become ignorant again (1 / mean hours a belief lasts unrefreshed); "
        "an organic narrative spreads only where contact_rate x virality x acceptance exceeds "
        "it, so reach must be sustained by the adversary. 0: the pure Maki-Thompson model. "
        "Grounds: " + FORGETTING + ".",
        unit="1/h",
        valid=NON_NEGATIVE,
        plausible=(0.005, 0.05),
    )
    correction_rate: float = param(
        0.02,
        doc="Rate at which believers are corrected (stop believing) per unit of "
        "counter-messaging effort (strategic communication's strength, once in force); the "
        "same effort raises the stifling rate.",
        unit="1/h per unit effort",
        valid=NON_NEGATIVE,
        plausible=(0.005, 0.05),
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
        7.92,
        doc="Extra retail food (and bottled-water) demand per unit of the region acting on a "
        "panic-buying narrative: an acting believer buys 1 + gain times their usual food (tap "
        "water is untouched: sectors.subservices). Fitted so that the March 2020 scenario gives "
        "the 45% rise of Belgian supermarket sales in week 11 of 2020 (target "
        "march_2020_food_sales; Nielsen, 27 March 2020); the fit's interval is 6.50 to 8.36 "
        "with the shipped acting shares (refit when they change).",
        unit="baseline demand",
        valid=NON_NEGATIVE,
        plausible=(4.0, 12.0),
    )
    bank_run_gain: float = param(
        3.0,
        doc="Extra cash demand per unit of the region acting on a bank-run narrative: an "
        "acting believer draws 1 + gain times their usual cash (payments are untouched: "
        "sectors.subservices).",
        unit="baseline demand",
        valid=NON_NEGATIVE,
        plausible=(1.5, 6.0),
    )
    acting_share: dict[str, float] = param(
        doc="Per behaviour, the share of new believers who act on the narrative (buy, withdraw, "
        "leave, pass it on), before the cohort's factor; a behaviour not named acts fully (1). "
        "Grounds: " + ACTING + ".",
        unit="share",
        valid=SHARE,
        scale=(0.5, 1.4),
        factory=dict,
    )
    acting_cohort_factor: dict[str, float] = param(
        doc="Per cohort, a factor on acting_share (the share acting is their product, at most "
        "1); a cohort not named has 1.",
        unit="factor",
        valid=NON_NEGATIVE,
        scale=(0.8, 1.2),
        factory=dict,
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
        0.06,
        doc="Share of displaced people who need public shelter (the rest stay with family, "
        "friends or in hotels); until an emergency shelter opens for them they load the "
        "reception network (population.shelter_places_per_hour).",
        unit="share",
        valid=SHARE,
        source="Smith & McCarty 2009, Demography 46(1):127-145, Table 3: 5.7% of evacuees of "
        "Florida's 2004 hurricanes used public shelters (3.3-11.3% by region)",
        plausible=(0.03, 0.12),
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
        35000.0,
        doc="People in public reception in normal times, nationally; sets the scale of the "
        "population_flows demand that displaced arrivals and migration pushes add. Fedasil's "
        "network had 36,307 places at the end of 2024 (AIDA country report Belgium, 2025) and "
        "was saturated (a waiting list of about 2,800 in Nov 2024, Fedasil via KW.be); the "
        "occupancy rate, 96% of the places, is the assumption (91-100%).",
        unit="persons",
        valid=POSITIVE,
        plausible=(33000, 36300),
    )
    shelter_places_per_hour: float = param(
        30.0,
        doc="Emergency shelter places (sports halls, schools, camp beds) that municipalities and "
        "the Red Cross open per hour, nationally, for displaced people who need public "
        "shelter; until then they load the reception network (abm.reception.EmergencyShelter).",
        unit="persons/h",
        source="Croix-Rouge de Belgique, 16 July 2021: 1,500 camp beds delivered to emergency "
        "reception centres in the first two days of the floods (about 30 an hour)",
        valid=POSITIVE,
        plausible=(10.0, 100.0),
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
    amplification: float = param(
        0.0,
        doc="Added multiple of the spreading rate in the target groups while the seeding is "
        "amplified (bots, paid reach): 1 doubles it.",
        unit="factor",
        valid=NON_NEGATIVE,
        plausible=(0.0, 4.0),
    )
    amplification_hours: float = param(
        0.0,
        doc="Hours the amplification lasts after the seeding.",
        unit="h",
        valid=NON_NEGATIVE,
        plausible=(12.0, 96.0),
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
