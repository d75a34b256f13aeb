"""Mitigation levers: each changes one mechanism of the model from its start hour on.

A lever never draws random numbers and never touches anything before it starts, so an arm
whose levers start on day 30 is identical to ``none`` until day 30 (common random numbers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from abm.config import LeverConfig, MitigationConfig
from abm.sectors import SECTOR_INDEX, SECTORS

if TYPE_CHECKING:
    from abm.model import HybridThreatModel

LEVER_KINDS = (
    "hardening",
    "backup_power",
    "cyber_hygiene",
    "repair_capacity",
    "household_stockpiles",
    "strategic_stockpiles",
    "prebunking",
    "territorial_reserve",
    "intelligence",
    "strategic_communication",
    "legal_framework",
    "civil_contracts",
)


def package_cost(mitigation: MitigationConfig) -> float:
    """A package costs the sum of its levers (Hydra merging cannot add; code does)."""
    return float(sum(lever.cost_meur for lever in mitigation.levers.values()))


def package_cost_range(mitigation: MitigationConfig) -> tuple[float, float]:
    """Low and high cost of a package; a lever without bounds counts at its point cost."""
    low = sum(
        lv.cost_meur if lv.cost_low_meur is None else lv.cost_low_meur
        for lv in mitigation.levers.values()
    )
    high = sum(
        lv.cost_meur if lv.cost_high_meur is None else lv.cost_high_meur
        for lv in mitigation.levers.values()
    )
    return float(low), float(high)


def _type_mask(model: HybridThreatModel, lever: LeverConfig) -> np.ndarray:
    w = model.world
    if not lever.targets:
        return np.ones(w.n_assets, dtype=bool)
    return np.isin(w.asset_type, [w.type_names.index(t) for t in lever.targets])


def _sector_mask(lever: LeverConfig) -> np.ndarray:
    if not lever.targets:
        return np.ones(len(SECTORS), dtype=bool)
    return np.isin(np.arange(len(SECTORS)), [SECTOR_INDEX[s] for s in lever.targets])


def apply_lever(model: HybridThreatModel, lever: LeverConfig) -> None:
    """Change the model's arrays as the lever prescribes, from now on."""
    w = model.world
    if lever.kind == "hardening":
        m = _type_mask(model, lever)
        model.protection[m] += lever.strength * (1.0 - model.protection[m])
    elif lever.kind == "backup_power":
        power = w.resource_names.index("power")
        needs = (w.need_resource == power) & _type_mask(model, lever)[w.need_asset]
        model.backup_capacity[needs] += lever.strength
        model.assets.backup_left[needs] += lever.strength
    elif lever.kind == "cyber_hygiene":
        ops = _sector_mask(lever)[w.operators.sector]
        model.cyber_maturity[ops] += lever.strength * (1.0 - model.cyber_maturity[ops])
    elif lever.kind == "repair_capacity":
        ops = _sector_mask(lever)[w.operators.sector]
        standing = model.crews[ops] - model.surge_added[ops]  # surge crews are not multiplied
        model.crews[ops] = (
            np.ceil(standing * (1.0 + lever.strength)).astype(np.int64) + model.surge_added[ops]
        )
        model.response_hours[ops] /= 1.0 + lever.strength
    elif lever.kind == "household_stockpiles":
        people = model.people
        sectors = _sector_mask(lever)
        people.groups.stock_capacity[:, sectors] += lever.strength
        people.state.stocks[:, sectors] += lever.strength
    elif lever.kind == "strategic_stockpiles":
        model.stockpile[_sector_mask(lever)] += lever.strength  # the crisis centre releases it
    elif lever.kind == "territorial_reserve":
        model.guard_capacity += round(lever.strength)
    elif lever.kind == "intelligence":
        model.find_rate += lever.strength
    elif lever.kind == "strategic_communication":
        model.counter_messaging += lever.strength
    elif lever.kind == "legal_framework":
        model.delay_factor *= 1.0 - lever.strength
    elif lever.kind == "civil_contracts":
        model.surge_share += lever.strength
    elif lever.kind == "prebunking":
        people = model.people
        cohorts = people.groups.cohort_names
        targets = lever.targets or list(cohorts)
        mask = np.isin(people.groups.cohort, [cohorts.index(c) for c in targets])
        people.add_prebunking(mask, lever.strength, lever.decay_days, lever.reach, model.hour)
    else:  # validation refuses unknown kinds before a run starts
        raise ValueError(f"unknown lever kind {lever.kind!r}")
