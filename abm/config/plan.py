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


@dataclass
class TransitConfig:
    """Allied reception and transit: two brigade-equivalents landed at the ports and moved east.

    Assumptions: a brigade-equivalent of about 5,000 personnel and 1,500 vehicles moves as six
    battalion-sized serials; both brigades land at once, over a day and a half, at Antwerp,
    Zeebrugge and Ghent; each serial stages for a day, then crosses the provinces of its route
    to the eastern border, one province per leg.
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
        6, doc="Battalion-sized serials per brigade.", unit="count", valid=COUNT, plausible=(4, 8)
    )
    personnel_per_serial: float = _transit(
        830.0, "Personnel per serial.", "persons", NON_NEGATIVE, (600, 1000)
    )
    vehicles_per_serial: float = _transit(
        250.0, "Vehicles per serial.", "vehicles", NON_NEGATIVE, (150, 350)
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
        72.0, "Hour the first serial lands.", "h", NON_NEGATIVE, (24, 168)
    )
    arrival_interval_hours: float = _transit(
        6.0, "Hours between two serials landing at the same port.", "h", NON_NEGATIVE, (3, 12)
    )
    staging_hours: float = _transit(
        24.0, "Hours a serial stages after landing.", "h", NON_NEGATIVE, (12, 48)
    )
    heavy_share: float = _transit(
        0.5,
        "Share of serials with heavy (tracked) equipment, which move by rail only.",
        "share",
        SHARE,
        (0.25, 0.75),
    )
    rail_leg_hours: float = _transit(
        6.0, "Hours to cross one region by rail.", "h", POSITIVE, (4, 12)
    )
    road_leg_hours: float = _transit(
        8.0, "Hours to cross one region by road.", "h", POSITIVE, (6, 16)
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
        "A region is passable only with at least this service in energy (fuel, traction "
        "power) and telecom (coordination).",
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
