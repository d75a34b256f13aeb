"""Schema of a scenario: timed shocks, hazards, narratives, the campaign's windows and phases."""

from __future__ import annotations

from dataclasses import dataclass, field

from omegaconf import MISSING

from abm.config.declare import (
    COUNT,
    FLAG,
    IDENTIFIER,
    NON_NEGATIVE,
    POSITIVE,
    SCENARIO,
    SHARE,
    Choices,
    Rule,
    param,
)
from abm.config.people import NarrativeSeedConfig
from abm.vocabulary import ACTIONS, SHOCK_KINDS

REGION = Rule("a region or province of the world")
REGIONS = Rule("regions or provinces of the world")
ASSET_TYPE = Rule("an asset type of world.asset_types")


def _hour(default: float, doc: str) -> float:
    return param(default, doc=doc, unit="h", valid=NON_NEGATIVE, source=SCENARIO)


@dataclass
class WindowConfig:
    """A window in which the cells strike together."""

    start_hour: float = _hour(MISSING, "Start of the window.")
    end_hour: float = param(
        MISSING,
        doc="End of the window (after its start).",
        unit="h",
        valid=Rule("later than start_hour"),
        source=SCENARIO,
    )


@dataclass
class PhaseConfig:
    """A phase of a campaign (priming, destabilisation, coercion): from its start hour, the
    cells act at ``intensity`` times their tempo, with these weights on their action types."""

    name: str = param(MISSING, doc="The phase's name.", source=IDENTIFIER)
    start_hour: float = _hour(0.0, "Hour the phase starts.")
    intensity: float = param(
        1.0,
        doc="Multiplier of the cells' tempo during the phase.",
        unit="factor",
        valid=NON_NEGATIVE,
        source=SCENARIO,
    )
    weights: dict[str, float] = param(
        doc="Per action type, a multiplier of the cells' capability as the weight of choosing it.",
        unit="factor",
        valid=NON_NEGATIVE,
        source=SCENARIO,
        factory=dict,
    )
    corridor_focus: bool = param(
        False,
        doc="While allied serials are landing or moving, sabotage goes for their routes.",
        valid=FLAG,
        source=SCENARIO,
    )


@dataclass
class DroneIncursionConfig:
    """Drones over a site close it for hours, without damage (as over Brussels and Liège
    airports on 4 November 2025, FACTS.md)."""

    at_hour: float = _hour(MISSING, "Hour the drones appear.")
    hours: float = param(
        4.0, doc="Hours the sites stay closed.", unit="h", valid=POSITIVE, source=SCENARIO
    )
    region: str = param(MISSING, doc="Where.", valid=REGION, source=SCENARIO)
    asset_type: str = param("airport", doc="Sites closed.", valid=ASSET_TYPE, source=SCENARIO)


@dataclass
class MigrationPushConfig:
    """Instrumentalised migration: people pushed at a border, needing reception there, then in the
    national network, until a place is opened for them (:mod:`abm.reception`)."""

    start_hour: float = _hour(MISSING, "Hour the push starts.")
    end_hour: float = param(
        MISSING,
        doc="Hour the push ends (after its start).",
        unit="h",
        valid=Rule("later than start_hour"),
        source=SCENARIO,
    )
    region: str = param(MISSING, doc="The border region.", valid=REGION, source=SCENARIO)
    persons: float = param(
        MISSING,
        doc="People arriving over the push (evenly), who need reception until they are placed.",
        unit="persons",
        valid=NON_NEGATIVE,
        source=SCENARIO,
    )
    dispatch_hours: float = param(
        72.0,
        doc="Mean hours arrivals stay in reception in the border region before they are "
        "registered and dispatched to a place in the national network (registration and "
        "transport; no published figure for a border push).",
        unit="h",
        valid=POSITIVE,
        plausible=(24.0, 336.0),
    )
    places_per_hour: float = param(
        1.3,
        doc="Places the reception network opens per hour for the push's arrivals (emergency "
        "sites, containers, hotels): dispatched arrivals wait in the saturated network, beyond "
        "its normal places, until one is opened for them. The rate is chosen among those Fedasil "
        "reached: 2,904 places in the three months from 1 Nov 2021 (Knack), 1.3/h; 5,776 in "
        "2019 (Fedasil), 0.66/h; 16,135 to 34,398 places from Jul 2015 to Jan 2016 (Agentschap "
        "Integratie en Inburgering, via HLN), 3.8/h.",
        unit="persons/h",
        valid=POSITIVE,
        plausible=(0.66, 3.8),
    )


@dataclass
class ShockConfig:
    """A scripted event at an hour: assets damaged, a regional grid lost or tripped, or assets hit
    by a cyber attack (for incident scenarios)."""

    at_hour: float = _hour(0.0, "Hour of the shock.")
    kind: str = param(
        "damage",
        doc="damage: assets of asset_type in region damaged; grid_loss: every asset in region "
        "that provides power damaged (repaired by crews); grid_trip: every asset in region that "
        "provides power or bulk_power tripped, no damage, re-energised in black-start order over "
        "restore_hours; cyber: assets of asset_type in region get their type's cyber effect and "
        "their operators an intruder; ransomware: the same assets encrypted, a full outage for a "
        "ransomware restore time.",
        valid=Choices(SHOCK_KINDS),
        source=SCENARIO,
    )
    region: str = param(MISSING, doc="Where.", valid=REGION, source=SCENARIO)
    asset_type: str | None = param(
        None,
        doc="What is hit (kinds damage, cyber, ransomware).",
        valid=ASSET_TYPE,
        source=SCENARIO,
    )
    count: int | None = param(
        None,
        doc="Hit the count most critical matching assets (or give probability).",
        unit="count",
        valid=COUNT,
        source=SCENARIO,
    )
    probability: float | None = param(
        None,
        doc="Hit each matching asset independently with this probability (or give count).",
        unit="probability",
        valid=SHARE,
        source=SCENARIO,
    )
    restore_hours: float | None = param(
        None,
        doc="Hours to re-energise the tripped grid (kind grid_trip); if null, the world's "
        "reenergise_hours.",
        unit="h",
        valid=POSITIVE,
        source=SCENARIO,
    )
    label: str = param("", doc="A readable name.", source=IDENTIFIER)


@dataclass
class HazardConfig:
    """A natural hazard (the climate theme): assets damaged by type and region, demand shifted
    for its duration."""

    name: str = param(MISSING, doc="The hazard's name.", source=IDENTIFIER)
    at_hour: float = _hour(0.0, "Hour the hazard strikes.")
    duration_hours: float = param(
        24.0, doc="Hours it lasts.", unit="h", valid=POSITIVE, source=SCENARIO
    )
    regions: list[str] = param(
        doc="Regions hit; empty means all.", valid=REGIONS, source=SCENARIO, factory=list
    )
    damage: dict[str, float] = param(
        doc="Per asset type, the probability that each of its assets in the regions is damaged.",
        unit="probability",
        valid=SHARE,
        source=SCENARIO,
        factory=dict,
    )
    demand: dict[str, float] = param(
        doc="Per sector, extra demand in the regions while the hazard lasts (a share of normal).",
        unit="share of demand",
        valid=NON_NEGATIVE,
        source=SCENARIO,
        factory=dict,
    )
    displaced_share: float = param(
        0.0,
        doc="Share of the regions' residents whose homes become uninhabitable: displaced at once.",
        unit="share",
        valid=SHARE,
        source=SCENARIO,
    )
    return_after_hours: float = param(
        0.0,
        doc="Hours after the hazard before they can go home.",
        unit="h",
        valid=NON_NEGATIVE,
        source=SCENARIO,
    )


@dataclass
class ScenarioConfig:
    """What happens: timed shocks and hazards, seeded narratives, and the adversary's campaign."""

    name: str = param(MISSING, doc="The scenario's name.", source=IDENTIFIER)
    description: str = param("", doc="What happens, in a sentence.", source=IDENTIFIER)
    shocks: list[ShockConfig] = field(default_factory=list)
    narratives: list[NarrativeSeedConfig] = field(default_factory=list)
    adversary_dimensions: list[str] = param(
        doc="Dimensions the adversary's cells may use; empty means no adversary.",
        valid=Choices(ACTIONS),
        source=SCENARIO,
        factory=list,
    )
    adversary_part: list[str] = param(
        doc="The part of the campaign this run carries out (synergy designs): cells choose, "
        "pay, act on their schedule and risk exposure as in the whole campaign "
        "(adversary_dimensions), but only actions of these dimensions take effect; empty means "
        "all of them.",
        valid=Choices(ACTIONS),
        source=SCENARIO,
        factory=list,
    )
    adversary_windows: list[WindowConfig] = field(default_factory=list)
    adversary_target_types: list[str] = param(
        doc="Asset types sabotage may target; empty means all.",
        valid=ASSET_TYPE,
        source=SCENARIO,
        factory=list,
    )
    adversary_phases: list[PhaseConfig] = field(default_factory=list)
    adversary_budget_scale: float = param(
        1.0,
        doc="Multiplier of every cell's budget in this scenario.",
        unit="factor",
        valid=NON_NEGATIVE,
        source=SCENARIO,
    )
    corridor_effort: float = param(
        1.0,
        doc="Multiplier of the corridor-focused sabotage cells' actions per day and budgets "
        "together (abm.campaign.corridor_cells): the adversary's effort against the allied "
        "movement, for the planner's question of what it takes to delay the brigades. Only "
        "in a scenario whose sabotage goes for the transit corridors.",
        unit="factor",
        valid=NON_NEGATIVE,
        source=SCENARIO,
    )
    adversary_crisis_shift: float = param(
        1.0,
        doc="After the crisis centre activates measures, the adversary turns on the state: "
        "weights of cyber and disinformation are multiplied by this.",
        unit="factor",
        valid=NON_NEGATIVE,
        plausible=(1.0, 3.0),
    )
    hazards: list[HazardConfig] = field(default_factory=list)
    migration_pushes: list[MigrationPushConfig] = field(default_factory=list)
    drone_incursions: list[DroneIncursionConfig] = field(default_factory=list)
    housed_troops: dict[str, float] = param(
        doc="Host-nation support: allied troops housed for months, per region or province that "
        "hosts them (a province's troops are spread over its regions by population); empty: none. "
        "Precedents: Grobbendonk (29th Logistics Battalion, antwerp) housed about 1,800 UK and "
        "US soldiers at the peak of DEFENDER-Europe 20 (HLN, 7 February 2020); Camp Elsenborn "
        "(liege) has 1,200 beds (Belgian Defence).",
        unit="persons",
        valid=NON_NEGATIVE,
        source=SCENARIO,
        alternatives="other camps and numbers",
        factory=dict,
    )
    housed_from_hour: float = param(
        0.0,
        doc="Hour from which the housed troops are present (until the end of the run).",
        unit="h",
        valid=NON_NEGATIVE,
        source=SCENARIO,
    )
