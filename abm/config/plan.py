"""Schema of what the plans put in place: mitigation levers, allied transit, responders."""

from __future__ import annotations

from dataclasses import dataclass, field

from omegaconf import MISSING

from abm.config.declare import (
    COUNT,
    COUNT_OR_ZERO,
    FLAG,
    IDENTIFIER,
    NON_NEGATIVE,
    POSITIVE,
    SHARE,
    STRUCTURE,
    USER_CHOICE,
    Bounds,
    Rule,
    param,
)

LU_2023 = "prebunking: Lu et al. 2023 (d = 0.36); other levers assumption"
LU_2023_RANGE = "prebunking: Lu et al. 2023 (95% CI of d, 0.22 to 0.50); other levers assumption"


@dataclass
class LeverConfig:
    """A mitigation lever: one mechanism, its strength, its cost and when it starts acting.

    What ``strength`` means, its unit and range, and what ``targets`` names are declared per
    ``kind`` in the lever registry (:data:`abm.levers.LEVERS`; the lever table of docs/ODD.md).
    ``strength_low``/``strength_high`` bound what the strength plausibly is (uncertainty about
    the lever's effect, sampled by the study). Costs state their basis: a one-off investment
    that serves ``lifetime_years``, and a running cost per year; the annualised cost,
    investment / lifetime + running cost (:func:`abm.mitigation.annualised_cost`), is what
    ``mitigation_cost_meur`` reports. It is not discounted: a 3% discount rate would raise the
    investment's yearly share by 9% over 5 years and by 34% over 20.
    """

    kind: str = param(
        MISSING,
        doc="The lever's kind.",
        valid=Rule("a kind of the lever registry"),
        source=IDENTIFIER,
    )
    label: str = param("", doc="A readable name.", source=IDENTIFIER)
    strength: float = param(
        MISSING,
        doc="How strongly it acts; meaning, unit and range by kind (the lever table).",
        unit="by lever",
        valid=Rule("see the lever table; strength_low <= strength <= strength_high"),
        source=LU_2023,
        alternatives="strength_low to strength_high, per lever",
    )
    strength_low: float | None = param(
        None,
        doc="Low end of the plausible range of the strength (null: the strength).",
        unit="by lever",
        valid=Rule("in the lever's range, at most strength"),
        source=LU_2023_RANGE,
        alternatives="is itself a bound of the strength's plausible range",
    )
    strength_high: float | None = param(
        None,
        doc="High end of the plausible range of the strength (null: the strength).",
        unit="by lever",
        valid=Rule("in the lever's range, at least strength"),
        source=LU_2023_RANGE,
        alternatives="is itself a bound of the strength's plausible range",
    )
    targets: list[str] = param(
        doc="What the lever acts on: asset types, sectors or cohorts, as its kind declares; "
        "empty means all.",
        valid=Rule("see the lever table"),
        alternatives="other target sets",
        factory=list,
    )
    start_hour: float = param(
        0.0, doc="Hour from which it acts.", unit="h", valid=NON_NEGATIVE, plausible=(0, 720)
    )
    investment_meur: float = param(
        MISSING,
        doc="One-off investment (equipment, works, stock bought, a campaign's production), "
        "million euro.",
        unit="M EUR",
        valid=NON_NEGATIVE,
        alternatives="investment_low_meur to investment_high_meur, per lever",
    )
    investment_low_meur: float | None = param(
        None,
        doc="Low bound of the investment (null: the investment).",
        unit="M EUR",
        valid=NON_NEGATIVE,
        alternatives="is itself a bound of the investment's plausible range",
    )
    investment_high_meur: float | None = param(
        None,
        doc="High bound of the investment (null: the investment).",
        unit="M EUR",
        valid=NON_NEGATIVE,
        alternatives="is itself a bound of the investment's plausible range",
    )
    yearly_meur: float = param(
        MISSING,
        doc="Running cost per year (staff, maintenance, retainers, stock rotation), million euro.",
        unit="M EUR/year",
        valid=NON_NEGATIVE,
        alternatives="yearly_low_meur to yearly_high_meur, per lever",
    )
    yearly_low_meur: float | None = param(
        None,
        doc="Low bound of the running cost (null: the running cost).",
        unit="M EUR/year",
        valid=NON_NEGATIVE,
        alternatives="is itself a bound of the running cost's plausible range",
    )
    yearly_high_meur: float | None = param(
        None,
        doc="High bound of the running cost (null: the running cost).",
        unit="M EUR/year",
        valid=NON_NEGATIVE,
        alternatives="is itself a bound of the running cost's plausible range",
    )
    lifetime_years: float = param(
        MISSING,
        doc="Years over which the investment serves before it must be renewed; the annualised "
        "cost is investment / lifetime + running cost (straight line, not discounted).",
        unit="years",
        valid=POSITIVE,
        scale=(0.5, 1.5),
    )
    reach: float = param(
        1.0,
        doc="prebunking only: share of each target group reached.",
        unit="share",
        valid=SHARE,
        plausible=(0.25, 0.75),
    )
    decay_days: float | None = param(
        None,
        doc="prebunking only: days over which the effect decays by a factor e (null: never).",
        unit="days",
        valid=POSITIVE,
        source="prebunking: Lu et al. 2023 and Maertens et al. 2025 (21.9 days)",
    )


@dataclass
class MitigationConfig:
    """A package of levers; its cost is the sum of its levers' costs."""

    name: str = param(MISSING, doc="The package's name.", source=IDENTIFIER)
    description: str = param("", doc="What it does, in a sentence.", source=IDENTIFIER)
    levers: dict[str, LeverConfig] = field(default_factory=dict)
    without: list[str] = param(
        doc="Levers removed from the package (its increment analysis: combined minus one "
        "lever); the package is then reported as <name>_minus_<lever>.",
        valid=Rule("levers of the package"),
        source=USER_CHOICE,
        factory=list,
    )


def _transit(default: float, doc: str, unit: str, valid: Bounds, plausible: tuple) -> float:
    return param(default, doc=doc, unit=unit, valid=valid, plausible=plausible)


#: Where the transit's sourced figures come from (the sources, with URLs, are in
#: docs/ODD.md's transit section).
HLN_2019 = (
    "HLN 2019-01-25 (Kallo): a military train of 19 wagons carried 38 Bradleys, about 1,700 t"
)
US_ABCT_ANTWERP = (
    "US ABCT through Antwerp: 3,300-4,200 personnel, 2,100-3,500 pieces per brigade (KDH News "
    "2022, US Army 2019, HLN 2019, UAWire 2018); six serials per brigade"
)


@dataclass
class AirfieldConfig:
    """An airfield where the serials' personnel land: an asset type and the region holding it.

    Skipped when the world has no asset of that type there (a military ``air_base`` before the
    world has any)."""

    asset_type: str = param(
        MISSING, doc="Asset type of the airfield (airport, air_base).", source=IDENTIFIER
    )
    region: str = param(
        MISSING,
        doc="Region or province holding it.",
        valid=Rule("a region or province of the world"),
        source=IDENTIFIER,
    )
    flights_per_day: float = param(
        MISSING,
        doc="Military arrivals per day it can take: 10-20 at Brussels-Melsbroek (shared with "
        "civil traffic, 74 movements/h at peak) and Liège (cargo hub, about 100 movements a "
        "day, 50 more under its permit), 5-10 at Chièvres.",
        unit="flights/day",
        valid=NON_NEGATIVE,
        scale=(0.5, 1.5),
    )


#: The floor of the sustainment demand: water and food alone (US Army planning factors: QM4923
#: Table 1-1, water; ATP 4-90 App. C, rations).
SUSTAINMENT_FLOOR = (
    " (No public figure; the floor is water and food alone, about 25 L and 3 kg per "
    "soldier-day in US Army planning factors: about 110 t per brigade-day of 4,000.)"
)


@dataclass
class SustainmentConfig:
    """The regular flow after the initial movement (abm/sustainment.py): resupply of the
    brigades east, rotation, returns and repairs west, in trains and convoys per brigade and
    day, through the capacities the serials use (berths, Montzen paths, convoy slots).

    No public figure of the tonnage a brigade draws through Belgium per day was found; the
    defaults give about 660 t east and 330 t west per brigade-day (a moderate training
    posture; high-intensity combat would need more), against a floor of about 110 t for water
    and food alone.
    """

    enabled: bool = param(
        True,
        doc="Whether the sustainment flow runs (with the transit).",
        valid=FLAG,
        source=USER_CHOICE,
    )
    start_hour: float = param(
        240.0,
        doc="Hour the flow starts: a brigade carries about three days of supply (TWZ 2018, "
        "Piggee at AUSA: brigades operate at most three days without resupply), and the first "
        "serials cross about day 6 in peacetime, so resupply starts about day 10; at the "
        "latest, the 14-day deadline of the initial movement.",
        unit="h",
        valid=NON_NEGATIVE,
        plausible=(168, 336),
    )
    east_trains_per_brigade_day: float = param(
        0.5,
        doc="Sustainment trains east per brigade and day (resupply)." + SUSTAINMENT_FLOOR,
        unit="trains/day",
        valid=NON_NEGATIVE,
        plausible=(0.25, 1.0),
    )
    east_convoys_per_brigade_day: float = param(
        1.0,
        doc="Sustainment convoys east per brigade and day (resupply)." + SUSTAINMENT_FLOOR,
        unit="convoys/day",
        valid=NON_NEGATIVE,
        plausible=(0.5, 2.0),
    )
    west_trains_per_brigade_day: float = param(
        0.25,
        doc="Sustainment trains west per brigade and day (rotation, returns, repairs).",
        unit="trains/day",
        valid=NON_NEGATIVE,
        plausible=(0.1, 0.5),
    )
    west_convoys_per_brigade_day: float = param(
        0.5,
        doc="Sustainment convoys west per brigade and day (rotation, returns, repairs).",
        unit="convoys/day",
        valid=NON_NEGATIVE,
        plausible=(0.25, 1.0),
    )
    tonnes_per_train: float = param(
        1000.0,
        doc="Net tonnes a sustainment train carries (a military train of 19 wagons weighed "
        "about 1,700 t with 38 Bradleys, HLN 2019-01-25).",
        unit="t/train",
        valid=POSITIVE,
        plausible=(700, 1700),
    )
    tonnes_per_truck: float = param(
        8.0,
        doc="Tonnes one truck of a sustainment convoy carries.",
        unit="t/truck",
        valid=POSITIVE,
        source="Strategypage 2001-12-20: military trucks carry between 3 and 10 t",
        plausible=(3, 10),
    )


@dataclass
class TransitConfig:
    """Allied reception and transit: two brigade-equivalents landed at the ports and moved east
    through capacities (abm/transit.py).

    A brigade-equivalent of about 4,000 personnel and 2,500 pieces (vehicles and containers,
    about 700 of them tracked) moves as six serials; both brigades land at once, ship after
    ship, at Antwerp, Zeebrugge and Ghent. Ships discharge at the ports' military berths;
    serials stage, then their tracked vehicles leave by military train on the paths of the
    Montzen line (or a reroute), their wheeled vehicles by night convoy, and their personnel
    fly in. A serial is delivered when its last train, convoy and barge have crossed the border.
    """

    enabled: bool = param(
        True, doc="Whether allied serials land and move.", valid=FLAG, source=USER_CHOICE
    )
    brigades: int = param(
        2,
        doc="Brigade-equivalents received at once (the enablement plan).",
        unit="count",
        valid=COUNT,
        source="FACTS.md: the enablement plan receives two brigade-equivalents at once",
    )
    serials_per_brigade: int = param(
        6,
        doc="Serials (a ship's load, battalion-sized) per brigade; 2-4 ro-ro ships carried a "
        "brigade in 2018-2022.",
        unit="count",
        valid=COUNT,
        plausible=(4, 8),
    )
    personnel_per_serial: float = param(
        670.0,
        doc="Personnel per serial (4,000 per brigade, 3,300-4,200).",
        unit="persons",
        valid=NON_NEGATIVE,
        source=US_ABCT_ANTWERP,
        plausible=(550, 700),
    )
    vehicles_per_serial: float = param(
        420.0,
        doc="Pieces (vehicles and containers) per serial (2,500 per brigade, 2,100-3,500).",
        unit="pieces",
        valid=NON_NEGATIVE,
        source=US_ABCT_ANTWERP,
        plausible=(350, 580),
    )
    tracked_share: float = param(
        0.28,
        doc="Share of a brigade's pieces that are tracked (87 tanks, 121 Bradleys and about "
        "500 other tracked vehicles of about 2,500 pieces); they ride in the heavy serials.",
        unit="share",
        valid=SHARE,
        source="HLN 2019-01-25 (Kallo); " + US_ABCT_ANTWERP,
        plausible=(0.2, 0.35),
    )
    tonnes_per_piece: float = param(
        7.0,
        doc="Tonnes per piece, for the tonnage delivered.",
        unit="t/piece",
        valid=POSITIVE,
        source="V Corps PAO 2004-01-28 (Antwerp): about 10,000 pieces, 70,000 t",
        plausible=(5, 10),
    )
    ports: dict[str, float] = param(
        doc="Landing regions (ports) with the share of serials landing there (sums to 1).",
        unit="share",
        valid=SHARE,
        alternatives="other ports and splits (not sampled as one number)",
        factory=dict,
    )
    routes: dict[str, list[str]] = param(
        doc="Per landing region, the regions crossed on the way to the border, in order.",
        valid=Rule("regions or provinces of the world"),
        alternatives="other corridors",
        factory=dict,
    )
    first_arrival_hour: float = _transit(
        72.0, "Hour the first ship lands.", "h", NON_NEGATIVE, (24, 168)
    )
    arrival_interval_hours: float = _transit(
        6.0, "Hours between two ships landing at the same port.", "h", NON_NEGATIVE, (3, 12)
    )
    port_berths: dict[str, float] = param(
        doc="Per port, military ro-ro berths working at once (Antwerp left bank 2: AET and "
        "ICO Kallo, both used; Zeebrugge 1; Ghent 1, no military precedent found); a port "
        "not named has 1.",
        unit="berths",
        valid=POSITIVE,
        scale=(0.5, 1.5),
        factory=dict,
    )
    discharge_pieces_per_day: float = param(
        1500.0,
        doc="Pieces one berth discharges per day (1,700 from one ship in a day, Antwerp 2025; "
        "800 in two days, 2018; 1,275 in a day, Vlissingen 2023).",
        unit="pieces/day",
        valid=POSITIVE,
        source="Brussels Times 2025 (Antwerp, 1,700 pieces in a day); RTBF 2018; Trouw 2023",
        plausible=(700, 1700),
    )
    staging_serials: int = param(
        6,
        doc="Serials a port's staging area holds at once, from the start of discharge until "
        "their last train or convoy leaves (the 120,000 m2 temporary military zone of 2019 "
        "held a brigade's 2,500-3,000 pieces); ships wait at anchor when it is full.",
        unit="serials",
        valid=COUNT,
        plausible=(3, 10),
    )
    staging_hours: float = _transit(
        24.0,
        "Hours a serial stages after discharge (marshalling, loading trains) before it moves on.",
        "h",
        NON_NEGATIVE,
        (12, 48),
    )
    heavy_share: float = _transit(
        0.5,
        "Share of serials with heavy (tracked) equipment, which moves by rail only.",
        "share",
        SHARE,
        (0.25, 0.75),
    )
    tracked_per_train: int = param(
        38,
        doc="Tracked vehicles per military train (19 wagons, 2 per wagon).",
        unit="vehicles",
        valid=COUNT,
        source=HLN_2019,
        plausible=(30, 40),
    )
    railhead_trains_per_day: float = param(
        1.67,
        doc="Military trains one port terminal (one per military berth) loads and dispatches a "
        "day: the ramps, wagons and shunting that put the tracked vehicles on trains. Fitted "
        "to one brigade's trains from the Antwerp Euroterminal in 2020: about 20 from 20 "
        "November to 1 December (RailFreight.eu, 30 November 2020), with both ships "
        "discharged (target antwerp_rail_2020); 22 trains in 2018 (HLN, 25 May 2018).",
        unit="trains/day",
        valid=POSITIVE,
        source="fit: antwerp_rail_2020 (RailFreight.eu 2020-11-30)",
        plausible=(1.0, 4.0),
    )
    exceptional_share: float = param(
        0.05,
        doc="Share of the wheeled pieces (after the barges' share) that move as exceptional "
        "transports: engineer plant, bridging, recovery vehicles and other loads above 44 t or "
        "oversize (permits, checked itineraries: SPW, 'Transport exceptionnel'); they need "
        "every heavy_bridge of their route, or a long detour while one is down. The tracked "
        "vehicles go by train (22 trains for one brigade in 2018, HLN 2018-05-25; about 20 in "
        "2020, RailFreight.eu); UK heavy equipment transporters also moved US armour overland "
        "in DEFENDER-Europe 20 (Joint-Forces.com). Assumption.",
        unit="share",
        valid=SHARE,
        plausible=(0.0, 0.15),
    )
    exceptional_per_convoy: int = param(
        10,
        doc="Low-loaders per exceptional-transport convoy (each takes one convoy slot).",
        unit="vehicles",
        valid=COUNT,
        plausible=(5, 20),
    )
    canal_port: str = param(
        "antwerp",
        doc="Landing region whose serials send part of their wheeled pieces and containers by "
        "barge up the Albert Canal (empty: none).",
        valid=Rule("a landing region of transit.ports, or empty"),
        source=IDENTIFIER,
    )
    canal_places: list[str] = param(
        doc="Regions or provinces the Albert Canal crosses from the canal port: every "
        "canal_lock there must work for a barge to leave.",
        valid=Rule("regions or provinces of the world"),
        source="Britannica; De Vlaamse Waterweg: Antwerp - Liège through Antwerp, Limburg, Liège",
        factory=lambda: ["antwerp", "limburg", "liege"],
    )
    barge_share: float = param(
        0.1,
        doc="Share of the canal port's serials' wheeled pieces and containers that go by "
        "barge (US Army 2019 and 2020: onward movement by convoy, rail, line haul and barge; "
        "no tonnage published).",
        unit="share",
        valid=SHARE,
        plausible=(0.05, 0.15),
    )
    pieces_per_barge: float = param(
        40.0,
        doc="Pieces one barge carries (a class Va barge: 20-40 heavy vehicles or 100-200 TEU).",
        unit="pieces",
        valid=POSITIVE,
        plausible=(20, 100),
    )
    barges_per_day: float = param(
        6.0,
        doc="Military barges the canal's locks pass per day, shared by every serial (the Olen "
        "locks pass about 120 ships a day, Gemeente Olen; a locking takes 30-45 min, an "
        "assumption).",
        unit="barges/day",
        valid=NON_NEGATIVE,
        plausible=(2, 12),
    )
    barge_hours: float = param(
        18.0,
        doc="Hours a barge takes from the canal port across the border (Antwerp - Liège in "
        "14-18 h, then the Meuse to the Dutch border).",
        unit="h",
        valid=POSITIVE,
        source="Wikipedia NL 'Albertkanaal': 14 h; liquisearch 'Albert Canal': 18 h",
        plausible=(14, 24),
    )
    rail_paths_per_day: float = _transit(
        6.0,
        "Military train paths per day on the Montzen line, shared by every route (about 90 "
        "trains a day use it and it is 'often overloaded'; the German side is declared "
        "congested by DB Netz).",
        "trains/day",
        NON_NEGATIVE,
        (4, 8),
    )
    reroute_paths_per_day: float = _transit(
        2.0,
        "Military train paths per day on the reroute when a province's Montzen sections are "
        "cut (Liège - Welkenraedt - Aachen takes freight only with strongly limited load and "
        "length; the main reroute runs via the Netherlands).",
        "trains/day",
        NON_NEGATIVE,
        (0, 4),
    )
    reroute_extra_hours: float = param(
        2.0,
        doc="Extra hours of a train on the reroute (Visé - Verviers - Welkenraedt: about 2 h; "
        "via the Netherlands 3-6 h).",
        unit="h",
        valid=NON_NEGATIVE,
        source="La Libre Belgique (Fourons accident): the diversion via Verviers and "
        "Welkenraedt adds two hours",
        plausible=(2, 6),
    )
    ordinary_rail_share: float = _transit(
        0.5,
        "Share of a province's ordinary rail sections that must work for military trains to "
        "cross it on the ordinary network (where there is no Montzen line, and on the "
        "reroute): the network has other lines around one cut section, but not around a "
        "widespread outage.",
        "share",
        SHARE,
        (0.25, 0.75),
    )
    rail_leg_hours: float = _transit(
        6.0, "Hours a train takes to cross one province.", "h", POSITIVE, (4, 12)
    )
    convoy_vehicles: int = param(
        20,
        doc="Vehicles per convoy (march unit).",
        unit="vehicles",
        valid=COUNT,
        source="FHWA App. B and FM 55-30: a march unit usually does not exceed 20 vehicles; "
        "DEF20 Antwerp: 140 convoys for about 3,000 vehicles (Nieuwsblad 2020)",
        plausible=(15, 30),
    )
    convoy_slots_per_hour: float = _transit(
        2.0,
        "Convoys that may leave per hour of the night window on each port's route (10-20 "
        "march units a night per motorway axis).",
        "convoys/h",
        NON_NEGATIVE,
        (1.25, 2.5),
    )
    convoy_window_start: float = param(
        21.0,
        doc="Hour of day from which convoys may leave (DEFENDER-Europe 20, Antwerp).",
        unit="hour of day",
        valid=Bounds(0.0, 24.0, high_open=True),
        source="VRT NWS and Het Nieuwsblad 2020-02-03: moves out of the docks 21:00-05:00",
    )
    convoy_window_end: float = param(
        5.0,
        doc="Hour of day until which convoys may leave.",
        unit="hour of day",
        valid=Bounds(0.0, 24.0, high_open=True),
        source="VRT NWS and Het Nieuwsblad 2020-02-03: moves out of the docks 21:00-05:00",
    )
    start_hour_of_day: float = param(
        0.0,
        doc="Hour of day at the run's hour 0.",
        unit="hour of day",
        valid=Bounds(0.0, 24.0, high_open=True),
        source=STRUCTURE,
    )
    road_leg_hours: float = _transit(
        8.0, "Hours a convoy takes to cross one province.", "h", POSITIVE, (6, 16)
    )
    road_detour_hours: float = _transit(
        2.0,
        "Extra hours for a convoy crossing a province on the ordinary motorways when every "
        "eastern motorway section there is down (two truck accidents on the E313: a 3 h queue).",
        "h",
        NON_NEGATIVE,
        (1, 4),
    )
    exceptional_detour_hours: float = _transit(
        24.0,
        "Extra hours for an exceptional-transport convoy whose route has a heavy bridge down: "
        "a longer itinerary through other structures of the 90-120 t class, checked, permitted "
        "and escorted anew (a permit takes days in peacetime, SPW; in a crisis, the road "
        "authorities' priority). Assumption.",
        "h",
        NON_NEGATIVE,
        (8, 72),
    )
    airfields: dict[str, AirfieldConfig] = field(default_factory=dict)
    persons_per_flight: float = _transit(
        300.0,
        "Personnel per arriving flight (wide-body charter 250-350 seats; a C-17 about 100).",
        "persons",
        POSITIVE,
        (100, 350),
    )
    air_transfer_hours: float = _transit(
        4.0,
        "Hours from landing to joining the equipment at the port's staging area.",
        "h",
        NON_NEGATIVE,
        (2, 8),
    )
    deadline_hour: float = param(
        336.0,
        doc="Hour by which every serial should have crossed the border.",
        unit="h",
        valid=POSITIVE,
        plausible=(168, 336),
    )
    min_support_service: float = _transit(
        0.5,
        "A train or convoy leaves only if every province of its route has at least this "
        "service in energy (fuel, traction power) and telecom (coordination).",
        "service level",
        SHARE,
        (0.3, 0.7),
    )
    support_persons_per_personnel: float = _transit(
        1.0,
        "Extra demand per serial member present in a region on food_water and health "
        "(host-nation support), as persons fed and cared for.",
        "persons/person",
        NON_NEGATIVE,
        (0.5, 2.0),
    )
    sustainment: SustainmentConfig = field(default_factory=SustainmentConfig)


@dataclass
class ResponderConfig:
    """The responders: crisis centre, Defence, security services, strategic communication."""

    alert_service: float = param(
        0.99,
        doc="Crisis centre: national mean service below this, or any successful attack, raises "
        "the crisis level and starts the decision clock.",
        unit="service level",
        valid=SHARE,
        plausible=(0.95, 0.995),
    )
    decision_delay_hours: float = param(
        24.0,
        doc="Hours from the alert to the activation of measures, before attacks on the state "
        "slow it.",
        unit="h",
        valid=POSITIVE,
        plausible=(6, 72),
    )
    delay_per_admin_outage: float = param(
        2.0,
        doc="Extra delay per unit of public administration inoperability (cyber on the "
        "state), as a multiple of the delay.",
        unit="factor",
        valid=NON_NEGATIVE,
        plausible=(1.0, 4.0),
    )
    delay_per_distrust: float = param(
        1.0,
        doc="Extra delay per unit of distrust belief (narratives aimed at officials), as a "
        "multiple of the delay.",
        unit="factor",
        valid=NON_NEGATIVE,
        plausible=(0.5, 2.0),
    )
    guarded_assets: int = param(
        3,
        doc="Defence: assets guarded after activation, most critical corridor and vital "
        "assets first.",
        unit="assets",
        valid=COUNT_OR_ZERO,
        plausible=(0, 10),
    )
    guard_protection: float = param(
        0.9,
        doc="Defence: the protection of a guarded asset (at least).",
        unit="probability",
        valid=SHARE,
        plausible=(0.7, 0.98),
    )
    find_rate_per_hour: float = param(
        0.0003,
        doc="Security services: chance per hour of finding and dismantling an active cell.",
        unit="1/h",
        valid=NON_NEGATIVE,
        plausible=(0.0001, 0.001),
    )
    counter_messaging: float = param(
        0.0,
        doc="Strategic communication: rise of the stifling rate after activation (a lever "
        "adds to it).",
        unit="ratio",
        valid=NON_NEGATIVE,
        plausible=(0.0, 0.5),
    )
    stock_release_share: float = param(
        0.2,
        doc="Crisis centre: most of a shortfall that released food, water or medical stock can "
        "cover, as a share of a region's normal demand per hour (distribution logistics).",
        unit="share of demand",
        valid=NON_NEGATIVE,
        plausible=(0.1, 0.4),
    )
    surge_crews: float = param(
        0.0,
        doc="Civil repair contracts: crews added after activation, relative to standing crews "
        "(a lever adds to it).",
        unit="ratio",
        valid=NON_NEGATIVE,
        plausible=(0.0, 0.5),
    )
