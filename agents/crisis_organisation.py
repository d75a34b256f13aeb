"""The crisis organisation of Belgian emergency planning: municipal, provincial, federal phases.

A phase is declared by its authority (the burgomaster, the governor, the Minister of the
Interior on the NCCN's advice; Royal Decree of 22 May 2019 and the national emergency plan of
26 April 2024) when the situation meets its criteria, after the hours it takes to convene the
coordination cell. The criteria, read off the model's state:

- **municipal**: an incident (an attack that succeeded, a scripted shock, hazard or drone
  incursion, an inject) in the window;
- **provincial**: several incidents in the window, or one province affected (some sector's
  service there below ``region_service``): "more than one municipality, or the municipality's
  means are not enough";
- **federal**: two or more provinces affected, or numerous casualties in one incident (the
  NCCN's first and third criteria for a federal phase).

A decision taken in an exercise (:mod:`abm.exercise`) is turned into orders by the level whose
competence it is, after that level's decision hours; a decision above the phase in force first
escalates to that level. Both are slowed as the crisis centre's own decision work is
(:meth:`agents.responders.CrisisCentre.slowdown`: attacks on the state, coinciding incidents).
Phases are not lowered during a run: stepping down is an after-care decision outside the
model's horizon.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from abm.config.exercise import LEVELS, PHASE_NAMES, CrisisOrganisationConfig
from agents.responders import Responder

if TYPE_CHECKING:
    from abm.interfaces import ModelView

NORMAL, MUNICIPAL, PROVINCIAL, FEDERAL = range(len(PHASE_NAMES))


class CrisisOrganisation(Responder):
    """The phase of crisis management in force, its escalation, and the delay of a decision.

    Args:
        model: The model (an exercise's, :class:`abm.exercise.ExerciseModel`).
        cfg: Hours to declare each phase and to decide at each level; escalation criteria.
    """

    def __init__(self, model: ModelView, cfg: CrisisOrganisationConfig) -> None:
        super().__init__(model)
        self.cfg = cfg
        self.phase = NORMAL
        #: (hour, phase name, why) of every phase declared.
        self.log: list[tuple[float, str, str]] = []
        #: The phase being declared, the hour it will be in force, and why (None: none).
        self.declaring: tuple[int, float, str] | None = None
        #: (hour, injured) of the mass-casualty incidents so far.
        self.casualties: list[tuple[float, float]] = []
        #: The province of every region.
        self._province = np.asarray(model.world.regions.province)

    @property
    def phase_name(self) -> str:
        return PHASE_NAMES[self.phase]

    def declare_hours(self, level: int) -> float:
        """Hours to convene the level's cell and declare its phase (before any slowdown)."""
        c = self.cfg
        return (c.municipal_declare_hours, c.provincial_declare_hours, c.federal_declare_hours)[
            level - 1
        ]

    def decision_hours(self, level: int) -> float:
        """Hours the level's coordination committee takes to turn a decision into orders."""
        c = self.cfg
        return (
            c.municipal_decision_hours,
            c.provincial_decision_hours,
            c.federal_decision_hours,
        )[level - 1]

    def affected_provinces(self) -> int:
        """Provinces where some sector's service is below ``region_service`` now."""
        service = 1.0 - self.model.sectors.inoperability
        low = (service < self.cfg.region_service).any(axis=1)
        return int(np.unique(self._province[low]).size)

    def criteria(self) -> tuple[int, str]:
        """The phase the situation calls for now, and the criterion that calls for it."""
        m, c = self.model, self.cfg
        since = m.hour - c.window_hours
        injured = max((n for hour, n in self.casualties if hour > since), default=0.0)
        provinces = self.affected_provinces()
        incidents = m.crisis_centre.incidents(c.window_hours)
        if provinces >= 2:
            return FEDERAL, f"{provinces} provinces affected"
        if injured >= c.numerous_casualties > 0:
            return FEDERAL, f"numerous casualties ({injured:.0f} injured)"
        if provinces == 1:
            return PROVINCIAL, "one province affected"
        if incidents >= 2:
            return PROVINCIAL, f"{incidents} incidents in {c.window_hours:g} h"
        if incidents == 1:
            return MUNICIPAL, "an incident"
        return NORMAL, ""

    def observe(self) -> None:
        """Declare the phase being declared when its hour has come; start declaring a higher
        phase when the situation calls for one."""
        m = self.model
        now = m.hour + m.dt  # the end of this step
        if self.declaring is not None and self.declaring[1] <= now + 1e-9:
            level, _, why = self.declaring
            self.declaring = None
            if level > self.phase:
                self.phase = level
                self.log.append((now, PHASE_NAMES[level], why))
                m.log_event("crisis_phase", -1, f"{PHASE_NAMES[level]} phase: {why}")
        wanted, why = self.criteria()
        self.escalate(wanted, why, now)

    def escalate(self, level: int, why: str, now: float) -> float:
        """Start declaring ``level`` at ``now`` if it is above the phase in force and above
        the one being declared; return the hour it will be in force."""
        if level <= self.phase:
            return now
        if self.declaring is not None and self.declaring[0] >= level:
            return self.declaring[1]
        ready = now + self.declare_hours(level) * self.model.crisis_centre.slowdown()
        if self.declaring is not None:
            ready = max(ready, self.declaring[1])  # a higher cell is not convened sooner
        self.declaring = (level, ready, why)
        return ready

    def decision_delay(self, level_name: str, now: float) -> tuple[float, float]:
        """For a decision taken at ``now`` at ``level_name``: the hours until orders are given
        (escalating first if the phase in force is lower), and the hour the phase that decides
        it will be in force. Starts that escalation."""
        level = LEVELS.index(level_name) + 1
        in_force = self.escalate(level, f"a decision of {level_name} competence", now)
        orders = in_force + self.decision_hours(level) * self.model.crisis_centre.slowdown()
        return orders - now, in_force
