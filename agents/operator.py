"""Infrastructure operators: the owners of assets, and who repairs what first."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from abm.state import AssetState, OperatorState
from abm.vocabulary import SECTOR_INDEX
from abm.world import World

if TYPE_CHECKING:
    from abm.interfaces import ModelView


class InfrastructureOperator(mesa.Agent):
    """An operator (grid operator, hospital network, telecom operator, ...) owning assets.

    Its numbers (crews, response time, cyber maturity) are its row of ``model.operators``, and
    those of its assets are rows of ``model.assets``: this object reads them there and keeps no
    copy, so what a lever changes shows here at once. Its repair decisions, for all operators at
    once, are made by :func:`dispatch_crews`, because operators are many and a loop per operator
    would dominate the step.
    """

    model: ModelView  # the model as agents see it

    def __init__(self, model: ModelView, index: int) -> None:
        super().__init__(model)
        self.index = index
        ops = model.world.operators
        self.name = ops.names[index]
        self.sector = ops.sector[index]
        self.assets = np.flatnonzero(model.world.asset_operator == index)
        """Indices of the assets this operator owns."""

    @property
    def _state(self) -> OperatorState:
        return self.model.operators

    @property
    def crews(self) -> int:
        """Crews able to repair at once now (standing plus surge crews)."""
        return int(self._state.crews[self.index])

    @property
    def surge_crews(self) -> int:
        """Of those, surge crews called under civil contracts."""
        return int(self._state.surge_crews[self.index])

    @property
    def response_hours(self) -> float:
        """Hours from an asset's damage until a crew can start on it."""
        return float(self._state.response_hours[self.index])

    @property
    def cyber_maturity(self) -> float:
        """Probability that a cyber intrusion on this operator fails."""
        return float(self._state.cyber_maturity[self.index])

    @property
    def protection(self) -> np.ndarray:
        """Protection of each owned asset against physical attack."""
        return self.model.assets.protection[self.assets]

    @property
    def backup_hours(self) -> np.ndarray:
        """Hours a full backup holds, for each need of each owned asset."""
        needs = np.isin(self.model.world.need_asset, self.assets)
        return self.model.assets.backup_capacity[needs]

    @property
    def assets_down(self) -> int:
        """Owned assets that do not work now (damaged or cut off from supply)."""
        return int((~self.model.assets.working[self.assets]).sum())

    @property
    def crews_busy(self) -> int:
        """Crews working on a repair now."""
        return int(self.model.assets.in_repair[self.assets].sum())


def draw_repairs(
    world: World,
    operators: OperatorState,
    targets: np.ndarray,
    gen: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """How long the repairs of newly damaged ``targets`` take, drawn once at the damage.

    Every asset gets its draws at the damage step (one normal for the ordinary repair, one
    uniform for whether a long-lead item is needed, one normal for its lead time), indexed by
    asset, so which assets are hit never shifts another's draws. A damage that needs a
    long-lead item uses one of its operator's spares if any is left (first damaged, then lowest
    index first), and otherwise waits for the item. Nothing here depends on crews, so a lever
    that only adds crews or sends them sooner cannot change how long a given repair takes.

    Args:
        world: Repair-time distributions per asset.
        operators: Spares left (used here).
        targets: Newly damaged assets, in damage order.
        gen: The ``repair`` stream positioned at the damage step.

    Returns:
        ``(repair_hours, lead_hours)`` per target: the crew's work once parts are on site, and
        the hours from the damage until they are (0 without a long-lead item).
    """
    n = world.n_assets
    z, u, z_lead = gen.standard_normal(n), gen.random(n), gen.standard_normal(n)
    repair = world.repair_median_hours[targets] * np.exp(world.repair_sigma[targets] * z[targets])
    lead = np.zeros(len(targets))
    needs_item = u[targets] < world.long_lead_probability[targets]
    if needs_item.any():
        owner = world.asset_operator[targets]
        for k in np.flatnonzero(needs_item):  # few: damage events needing a long-lead item
            if operators.spares_left[owner[k]] > 0:
                operators.spares_left[owner[k]] -= 1
            else:
                a = targets[k]
                lead[k] = world.long_lead_median_hours[a] * np.exp(
                    world.long_lead_sigma[a] * z_lead[a]
                )
    return repair, lead


def dispatch_crews(
    assets: AssetState,
    operators: OperatorState,
    world: World,
    hour: float,
    dt: float,
    slowdown: np.ndarray | RepairSlowdown | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The repair phase: free crews go to damaged assets they can reach; due repairs finish.

    A crew can start on an asset once the operator's response time has passed since the
    damage and the parts are on site; the repair then takes the hours of work drawn at the
    damage (:func:`draw_repairs`). Under a cyber attack a repair's work goes slower (coupling
    ``cyber_slows_repair``, :func:`repair_slowdown`): a step's work is ``dt / slowdown``, so a
    repair started earlier never ends later, and more crews never lengthen an outage.

    Args:
        assets: The asset state (updated in place).
        operators: The operators' crews and response times.
        world: Asset owners and criticality.
        hour: Start of the step.
        dt: Hours per step.
        slowdown: Per asset, the factor (>= 1) by which work on its repair is slower this
            step (an array, or a :class:`RepairSlowdown` to reuse its delays from step to
            step); None: repairs take the hours drawn at the damage.

    Returns:
        ``(started, done)``: assets whose repair started, and assets repaired, this step.
    """
    started = np.zeros(0, dtype=np.int64)
    if not assets.damaged.any():
        return started, started
    # Only damaged assets no crew works on can be waiting: test those alone (few of many),
    # and only from the first hour one of them can be reached (kept while they and the
    # response hours stay the same: their damage and parts hours do not change meanwhile).
    idle_now = assets.damaged & ~assets.in_repair
    key = (idle_now.tobytes(), operators.response_hours.tobytes())
    cache = assets.waiting_cache
    if cache is None or cache[0] != key:
        idle = idle_now.nonzero()[0]
        response = assets.damaged_at[idle] + operators.response_hours[world.asset_operator[idle]]
        ready = np.maximum(response, assets.parts_at[idle])  # nan: never (as below)
        cache = assets.waiting_cache = (key, idle, float(np.fmin.reduce(ready, initial=np.inf)))
    _, idle, first_ready = cache
    if hour >= first_ready:
        owner = world.asset_operator[idle]
        reachable = (hour >= assets.damaged_at[idle] + operators.response_hours[owner]) & (
            hour >= assets.parts_at[idle]
        )
        idle = idle[reachable]
    else:
        idle = idle[:0]
    if idle.size:
        waiting = np.zeros(len(assets.damaged), dtype=bool)
        waiting[idle] = True
        busy = np.bincount(world.asset_operator[assets.in_repair], minlength=world.operators.n)
        started = assign_repairs(
            waiting,
            world.asset_operator,
            world.criticality,
            assets.damaged_at,
            operators.crews - busy,
        )
        if started.size:
            assets.start_repairs(started, hour + assets.repair_hours[started])
            _track_crews(operators, world, busy, started, assets.damaged_at, hour)
    if slowdown is not None and assets.in_repair.any():
        # this step's work is dt / slowdown: the end moves back by the rest
        if not isinstance(slowdown, RepairSlowdown):
            slowdown = RepairSlowdown(slowdown)
        busy, delay, earlier = slowdown.delays(assets.in_repair, dt)
        assets.repair_end[busy] += delay
        if earlier:  # a factor below 1: some repair ends sooner than the bound said
            assets.repairs_end_from = min(
                assets.repairs_end_from, float(assets.repair_end[busy].min())
            )
    return started, assets.finish_repairs(hour + dt)


class RepairSlowdown:
    """Per asset, the factor by which work on its repair is slower now
    (:func:`repair_slowdown`), with what it adds to the repairs under way each step.

    The added hours depend only on the factors, the repairs under way and the step, which
    stay the same over many steps: they are computed again only when those change.

    Args:
        factor: Per asset, the factor (read, not copied: do not change it).
    """

    def __init__(self, factor: np.ndarray) -> None:
        self.factor = factor
        self._key: tuple[bytes, float] | None = None
        self._delays: tuple[np.ndarray, np.ndarray, bool] = (
            np.zeros(0, np.int64),
            np.zeros(0),
            False,
        )

    def delays(self, in_repair: np.ndarray, dt: float) -> tuple[np.ndarray, np.ndarray, bool]:
        """``(busy, delay, earlier)``: the assets under repair, the hours their repair's end
        moves back this step (``dt (1 - 1 / factor)``), and whether any moves earlier."""
        key = (in_repair.tobytes(), dt)
        if key != self._key:
            busy = in_repair.nonzero()[0]
            delay = dt * (1.0 - 1.0 / self.factor[busy])
            self._key, self._delays = key, (busy, delay, bool((delay < 0).any()))
        return self._delays


TELECOM = SECTOR_INDEX["telecom"]


class TelecomIntrusion:
    """Per region, the share of its telecom capacity whose operator has an intruder inside now
    (a cyber attack on telecom, as opposed to an outage from lost power or damage).

    Computed again only when the set of operators with an intruder inside changes: repairs
    and the security services both ask every step while a campaign runs.
    """

    def __init__(self, world: World) -> None:
        tele = world.asset_sector == TELECOM
        n = world.regions.n
        self._region = world.asset_region[tele]
        self._capacity = world.capacity[tele]
        self._operator = world.asset_operator[tele]
        self._n = n
        total = np.bincount(self._region, weights=self._capacity, minlength=n)
        self._total = np.where(total > 0, total, 1.0)
        self._last: tuple[np.ndarray, np.ndarray] | None = None

    def __call__(self, intruded: np.ndarray) -> np.ndarray:
        """The shares, given per operator whether an intruder is inside (read-only)."""
        if self._last is not None and np.array_equal(intruded, self._last[0]):
            return self._last[1]
        weights = self._capacity * intruded[self._operator]
        share = np.bincount(self._region, weights=weights, minlength=self._n) / self._total
        share.setflags(write=False)
        self._last = (intruded.copy(), share)
        return share


def telecom_intrusion(world: World, intruded: np.ndarray) -> np.ndarray:
    """Per region, the share of its telecom capacity whose operator has an intruder inside now
    (:class:`TelecomIntrusion`, once)."""
    return TelecomIntrusion(world)(intruded)


def repair_slowdown(
    telecom_intruded: np.ndarray,
    intruded: np.ndarray,
    world: World,
    strength: float,
) -> np.ndarray:
    """Per asset, the factor by which a repair's work is slower now under a cyber attack.

    Crews are dispatched, parts ordered and switching is coordinated over telecom, and an
    operator with an intruder in its control systems cannot trust them: it isolates them and
    works by hand. So work on a repair goes ``1 + strength x x`` times slower, where ``x`` is
    the share of the asset's region's telecom capacity whose operator has an intruder inside
    (:func:`telecom_intrusion`), or 1 when the asset's own operator has an intruder inside
    (coupling ``cyber_slows_repair``, :class:`abm.config.CyberSlowsRepairConfig`). A telecom
    outage from lost power or damage does not count: crews work around it by radio and in
    person, as after the Moore County sabotage of 2022, whose repair time the model is
    calibrated on.

    Args:
        telecom_intruded: Per region, the share of telecom capacity under an intruder (0 to 1).
        intruded: Per operator, whether an intruder is inside now.
        world: Asset regions and owners.
        strength: The coupling's strength.
    """
    x = np.maximum(telecom_intruded[world.asset_region], intruded[world.asset_operator])
    return 1.0 + strength * x


def _track_crews(
    operators: OperatorState,
    world: World,
    busy: np.ndarray,
    started: np.ndarray,
    damaged_at: np.ndarray,
    hour: float,
) -> None:
    """Record what repairs drew on (for the levers' engagement tests): the most crews busy at
    once, when surge crews first worked (more crews busy than standing crews), and repairs
    started sooner after the damage than the operator's built response time allows."""
    owner = world.asset_operator[started]
    busy = busy + np.bincount(owner, minlength=world.operators.n)
    o = operators
    np.maximum(o.busy_peak, busy, out=o.busy_peak)
    if np.any(busy > o.standing_crews) and not np.isfinite(o.surge_used_from):
        o.surge_used_from[...] = hour
    early = hour < damaged_at[started] + world.operators.response_hours[owner] - 1e-9
    if early.any():
        np.add.at(o.early_repairs, owner[early], 1)


def assign_repairs(
    waiting: np.ndarray,
    asset_operator: np.ndarray,
    criticality: np.ndarray,
    damaged_at: np.ndarray,
    free_crews: np.ndarray,
) -> np.ndarray:
    """Which waiting assets get a crew now, for every operator in one vectorised pass.

    Each operator sends its free crews to its waiting assets, most critical first (criticality =
    people depending on the asset, see :func:`abm.world.criticality`); ties go to the asset
    damaged earliest, then to the lower index, so the choice is deterministic.

    Args:
        waiting: Per asset, True if damaged, not under repair and reachable by a crew now.
        asset_operator: Per asset, its operator.
        criticality: Per asset, its repair priority.
        damaged_at: Per asset, the hour it was damaged.
        free_crews: Per operator, crews not busy.

    Returns:
        Indices of the assets whose repair starts now.
    """
    idx = np.flatnonzero(waiting)
    if idx.size == 0:
        return idx
    op = asset_operator[idx]
    order = np.lexsort((idx, damaged_at[idx], -criticality[idx], op))
    idx, op = idx[order], op[order]
    first = np.r_[True, op[1:] != op[:-1]]
    group_start = np.maximum.accumulate(np.where(first, np.arange(len(op)), 0))
    rank = np.arange(len(op)) - group_start
    return idx[rank < free_crews[op]]
