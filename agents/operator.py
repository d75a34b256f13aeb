"""Infrastructure operators: the owners of assets, and who repairs what first."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from abm.state import AssetState, OperatorState
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
) -> tuple[np.ndarray, np.ndarray]:
    """The repair phase: free crews go to damaged assets they can reach; due repairs finish.

    A crew can start on an asset once the operator's response time has passed since the
    damage and the parts are on site; the repair then takes the hours drawn at the damage
    (:func:`draw_repairs`).

    Args:
        assets: The asset state (updated in place).
        operators: The operators' crews and response times.
        world: Asset owners and criticality.
        hour: Start of the step.
        dt: Hours per step.

    Returns:
        ``(started, done)``: assets whose repair started, and assets repaired, this step.
    """
    started = np.zeros(0, dtype=np.int64)
    if not assets.damaged.any():
        return started, started
    reachable = (hour >= assets.damaged_at + operators.response_hours[world.asset_operator]) & (
        hour >= assets.parts_at
    )
    waiting = assets.damaged & ~assets.in_repair & reachable
    if waiting.any():
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
    return started, assets.finish_repairs(hour + dt)


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
