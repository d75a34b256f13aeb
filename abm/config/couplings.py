"""Schema of the couplings: mechanisms through which a synchronised campaign is more than the
sum of its parts.

Each coupling is a named mechanism with a switch (``enabled``) and a strength; switching one
off (``couplings=without_<name>``) or all of them (``couplings=none``) on common random numbers
measures what it contributes to the campaign's synergy (:func:`analysis.compare.synergy`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from abm.config.declare import FLAG, IDENTIFIER, NON_NEGATIVE, POSITIVE, STRUCTURE, param

#: Whether the coupling acts at all (the synergy experiment switches each off in turn).
SWITCH = "Whether the coupling acts (false: the mechanism is switched off)."


def _switch() -> bool:
    return param(True, doc=SWITCH, valid=FLAG, source=STRUCTURE, alternatives="true or false")


@dataclass
class HardshipAcceptanceConfig:
    """Unmet need and visible outages raise narrative acceptance (rumours thrive where
    people are short of what they need and cannot see why).

    The direction is documented: anxious people pass rumours on more eagerly (Walker &
    Beckerle 1987, J. Soc. Behav. Pers.; Rosnow 1980), and belief drives transmission most for
    high-anxiety rumours (Pezzo & Beckstead 2006, Basic Appl. Soc. Psychol. 28:91-100); its
    strength is an assumption. Applied in :meth:`abm.population.PopulationLayer.acceptance`.
    """

    enabled: bool = _switch()
    strength: float = param(
        2.0,
        doc="Acceptance of a narrative is multiplied by 1 + strength x the group's hardship "
        "(its recent unmet-need fraction, 0 to 1) or its region's visible outage (mean "
        "inoperability of energy, food_water and telecom), whichever is larger (capped at 1).",
        unit="factor per unit hardship",
        valid=NON_NEGATIVE,
        plausible=(0.5, 4.0),
    )


@dataclass
class CyberSlowsRepairConfig:
    """Cyber attacks on telecom and control systems slow detection and repair: crews cannot
    be coordinated without telecom, and an operator with an intruder in its control systems
    isolates them and works by hand.

    In the December 2015 attack on three Ukrainian distribution operators the attackers
    corrupted the firmware of substations' serial-to-Ethernet devices and scheduled the
    outage of the control centres' backup power, which ICS-CERT assessed as "an attempt to
    interfere with expected restoration efforts", and flooded the call centres with calls so
    that customers could not report outages (ICS-CERT alert, reported by IBTimes UK, 2016;
    SANS ICS analysis, reported by Reuters, January 2016); power came back only by manual
    operation, after up to six hours. How much slower a repair is has no published figure:
    the strength is an assumption.
    """

    enabled: bool = _switch()
    strength: float = param(
        1.0,
        doc="Work on a repair goes 1 + strength x x times slower, where x is the share of the "
        "asset's region's telecom capacity whose operator has an intruder inside, or 1 while "
        "the asset's own operator has one (manual operation: half the pace at the default); "
        "the security services' find rate is divided by the population-weighted national mean "
        "of 1 + strength x that telecom share. Telecom outages from lost power or damage do not "
        "count. Assumption (no published figure; see the class).",
        unit="factor per unit outage",
        valid=NON_NEGATIVE,
        plausible=(0.25, 2.0),
    )


@dataclass
class ResponderLoadConfig:
    """Simultaneous incidents load the crisis centre and responders: decisions slow down.

    The same crisis cell, liaison officers and meeting slots work through every incident, so
    each incident beyond the first takes a share of the attention the decision on measures
    needs. Observations of 50 disaster exercises rank "response-generated demands" and
    decision-making under uncertainty among the most challenging parts of incident planning
    (Karagiannis and Synolakis 2017, Journal of Homeland Security and Emergency Management
    14(2)); no published figure says by how much decisions slow, so the strength is an
    assumption: 1 would be one team serving incidents strictly in turn (a decision takes n
    times as long with n incidents), 0 fully separate teams per incident.
    """

    enabled: bool = _switch()
    strength: float = param(
        0.25,
        doc="The crisis centre's decision work per hour is divided by 1 + strength x (incidents "
        "in the last window_hours - 1), an incident being a successful attack (of a cell or "
        "its recruits, in any dimension) or a scripted shock, hazard or drone incursion. "
        "Assumption: between separate teams per incident (0) and one team serving them in "
        "turn (1).",
        unit="factor per extra incident",
        valid=NON_NEGATIVE,
        plausible=(0.1, 0.5),
    )
    window_hours: float = param(
        24.0,
        doc="Hours over which incidents count as simultaneous (assumption: a day of the crisis "
        "cell's work).",
        unit="h",
        valid=POSITIVE,
        plausible=(12.0, 72.0),
    )


@dataclass
class LocalRecruitsConfig:
    """Cells recruit local proxies from groups whose trust has fallen, so a campaign that
    erodes trust grows its own capacity for sabotage (the defence plan names the use of local
    recruits for terrorist or sabotage activity).

    European services describe Russian sabotage since 2022 as done by "disposable" agents
    recruited online (Telegram), paid small sums, often without knowing whom they work for;
    RUSI counts three times as many such incidents in Europe in 2024 as in 2023 (reported by
    The Times and The Guardian, January 2026). The Czech BIS (annual report for 2024, reported
    by LIGA.net) finds recruits mostly among the economically vulnerable and names "undermining
    public trust in the state's ability to protect its citizens" among the aims. That lost
    trust makes recruiting easier is the mechanism assumed here; its strength has no source.
    Recruits act when their cell acts (its tempo and windows), with its skill, and are
    cut-outs: they do not expose the cell.
    """

    enabled: bool = _switch()
    strength: float = param(
        20.0,
        doc="Action points per day an active cell able to sabotage gains per unit of trust lost "
        "in its regions (population-weighted initial trust minus trust now), spent by its "
        "recruits on sabotage (one action costs adversary.action_costs.sabotage). Assumption: "
        "a fall of trust by 0.1 gives 2 points a day, about tripling a saboteur cell's tempo "
        "of 1 action a day, the order of the threefold rise RUSI counts from 2023 to 2024.",
        unit="action points per day per unit trust",
        valid=NON_NEGATIVE,
        plausible=(5.0, 60.0),
    )


@dataclass
class CouplingsConfig:
    """The couplings of a hybrid campaign (configs/couplings/: all, none, without_<name>)."""

    name: str = param("all", doc="The option's name.", source=IDENTIFIER)
    hardship_acceptance: HardshipAcceptanceConfig = field(default_factory=HardshipAcceptanceConfig)
    cyber_slows_repair: CyberSlowsRepairConfig = field(default_factory=CyberSlowsRepairConfig)
    responder_load: ResponderLoadConfig = field(default_factory=ResponderLoadConfig)
    local_recruits: LocalRecruitsConfig = field(default_factory=LocalRecruitsConfig)


#: The couplings' names, in the order reports list them.
COUPLINGS: tuple[str, ...] = (
    "hardship_acceptance",
    "cyber_slows_repair",
    "responder_load",
    "local_recruits",
)
