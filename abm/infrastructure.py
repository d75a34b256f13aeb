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

    def cascade(self, assets: AssetState, hour: float, dt: float) -> np.ndarray:
        """Recompute which assets work from the current damage, and spend backups.

        Returns:
            The assets whose working status changed (``assets.working`` is updated).
        """
        w = self.world
        intact = assets.intact_now(hour)
        if intact.all():
            # Nothing damaged or compromised: everything works (every need has a supplier);
            # only backups that were spent need refilling.
            working = self._all_working
            if (assets.backup_left < assets.backup_capacity).any():
                drain_backups(
                    assets.backup_left,
                    assets.backup_capacity,
                    ~self._all_supplied,
                    self._all_supplied,
                    dt,
                    self.recharge,
                )
        else:
            working, supplied = working_fixed_point(
                intact, w.need_asset, assets.backup_left > 0, w.edge_need, w.edge_supplier
            )
            drain_backups(
                assets.backup_left,
                assets.backup_capacity,
                working[w.need_asset] & ~supplied,
                supplied,
                dt,
                self.recharge,
            )
            # how deep backups were drawn (levers' engagement: beyond the built hours?)
            drawn = assets.backup_capacity - assets.backup_left
            np.maximum(assets.backup_drawn, drawn, out=assets.backup_drawn)
        if working is assets.working:
            return np.zeros(0, dtype=np.int64)
        changed = np.flatnonzero(working != assets.working)
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
