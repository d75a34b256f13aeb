"""The lever registry: every kind of mitigation lever, declared once.

An entry says what the lever acts on, what its ``strength`` means, in which unit and range, what
its ``targets`` name, which extra fields it reads, and the function that applies it. Validation
(:mod:`abm.validation`), the parameter table of ``docs/ODD.md`` (:mod:`abm.parameters`) and the
dashboard's lever list read this registry. Adding a lever is one entry here plus one YAML file,
``configs/mitigation/<kind>.yaml``, a package of that one lever (a test checks both exist).

A lever sets amounts and capacities in the run's state (:mod:`abm.state`) from its start hour;
responders decide when to use what needs a decision. A lever never draws random numbers and
never touches anything before it starts, so an arm whose levers start on day 30 is identical to
``none`` until day 30 (common random numbers). Every lever has the cost fields ``cost_meur``,
``cost_low_meur`` and ``cost_high_meur`` (million euro; a package costs the sum of its levers).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from abm.config import LeverConfig
from abm.state import AssetState, OperatorState, ResponseState
from abm.vocabulary import SECTOR_INDEX, SECTORS
from abm.world import World

if TYPE_CHECKING:
    from abm.population import PopulationLayer


class LeverTarget(Protocol):
    """What a lever may change: the run's state, read against its world, at an hour."""

    world: World
    assets: AssetState
    operators: OperatorState
    responses: ResponseState
    people: PopulationLayer
    hour: float


@dataclass(frozen=True)
class Range:
    """The values a lever's strength may take: ``[low, high]``, or ``[low, high)``."""

    low: float = 0.0
    high: float = math.inf
    high_open: bool = False

    def allows(self, value: float) -> bool:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if not math.isfinite(value) or value < self.low:
            return False
        return value < self.high if self.high_open else value <= self.high

    def __str__(self) -> str:
        if math.isinf(self.high):
            return f">= {self.low:g}"
        return f"[{self.low:g}, {self.high:g}{')' if self.high_open else ']'}"


#: What a lever's ``targets`` list names: asset types, sectors (of assets' operators or of
#: stocks), or population cohorts; None: the lever takes no targets.
TARGET_KINDS = ("asset_types", "sectors", "cohorts")


@dataclass(frozen=True)
class Lever:
    """One kind of lever: its meaning, its strength's unit and range, and how it applies."""

    kind: str
    #: The mechanism it changes, in a few words (the README's and dashboard's "acts on").
    acts_on: str
    #: What ``strength`` means.
    strength: str
    unit: str
    range: Range
    #: What ``targets`` names (one of TARGET_KINDS), or None.
    targets: str | None
    apply: Callable[[LeverTarget, LeverConfig], None]
    #: Fields of LeverConfig that only this lever reads.
    fields: tuple[str, ...] = ()


def type_mask(world: World, targets: list[str]) -> np.ndarray:
    """Assets of the target types (every asset if none is named)."""
    if not targets:
        return np.ones(world.n_assets, dtype=bool)
    return np.isin(world.asset_type, [world.type_names.index(t) for t in targets])


def sector_mask(targets: list[str]) -> np.ndarray:
    """The target sectors (every sector if none is named)."""
    if not targets:
        return np.ones(len(SECTORS), dtype=bool)
    return np.isin(np.arange(len(SECTORS)), [SECTOR_INDEX[s] for s in targets])


def _hardening(m: LeverTarget, lever: LeverConfig) -> None:
    p, mask = m.assets.protection, type_mask(m.world, lever.targets)
    p[mask] += lever.strength * (1.0 - p[mask])


def _backup_power(m: LeverTarget, lever: LeverConfig) -> None:
    w = m.world
    power = w.resource_names.index("power")
    needs = (w.need_resource == power) & type_mask(w, lever.targets)[w.need_asset]
    m.assets.backup_capacity[needs] += lever.strength
    m.assets.backup_left[needs] += lever.strength


def _cyber_hygiene(m: LeverTarget, lever: LeverConfig) -> None:
    ops = sector_mask(lever.targets)[m.world.operators.sector]
    maturity = m.operators.cyber_maturity
    maturity[ops] += lever.strength * (1.0 - maturity[ops])


def _repair_capacity(m: LeverTarget, lever: LeverConfig) -> None:
    o = m.operators
    ops = sector_mask(lever.targets)[m.world.operators.sector]
    standing = o.crews[ops] - o.surge_crews[ops]  # surge crews are not multiplied
    o.crews[ops] = np.ceil(standing * (1.0 + lever.strength)).astype(np.int64) + o.surge_crews[ops]
    o.response_hours[ops] /= 1.0 + lever.strength


def _household_stockpiles(m: LeverTarget, lever: LeverConfig) -> None:
    m.people.add_stocks(sector_mask(lever.targets), lever.strength)


def _strategic_stockpiles(m: LeverTarget, lever: LeverConfig) -> None:
    m.responses.stockpile[sector_mask(lever.targets)] += lever.strength


def _prebunking(m: LeverTarget, lever: LeverConfig) -> None:
    g = m.people.groups
    targets = lever.targets or list(g.cohort_names)
    mask = np.isin(g.cohort, [g.cohort_names.index(c) for c in targets])
    m.people.add_prebunking(mask, lever.strength, lever.decay_days, lever.reach, m.hour)


def _territorial_reserve(m: LeverTarget, lever: LeverConfig) -> None:
    m.responses.guard_capacity += round(lever.strength)


def _intelligence(m: LeverTarget, lever: LeverConfig) -> None:
    m.responses.find_rate += lever.strength


def _strategic_communication(m: LeverTarget, lever: LeverConfig) -> None:
    m.responses.counter_messaging += lever.strength


def _legal_framework(m: LeverTarget, lever: LeverConfig) -> None:
    m.responses.delay_factor *= 1.0 - lever.strength


def _civil_contracts(m: LeverTarget, lever: LeverConfig) -> None:
    m.responses.surge_share += lever.strength


SHARE = Range(0.0, 1.0)
AMOUNT = Range()

#: Every lever kind, in the order of the README's table.
LEVERS: dict[str, Lever] = {
    lever.kind: lever
    for lever in (
        Lever(
            "hardening",
            "sabotage success",
            "share of the gap to full protection closed",
            "share",
            SHARE,
            "asset_types",
            _hardening,
        ),
        Lever(
            "backup_power",
            "the power cascade",
            "hours of backup added to the power needs of the target types",
            "h",
            AMOUNT,
            "asset_types",
            _backup_power,
        ),
        Lever(
            "cyber_hygiene",
            "intrusion success and spread",
            "share of the gap to full cyber maturity closed, operators of the target sectors",
            "share",
            SHARE,
            "sectors",
            _cyber_hygiene,
        ),
        Lever(
            "repair_capacity",
            "repair",
            "relative increase of standing crews; response times shrink by the same factor",
            "ratio",
            AMOUNT,
            "sectors",
            _repair_capacity,
        ),
        Lever(
            "household_stockpiles",
            "unmet need",
            "hours of household autonomy added in the target sectors",
            "h",
            AMOUNT,
            "sectors",
            _household_stockpiles,
        ),
        Lever(
            "strategic_stockpiles",
            "shortages",
            "stock the crisis centre releases at activation, as spare capacity in the target "
            "sectors (a share of demand)",
            "share of demand",
            AMOUNT,
            "sectors",
            _strategic_stockpiles,
        ),
        Lever(
            "prebunking",
            "narrative acceptance",
            "effect size d on the credibility of misinformation at its start (reach: share of "
            "each target group reached; decay_days: days over which d decays by a factor e)",
            "Cohen's d",
            AMOUNT,
            "cohorts",
            _prebunking,
            fields=("reach", "decay_days"),
        ),
        Lever(
            "territorial_reserve",
            "sabotage success, transit delay",
            "assets guarded, added to Defence's own",
            "assets",
            AMOUNT,
            None,
            _territorial_reserve,
        ),
        Lever(
            "intelligence",
            "cells' survival",
            "chance per hour of finding each active cell, added to the security services' own",
            "1/h",
            AMOUNT,
            None,
            _intelligence,
        ),
        Lever(
            "strategic_communication",
            "narrative reach",
            "increase of the narratives' stifling rate after activation (0.5: 50% faster)",
            "ratio",
            AMOUNT,
            None,
            _strategic_communication,
        ),
        Lever(
            "legal_framework",
            "time to act",
            "share of the decision delay removed",
            "share",
            Range(0.0, 1.0, high_open=True),
            None,
            _legal_framework,
        ),
        Lever(
            "civil_contracts",
            "repair",
            "surge crews after activation, relative to standing crews (they add to standing "
            "crews, including those repair_capacity adds)",
            "ratio",
            AMOUNT,
            None,
            _civil_contracts,
        ),
    )
}

#: The closed set of lever kinds.
LEVER_KINDS: tuple[str, ...] = tuple(LEVERS)


def apply_lever(model: LeverTarget, lever: LeverConfig) -> None:
    """Change the run's state as the lever prescribes, from now on."""
    LEVERS[lever.kind].apply(model, lever)
