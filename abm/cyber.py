"""Cyber attacks on the asset base: where an intrusion can spread, and what it does.

An intrusion and its effect are separate (the intruder stays until it is detected and evicted;
the effect on service depends on the asset type and ends, usually, long before). This module
holds the two pieces the adversary's cells and the scenario script share: the operators an
intrusion can spread between (shared IT, vendors, managed services, never supply edges), and
the per-asset effect of a successful attack, drawn by inverse CDF so that common random numbers
hold.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

from abm.config import RunConfig
from abm.vocabulary import CYBER_MODES, SECTOR_INDEX
from abm.world import World


def it_links(cfg: RunConfig, world: World) -> np.ndarray:
    """Operators x operators: linked by shared IT, vendors or managed services (either way),
    as ``world.operators.<family>.it_links`` declares, and every two operators of one family."""
    families = list(cfg.world.operators)
    index = {f: k for k, f in enumerate(families)}
    linked = np.eye(len(families), dtype=bool)
    for family, op in cfg.world.operators.items():
        for other in op.it_links:
            linked[index[family], index[other]] = True
    linked |= linked.T
    of = np.array([index[f] for f in world.operators.family], dtype=np.int64)
    links = linked[np.ix_(of, of)]
    np.fill_diagonal(links, False)
    return links


OUTAGE, MANUAL = CYBER_MODES.index("outage"), CYBER_MODES.index("manual")


class CyberEffects:
    """What a successful cyber attack does, per asset, from its type's ``cyber`` block and the
    adversary's ``cyber`` config: how long the intruder stays, and the outage, the manual or
    degraded operation, or the ransomware encryption it causes.

    Every duration is a lognormal drawn by inverse CDF from a uniform the caller gives per asset
    (or per operator), so which assets are hit never shifts another asset's draw.
    """

    def __init__(self, cfg: RunConfig, world: World) -> None:
        c = cfg.adversary.cyber
        per_type = [cfg.world.asset_types[t].cyber for t in world.type_names]
        t = world.asset_type

        def column(name: str) -> np.ndarray:
            return np.array([float(getattr(e, name)) for e in per_type])[t]

        self.mode = np.array([CYBER_MODES.index(e.mode) for e in per_type], dtype=np.int64)[t]
        self.switchover = column("switchover_hours")
        self.manual_capacity = column("manual_capacity")
        self.restore_median = column("restore_median_hours")
        self.restore_sigma = column("restore_sigma")
        self.dwell_median, self.dwell_sigma = c.dwell_median_hours, c.dwell_sigma
        self.ransom_median = c.ransomware_restore_median_hours
        self.ransom_sigma = c.ransomware_restore_sigma
        ransom_sectors = [SECTOR_INDEX[s] for s in c.ransomware_sectors]
        #: Per asset: an intrusion's effect on it is ransomware (its operator's sector).
        self.ransom = np.isin(world.operators.sector[world.asset_operator], ransom_sectors)

    def dwell(self, u: np.ndarray) -> np.ndarray:
        """Hours each intruder stays until eviction, from one uniform per operator."""
        return self.dwell_median * np.exp(self.dwell_sigma * ndtri(u))

    def effect(
        self, assets: np.ndarray, u: np.ndarray, ransomware: bool | np.ndarray = False
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The effect on ``assets`` of an attack, given one uniform per asset of the world
        (``u``) and whether it is ransomware (for all, or per asset of the world).

        Returns:
            Per target: hours of full outage, hours until automatic operation is back (manual
            or degraded operation in between), the share of capacity meanwhile, and the share
            of service lost at once (a full outage counts whole, degraded operation its lost
            share: what the attacker sees of its success).
        """
        z = ndtri(u[assets])
        restore = self.restore_median[assets] * np.exp(self.restore_sigma[assets] * z)
        mode = self.mode[assets]
        switchover = np.minimum(self.switchover[assets], restore)
        outage = np.select([mode == OUTAGE, mode == MANUAL], [restore, switchover], 0.0)
        capacity = self.manual_capacity[assets]
        ransom = np.broadcast_to(np.asarray(ransomware), u.shape)[assets]
        encrypted = self.ransom_median * np.exp(self.ransom_sigma * z)
        outage = np.where(ransom, encrypted, outage)
        restore = np.where(ransom, encrypted, restore)
        capacity = np.where(ransom, 1.0, capacity)
        lost = np.where(outage > 0, 1.0, 1.0 - capacity)
        return outage, restore, capacity, lost
