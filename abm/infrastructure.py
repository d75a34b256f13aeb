"""The asset layer's phases over arrays: which assets work, and the capacity they give.

:func:`abm.cascade.working_fixed_point` is the rule; this module applies it to a run's
:class:`~abm.state.AssetState` each step, spends and refills backups, and sums working capacity
per sector and region.
"""

from __future__ import annotations

import numpy as np

from abm.cascade import drain_backups, working_fixed_point
from abm.state import AssetState, SectorState
from abm.vocabulary import SECTORS
from abm.world import World


class AssetNetwork:
    """The supply network of a world, with what every step of a whole network can reuse.

    Args:
        world: The world.
        recharge_per_hour: Hours of backup regained per hour of restored supply.
    """

    def __init__(self, world: World, recharge_per_hour: float) -> None:
        self.world = world
        self.recharge = recharge_per_hour
        self._all_working = np.ones(world.n_assets, dtype=bool)
        self._all_supplied = np.ones(len(world.need_asset), dtype=bool)
        #: Per asset, its (sector, region) cell of the capacity table.
        self._cell = world.asset_sector * world.regions.n + world.asset_region
        #: The last fixed point's inputs (intact assets, needs with backup left, as bytes) and
        #: result (working, supplied, the needs running on backup, whether any does): the fixed
        #: point is a pure function of those inputs, and most steps of a campaign leave them
        #: as they were (only backups drain), so comparing them is far cheaper than iterating.
        self._key: tuple[bytes, bytes] | None = None
        #: The last intact assets seen, whether all are, and their bytes.
        self._intact: tuple[np.ndarray | None, bool, bytes] = (None, False, b"")
        self._fixed: tuple[np.ndarray, np.ndarray, np.ndarray, bool] | None = None
        self._inputs: tuple[np.ndarray, np.ndarray] | None = None  # the key's arrays

    def cascade(self, assets: AssetState, hour: float, dt: float) -> np.ndarray:
        """Recompute which assets work from the current damage, and spend backups.

        Returns:
            The assets whose working status changed (``assets.working`` is updated).
        """
        w = self.world
        intact = assets.intact_now(hour)
        if intact is not self._intact[0]:  # a new answer (a kept one is read-only)
            self._intact = (intact, bool(intact.all()), intact.tobytes())
        _, all_intact, intact_bytes = self._intact
        if all_intact:
            # Nothing damaged or compromised: everything works (every need has a supplier);
            # only backups that were spent need refilling.
            working = self._all_working
            if (assets.backup_left < assets.backup_capacity).any():
                drain_backups(
                    assets.backup_left,
                    assets.backup_capacity,
                    None,  # no need goes unsupplied, none runs on backup
                    self._all_supplied,
                    dt,
                    self.recharge,
                )
        else:
            available = assets.backup_left > 0
            key = (intact_bytes, available.tobytes())
            if key != self._key or self._fixed is None:
                start = None
                if self._fixed is not None and self._inputs is not None:
                    # Only more damage and less backup than for the last answer: it bounds
                    # the new one from above, and the removals can start from it.
                    was_intact, was_available = self._inputs
                    if not (intact > was_intact).any() and not (available > was_available).any():
                        start = self._fixed[0] & intact
                working, supplied = working_fixed_point(
                    intact, w.need_asset, available, w.edge_need, w.edge_supplier, start
                )
                self._inputs = (intact, available)
                on_backup = (working[w.need_asset] & ~supplied).nonzero()[0]  # few of many
                self._key, self._fixed = key, (working, supplied, on_backup, bool(on_backup.size))
            working, supplied, on_backup, any_on_backup = self._fixed
            # With no need on backup and every backup full, draining, refilling and the
            # deepest draw would change nothing (none is below its capacity, so none below 0:
            # backup hours are validated non-negative and levers only add to them).
            if any_on_backup or (assets.backup_left < assets.backup_capacity).any():
                drain_backups(
                    assets.backup_left,
                    assets.backup_capacity,
                    on_backup if any_on_backup else None,
                    supplied,
                    dt,
                    self.recharge,
                )
                # how deep backups were drawn (levers' engagement: beyond the built hours?)
                drawn = assets.backup_capacity - assets.backup_left
                np.maximum(assets.backup_drawn, drawn, out=assets.backup_drawn)
        if working is assets.working:
            return np.zeros(0, dtype=np.int64)
        changed = (working != assets.working).nonzero()[0]
        assets.working = working
        return changed

    def capacity(self, assets: AssetState, sectors: SectorState) -> np.ndarray:
        """Capacity per region and sector from the working assets (at their degraded share
        while in manual or degraded operation), remembered in ``sectors`` until assets or the
        capacity factor change."""
        if sectors.capacity is None:
            n_regions = self.world.regions.n
            capacity = np.bincount(
                self._cell,
                weights=self.world.capacity * assets.working * assets.degraded_capacity,
                minlength=len(SECTORS) * n_regions,
            )
            sectors.capacity = capacity.reshape(len(SECTORS), n_regions).T * sectors.capacity_factor
        return sectors.capacity
