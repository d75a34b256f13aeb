"""The sustainment flow: the regular trains and convoys that follow the initial movement.

Once the brigades are across, they draw a regular flow: resupply east (fuel, ammunition,
food, spares landed at the ports), and rotation, returns and repairs west (to the ports, to be
shipped). The flow is a stream of *consignments*, each one train or one convoy, released at a
steady rate per brigade and day from ``start_hour`` (:class:`abm.config.plan.SustainmentConfig`)
and spread over the landing ports in the serials' shares, interleaved.

It runs through the capacities the serials use, and the same attacks delay it:

- **Berths.** An eastbound consignment is discharged at its port before it leaves, a westbound
  one loaded there after it arrives, at the berths' rate in pieces (its tonnes over the
  tonnes per piece), from what the serials' ships leave of the berths; nothing while the port
  does not work.
- **Rail.** Eastbound trains take the military paths of the Montzen line (or the reroute)
  *after* the serials: a sustainment train leaves only on a path no waiting serial train could
  take. The serials are the plan's main effort and a brigade carries days of supply, so the
  resupply waits. Westbound trains run on the other track: paths of their own at the same
  rates, the same line (a cut closes both tracks).
- **Road.** Convoys leave in the night window; eastbound ones on the slots the serials' convoys
  leave, westbound ones on slots of their own.

Its delay, like the serials', is the delivery hour (eastbound: across the border; westbound:
loaded at the port) minus that of the peacetime schedule (the same flow with every asset
working), so exactly 0 in peacetime; its mean is over the consignments released by the end of
the run, one not delivered counted until then. It draws no host-nation support and does not
keep Defence's corridor guards posted (:meth:`abm.transit.Transit.deploying`): both follow the
serials only.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from abm.config.plan import SustainmentConfig, TransitConfig


class Transit(Protocol):
    """What the flow reads of the serials' movement (:class:`abm.transit.Transit`, typed here
    by what it offers, so that the two modules do not import each other)."""

    cfg: TransitConfig
    n: int
    port_names: list[str]
    rate: float


#: Directions and modes of a consignment.
EAST, WEST = 0, 1
TRAIN, CONVOY = 0, 1
DIRECTIONS = ("eastbound", "westbound")
NOTHING = np.zeros(0, dtype=np.int64)


class Sustainment:
    """The consignments of the sustainment flow, in release order, and where each one is.

    Args:
        cfg: The flow's config.
        transit: The transit whose ports, routes and capacities it shares.
        horizon_hours: No consignment is released after it.
    """

    def __init__(self, cfg: SustainmentConfig, transit: Transit, horizon_hours: float) -> None:
        self.cfg, self.transit = cfg, transit
        tc = transit.cfg
        brigades = tc.brigades if (cfg.enabled and transit.n) else 0
        rates = {
            (EAST, TRAIN): cfg.east_trains_per_brigade_day,
            (EAST, CONVOY): cfg.east_convoys_per_brigade_day,
            (WEST, TRAIN): cfg.west_trains_per_brigade_day,
            (WEST, CONVOY): cfg.west_convoys_per_brigade_day,
        }
        shares = np.array([tc.ports[p] for p in transit.port_names]) if transit.n else np.zeros(0)
        rows: list[tuple[float, int, int, int]] = []  # (release, direction, mode, port)
        for (direction, mode), per_day in rates.items():
            rate = per_day * brigades
            if rate <= 0:
                continue
            count = int(np.floor((horizon_hours - cfg.start_hour) * rate / 24.0 - 1e-9)) + 1
            given = np.zeros(len(shares))
            for j in range(max(count, 0)):
                k = int(np.argmax(shares / (given + 1.0)))  # D'Hondt: proportional, interleaved
                given[k] += 1
                rows.append((cfg.start_hour + j * 24.0 / rate, direction, mode, k))
        rows.sort(key=lambda r: r[0])  # stable: first released first
        self.n = len(rows)
        self.release = np.array([r[0] for r in rows], dtype=float)
        self._release = self.release.tolist()  # read one at a time, every step
        self.direction = np.array([r[1] for r in rows], dtype=np.int64)
        self.mode = np.array([r[2] for r in rows], dtype=np.int64)
        self.port = np.array([r[3] for r in rows], dtype=np.int64)
        self.port_list: list[int] = self.port.tolist()  # read one at a time, in loops
        per_convoy = tc.convoy_vehicles * cfg.tonnes_per_truck
        self.tonnes = np.where(self.mode == TRAIN, cfg.tonnes_per_train, per_convoy)
        self.berth_left = self.tonnes / tc.tonnes_per_piece  # pieces through a berth
        east = self.direction == EAST
        self.at_port = np.where(east, self.release, np.inf)  # at the berth from this hour
        self._at_port: list[float] = self.at_port.tolist()  # the same, read one at a time
        self.ready = np.where(east, np.inf, self.release)  # may leave from this hour
        self._ready: list[float] = self.ready.tolist()  # the same, read one at a time
        self.departed = np.zeros(self.n, dtype=bool)
        self.left_at = np.full(self.n, np.nan)  # hour it left (by train or convoy)
        self.delivered_at = np.full(self.n, np.inf)
        self.released = 0  # consignments released so far (a prefix: release order)
        self.done = 0  # of them, departed eastbound or loaded westbound
        #: At the berths or on the way to them (east: released; west: departed).
        self.at_berth: list[int] = []
        #: Per direction and mode, consignments free to leave from their ``ready`` hour.
        self.queue: dict[tuple[int, int], list[int]] = {
            (d, m): [] for d in (EAST, WEST) for m in (TRAIN, CONVOY)
        }
        #: Westbound paths (primary, reroute) and convoy slots per port route, of their own.
        self.rail_credit = np.ones(2)
        self.road_credit = np.ones(len(transit.port_names))

    # ------------------------------------------------------------------ interface
    def active(self, hour: float) -> bool:
        """Whether any consignment, released or not, is not yet through."""
        return self.done < self.n

    def idle(self) -> bool:
        """Whether no released consignment waits at a berth or to leave (a step then only
        lets the capacities' credit lapse)."""
        return not self.at_berth and not any(self.queue.values())

    def release_until(self, hour: float) -> None:
        """Release the consignments due by ``hour``: eastbound ones to their port's berths,
        westbound ones to wait for a path or a slot east of the border."""
        due, release = self.released, self._release
        while due < self.n and release[due] <= hour:  # release is sorted
            due += 1
        for u in range(self.released, due):
            if self.direction[u] == EAST:
                self.at_berth.append(u)
            else:
                self.queue[WEST, int(self.mode[u])].append(u)
        self.released = due

    def waiting(self, hour: float, direction: int, mode: int) -> np.ndarray:
        """Consignments of ``direction`` and ``mode`` ready to leave, first released first."""
        queue = self.queue[direction, mode]
        if not queue:
            return NOTHING
        ready = self._ready
        return np.array(sorted(u for u in queue if ready[u] <= hour), dtype=np.int64)

    def all_waiting(self, hour: float) -> tuple[list[int], list[int], list[int], list[int]]:
        """:meth:`waiting` for eastbound trains and convoys, then westbound ones, as lists (one
        call a step; most queues are empty)."""
        ready, q = self._ready, self.queue

        def due(queue: list[int]) -> list[int]:
            return sorted(u for u in queue if ready[u] <= hour) if queue else []

        return due(q[EAST, TRAIN]), due(q[EAST, CONVOY]), due(q[WEST, TRAIN]), due(q[WEST, CONVOY])

    def berth_due(self, hour: float) -> bool:
        """Whether a consignment is at its port's berths now."""
        at_port = self._at_port
        return any(at_port[u] <= hour for u in self.at_berth)

    def berths(self, hour: float, dt: float, pool: np.ndarray) -> None:
        """Discharge eastbound and load westbound consignments at their ports, first at the
        berth first served, from ``pool`` (pieces per port the serials left this step)."""
        at_port = self._at_port
        here = sorted((u for u in self.at_berth if at_port[u] <= hour), key=self._arrived)
        rate = self.transit.rate  # pieces per hour per berth
        for u in here:
            k = self.port[u]
            take = min(self.berth_left[u], pool[k])
            if take <= 0:
                continue
            pool[k] -= take
            self.berth_left[u] -= take
            if self.berth_left[u] <= 1e-9:
                self.at_berth.remove(u)
                finished = hour + take / rate  # at one berth's rate, like a ship
                if self.direction[u] == EAST:
                    self.ready[u] = finished
                    self._ready[u] = float(self.ready[u])
                    self.queue[EAST, int(self.mode[u])].append(u)
                else:
                    self.delivered_at[u] = finished
                    self.done += 1

    def _arrived(self, u: int) -> tuple[float, int]:
        return (self._at_port[u], u)

    def depart(self, u: int, hour: float, travel: float) -> None:
        """Consignment ``u`` leaves at ``hour`` and arrives ``travel`` hours later (east: across
        the border, delivered; west: at its port, to be loaded)."""
        self.departed[u] = True
        self.left_at[u] = hour
        self.queue[int(self.direction[u]), int(self.mode[u])].remove(u)
        if self.direction[u] == EAST:
            self.delivered_at[u] = hour + travel
            self.done += 1
        else:
            self.at_port[u] = hour + travel
            self._at_port[u] = float(self.at_port[u])
            self.at_berth.append(u)

    def delivered(self, end_hour: float) -> np.ndarray:
        """Hour each consignment was delivered by ``end_hour`` (NaN if not)."""
        return np.where(self.delivered_at <= end_hour, self.delivered_at, np.nan)

    def summary(self, end_hour: float, quiet: np.ndarray | None) -> dict[str, float]:
        """Tonnes delivered both ways by ``end_hour``, and the mean delay of the consignments
        released by then behind the peacetime schedule ``quiet`` (censored at ``end_hour``);
        NaN when no consignment was due."""
        due = self.release < end_hour
        if not due.any() or quiet is None:
            return {"sustainment_tonnes_delivered": np.nan, "sustainment_mean_delay_h": np.nan}
        at = self.delivered(end_hour)
        done = np.where(np.isnan(at), end_hour, at)[due]
        base = np.where(np.isnan(quiet), end_hour, quiet)[due]
        return {
            "sustainment_tonnes_delivered": float(self.tonnes[~np.isnan(at)].sum()),
            "sustainment_mean_delay_h": float(np.maximum(done - base, 0.0).mean()),
        }
