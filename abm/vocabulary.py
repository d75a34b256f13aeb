"""Every closed set of names the model knows, in one place.

Configs, validation, agents, results and documentation all read their names from here, so a
name is added or renamed once. The order of each tuple is fixed where it is an array axis
(sectors, actions, behaviours) or a column order. Lever kinds are the keys of the lever
registry (:data:`abm.levers.LEVERS`), which declares each lever with its meaning and range.
"""

from __future__ import annotations

from abm.sectors import SECTOR_INDEX, SECTORS

#: Adversary action types: the ``n_<action>`` columns and the action axis of campaign arrays.
ACTIONS: tuple[str, ...] = ("sabotage", "cyber", "disinformation")

#: How a cell picks targets: uniformly, or weighted by criticality x vulnerability.
STRATEGIES: tuple[str, ...] = ("random", "weighted")

#: Behaviours a narrative can push (the behaviour axis of the population layer).
BEHAVIOURS: tuple[str, ...] = ("panic_buying", "bank_run", "fear", "distrust")

#: Kinds of scripted shock: assets of a type damaged; every power supplier of a region damaged
#: (grid_loss) or tripped and re-energised (grid_trip); assets of a type hit by a cyber effect
#: or by ransomware.
SHOCK_KINDS: tuple[str, ...] = ("damage", "grid_loss", "grid_trip", "cyber", "ransomware")

#: How a cyber intrusion's effect plays out on an asset type: a full outage until the systems
#: are restored; a full outage for a switch-over time, then manual operation at part capacity;
#: or degraded operation at part capacity from the start.
CYBER_MODES: tuple[str, ...] = ("outage", "manual", "degrade")

#: Areas an operator family covers: one per country, federated region or province.
AREA_KINDS: tuple[str, ...] = ("belgium", "federated_region", "province")

#: Where consumers of a resource find their suppliers.
RESOURCE_SCOPES: tuple[str, ...] = ("region", "province", "national")

#: Kinds of row in ``events.parquet``.
EVENT_KINDS: tuple[str, ...] = (
    "shock",
    "failure",
    "restored",
    "repair_start",
    "repaired",
    "narrative_seeded",
    "compromised",
    "intrusion",
    "tripped",
    "cell_dismantled",
    "mitigation_start",
    "crisis_alert",
    "measures_activated",
    "guards_posted",
    "attack",
    "hazard",
    "phase",
    "drone_closure",
    "personnel_landed",
    "train_departed",
    "train_crossed",
    "convoy_departed",
    "convoy_crossed",
    "serial_delivered",
    "sustainment_departed",
    "barge_departed",
    "barge_crossed",
    # a table-top exercise's (abm/exercise.py)
    "crisis_phase",
    "decision",
    "inject",
)

#: The phases of a step, in the order :meth:`abm.model.HybridThreatModel.step` runs them (a
#: test checks; the benchmark times each).
PHASES: tuple[str, ...] = (
    "scenario_events",
    "adversary_actions",
    "asset_failures_and_cascade",
    "repairs",
    "sector_service",
    "population",
    "responders",
    "allied_transit",
    "record",
)

#: Per-region series of ``timeseries.parquet`` beside the sector service.
REGION_SERIES: tuple[str, ...] = ("population", "displaced_in", "trust", "belief")

#: National series of ``timeseries.parquet``: one value per recorded time, repeated on every
#: row of that time (so any region or sector filter keeps them). The allied movement so far:
#: serials delivered (count) and tonnes of their equipment across the German border (the last
#: value is the summary's ``transit_tonnes_delivered``); NaN when the transit is off.
NATIONAL_SERIES: tuple[str, ...] = ("transit_serials_delivered", "transit_tonnes_delivered")

#: Methods of global sensitivity analysis (``experiments.sensitivity method=...``).
SENSITIVITY_METHODS: tuple[str, ...] = ("sobol", "morris")

#: Outcomes whose sensitivity is analysed, all columns of ``summary.parquet`` (a design row's
#: outcome is the mean over its replicates).
SENSITIVITY_OUTCOMES: tuple[str, ...] = (
    "total_loss",
    *(f"loss_{s}" for s in SECTORS),
    "unmet_need_person_hours",
    "transit_mean_delay_h",
)

#: Outcomes recorded for every package the search over packages evaluates
#: (``experiments.optimize``); its objectives are among them.
SEARCH_OUTCOMES: tuple[str, ...] = (
    "total_loss",
    "mitigation_cost_meur",
    "transit_mean_delay_h",
    "unmet_need_person_hours",
    "transit_completed_fraction",
    "min_trust",
)

__all__ = [
    "ACTIONS",
    "AREA_KINDS",
    "BEHAVIOURS",
    "CYBER_MODES",
    "EVENT_KINDS",
    "PHASES",
    "REGION_SERIES",
    "RESOURCE_SCOPES",
    "SEARCH_OUTCOMES",
    "SECTORS",
    "SECTOR_INDEX",
    "SENSITIVITY_METHODS",
    "SENSITIVITY_OUTCOMES",
    "SHOCK_KINDS",
    "STRATEGIES",
]
