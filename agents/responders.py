"""Responders: the crisis centre, Defence, the security services and strategic communication.

Mitigation levers set amounts and capacities in ``model.responses`` (a stockpile, guards, surge
crews, a search rate, a counter-messaging effort, a shorter decision procedure); the responders
decide when to use them, and read them there (no copies), so what a lever changes shows in
their views at once. The crisis centre raises the alert from what it observes and activates the
measures after a decision delay, which attacks on the state lengthen: cyber attacks that take
public administration down, and narratives aimed at officials (distrust).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import mesa
import numpy as np

from abm.levers import SPREADING
from abm.vocabulary import BEHAVIOURS, SECTOR_INDEX, SECTORS

if TYPE_CHECKING:
    from abm.interfaces import ModelView
    from abm.subservices import Subservices

ADMIN = SECTOR_INDEX["public_administration"]
ENERGY = SECTOR_INDEX["energy"]
#: Sectors whose stock substitutes for supply: food and water as households' stocks do, medical
#: supplies as health capacity. Energy stock is fuel for generators, never grid capacity.
SUBSTITUTES = np.isin(np.arange(len(SECTORS)), [SECTOR_INDEX["food_water"], SECTOR_INDEX["health"]])
DISTRUST = BEHAVIOURS.index("distrust")


class Responder(mesa.Agent):
    """A responder: a Mesa agent that works on the model's state through its ModelView."""

    model: ModelView  # the model as agents see it

    def __init__(self, model: ModelView) -> None:
        super().__init__(model)


class CrisisCentre(Responder):
    """The NCCN: alert from indicators, then measures after the decision delay."""

    def __init__(self, model: ModelView) -> None:
        super().__init__(model)
        self.alert_hour: float | None = None
        self.activation_hour: float | None = None
        self.progress = 0.0  # hours of decision work done since the alert
        #: When the decision would have been taken without a shortened procedure (a legal
        #: framework): the decision work is counted on until it reaches the full delay. After
        #: activation this follows the run's own path, so it is an estimate.
        self.unaided_activation_hour: float | None = None
        #: Hours at which the scenario's shocks, hazards and drone incursions land, and the
        #: hours and numbers of successful attacks seen so far (coupling ``responder_load``).
        self._scripted = model.script.incident_hours()
        self._attacks: list[tuple[float, int]] = []
        self._attacks_seen = 0
        #: The operators' crews and surge share after the last call for surge crews: while
        #: they are the same, the call would change nothing (see :meth:`apply_measures`).
        self._surge_key: tuple[bytes, bytes, float] | None = None
        #: The stockpile and the released flags after the last release: while they are the
        #: same, releasing again changes nothing.
        self._release_key: tuple[bytes, bytes] | None = None
        #: Whether the centre activates the measures by itself when the decision work is done
        #: (today's rule). In a table-top exercise the players decide instead
        #: (:meth:`activate`, abm/exercise.py).
        self.automatic = True

    @property
    def active(self) -> bool:
        """Measures are active."""
        return self.activation_hour is not None

    @property
    def decision_delay_hours(self) -> float:
        """Hours of decision work from alert to activation, before attacks on the state slow
        it down (a legal framework shortens it)."""
        m = self.model
        return float(m.cfg.responders.decision_delay_hours * m.responses.delay_factor)

    @property
    def stockpile(self) -> np.ndarray:
        """Strategic stock per sector it can release (hours of normal national demand; for
        energy, hours of fuel for every backup generator)."""
        return self.model.responses.stockpile

    @property
    def stock_left(self) -> np.ndarray:
        """What is left of the strategic stock per sector."""
        return self.model.responses.stock_left

    @property
    def released(self) -> np.ndarray:
        """Per sector, whether its strategic stock has been released."""
        return self.model.responses.released

    @property
    def surge_share(self) -> float:
        """Surge crews it calls at activation, relative to standing crews."""
        return float(self.model.responses.surge_share)

    def incidents(self, window_hours: float) -> int:
        """Incidents in the last ``window_hours`` up to now: successful attacks (the cells' and
        their recruits') and the scenario's shocks, hazards and drone incursions."""
        m = self.model
        since = m.hour - window_hours
        attacks = sum(n for hour, n in self._attacks if hour > since)
        scripted = int(np.count_nonzero((self._scripted <= m.hour) & (self._scripted > since)))
        return attacks + scripted

    def _count_attacks(self) -> None:
        """Note the successful attacks since the last step (for :meth:`incidents`)."""
        c = self.model.campaign
        seen = int(np.add.reduce(c.successes)) + int(c.proxy_successes)
        if seen > self._attacks_seen:
            self._attacks.append((self.model.hour, seen - self._attacks_seen))
            self._attacks_seen = seen

    def load(self) -> float:
        """The factor by which simultaneous incidents slow decision work (coupling
        ``responder_load``): 1 + strength x (incidents in the window - 1), 1 when switched
        off. A crisis cell works through incidents with the same staff, liaison officers and
        meeting slots, so each incident beyond the first takes a share of the attention the
        decision on measures needs."""
        coupling = self.model.cfg.couplings.responder_load
        if not coupling.enabled:
            return 1.0
        extra = max(self.incidents(coupling.window_hours) - 1, 0)
        return 1.0 + coupling.strength * extra

    def observe(self) -> None:
        """Raise the alert on degraded service or a successful attack; decide, more slowly while
        the state is hit and while incidents pile up; activate."""
        self._count_attacks()
        if self.activation_hour is not None and self.unaided_activation_hour is not None:
            return  # decided, and the unaided decision too: nothing left to observe
        m, r = self.model, self.model.cfg.responders
        inoperability = m.sectors.inoperability
        if self.alert_hour is None:
            attacked = bool(m.campaign.successes.any()) or bool(m.campaign.proxy_successes > 0)
            national = 1.0 - m.population_share @ inoperability
            degraded = float(national.mean()) < r.alert_service
            if attacked or degraded:
                self.alert_hour = m.hour
                m.log_event("crisis_alert", -1, "attack" if attacked else "service degraded")
        if self.alert_hour is None or (self.active and self.unaided_activation_hour is not None):
            return
        self.progress += m.dt / self.slowdown()
        done = m.hour + m.dt
        if not self.active and self.automatic and self.progress >= self.decision_delay_hours - 1e-9:
            self.activation_hour = done
            m.log_event(
                "measures_activated",
                -1,
                f"{self.activation_hour - self.alert_hour:.0f} h after the alert",
            )
        if self.progress >= r.decision_delay_hours - 1e-9:
            self.unaided_activation_hour = done

    def slowdown(self) -> float:
        """The factor by which decision work goes slower now: attacks on the state (public
        administration out, narratives against officials believed) and, with the coupling
        ``responder_load``, incidents that coincide."""
        m, r = self.model, self.model.cfg.responders
        admin = float(m.sectors.inoperability[:, ADMIN] @ m.population_share)
        reach = m.people.reach()
        pushes = m.people.pushes[DISTRUST].astype(bool)
        distrust = (
            float((reach[pushes].sum(axis=0) @ m.people.groups.size) / m.people.groups.size.sum())
            if pushes.any()
            else 0.0
        )
        slowdown = 1.0 + r.delay_per_admin_outage * admin + r.delay_per_distrust * distrust
        if m.cfg.couplings.responder_load.enabled:
            slowdown *= self.load()
        return slowdown

    def activate(self, reason: str) -> None:
        """Activate the measures now, by a decision taken outside the automatic rule (the
        players of an exercise); the alert is raised with it if it was not."""
        m = self.model
        if self.alert_hour is None:
            self.alert_hour = m.hour
            m.log_event("crisis_alert", -1, reason)
        if self.activation_hour is None:
            self.activation_hour = m.hour
            m.log_event("measures_activated", -1, reason)

    def add_incidents(self, hours: np.ndarray) -> None:
        """Count more incidents at ``hours`` (an exercise's injects) in :meth:`incidents`."""
        self._scripted = np.concatenate([self._scripted, np.asarray(hours, dtype=float)])

    def apply_measures(self) -> None:
        """Release strategic stocks, refuel generators from them, and call civil repair crews
        (each up to what is available)."""
        m = self.model
        res = m.responses
        if (res.stockpile.tobytes(), res.released.tobytes()) != self._release_key:
            res.released |= res.stockpile > 0
            self._release_key = (res.stockpile.tobytes(), res.released.tobytes())
        if res.released[ENERGY] and res.stock_left[ENERGY] > 0:
            self.refuel_generators()
        ops = m.operators
        # Once called, the surge is called again only if crews or the share changed: with the
        # same standing crews the target is the same, and the surge crews already reach it.
        key = (ops.crews.tobytes(), ops.surge_crews.tobytes(), float(res.surge_share))
        if key == self._surge_key:
            return
        target = np.ceil(ops.standing_crews * res.surge_share).astype(np.int64)
        if np.any(target > ops.surge_crews):
            ops.call_surge(target)
        self._surge_key = (ops.crews.tobytes(), ops.surge_crews.tobytes(), float(res.surge_share))

    def supply_from_stock(
        self, capacity: np.ndarray, demand: np.ndarray, subs: Subservices | None = None
    ) -> np.ndarray:
        """Capacity with released food, water and medical stock covering shortfalls.

        Where a substitutable sector's capacity falls short of demand, released stock covers
        the shortfall up to ``responders.stock_release_share`` of normal demand, until the
        stock runs out; each region draws its share of national demand (by population). The
        stock is in hours of normal national demand, so a stock of 72 h covers a national
        shortfall of 20% for 15 days.

        Args:
            capacity: Per region and column, capacity from working assets (not changed): the
                sectors, then (with ``subs``) the sub-services (abm/subservices.py).
            demand: Per region and column, demand, both relative to normal demand.
            subs: The sub-services of the extra columns; a sub-service draws on its sector's
                stock in proportion to its need share (a split sector's own column draws
                nothing: its sub-services stand for it).

        Returns:
            ``capacity``, or a copy with the stock's supply added.
        """
        m = self.model
        res = m.responses
        on = SUBSTITUTES & res.released & (res.stock_left > 0)
        if not on.any():
            return capacity
        n_s = len(SECTORS)
        sector = np.arange(n_s)
        weight = np.ones(n_s)
        if subs is not None and subs.n:
            sector = np.concatenate([sector, subs.sector])
            weight = np.concatenate([np.where(subs.split, 0.0, 1.0), subs.weight])
        cols = on[sector]
        short = np.clip(demand[:, cols] - capacity[:, cols], 0.0, None)
        if not short.any():
            return capacity
        supply = np.minimum(short, m.cfg.responders.stock_release_share)
        share = m.world.regions.population / m.world.regions.population.sum()
        drawn = np.bincount(
            sector[cols], weights=share @ supply * m.dt * weight[cols], minlength=n_s
        )
        scale = np.minimum(1.0, res.stock_left / np.maximum(drawn, 1e-300))
        res.stock_left[on] = np.maximum(res.stock_left[on] - drawn[on] * scale[on], 0.0)
        res.mark_stock_used(on & (drawn > 0), m.hour)
        out = capacity.copy()
        out[:, cols] += supply * scale[sector[cols]]
        return out

    def refuel_generators(self) -> None:
        """Released fuel keeps backup generators running: every intact asset whose power
        supply is cut and that has a generator gets this step's hours back, while fuel lasts.
        The fuel stock is in hours of running every backup generator of the country; it never
        restores the grid itself."""
        m = self.model
        w, a, res = m.world, m.assets, m.responses
        power = w.resource_names.index("power")
        generators = np.flatnonzero((w.need_resource == power) & (a.backup_capacity > 0))
        low = generators[a.backup_left[generators] < a.backup_capacity[generators]]
        if not low.size:
            return
        live = np.bincount(w.edge_need[a.working[w.edge_supplier]], minlength=len(w.need_asset))
        running = low[(live[low] == 0) & a.intact_now(m.hour)[w.need_asset[low]]]
        if not running.size:
            return
        want = running.size * m.dt / generators.size
        share = min(1.0, float(res.stock_left[ENERGY]) / want)
        a.backup_left[running] = np.minimum(
            a.backup_capacity[running], a.backup_left[running] + m.dt * share
        )
        res.stock_left[ENERGY] = max(float(res.stock_left[ENERGY]) - want * share, 0.0)
        used = np.zeros(len(SECTORS), dtype=bool)
        used[ENERGY] = True
        res.mark_stock_used(used, m.hour)


class Defence(Responder):
    """Defence with the Territorial Reserve: guards vital assets and the transit corridors.

    It posts guards once the crisis centre activates measures, and also, as a planned
    operation, while the allied transit is under way.
    """

    def __init__(self, model: ModelView) -> None:
        super().__init__(model)
        self.capacity_used = -1
        #: Assets to guard before any other (a decision of the crisis organisation in an
        #: exercise: "guards to the ports"), or None; and the focus the guards were posted for.
        self.focus: np.ndarray | None = None
        self._focus_used: np.ndarray | None = None

    @property
    def guard_capacity(self) -> int:
        """Assets it can guard (its own and the Territorial Reserve's)."""
        return int(self.model.responses.guard_capacity)

    @property
    def guarded(self) -> np.ndarray:
        """Indices of the assets guarded now."""
        return np.flatnonzero(self.model.assets.guarded)

    def guard(self) -> None:
        """Guard the movement's chokepoints first (ports, the Montzen line, the exceptional
        transports' bridges), then the designated corridors, then the rest of the routes, then
        the most critical other assets; most critical first within each. A focus decided in an
        exercise (:attr:`focus`) comes before all of them."""
        m = self.model
        capacity = self.guard_capacity
        if capacity == self.capacity_used and self.focus is self._focus_used:
            return
        crit = m.world.criticality
        priority = np.zeros(m.world.n_assets)
        priority[m.transit.corridor_assets] = 1
        priority[m.transit.designated_assets] = 2
        priority[m.transit.chokepoints] = 3
        if self.focus is not None:
            priority[self.focus] = 4
        self._focus_used = self.focus
        order = np.lexsort((np.arange(len(crit)), -crit, -priority))
        a = m.assets
        guarded = a.guarded
        guarded[:] = False
        guarded[order[:capacity]] = True
        self.capacity_used = capacity
        # usage (levers' engagement): since when each asset is guarded, and by whose guards
        a.guarded_from[~guarded] = np.inf
        a.guarded_from[guarded & np.isinf(a.guarded_from)] = m.hour
        a.reserve_guarded[:] = False
        a.reserve_guarded[order[m.cfg.responders.guarded_assets : capacity]] = True
        m.log_event("guards_posted", -1, f"{int(guarded.sum())} assets guarded")


class SecurityServices(Responder):
    """Find and dismantle active cells, at a rate per hour that intelligence raises."""

    def __init__(self, model: ModelView) -> None:
        super().__init__(model)
        #: Which operators had an intruder inside at the last search, and the share of each
        #: region's telecom capacity under an intruder then (None: no intruder).
        self._intruded_key: bytes | None = None
        self._telecom: np.ndarray | None = None

    @property
    def find_rate(self) -> float:
        """Chance per hour of finding each active cell."""
        return float(self.model.responses.find_rate)

    def cyber_slowdown(self) -> float:
        """The factor by which intruders in telecom slow the search (coupling
        ``cyber_slows_repair``): the population-weighted national mean of 1 + strength x the
        share of the region's telecom capacity under an intruder (1 when switched off). Leads
        are followed up over telecom: intercepts, tips and coordination with the police."""
        m = self.model
        coupling = m.cfg.couplings.cyber_slows_repair
        if not coupling.enabled:
            return 1.0
        intruded = m.operators.intruded_until > m.hour
        key = intruded.tobytes()
        if key != self._intruded_key:  # the operators with an intruder inside changed
            self._intruded_key = key
            self._telecom = m.telecom_intrusion(intruded) if np.count_nonzero(intruded) else None
        if self._telecom is None:
            return 1.0
        telecom = float(m.population_share @ self._telecom)
        return 1.0 + coupling.strength * telecom

    def searching(self) -> bool:
        """Whether :meth:`search` has anything to do: cells at large and a find rate. When
        not, the model does not even position the ``security`` stream (no draw is used)."""
        m = self.model
        return bool(m.script.cell_names) and bool(np.count_nonzero(m.campaign.active))

    def search(self, gen: np.random.Generator) -> None:
        """Each active cell is found with the chance the find rate gives over the step (one
        draw per cell, whether or not it is active, so the layout never shifts)."""
        m = self.model
        names = m.script.cell_names
        rate = self.find_rate
        if not names or rate <= 0:
            return
        campaign = m.campaign
        if not np.count_nonzero(campaign.active):
            return  # no cell at large: no draw would be used
        if m.cfg.couplings.cyber_slows_repair.enabled:
            rate = rate / self.cyber_slowdown()
        p = -math.expm1(-rate * m.dt)
        u = gen.random(len(names))
        # usage (levers' engagement): a search with cells at large
        m.responses.search_until[...] = m.hour
        for k, draw in enumerate(u.tolist()):
            if draw < p and campaign.active[k]:  # a find is rare: test it first
                campaign.active[k] = False
                campaign.cells_found += 1
                m.log_event("cell_dismantled", -1, f"{names[k]} found by the security services")


class StrategicCommunication(Responder):
    """Counter-messaging after activation: spreaders meet rebuttals and stop sooner, and
    believers are corrected.

    Its effort ``e`` (the lever's strength) multiplies the narratives' stifling rate by
    ``1 + e`` and moves believers out of belief at ``population.narratives.correction_rate x e``
    per hour (:meth:`abm.population.PopulationLayer.step`), both from activation on.
    """

    @property
    def counter_messaging(self) -> float:
        """Its counter-messaging effort: the stifling rate rises by this share once active, and
        believers are corrected in proportion to it."""
        return float(self.model.responses.counter_messaging)

    def act(self) -> None:
        m = self.model
        res = m.responses
        stifling = 1.0 + float(res.counter_messaging)
        if float(res.stifling_multiplier) != stifling:  # set once (or when the effort changes)
            res.stifling_multiplier[...] = stifling
        # usage (levers' engagement): rebuttals in force while a narrative spreads
        if res.counter_messaging > 0 and np.count_nonzero(m.people.spreader > SPREADING):
            res.messaging_from[...] = min(float(res.messaging_from), m.hour)
            res.messaging_until[...] = m.hour
