"""Schema of the world: regions, resources, operators, asset types; and of the sector layer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from omegaconf import MISSING

from abm.config.declare import (
    ANY_CHOICE,
    COUNT,
    COUNT_OR_ZERO,
    IDENTIFIER,
    NON_NEGATIVE,
    POSITIVE,
    SEED,
    SHARE,
    STRUCTURE,
    USER_CHOICE,
    Bounds,
    Choices,
    Rule,
    param,
)
from abm.vocabulary import AREA_KINDS, BEHAVIOURS, CYBER_MODES, RESOURCE_SCOPES, SECTORS

SECTOR = Choices(SECTORS)
STATBEL = "Statbel, population by province (or municipality), 1 January 2019"


@dataclass
class ResourceConfig:
    """A resource that assets supply to one another (power, telecom, water, ...)."""

    scope: str = param(
        "region",
        doc="Where consumers find suppliers: region (their own, falling back to the whole "
        "country when it has none), province (their province; the same at province "
        "resolution) or national (anywhere).",
        valid=Choices(RESOURCE_SCOPES),
        alternatives=ANY_CHOICE,
    )
    description: str = param("", doc="What the resource is.", source=IDENTIFIER)


@dataclass
class NeedConfig:
    """One resource an asset type needs in order to work."""

    suppliers: int = param(
        2,
        doc="Distinct supplier assets each consumer is linked to; any one working suffices.",
        unit="count",
        valid=COUNT,
        scale=(0.75, 1.5),
    )
    backup_hours: float = param(
        0.0,
        doc="Hours the consumer runs on its own backup (generator, battery, tank) without supply.",
        unit="h",
        valid=NON_NEGATIVE,
        scale=(0.5, 1.5),
    )


@dataclass
class OperatorConfig:
    """A family of infrastructure operators: one or more per area."""

    sector: str = param(
        MISSING, doc="The sector the operators serve.", valid=SECTOR, source=IDENTIFIER
    )
    label: str = param("", doc="A readable name.", source=IDENTIFIER)
    area: str = param(
        "belgium",
        doc="Each operator covers one area: belgium, a federated_region or a province.",
        valid=Choices(AREA_KINDS),
        alternatives=ANY_CHOICE,
    )
    count: int = param(
        1,
        doc="Operators per area, unless count_by_area names the area.",
        unit="count",
        valid=COUNT,
        scale=(0.75, 2.0),
    )
    count_by_area: dict[str, int] = param(
        doc="Operators per named area (FACTS.md: 25 hospital networks, 13/8/4; others assumption).",
        unit="count",
        valid=COUNT,
        source="FACTS.md (hospital networks); assumption",
        scale=(0.75, 2.0),
        factory=dict,
    )
    crews: int = param(
        2,
        doc="Repair crews per operator: assets it can repair at the same time.",
        unit="count",
        valid=COUNT,
        scale=(0.75, 2.0),
    )
    response_hours: float = param(
        2.0,
        doc="Hours from an asset's damage until a crew can start on it.",
        unit="h",
        valid=NON_NEGATIVE,
        scale=(0.5, 2.0),
    )
    cyber_maturity: float = param(
        0.5,
        doc="Probability that a cyber intrusion on this operator fails.",
        unit="probability",
        valid=SHARE,
        scale=(0.7, 1.2),
    )
    it_links: list[str] = param(
        doc="Operator families this family shares IT, vendors or managed services with (either "
        "way): where a cyber compromise can spread; operators of one family are linked to each "
        "other too. Supply links carry no cyber spread.",
        valid=Rule("operator families of world.operators"),
        alternatives="more or fewer shared IT links (spread_probability scales their effect)",
        factory=list,
    )
    spares: int = param(
        0,
        doc="Long-lead spares (spare transformers, cable or pipe sections) each operator holds: "
        "a spare turns a long-lead repair into an ordinary one, first damaged first served.",
        unit="count",
        valid=COUNT_OR_ZERO,
        plausible=(0, 4),
    )


@dataclass
class CyberEffectConfig:
    """What a successful cyber intrusion does to an asset of a type, separately from how long
    the intruder stays: a full outage until the systems are restored (``outage``); a full
    outage for ``switchover_hours`` and then manual operation at ``manual_capacity`` until
    restored (``manual``); or degraded operation at ``manual_capacity`` from the start
    (``degrade``, the asset stays in the supply graph)."""

    mode: str = param(
        "outage",
        doc="How the effect plays out: outage, manual (switch-over, then manual operation) or "
        "degrade (part capacity at once).",
        valid=Choices(CYBER_MODES),
        alternatives=ANY_CHOICE,
    )
    switchover_hours: float = param(
        2.0,
        doc="Hours of full outage before manual operation takes over (mode manual).",
        unit="h",
        valid=NON_NEGATIVE,
        scale=(0.5, 2.0),
    )
    manual_capacity: float = param(
        0.5,
        doc="Share of the asset's capacity in manual or degraded operation (modes manual, "
        "degrade); 1 means no loss of service (the shipped values are the optimistic end).",
        unit="share",
        valid=SHARE,
        scale=(0.5, 1.0),
    )
    restore_median_hours: float = param(
        24.0,
        doc="Hours until automatic operation is restored (the systems rebuilt and cleaned): "
        "median of a lognormal.",
        unit="h",
        valid=POSITIVE,
        scale=(0.5, 2.0),
    )
    restore_sigma: float = param(
        0.7,
        doc="Log-sd of the restore time (lognormal).",
        unit="-",
        valid=NON_NEGATIVE,
        scale=(0.5, 1.5),
    )


@dataclass
class AssetTypeConfig:
    """A kind of asset: where they are, who owns them, what they need, how they are repaired."""

    sector: str = param(
        MISSING, doc="The sector the assets serve.", valid=SECTOR, source=IDENTIFIER
    )
    operator: str = param(
        MISSING,
        doc="The operator family that owns them (of the same sector).",
        valid=Rule("an operator of world.operators"),
        source=IDENTIFIER,
    )
    label: str = param("", doc="A readable name.", source=IDENTIFIER)
    provides: str | None = param(
        None,
        doc="The resource this type supplies to others, if any.",
        valid=Rule("a resource of world.resources, or null"),
        source=IDENTIFIER,
    )
    by_region: dict[str, int] = param(
        doc="Assets per named region (count rule 1 of 3; FACTS.md: ports, interconnectors, "
        "eastern corridors; others assumption).",
        unit="count",
        valid=COUNT_OR_ZERO,
        source="FACTS.md (ports, interconnectors, corridors); assumption",
        scale=(0.5, 1.5),
        factory=dict,
    )
    national: int | None = param(
        None,
        doc="Assets nationally, allocated over regions by population (count rule 2 of 3; "
        "FACTS.md: 103 hospitals; others assumption).",
        unit="count",
        valid=COUNT_OR_ZERO,
        source="FACTS.md (hospitals); assumption",
        scale=(0.75, 1.5),
    )
    per_million: float = param(
        0.0,
        doc="Assets per million inhabitants of each region (count rule 3 of 3).",
        unit="1/million persons",
        valid=NON_NEGATIVE,
        scale=(0.5, 2.0),
    )
    min_per_region: int = param(
        0,
        doc="Never fewer assets than this in a region (so that every region has some local "
        "capacity).",
        unit="count",
        valid=COUNT_OR_ZERO,
        source=STRUCTURE,
    )
    needs: dict[str, NeedConfig] = field(default_factory=dict)
    cyber: CyberEffectConfig = field(default_factory=CyberEffectConfig)
    protection: float = param(
        0.3,
        doc="Probability that a physical attack on an asset of this type is stopped.",
        unit="probability",
        valid=SHARE,
        scale=(0.5, 1.2),
    )
    repair_median_hours: float = param(
        24.0,
        doc="Median repair duration once a crew starts (lognormal).",
        unit="h",
        valid=POSITIVE,
        scale=(0.5, 2.0),
    )
    repair_sigma: float = param(
        0.5,
        doc="Log-sd of the repair duration (lognormal).",
        unit="-",
        valid=NON_NEGATIVE,
        scale=(0.5, 1.5),
    )
    long_lead_probability: float = param(
        0.0,
        doc="Share of damage events that need a long-lead item (a large transformer, a cable "
        "or pipe section) the operator has no spare of.",
        unit="probability",
        valid=SHARE,
        plausible=(0.0, 0.3),
    )
    long_lead_median_hours: float = param(
        2160.0,
        doc="Median repair duration when a long-lead item is needed (lognormal).",
        unit="h",
        valid=POSITIVE,
        scale=(0.5, 2.0),
    )
    long_lead_sigma: float = param(
        0.5,
        doc="Log-sd of the long-lead repair duration (lognormal).",
        unit="-",
        valid=NON_NEGATIVE,
        scale=(0.5, 1.5),
    )


@dataclass
class WorldConfig:
    """Belgium's regions and the synthetic asset base built on them."""

    name: str = param(MISSING, doc="The world's name.", source=IDENTIFIER)
    regions_file: str = param(
        "regions_provinces.csv",
        doc="Regions table shipped in abm/data (or a path): region, name, federated_region, "
        "population, optionally province.",
        valid=Rule("a shipped table or a CSV path"),
        source=STATBEL,
    )
    dependents_file: str = param(
        "dependents.csv",
        doc="Who depends on each sector per province (shipped in abm/data, or a path): "
        "residents, people in reception, or a count (patients, travellers, workers).",
        valid=Rule("a shipped table or a CSV path"),
        source="abm/data/dependents.csv (sources per row in abm/data/README.md)",
    )
    seed: int | None = param(
        None,
        doc="If set, every replicate gets the world built from this seed; if null, each "
        "replicate builds its own world from its world stream.",
        valid=SEED,
        source=USER_CHOICE,
    )
    capacity_cv: float = param(
        0.5,
        doc="Coefficient of variation of asset sizes within a type (gamma distributed; above "
        "5 the gamma's shape, 1/cv^2, is too small to draw sizes from).",
        valid=Bounds(0.0, 5.0),
        plausible=(0.25, 1.0),
    )
    backup_recharge_per_hour: float = param(
        1.0,
        doc="Hours of backup regained per hour of restored supply.",
        unit="h/h",
        valid=NON_NEGATIVE,
        plausible=(0.25, 2.0),
    )
    reenergise_hours: float = param(
        12.0,
        doc="Hours to re-energise a tripped regional grid (a grid_trip shock without its own "
        "restore_hours): suppliers come back one by one, in black-start order, evenly over "
        "this time. To be calibrated on the Iberian blackout of 28 April 2025 (99% of demand "
        "back about 17.5 h after the collapse of a whole peninsula, from black start).",
        unit="h",
        valid=POSITIVE,
        plausible=(4, 24),
    )
    resources: dict[str, ResourceConfig] = field(default_factory=dict)
    operators: dict[str, OperatorConfig] = field(default_factory=dict)
    asset_types: dict[str, AssetTypeConfig] = field(default_factory=dict)
    # Typed Any because OmegaConf 2.3 cannot merge a world that extends another
    # (world/belgium_municipalities) into a typed dict of dicts; validation checks the values.
    service_shares: dict[str, dict[str, Any]] = param(
        doc="Per sector, the share of its capacity each asset type delivers (sums to 1).",
        unit="share",
        valid=SHARE,
        alternatives="other splits that sum to 1 (not sampled as one number)",
        factory=dict,
    )


@dataclass
class SubserviceConfig:
    """A service within a sector with its own capacity and demand (food and drinking water in
    food_water; cash and payments in finance): its own assets serve it, behaviours raise its
    demand alone, and the sector's inoperability is the need-weighted mean of its
    sub-services' (DESIGN.md section 3)."""

    sector: str = param(MISSING, doc="The sector it belongs to.", valid=SECTOR, source=IDENTIFIER)
    need_share: float = param(
        MISSING,
        doc="Its share of the sector's need: the weight of its inoperability in the sector's "
        "(normalised over the sector's sub-services, so shares need not sum to 1). Cash: 33% "
        "of the value of point-of-sale and person-to-person payments in Belgium in 2019, 58% "
        "of their number (ECB SPACE 2019, via Le Soir, 2 December 2020); food against "
        "drinking water: assumption.",
        unit="share",
        valid=SHARE,
        source="ECB SPACE 2019 via Le Soir, 2 Dec 2020 (cash); assumption",
        scale=(0.4, 1.6),
    )
    asset_types: list[str] = param(
        doc="The asset types that serve it; every asset type of the sector serves exactly one "
        "of its sub-services.",
        valid=Rule("asset types of world.asset_types in the sector"),
        source=IDENTIFIER,
        factory=list,
    )
    behaviour: str = param(
        "",
        doc="The behaviour that raises its demand (panic buying: retail food and bottled "
        "water, not tap water; a bank run: cash, not payments); empty for none. A sector "
        "with sub-services takes behaviour demand only through them.",
        valid=Choices(("", *BEHAVIOURS)),
        source=STRUCTURE,
    )
    restock_lag_hours: float = param(
        0.0,
        doc="Hours after demand exceeds the assets' capacity until extra deliveries arrive "
        "(retailers and distributors restocking more often than normal); 0: no restocking. "
        "Food: a day (extra lorry runs and shelves filled again the morning after the rush of "
        "12 March 2020, Belga via HLN, 14 March 2020).",
        unit="h",
        valid=NON_NEGATIVE,
        source="Belga via HLN, 14 March 2020 (food); assumption",
        scale=(0.5, 3.0),
    )
    restock_ceiling: float = param(
        0.0,
        doc="Most extra deliveries, as a share of normal demand (scaled by the share of the "
        "sub-service's assets working). Food: twice the normal flow with the 15% reserve "
        "margin (Comeos, 13 March 2020: twice the demand needs twice the lorries and drivers, "
        "RTL Info); 1.5 to 2 times normal flow is the range.",
        unit="share of demand",
        valid=NON_NEGATIVE,
        source="Comeos via RTL Info, 13 March 2020 (food); assumption",
        scale=(0.4, 1.0),
    )
    extra_demand_competes: float = param(
        1.0,
        doc="Share of the demand that a behaviour adds (hoarding, a run on cash) that competes "
        "with normal need for the sub-service's capacity: 1, every purchase gets the same share "
        "(the service level falls with the whole demand); 0, normal needs are met first (the "
        "extra demand only takes what is left: purchase limits, shelves refilled during the "
        "day). Sales still meet as much of the whole demand as capacity allows. Plausible "
        "values differ by sub-service: up to 0.5 for food (at 1 the March 2020 rush would "
        "count as an outage no account reports), up to 1 for cash (a run: every withdrawal "
        "alike); the range spans both.",
        unit="share",
        valid=SHARE,
        plausible=(0.0, 1.0),
    )


@dataclass
class SectorsConfig:
    """The sector layer: interdependency (IIM), recovery rates, spare capacity, sub-services."""

    interdependency_file: str = param(
        "interdependency.csv",
        doc="The A* table shipped in abm/data (or a path), with a rationale per entry.",
        valid=Rule("a shipped table or a CSV path"),
        source="abm/data/interdependency.csv (assumptions, IIM structure after Haimes & Jiang "
        "2001)",
        alternatives="another table (sectors.a_star)",
    )
    a_star: Any = param(
        None,
        doc="An explicit 9 x 9 A* (rows: dependent sector; columns: supplier) replacing the "
        "file's.",
        valid=Rule("non-negative, spectral radius < 1"),
        source="abm/data/interdependency.csv: assumption per entry, with rationale",
        alternatives="entries scaled within a spectral radius < 1 (not sampled as one number)",
    )
    k: dict[str, float] = param(
        doc="Per sector, the IIM recovery rate (the diagonal of K); k * dt_hours in (0, 1].",
        unit="1/h",
        valid=POSITIVE,
        scale=(0.5, 2.0),
        factory=dict,
    )
    reserve_margin: dict[str, float] = param(
        doc="Per sector, spare capacity: capacity is (1 + margin) x baseline demand.",
        unit="share of demand",
        valid=NON_NEGATIVE,
        scale=(0.5, 2.0),
        factory=dict,
    )
    #: Sub-services by name (abm/subservices.py); sectors without any work as one service.
    subservices: dict[str, SubserviceConfig] = field(default_factory=dict)
