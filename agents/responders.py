"""Responders: the crisis centre, Defence, the security services and strategic communication.

Mitigation levers set amounts and capacities (a stockpile, guards, surge crews, a search rate,
a counter-messaging effort, a shorter decision procedure); the responders decide when to use
them. The crisis centre raises the alert from what it observes and activates the measures after
a decision delay, which attacks on the state lengthen: cyber attacks that take public
administration down, and narratives aimed at officials (distrust).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import mesa
import numpy as np

from abm.population import BEHAVIOURS
from abm.sectors import SECTOR_INDEX

if TYPE_CHECKING:
    from abm.model import HybridThreatModel

ADMIN = SECTOR_INDEX["public_administration"]
DISTRUST = BEHAVIOURS.index("distrust")


class CrisisCentre(mesa.Agent):
    """The NCCN: alert from indicators, then measures after the decision delay."""

    def __init__(self, model: HybridThreatModel) -> None:
        super().__init__(model)
        self.alert_hour: float | None = None
        self.activation_hour: float | None = None
        self.progress = 0.0  # hours of decision work done since the alert

    @property
    def active(self) -> bool:
        return self.activation_hour is not None

    def observe(self) -> None:
        """Raise the alert on degraded service or a successful attack; decide; activate."""
        m, r = self.model, self.model.cfg.responders
        if self.alert_hour is None:
            attacked = any(m.successes.values())
            national = 1.0 - m.population_share @ m.inoperability
            degraded = float(national.mean()) < r.alert_service
            if attacked or degraded:
                self.alert_hour = m.hour
                m.log_event("crisis_alert", -1, "attack" if attacked else "service degraded")
        if self.alert_hour is None or self.active:
            return
        # the decision slows down while the state is hit: admin outage, distrust of officials
        admin = float(m.inoperability[:, ADMIN] @ m.population_share)
        reach = m.people.reach()
        pushes = m.people.pushes[DISTRUST].astype(bool)
        distrust = (
            float((reach[pushes].sum(axis=0) @ m.people.groups.size) / m.people.groups.size.sum())
            if pushes.any()
            else 0.0
        )
        slowdown = 1.0 + r.delay_per_admin_outage * admin + r.delay_per_distrust * distrust
        self.progress += m.dt / slowdown
        if self.progress >= r.decision_delay_hours * m.delay_factor - 1e-9:
            self.activation_hour = m.hour + m.dt
            m.log_event(
                "measures_activated",
                -1,
                f"{self.activation_hour - self.alert_hour:.0f} h after the alert",
            )

    def apply_measures(self) -> None:
        """Release strategic stocks and call civil repair crews (each up to what is available)."""
        m = self.model
        release = m.stockpile - m.released
        if np.any(release > 0):
            m.capacity_factor += release
            m.released += release
            m.refresh_capacity()
        standing = m.crews - m.surge_added
        target = np.ceil(standing * m.surge_share).astype(np.int64)
        extra = target - m.surge_added
        if np.any(extra > 0):
            m.crews += np.maximum(extra, 0)
            m.surge_added += np.maximum(extra, 0)


class Defence(mesa.Agent):
    """Defence with the Territorial Reserve: guards vital assets and the transit corridors.

    It posts guards once the crisis centre activates measures, and also, as a planned
    operation, while the allied transit is under way.
    """

    def __init__(self, model: HybridThreatModel) -> None:
        super().__init__(model)
        self.capacity_used = -1

    def guard(self) -> None:
        """Guard the ports and designated corridors first, then the rest of the routes, then the
        most critical other assets; most critical first within each."""
        m = self.model
        if m.guard_capacity == self.capacity_used:
            return
        crit = m.world.criticality
        priority = np.zeros(m.world.n_assets)
        priority[m.transit.corridor_assets] = 1
        priority[m.transit.designated_assets] = 2
        order = np.lexsort((np.arange(len(crit)), -crit, -priority))
        m.guarded[:] = False
        m.guarded[order[: m.guard_capacity]] = True
        self.capacity_used = m.guard_capacity
        m.log_event("guards_posted", -1, f"{int(m.guarded.sum())} assets guarded")


class SecurityServices(mesa.Agent):
    """Find and dismantle active cells, at a rate per hour that intelligence raises."""

    def search(self, gen: np.random.Generator) -> None:
        m = self.model
        if not m.cells or m.find_rate <= 0:
            return
        p = -math.expm1(-m.find_rate * m.dt)
        u = gen.random(len(m.cells))
        for cell, draw in zip(m.cells, u, strict=True):
            if cell.active and draw < p:
                cell.active = False
                m.cells_found += 1
                m.log_event("cell_dismantled", -1, f"{cell.name} found by the security services")


class StrategicCommunication(mesa.Agent):
    """Counter-messaging after activation: spreaders meet rebuttals and stop sooner."""

    def act(self) -> None:
        m = self.model
        m.people.stifling_multiplier = 1.0 + m.counter_messaging
