"""Adversary cells: hostile actors that sabotage, hack and deceive.

Cells are few and make discrete choices, so each is a Python object stepped in a loop (the
exception DESIGN.md section 5 allows). Every draw a cell makes at a step comes from its own
stream positioned at that step, so one cell's choices never shift another's, and an arm of an
experiment differs from another only through what its mitigation changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import mesa
import numpy as np

from abm.config import CellConfig
from abm.vocabulary import ACTIONS

if TYPE_CHECKING:
    from abm.interfaces import ModelView
    from abm.population import PopulationLayer

#: Uniform draws a cell takes at every step it acts (fixed, so the layout never shifts).
DRAWS = 8
SABOTAGE = ACTIONS.index("sabotage")


def choose(weights: np.ndarray, u: float) -> int:
    """Index drawn with probability proportional to ``weights`` by inverse CDF at ``u``."""
    cdf = np.cumsum(weights)
    index = int(np.searchsorted(cdf, u * cdf[-1], side="right"))
    return min(max(index, 0), len(weights) - 1)  # as .clip(0, n - 1), without numpy's


class AdversaryCell(mesa.Agent):
    """A hostile cell with a budget, capabilities, a target strategy and a risk of arrest.

    Its budget, whether it is active, and what it has learned are its row of
    ``model.campaign``; this object holds its identity, its reach and its choices.
    """

    model: ModelView  # the model as agents see it

    def __init__(
        self, model: ModelView, index: int, name: str, cfg: CellConfig, dimensions: list[str]
    ) -> None:
        super().__init__(model)
        self.index = index
        self.name = name
        self.cfg = cfg
        w = model.world
        self.region_mask = (
            w.regions.mask(cfg.regions)[w.asset_region]
            if cfg.regions
            else np.ones(w.n_assets, dtype=bool)
        )
        # In the order the config names them (a province stands for its regions).
        self.regions = (
            np.concatenate([w.regions.indices(r) for r in cfg.regions])
            if cfg.regions
            else np.arange(w.regions.n)
        )
        #: Actions it may take in this scenario, with the weight of each (its capability).
        self.skill = np.array(
            [cfg.capabilities.get(a, 0.0) if a in dimensions else 0.0 for a in ACTIONS]
        )
        groups = model.people.groups
        #: Population groups in its regions, and their share of the people there: where it
        #: recruits (coupling ``local_recruits``).
        self._groups = np.flatnonzero(np.isin(groups.region, self.regions))
        self._group_weights = groups.size[self._groups] / groups.size[self._groups].sum()
        #: Whether it can sabotage (only such a cell recruits), read every step.
        self._sabotages = bool(self.skill[SABOTAGE] > 0)
        #: The action costs its cheapest action was found from (:meth:`_cheapest`).
        self._costs_seen: np.ndarray | None = None
        self._cheapest_cost = float("inf")

    @property
    def budget(self) -> float:
        """Action points left."""
        return float(self.model.campaign.budget[self.index])

    @property
    def active(self) -> bool:
        """Not yet dismantled."""
        return bool(self.model.campaign.active[self.index])

    @property
    def value(self) -> np.ndarray:
        """What each action type has paid so far (learned when the adversary is adaptive)."""
        return self.model.campaign.value[self.index]

    @property
    def tried(self) -> np.ndarray:
        """How often each action type was tried."""
        return self.model.campaign.tried[self.index]

    def can_act(self) -> bool:
        """Active, and able to pay for at least one of its actions."""
        campaign, row = self.model.campaign, self.index
        # some action it has the skill for costs no more than its budget: the cheapest does
        return bool(campaign.active[row]) and float(campaign.budget[row]) >= self._cheapest()

    def _cheapest(self) -> float:
        """The cost of its cheapest action (inf: it has none), per the script's costs."""
        costs = self.model.script.action_costs
        if self._costs_seen is not costs:
            skilled = costs[self.skill > 0]
            self._cheapest_cost = float(skilled.min()) if skilled.size else float("inf")
            self._costs_seen = costs
        return self._cheapest_cost

    def act(self, gen: np.random.Generator) -> None:
        """Take one action: choose its type, target it, try it, learn, and risk exposure."""
        m = self.model
        script, campaign, row = m.script, m.campaign, self.index
        u = gen.random(DRAWS)
        affordable = (self.skill > 0) & (script.action_costs <= campaign.budget[row])
        weights = np.where(
            affordable, self.skill * script.action_weights(m.crisis_centre.active), 0.0
        )
        if weights.sum() <= 0:
            return
        if m.cfg.adversary.adaptive and u[5] >= m.cfg.adversary.exploration:
            # exploit: the affordable action that has paid best so far (ties: by weight)
            score = np.where(weights > 0, self.value + 1e-9 * weights, -np.inf)
            k = int(np.argmax(score))
        else:
            k = choose(weights, u[0])
        action = ACTIONS[k]
        campaign.budget[row] -= float(script.action_costs[k])
        if not script.carried_out[k]:
            # Another part of the campaign acts now: its time, budget and risk are spent as in
            # the whole campaign, so the parts of a synergy design add up to the whole.
            self._risk_exposure(action, u)
            return
        skill = self.cfg.capabilities[action]
        campaign.attempts[k] += 1
        if action == "sabotage":
            reward, asset, where = self._sabotage(skill, u)
        elif action == "cyber":
            reward, asset, where = self._cyber(skill, u, gen)
        else:
            reward, asset, where = self._disinformation(skill, u)
        if reward > 0:
            campaign.successes[k] += 1
        m.log_event(
            "attack",
            asset,
            f"{action} by {self.name} on {where}: " + ("success" if reward > 0 else "failed"),
        )
        value = campaign.value[row]
        value[k] += m.cfg.adversary.learning_rate * (reward - value[k])
        campaign.tried[row, k] += 1
        self._risk_exposure(action, u)

    # ---------------------------------------------------------------- local recruits
    @staticmethod
    def trust_losses(people: PopulationLayer) -> np.ndarray:
        """Per group, trust lost since the start (initial trust minus trust now, losses only):
        computed once a step for every cell's recruiting (:meth:`trust_lost`)."""
        return np.maximum(people.groups.trust0 - people.state.trust, 0.0)

    def trust_lost(self, losses: np.ndarray | None = None) -> float:
        """Trust lost in its regions: population-weighted initial trust minus trust now (only
        losses count: a group whose trust rose gives no recruits).

        Args:
            losses: Per group of the world, :meth:`trust_losses` now (computed if omitted).
        """
        if losses is None:
            losses = self.trust_losses(self.model.people)
        return float(losses[self._groups].dot(self._group_weights))  # as @, quicker

    @staticmethod
    def recruit_all(cells: Sequence[AdversaryCell], strength: float, dt: float) -> None:
        """While active and able to sabotage, each cell gains ``strength`` action points per day
        per unit of trust lost in its regions, from local recruits (coupling
        ``local_recruits``): people whose trust has fallen are easier to hire, online, for paid
        sabotage. Once a step for every cell: the trust losses computed once, the points added
        to all rows at once (a cell that does not recruit adds 0.0, leaving its points)."""
        if not cells:
            return
        model = cells[0].model
        campaign = model.campaign
        active = campaign.active.tolist()
        losses: np.ndarray | None = None
        gained = [0.0] * len(active)
        for cell in cells:
            if cell._sabotages and active[cell.index]:
                if losses is None:
                    losses = AdversaryCell.trust_losses(model.people)
                gained[cell.index] = strength * cell.trust_lost(losses) * dt / 24.0
        if losses is not None:
            points = np.array(gained)
            campaign.recruits += points
            campaign.recruited += points

    def proxies_can_act(self) -> bool:
        """Active, and its recruits have the points for a sabotage."""
        campaign = self.model.campaign
        cost = self.model.script.action_costs[SABOTAGE]
        return bool(campaign.active[self.index] and campaign.recruits[self.index] >= cost)

    def proxy_sabotage(self, gen: np.random.Generator) -> None:
        """Its recruits sabotage an asset in its regions, chosen as the cell would, with the
        cell's skill. Recruits are cut-outs: what they do teaches the cell nothing and does not
        expose it. Their draws come from their own stream (``recruits:<cell>``), so the cell's
        own choices are the same with or without them. In a part of a campaign without sabotage
        the points are spent and nothing happens, as for the cell's own actions."""
        m = self.model
        campaign = m.campaign
        u = gen.random(DRAWS)
        campaign.recruits[self.index] -= float(m.script.action_costs[SABOTAGE])
        if not m.script.carried_out[SABOTAGE]:
            return
        campaign.proxy_attempts += 1
        reward, asset, where = self._sabotage(self.cfg.capabilities["sabotage"], u)
        if reward > 0:
            campaign.proxy_successes += 1
        m.log_event(
            "attack",
            asset,
            f"sabotage by recruits of {self.name} on {where}: "
            + ("success" if reward > 0 else "failed"),
        )

    def _risk_exposure(self, action: str, u: np.ndarray) -> None:
        """After an action, the cell is dismantled with the action's detection chance."""
        if u[7] < self.cfg.detection.get(action, 0.0):
            self.model.campaign.active[self.index] = False
            self.model.log_event("cell_dismantled", -1, self.name)

    def _weights(self, vulnerability: np.ndarray, value: np.ndarray) -> np.ndarray:
        if self.cfg.strategy == "random":
            return (vulnerability >= 0).astype(float)
        return value * vulnerability

    def _sabotage(self, skill: float, u: np.ndarray) -> tuple[float, int, str]:
        """Damage an asset; the reward is its criticality relative to the most critical."""
        m = self.model
        candidates = np.flatnonzero(
            self.region_mask & m.script.sabotage_candidates(m.hour) & ~m.assets.damaged
        )
        if not candidates.size:
            return 0.0, -1, "nothing in reach"
        shield = m.assets.sabotage_protection(m.cfg.responders.guard_protection)
        value = m.script.sabotage_value(m.hour, candidates)
        if not value.any():
            # Sent at sites that serve no resident (the military sites of a scenario's target
            # types): the cell goes for the least protected, as a cell with no preference would.
            value = np.ones_like(value)
        weights = self._weights(1.0 - shield[candidates], value)
        if weights.sum() <= 0:
            return 0.0, -1, "nothing in reach"
        target = int(candidates[choose(weights, u[1])])
        where = m.world.type_names[m.world.asset_type[target]]
        if u[2] >= skill * (1.0 - shield[target]):
            return 0.0, target, where
        m.damage_assets(np.array([target]), f"sabotage by {self.name}")
        crit = m.world.criticality
        return max(float(crit[target] / crit.max()), 1e-6), target, where

    def _cyber(
        self, skill: float, u: np.ndarray, gen: np.random.Generator
    ) -> tuple[float, int, str]:
        """Intrude into an operator and hit some of its assets, and those of operators it
        shares IT, vendors or managed services with; the reward is the service they lose as a
        share of all criticality.

        The intruder stays until it is detected and evicted (its dwell time); while it is
        inside, a new action on the operator does not face the operator's maturity. What a hit
        asset loses depends on its type (an outage, manual or degraded operation) or on its
        sector (ransomware), and usually ends long before the intruder leaves.
        """
        m = self.model
        w, script, c = m.world, m.script, m.cfg.adversary.cyber
        inside = m.operators.intruded_until > m.hour
        exposed = np.where(inside, 0.0, m.operators.cyber_maturity)  # an intruder is in
        weights = self._weights(1.0 - exposed, script.operator_criticality)
        if weights.sum() <= 0:
            return 0.0, -1, "no operator"
        target = choose(weights, u[1])
        where = w.operators.names[target]
        m.operators.cyber_attempted[target] = m.hour  # usage (levers' engagement tests)
        if u[2] >= skill * (1.0 - exposed[target]):
            return 0.0, -1, where
        # A fixed layout, indexed by operator or asset (never by how many were hit), so an arm
        # that changes one operator's exposure changes no other draw.
        spread_u = gen.random(w.operators.n)  # per operator: does the compromise spread there
        asset_u = gen.random(w.n_assets)  # per asset: does the effect reach it
        dwell_u = gen.random(w.operators.n)  # per operator: the intruder's dwell time
        restore_u = gen.random(w.n_assets)  # per asset: its restore time
        spread = script.operator_links[target] & (spread_u < c.spread_probability * (1 - exposed))
        dwell = m.hour + script.cyber.dwell(dwell_u)
        m.intrude(np.array([target]), dwell[[target]], f"intrusion by {self.name}")
        others = np.flatnonzero(spread)
        m.intrude(others, dwell[others], f"spread from {where} ({self.name})")
        hit = spread.copy()
        hit[target] = True
        assets = np.flatnonzero(hit[w.asset_operator] & (asset_u < c.asset_share))
        ransom = script.cyber.ransom
        outage, restore, capacity, lost = script.cyber.effect(assets, restore_u, ransom)
        for encrypted, label in ((True, "ransomware"), (False, "cyber attack")):
            mine = ransom[assets] == encrypted
            if mine.any():
                m.compromise_assets(
                    assets[mine],
                    outage[mine],
                    restore[mine],
                    capacity[mine],
                    f"{label} by {self.name}",
                )
        down = float(w.criticality[assets] @ lost)
        return max(min(1.0, down / w.criticality.sum() * 10), 1e-6), -1, where

    def _disinformation(self, skill: float, u: np.ndarray) -> tuple[float, int, str]:
        """Seed a narrative in a region and amplify it there for a while (bots, paid reach);
        the reward is the region's share of the population."""
        m = self.model
        people = m.people
        pop = m.world.regions.population[self.regions]
        pick = choose(pop if self.cfg.strategy == "weighted" else np.ones(len(pop)), u[1])
        region = self.regions[pick]
        where = m.world.regions.keys[region]
        groups = people.groups.region == region
        size = people.groups.size[groups]
        susceptibility = float(people.groups.susceptibility[groups] @ size / size.sum())
        if u[2] >= skill * susceptibility:
            return 0.0, -1, where
        behaviour = choose(m.script.behaviour_weights, u[4])
        index = m.script.adversary_narratives[behaviour]
        d = m.cfg.adversary.disinformation
        people.seed_groups(index, groups, d.seed_fraction, d.amplification, d.amplification_hours)
        m.log_event("narrative_seeded", -1, f"{people.narratives[index].name} in {where}")
        return max(float(pop[pick] / m.world.regions.population.sum()), 1e-6), -1, where
