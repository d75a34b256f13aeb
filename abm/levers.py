"""The lever registry: every kind of mitigation lever, declared once.

An entry says what the lever acts on, what its ``strength`` means, in which unit and range, what
its ``targets`` name, which extra fields it reads, and the function that applies it. Validation
(:mod:`abm.validation`), the parameter table of ``docs/ODD.md`` (:mod:`abm.parameters`) and the
dashboard's lever list read this registry. Adding a lever is one entry here plus one YAML file,
``configs/mitigation/<kind>.yaml``, a package of that one lever (a test checks both exist).

A lever sets amounts and capacities in the run's state (:mod:`abm.state`) from its start hour;
responders decide when to use what needs a decision. A lever never draws random numbers and
never touches anything before it starts, so an arm whose levers start on day 30 is identical to
``none`` until day 30 (common random numbers). Every lever states its cost's basis (a one-off
investment over a lifetime, a yearly running cost, each with bounds; :mod:`abm.mitigation`
annualises them) and a plausible range of its strength (``strength_low``, ``strength_high``).

A lever that avoids no loss may simply never have been used: stock nobody needed, crews that
were never the bottleneck. Each entry therefore has an engagement test, ``engaged(model,
lever)``, saying whether the lever's mechanism made a difference to the run's mechanics in this
replicate (not whether the outcome improved), and says in one sentence when it does
(``engaged_when``). :func:`engagement` gives the ``engaged_<kind>`` columns of the summary. The
tests read what the run drew on, which the state records as it goes (the usage fields of
:mod:`abm.state`), and the attack events.
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
    from abm.config import RunConfig
    from abm.population import PopulationLayer


class LeverTarget(Protocol):
    """What a lever may change: the run's state, read against its world, at an hour."""

    world: World
    assets: AssetState
    operators: OperatorState
    responses: ResponseState
    people: PopulationLayer
    hour: float


class DecisionView(Protocol):
    """The crisis centre as engagement tests read it."""

    @property
    def activation_hour(self) -> float | None: ...

    @property
    def unaided_activation_hour(self) -> float | None: ...


class ScriptTimes(Protocol):
    """The scenario script's time grid, and what sabotage may aim at."""

    @property
    def sabotage_targets(self) -> np.ndarray: ...

    def step_of(self, hour: float) -> int: ...


class CorridorView(Protocol):
    """The allied transit's corridors (sabotage aims at them in phases that focus on them)."""

    @property
    def corridor_assets(self) -> np.ndarray: ...


class RunView(LeverTarget, Protocol):
    """A run, at its end, as engagement tests read it (what it drew on, and its events)."""

    dt: float
    n_steps: int
    events: list[tuple[float, str, int, str]]

    @property
    def cfg(self) -> RunConfig: ...

    @property
    def script(self) -> ScriptTimes: ...

    @property
    def crisis_centre(self) -> DecisionView: ...

    @property
    def transit(self) -> CorridorView: ...


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


#: What a lever's ``targets`` list names: asset types, sectors (of assets' operators), sectors
#: with a strategic stock, or population cohorts; None: the lever takes no targets.
TARGET_KINDS = ("asset_types", "sectors", "stocked_sectors", "cohorts")
#: Sectors a strategic stock exists for: fuel (energy), food and water, medical supplies.
STOCKED_SECTORS = ("energy", "food_water", "health")


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
    #: Whether the lever's mechanism made a difference to the run's mechanics (a finished run),
    #: and when that is, in one sentence (docs print it).
    engaged: Callable[[RunView, LeverConfig], bool]
    engaged_when: str
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
    m.responses.add_stock(sector_mask(lever.targets), lever.strength * 24.0)


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


def _counter_drone(m: LeverTarget, lever: LeverConfig) -> None:
    # closes a share of the gap to a closure of no hours, so that two such levers compose
    cut, mask = m.assets.drone_cut, type_mask(m.world, lever.targets)
    cut[mask] += lever.strength * (1.0 - cut[mask])


# ---------------------------------------------------------------------------- engagement
#: Amounts closer than this count as equal (hours of stock or backup, after many steps).
EPS = 1e-9
#: A narrative spreads while some group has more spreaders than this share (the population
#: layer's threshold for skipping the spread).
SPREADING = 1e-12


def applied_hour(m: RunView, lever: LeverConfig) -> float:
    """The hour the lever was applied (its start hour rounded up to the time grid)."""
    return m.script.step_of(lever.start_hour) * m.dt


def sabotage_attempts(m: RunView) -> list[tuple[float, int]]:
    """(hour, asset) of every sabotage attempt on an asset: the attack events that name one (a
    cyber or disinformation attack, or a sabotage with nothing in reach, names none)."""
    return [(hour, asset) for hour, kind, asset, _ in m.events if kind == "attack" and asset >= 0]


def _guards_decide(m: RunView, asset: int, hour: float) -> bool:
    """Whether guards set the asset's protection against a sabotage at ``hour`` (it was guarded
    then, and the guards protect better than the asset itself)."""
    a = m.assets
    return bool(
        a.guarded_from[asset] < hour and m.cfg.responders.guard_protection >= a.protection[asset]
    )


def aims_by_vulnerability(m: RunView) -> bool:
    """Whether some cell weighs its targets by their vulnerability (1 - protection, 1 -
    maturity): then raising protection shifts where attacks aim, whether they hit it or not."""
    return any(cell.strategy != "random" for cell in m.cfg.adversary.cells.values())


def sabotage_reach(m: RunView) -> np.ndarray:
    """Assets sabotage may aim at in this run: the scenario's targets, and the transit's
    corridors when a campaign phase focuses on them."""
    reach = m.script.sabotage_targets.copy()
    if any(phase.corridor_focus for phase in m.cfg.scenario.adversary_phases):
        reach[m.transit.corridor_assets] = True
    return reach


def _hardening_engaged(m: RunView, lever: LeverConfig) -> bool:
    """A sabotage attempt after the lever started either hit a hardened asset (that guards did
    not protect better), or weighed hardened assets among its targets."""
    raised = type_mask(m.world, lever.targets) & (m.world.protection < 1.0)
    start = applied_hour(m, lever)
    attempts = [(hour, i) for hour, i in sabotage_attempts(m) if hour >= start]
    if any(raised[i] and not _guards_decide(m, i, hour) for hour, i in attempts):
        return True
    return bool(attempts) and aims_by_vulnerability(m) and bool((raised & sabotage_reach(m)).any())


def _backup_power_engaged(m: RunView, lever: LeverConfig) -> bool:
    w = m.world
    power = w.resource_names.index("power")
    needs = (w.need_resource == power) & type_mask(w, lever.targets)[w.need_asset]
    return bool(np.any(m.assets.backup_drawn[needs] > w.need_backup_hours[needs] + EPS))


def _cyber_hygiene_engaged(m: RunView, lever: LeverConfig) -> bool:
    ops = sector_mask(lever.targets)[m.world.operators.sector]
    ops &= m.world.operators.cyber_maturity < 1.0
    attempted, start = m.operators.cyber_attempted, applied_hour(m, lever)
    if np.any(attempted[ops] >= start):
        return True
    # an intrusion elsewhere still chose its target by maturity, the raised ones among them
    return bool(ops.any() and attempted.max() >= start and aims_by_vulnerability(m))


def _repair_capacity_engaged(m: RunView, lever: LeverConfig) -> bool:
    """More crews busy at once than the built crews and the surge they would have brought, or
    a repair started sooner than the built response time: either needs the lever's crews."""
    o, built = m.operators, m.world.operators.crews
    ops = sector_mask(lever.targets)[m.world.operators.sector]
    # the surge crews there would have been without the lever (surge is a share of standing)
    surge = np.where(o.surge_crews > 0, np.ceil(built * float(m.responses.surge_share)), 0)
    more_crews = o.busy_peak > built + surge
    return bool(np.any(ops & (more_crews | (o.early_repairs > 0))))


def _household_stockpiles_engaged(m: RunView, lever: LeverConfig) -> bool:
    """Households dug deeper into a target sector's stock than their autonomy without the
    lever (the population layer's ``stock_drawn``, the most hours drawn at once)."""
    people = m.people
    sectors = sector_mask(lever.targets)
    drawn = people.stock_drawn
    base = people.groups.stock_hours
    return bool(np.any(drawn[:, sectors] > base[:, sectors] + EPS))


def _strategic_stockpiles_engaged(m: RunView, lever: LeverConfig) -> bool:
    used = m.responses.stock_used_until[sector_mask(lever.targets)]
    return bool(np.any(used >= applied_hour(m, lever)))


def _prebunking_engaged(m: RunView, lever: LeverConfig) -> bool:
    g = m.people.groups
    targets = lever.targets or list(g.cohort_names)
    if lever.reach <= 0 or not np.isin(g.cohort, [g.cohort_names.index(c) for c in targets]).any():
        return False
    start = applied_hour(m, lever)
    seeds = [hour for hour, kind, _, _ in m.events if kind == "narrative_seeded"]
    spreading = bool((m.people.spreader > SPREADING).any())
    return any(hour >= start for hour in seeds) or (bool(seeds) and spreading)


def _territorial_reserve_engaged(m: RunView, lever: LeverConfig) -> bool:
    """A sabotage attempt after the reserve's guards were posted either hit an asset they
    guarded (and protected better than it is), or weighed such assets among its targets."""
    a = m.assets
    reserve = a.reserve_guarded & (m.cfg.responders.guard_protection > a.protection)
    if not reserve.any():
        return False
    posted = float(a.guarded_from[reserve].min())
    attempts = [(hour, i) for hour, i in sabotage_attempts(m) if hour > posted]
    if any(reserve[i] and _guards_decide(m, i, hour) for hour, i in attempts):
        return True
    return bool(attempts) and aims_by_vulnerability(m) and bool((reserve & sabotage_reach(m)).any())


def _intelligence_engaged(m: RunView, lever: LeverConfig) -> bool:
    return bool(m.responses.search_until >= applied_hour(m, lever))


def _strategic_communication_engaged(m: RunView, lever: LeverConfig) -> bool:
    return bool(m.responses.messaging_until >= applied_hour(m, lever))


def _legal_framework_engaged(m: RunView, lever: LeverConfig) -> bool:
    """Activation came sooner, and a measure it triggers acted in the hours gained. Only
    measures that other levers supply count (released stock, counter-messaging, surge crews):
    Defence's own guards post for the transit anyway, and the adversary's turn on the state
    after activation is a reaction, not the lever's mechanism."""
    cc = m.crisis_centre
    if cc.activation_hour is None or applied_hour(m, lever) >= cc.activation_hour:
        return False  # no decision, or taken before the lever acted
    unaided = cc.unaided_activation_hour
    until = m.n_steps * m.dt if unaided is None else unaided
    if until <= cc.activation_hour:
        return False
    res = m.responses
    first_used = min(
        float(res.stock_used_from.min()),
        float(res.messaging_from),
        float(m.operators.surge_used_from),
    )
    return first_used < until


def _civil_contracts_engaged(m: RunView, lever: LeverConfig) -> bool:
    o = m.operators
    standing = o.standing_crews
    without = np.ceil(standing * m.cfg.responders.surge_crews)  # the responders' own surge
    return bool(np.any(o.busy_peak - standing > without))


def _counter_drone_engaged(m: RunView, lever: LeverConfig) -> bool:
    """A drone incursion landed, inside the run and after the lever was applied, on sites of a
    target type: its closure was shortened. Drones land before levers within a step, so an
    incursion in the lever's own step is not."""
    w, start, horizon = m.world, applied_hour(m, lever), m.n_steps * m.dt
    protected = type_mask(w, lever.targets)
    for drone in m.cfg.scenario.drone_incursions:
        hour = m.script.step_of(drone.at_hour) * m.dt
        if not start < hour < horizon:
            continue
        sites = (w.asset_type == w.type_names.index(drone.asset_type)) & w.regions.mask(
            drone.region
        )[w.asset_region]
        if (sites & protected).any():
            return True
    return False


def engagement(model: RunView) -> dict[str, bool | None]:
    """Per lever kind: whether the run's package has a lever of that kind whose mechanism
    engaged (True/False), or None when it has none; the ``engaged_<kind>`` summary columns.

    A lever with no strength, or one starting after the horizon, never engaged.
    """
    out: dict[str, bool | None] = dict.fromkeys(LEVER_KINDS)
    horizon = model.n_steps * model.dt
    for lever in model.cfg.mitigation.levers.values():
        acts = lever.strength > 0 and applied_hour(model, lever) < horizon
        engaged = acts and LEVERS[lever.kind].engaged(model, lever)
        out[lever.kind] = bool(out[lever.kind]) or engaged
    return out


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
            _hardening_engaged,
            "a sabotage attempt after the lever started hit an asset whose protection it raised "
            "(and guards did not protect better), or weighed such assets among its targets",
        ),
        Lever(
            "backup_power",
            "the power cascade",
            "hours of backup added to the power needs of the target types",
            "h",
            AMOUNT,
            "asset_types",
            _backup_power,
            _backup_power_engaged,
            "an asset drew more hours of backup power at once than it had without the lever",
        ),
        Lever(
            "cyber_hygiene",
            "intrusion success and spread",
            "share of the gap to full cyber maturity closed, operators of the target sectors",
            "share",
            SHARE,
            "sectors",
            _cyber_hygiene,
            _cyber_hygiene_engaged,
            "a cyber intrusion after the lever started aimed at an operator whose maturity it "
            "raised, or chose its target by maturity with such operators among the targets",
        ),
        Lever(
            "repair_capacity",
            "repair",
            "relative increase of standing crews; response times shrink by the same factor",
            "ratio",
            AMOUNT,
            "sectors",
            _repair_capacity,
            _repair_capacity_engaged,
            "an operator of the target sectors had more crews busy at once than it would have had "
            "without the lever (its built crews and the surge they bring), or a crew started a "
            "repair sooner than the built response time allows",
        ),
        Lever(
            "household_stockpiles",
            "unmet need",
            "hours of household autonomy added in the target sectors",
            "h",
            AMOUNT,
            "sectors",
            _household_stockpiles,
            _household_stockpiles_engaged,
            "households drew more hours of stock at once in a target sector than their "
            "autonomy without the lever",
        ),
        Lever(
            "strategic_stockpiles",
            "shortages",
            "finite stock the crisis centre releases at activation: food, water and medical "
            "supplies cover shortfalls up to a release rate; fuel keeps backup generators "
            "running; both run down as they are used (days of normal national demand; for "
            "energy, days of fuel for every backup generator)",
            "days",
            AMOUNT,
            "stocked_sectors",
            _strategic_stockpiles,
            _strategic_stockpiles_engaged,
            "released stock was drawn in a target sector (a shortfall covered, or a generator "
            "refuelled)",
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
            _prebunking_engaged,
            "a narrative was seeded after the campaign started (or seeded before and still "
            "spreading at the end), so spreading met inoculated groups",
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
            _territorial_reserve_engaged,
            "a sabotage attempt after the reserve's guards (beyond Defence's own) were posted hit "
            "an asset they guarded, or weighed such assets among its targets",
        ),
        Lever(
            "intelligence",
            "cells' survival",
            "chance per hour of finding each active cell, added to the security services' own",
            "1/h",
            AMOUNT,
            None,
            _intelligence,
            _intelligence_engaged,
            "the security services searched, with the added rate, while a cell was at large",
        ),
        Lever(
            "strategic_communication",
            "narrative reach",
            "counter-messaging effort after activation: the narratives' stifling rate rises by "
            "this share (0.5: 50% faster) and believers are corrected at "
            "population.narratives.correction_rate x effort per hour",
            "ratio",
            AMOUNT,
            None,
            _strategic_communication,
            _strategic_communication_engaged,
            "counter-messaging was in force, after the lever started, while a narrative was "
            "spreading",
        ),
        Lever(
            "legal_framework",
            "time to act",
            "share of the decision delay removed",
            "share",
            Range(0.0, 1.0, high_open=True),
            None,
            _legal_framework,
            _legal_framework_engaged,
            "measures were activated sooner than without the lever, and a measure they trigger "
            "(released stock, counter-messaging, surge crews) acted before the unaided decision "
            "would have come; alone it has nothing to bring forward",
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
            _civil_contracts_engaged,
            "surge crews worked: an operator had more crews busy at once than its standing crews",
        ),
        Lever(
            "counter_drone",
            "drone closures",
            "share of each drone incursion's closure hours removed at the target asset types "
            "(drones found, jammed or downed sooner)",
            "share",
            SHARE,
            "asset_types",
            _counter_drone,
            _counter_drone_engaged,
            "a drone incursion landed after the lever started on sites of a target type, so "
            "their closure was shortened",
        ),
    )
}

#: The closed set of lever kinds.
LEVER_KINDS: tuple[str, ...] = tuple(LEVERS)


def apply_lever(model: LeverTarget, lever: LeverConfig) -> None:
    """Change the run's state as the lever prescribes, from now on."""
    LEVERS[lever.kind].apply(model, lever)
