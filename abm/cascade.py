"""Which assets work: the supply-dependency cascade as a fixed point (DESIGN.md section 3).

An asset works if it is intact (neither damaged nor compromised) and, for every resource type it
needs, at least one of its suppliers of that type works or its backup for that type has hours
left: AND across types, OR within a type. The working set is the *greatest* fixed point of that
rule below the intact set, recomputed from the current damage every step. Starting from "every
intact asset works" and removing assets whose needs are unmet converges to it; because it is
recomputed from scratch, two mutually dependent assets come back together as soon as the damage
that took them down is repaired, instead of waiting on each other forever.

The graph is held as arrays (see :class:`abm.world.World`): ``need_asset[k]`` is the consumer of
need ``k``, and edge ``e`` says that asset ``edge_supplier[e]`` can serve need ``edge_need[e]``.
"""

from __future__ import annotations

import numpy as np


def working_fixed_point(
    intact: np.ndarray,
    need_asset: np.ndarray,
    backup_available: np.ndarray,
    edge_need: np.ndarray,
    edge_supplier: np.ndarray,
    start: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The set of working assets for the current damage.

    Args:
        intact: Per asset, True if neither damaged nor compromised.
        need_asset: Per need, the consuming asset.
        backup_available: Per need, True if the consumer's backup for it has hours left.
        edge_need: Per edge, the need it serves.
        edge_supplier: Per edge, the supplying asset.
        start: Where to start removing assets from (default ``intact``): any set of intact
            assets that holds the answer and that one round of the rule does not grow, such as
            the answer for a superset of these intact assets and needs with backup left. The
            rule is monotone, so the removals end at the same, greatest, fixed point, in fewer
            rounds.

    Returns:
        ``(working, supplied)``: per asset whether it works, and per need whether at least one of
        its suppliers works (a need that is met only by backup has ``supplied`` False).
    """
    n_assets, n_needs = len(intact), len(need_asset)
    working = intact.copy() if start is None else start
    while True:
        live_edges = working[edge_supplier]
        supplied = np.bincount(edge_need[live_edges], minlength=n_needs) > 0
        unmet = ~(supplied | backup_available)
        blocked = np.bincount(need_asset[unmet], minlength=n_assets) > 0
        new = intact & ~blocked
        if np.array_equal(new, working):
            return working, supplied
        working = new


def drain_backups(
    backup_left: np.ndarray,
    backup_capacity: np.ndarray,
    running_on_backup: np.ndarray | None,  # mask, or indices (each once)
    supplied: np.ndarray,
    dt_hours: float,
    recharge_per_hour: float,
) -> None:
    """Spend backup where a working asset runs on it; recharge it where supply is back.

    Updates ``backup_left`` in place. A need that has some hours left counts as met for the whole
    step, so a backup of ``b`` hours bridges ``ceil(b / dt)`` steps. ``running_on_backup`` is
    a mask or the needs' indices; None: no need runs on backup (the subtraction is skipped).
    """
    if running_on_backup is not None:
        backup_left[running_on_backup] -= dt_hours
    np.maximum(backup_left, 0.0, out=backup_left)
    refill = supplied & (backup_left < backup_capacity)
    if refill.any():
        backup_left[refill] = np.minimum(
            backup_capacity[refill], backup_left[refill] + recharge_per_hour * dt_hours
        )
