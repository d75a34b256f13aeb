"""Schema of host-nation support: allied troops housed for months, and the NATO and EU
institutions Belgium hosts.

The defence plan gives Defence's main effort three roles: reception, transit and host-nation
support. Troops housed in a region draw food and water, health care, energy (fuel)
and transport from it; in a crisis, the NATO and EU institutions in Brussels and at SHAPE
(Casteau, near Mons) are reinforced and draw more. Both are expressed in *resident-equivalents*:
how many residents' normal daily demand one soldier (or one extra person at an institution)
adds to the sector, so that they add to the region's demand in its own units (share of its
normal demand; :func:`abm.needs.demand`).

Conversions (per housed soldier per day, against a resident's normal draw):

- food_water: need-weighted mean of food and drinking water, with the weights of the
  food_water sub-services (``sectors.subservices``; 0.5 each by default). Food: a ration cycle
  of three meals a day (two hot meals and one MRE: US Army QM5204; ATP 4-90) against a
  resident's three meals, times ``food_per_soldier`` for physically active adults. The 3 kg a
  day of rations *as shipped* (ATP 4-90 module weights) counts packaging and is not compared
  with a resident's intake. Water: ``water_litres_per_soldier_day`` (US Army water planning
  factor) against ``resident_water_litres_per_day`` (all public supply per inhabitant, the
  normal demand of the drinking-water service).
- health: outpatient contacts per soldier per day against a resident's doctor consultations
  per year / 365.
- energy: fuel litres per soldier per day x the energy per litre of diesel, against a
  resident's share of final energy consumption per day.
- transport: an assumption in resident-equivalents (buses to training areas, supply runs).

The institutions' staff live and work in Belgium and are part of the regions' normal demand;
what is added is the *surge*: ``institution_surge`` extra persons per staff member (staff
reinforced, liaison officers, national delegations on crisis footing) while the model says
there is a crisis, each drawing like a resident on ``institution_sectors``.
"""

from __future__ import annotations

from dataclasses import dataclass

from abm.config.declare import NON_NEGATIVE, POSITIVE, STRUCTURE, Rule, param
from abm.config.world import SECTOR

QM4923 = (
    "US Army Quartermaster course QM4923, Table 1-1 (water planning factors): 6.5 US gal "
    "(24.6 L) per person per day sustaining, temperate climate"
)
FPB_WATER = (
    "Federal Planning Bureau, indicators.be, Water consumption: 59,478 L per person in 2017 "
    "from the public supply (homes, businesses, public buildings) = 163 L a day"
)
OECD_CONSULTATIONS = (
    "OECD Health at a Glance 2023, doctor consultations per person: Belgium 6.7 in 2021 "
    "(reported by neuron.be)"
)
EUROSTAT_ENERGY = (
    "Eurostat via Trends/Le Vif (2019): Belgium's final energy consumption 36.0 Mtoe in 2017; "
    "/ 11.4 M inhabitants x 11.63 MWh/toe / 365 = 101 kWh per resident per day"
)
DIESEL = "lower heating value of diesel fuel, about 36 MJ/L = 10 kWh/L (physical property)"
NATO_HQ = "NATO, 'NATO Headquarters': roughly 4,000 people work at NATO Headquarters full-time"
SHAPE = (
    "SHAPE, 'SHAPE community': about 1,100 International Staff + 550 National Military "
    "Representatives + 500 NCI Agency/NAEW&CF/other + 700 locally employed civilians = 2,850"
)
SURGE_SECTORS = ("food_water", "health", "energy", "telecom", "transport")


@dataclass
class HostNationConfig:
    """Host-nation support: troops housed for months and the NATO and EU institutions (see the
    module docstring for the conversion to resident-equivalents)."""

    water_litres_per_soldier_day: float = param(
        25.0,
        doc="Drinking water a housed soldier draws per day. The field planning factor; "
        "barracks with showers and laundry draw up to a resident's household use "
        "(96-100 L a day, Brussels Environment 2014; Belgaqua).",
        unit="L/(person day)",
        valid=NON_NEGATIVE,
        source=QM4923,
    )
    resident_water_litres_per_day: float = param(
        163.0,
        doc="Public water supply per inhabitant per day (homes, businesses and public "
        "buildings): the normal demand of a region's drinking-water service per resident.",
        unit="L/(person day)",
        valid=POSITIVE,
        source=FPB_WATER,
    )
    food_per_soldier: float = param(
        1.0,
        doc="Food a housed soldier draws from the host region, in residents' daily food: three "
        "meals a day like a resident (ration cycle of three meals, US Army QM5204), up to half "
        "as much again for physically active adults. Assumption.",
        unit="resident-equivalents",
        valid=NON_NEGATIVE,
        plausible=(1.0, 1.5),
    )
    health_contacts_per_soldier_day: float = param(
        0.02,
        doc="Outpatient contacts per housed soldier per day (1 to 3 per 100 soldiers a day; "
        "no published garrison rate). Assumption.",
        unit="contacts/(person day)",
        valid=NON_NEGATIVE,
        plausible=(0.01, 0.03),
    )
    resident_health_contacts_per_year: float = param(
        6.7,
        doc="Doctor consultations per resident per year: a resident's normal draw on health.",
        unit="contacts/(person year)",
        valid=POSITIVE,
        source=OECD_CONSULTATIONS,
    )
    fuel_litres_per_soldier_day: float = param(
        15.0,
        doc="Fuel a housed unit draws per soldier per day in garrison (vehicle moves to "
        "training areas, generators, heating); no published garrison figure, far below the "
        "about 125 L a day of a division in combat (1991). Assumption.",
        unit="L/(person day)",
        valid=NON_NEGATIVE,
        plausible=(10.0, 20.0),
    )
    fuel_kwh_per_litre: float = param(
        10.0,
        doc="Energy per litre of fuel (diesel).",
        unit="kWh/L",
        valid=POSITIVE,
        source=DIESEL,
    )
    resident_energy_kwh_per_day: float = param(
        101.0,
        doc="Final energy consumption per resident per day (households, industry, services, "
        "transport): a resident's normal draw on energy.",
        unit="kWh/(person day)",
        valid=POSITIVE,
        source=EUROSTAT_ENERGY,
    )
    transport_per_soldier: float = param(
        1.0,
        doc="Transport a housed soldier draws (buses to training areas, supply runs), in "
        "residents' daily transport. Assumption.",
        unit="resident-equivalents",
        valid=NON_NEGATIVE,
        plausible=(0.5, 2.0),
    )
    nato_hq_staff: float = param(
        4000.0,
        doc="Staff of NATO Headquarters (Brussels).",
        unit="persons",
        valid=NON_NEGATIVE,
        source=NATO_HQ,
    )
    nato_hq_place: str = param(
        "brussels",
        doc="Region of NATO Headquarters.",
        valid=Rule("a region or province"),
        source="NATO Headquarters, Boulevard Léopold III, Brussels",
    )
    eu_institutions_staff: float = param(
        40000.0,
        doc="Staff of the EU institutions in Brussels: about 21,300 of the Commission's 32,000 "
        "(66.2% in Brussels, europa.eu), about 7,500 at the Parliament's secretariat and "
        "groups, about 3,500 at the Council, plus the EEAS and agencies. Assumption.",
        unit="persons",
        valid=NON_NEGATIVE,
        plausible=(35000.0, 45000.0),
    )
    eu_institutions_place: str = param(
        "brussels",
        doc="Region of the EU institutions.",
        valid=Rule("a region or province"),
        source="europa.eu: EU administration - staff, languages and location",
    )
    shape_staff: float = param(
        2850.0,
        doc="Staff of SHAPE (Casteau, Mons); the community with families is over 6,000 (SHAPE) "
        "to 10,000-15,000 (Walloon Government, 2017).",
        unit="persons",
        valid=NON_NEGATIVE,
        source=SHAPE,
    )
    shape_place: str = param(
        "hainaut",
        doc="Region of SHAPE.",
        valid=Rule("a region or province"),
        source="SHAPE, Casteau (Mons), Hainaut",
    )
    institution_surge: float = param(
        0.25,
        doc="Extra persons per staff member of the institutions while there is a crisis "
        "(staff reinforced, liaison officers, delegations on crisis footing), each drawing like "
        "a resident on institution_sectors; normal staff are already in normal demand. "
        "Assumption (0: no surge).",
        unit="persons/person",
        valid=NON_NEGATIVE,
        plausible=(0.1, 0.5),
    )
    institution_sectors: list[str] = param(
        doc="Sectors the institutions' surge draws on, like residents.",
        valid=SECTOR,
        source=STRUCTURE,
        alternatives="other sets of sectors",
        factory=lambda: list(SURGE_SECTORS),
    )
