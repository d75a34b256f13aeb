"""Reception of migration-push arrivals: who is in reception, where, until they are placed.

People pushed at a border do not vanish when the push ends. Each push keeps a ledger of its
arrivals in three places, and every person is in exactly one of them:

- ``at_border``: in reception in the border region where they arrived (per region of the
  push's place, spread like its reception places), until they are registered and dispatched
  to the national network, at the rate ``1 / dispatch_hours`` (the last person with the rest);
- ``waiting``: in the national network, which is saturated (Fedasil's normal occupancy is
  ``population.reception_baseline_persons``), spread over the regions like its places, until
  the network opens a place for them, at ``places_per_hour`` (sourced from the places Fedasil
  opened in past reception crises);
- ``placed``: in a place opened for them (or housed, or gone onward): they no longer load the
  network's normal places.

``arrived == at_border.sum() + waiting + placed`` at every step (:meth:`PushLedger.balance`).

The people at the border and the people waiting add to the population_flows demand, in units
of a region's normal reception occupancy, so that a region's reception demand is 1 again once
every arrival is placed.

Displaced residents who need public shelter (``population.behaviour.reception_share`` of the
displaced) load the reception network from when they arrive until an emergency shelter is
opened for them (:class:`EmergencyShelter`), and leave it when they return home (the
displacement rules).
"""

from __future__ import annotations

import numpy as np

from abm.config import MigrationPushConfig


class PushLedger:
    """Where one push's arrivals are: at the border, waiting in the network, or placed.

    Args:
        push: The push.
        places: Per region, the region's normal reception occupancy (persons).
        border: Per region, whether it belongs to the push's place.
    """

    def __init__(self, push: MigrationPushConfig, places: np.ndarray, border: np.ndarray) -> None:
        self.push = push
        places = np.asarray(places, dtype=float)
        #: Per region, the share of the push's arrivals received there (like its places).
        self.border_share = np.where(border, places, 0.0) / places[border].sum()
        #: Per region, the share of the national network's places there.
        self.network_share = places / places.sum()
        self.places = places
        n = len(places)
        self.at_border = np.zeros(n)
        self.waiting = 0.0
        self.placed = 0.0
        self.arrived = 0.0
        #: (dt, share of those at the border dispatched per step of dt), kept between steps.
        self._dispatch: tuple[float, float] | None = None

    def arrivals(self, hour: float, dt: float) -> float:
        """People arriving in ``[hour, hour + dt)``: the push's persons spread evenly over it."""
        p = self.push
        overlap = min(hour + dt, p.end_hour) - max(hour, p.start_hour)
        return p.persons * max(overlap, 0.0) / (p.end_hour - p.start_hour)

    def step(self, hour: float, dt: float) -> None:
        """One step: last step's people move on (dispatched, then placed), then this step's
        arrivals come in (they are in reception from the step they arrive)."""
        p = self.push
        if np.count_nonzero(self.at_border):  # (``.any()``, cheaper)
            if self._dispatch is None or self._dispatch[0] != dt:
                self._dispatch = (dt, -np.expm1(-dt / p.dispatch_hours))
            dispatched = self.at_border * self._dispatch[1]
            left = np.add.reduce(self.at_border)
            gone = np.add.reduce(dispatched)
            if left - gone < 1.0:  # people are whole: the last one goes too
                gone = left
                self.at_border.fill(0.0)  # (at_border - at_border)
            else:
                self.at_border -= dispatched
            self.waiting += float(gone)
        if self.waiting > 0.0:
            placed = min(self.waiting, p.places_per_hour * dt)
            self.waiting -= placed
            self.placed += placed
        new = self.arrivals(hour, dt)
        if new > 0.0:
            self.at_border += new * self.border_share
            self.arrived += new

    @property
    def in_reception(self) -> float:
        """People of this push in reception and not yet placed (at the border or waiting)."""
        return float(self.at_border.sum()) + self.waiting

    def balance(self) -> float:
        """Arrived minus everyone accounted for (0 up to rounding: people are conserved)."""
        return self.arrived - self.in_reception - self.placed

    def demand(self) -> np.ndarray:
        """Per region, the extra population_flows demand, in units of its normal occupancy."""
        return (self.at_border + self.waiting * self.network_share) / self.places


class Reception:
    """The ledgers of every migration push of a run, and their demand on reception.

    Args:
        pushes: The scenario's migration pushes.
        places: Per region, the normal reception occupancy (persons).
        masks: Per push, the regions of its place.
    """

    def __init__(
        self,
        pushes: list[MigrationPushConfig],
        places: np.ndarray,
        masks: list[np.ndarray],
    ) -> None:
        self.ledgers = [PushLedger(p, places, m) for p, m in zip(pushes, masks, strict=True)]
        self._zero = np.zeros(len(places))

    def step(self, hour: float, dt: float) -> np.ndarray:
        """Move every push's people by one step; return the extra reception demand per region."""
        out = None
        for ledger in self.ledgers:
            ledger.step(hour, dt)
            demand = ledger.demand()  # a new array, >= 0: 0 + demand would be demand
            out = demand if out is None else np.add(out, demand, out=out)
        return self._zero.copy() if out is None else out

    @property
    def in_reception(self) -> float:
        """People of every push in reception and not yet placed."""
        return sum(ledger.in_reception for ledger in self.ledgers)

    @property
    def placed(self) -> float:
        """People of every push placed so far."""
        return sum(ledger.placed for ledger in self.ledgers)

    @property
    def arrived(self) -> float:
        """People of every push arrived so far."""
        return sum(ledger.arrived for ledger in self.ledgers)


class EmergencyShelter:
    """Displaced residents who need public shelter, until an emergency shelter is opened for them.

    People who flee a crisis and find no family, friends or hotel need public shelter
    (``population.behaviour.reception_share`` of the displaced). Until the municipalities and
    the Red Cross open emergency shelter for them (sports halls, schools, camp beds), they load
    the reception network; once placed they no longer do. Places open at ``places_per_hour``
    nationally, shared among the regions by their unplaced need, and close as people go home.
    Per region, ``need == sheltered + unplaced`` at every step.

    Args:
        n_regions: Regions of the world.
        places_per_hour: Emergency shelter places opened per hour, nationally.
    """

    def __init__(self, n_regions: int, places_per_hour: float) -> None:
        self.places_per_hour = places_per_hour
        #: Per region, displaced people placed in an emergency shelter.
        self.sheltered = np.zeros(n_regions)

    def step(self, need: np.ndarray, dt: float) -> np.ndarray:
        """Open (or close) shelter for one step; return per region the people still unplaced.

        Args:
            need: Per region, displaced people present who need public shelter now.
        """
        np.minimum(self.sheltered, need, out=self.sheltered)  # shelters close as people leave
        unplaced = need - self.sheltered
        total = unplaced.sum()
        if total > 0.0:
            opened = unplaced * min(1.0, self.places_per_hour * dt / total)
            self.sheltered += opened
            unplaced = unplaced - opened
        return unplaced

    def step_empty(self) -> np.ndarray:
        """:meth:`step` with nobody in need: every shelter closes, nobody is unplaced."""
        self.sheltered.fill(0.0)
        return np.zeros(len(self.sheltered))
