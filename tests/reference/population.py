"""A per-agent reference of the population layer, to check it and to measure its speed-up.

:class:`abm.population.PopulationLayer` updates every population group (one per region and
cohort) at once with numpy. That is fast but hard to read and easy to get subtly wrong, so this
module implements the same update "the plain Mesa way": one :class:`GroupAgent` per group,
holding its own state as Python floats and short lists, stepped with
``agents.shuffle_do("step")`` into pending values and then ``agents.shuffle_do("advance")``.
It exists for two reasons only:

* **checking**: run it in lock-step with the layer on the same inputs and compare every state
  array after every step (``tests/test_reference_population.py``);
* **benchmarking**: the ratio of group-updates per second between the two
  (``python -m tests.reference.population --steps 48`` from the checkout, and ``make bench``).

It is not used by the model. It reproduces, to floating-point rounding, everything
``PopulationLayer.step(inoperability, hour)`` does: the calm step at rest, needs and household
stocks, Maki-Thompson spreading with forgetting and correction integrated with the same RK4
sub-steps (same number of sub-steps, same four stages, same clipping) and the exact fading of
belief once nobody spreads, acceptance raised by the hardship_acceptance coupling and by
amplifications under way, acting as a share of new believers (capped by belief), the decay of
behaviour, trust, displacement and return, and the regional demand matrix; and the events
``seed``, ``seed_groups`` (with amplification), ``evacuate``, ``add_prebunking`` and
``stifling_multiplier`` (which also sets the correction).

Displaced members are booked as the layer books them: by destination *area* (the province),
spread inside an area over its regions in proportion to this step's weights, and never in
their own region (:class:`abm.population.Whereabouts`). At province resolution every area is
one region, and the bookkeeping is by region.

Where the layer needs a sum over groups (the regional and national mixing means inside each RK4
stage, the regional weights of the mixing, the largest spreading rate, the present population,
regional belief, care demand, arrivals, national trust and reach), the model makes a pass over
its agents in their fixed creation order, accumulating into per-region Python lists, before the
agents that need the result compute. Those passes are in a fixed order so that the
floating-point sums, and hence the results, are the same whatever Mesa's shuffle; the agents'
own updates are shuffled and read only their own (old) state and those model-level sums, so
their order cannot matter. The results differ from the layer's only in the last bits, because
numpy sums in other orders. Per-region quantities that involve no group (service, destination
weights, the whereabouts of the displaced inside an area) are computed once per step at model
level, as the layer does.

For single-core figures comparable with ``make bench``, run the benchmark with
``OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1``.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Sequence
from typing import Any

import mesa
import numpy as np
from omegaconf import DictConfig
from scipy.special import ndtr, ndtri

from abm.api import as_run_config
from abm.config import NarrativeSeedConfig, PopulationConfig, RunConfig
from abm.config.couplings import HardshipAcceptanceConfig
from abm.population import (
    REST_TOLERANCE,
    VISIBLE_SECTORS,
    PopulationLayer,
    acting_shares,
    build_groups,
)
from abm.sectors import SECTOR_INDEX, SECTORS
from abm.vocabulary import BEHAVIOURS
from abm.world import Regions, load_regions

ENERGY, FOOD_WATER, HEALTH, POPULATION_FLOWS, FINANCE = (
    SECTOR_INDEX[s] for s in ("energy", "food_water", "health", "population_flows", "finance")
)
PANIC, BANK_RUN, FEAR = (BEHAVIOURS.index(b) for b in ("panic_buying", "bank_run", "fear"))

#: Per-narrative agent attributes (transposed to ``(narratives, groups)`` like the layer's).
NARRATIVE_STATE = ("ignorant", "spreader", "acting")

#: Every state array the comparison covers, by name (``snapshot`` returns these).
STATE_NAMES = (
    "ignorant",
    "spreader",
    "acting",
    "trust",
    "stocks",
    "unmet",
    "home",
    "displaced",
    "hardship",
    "peak_displaced",
    "return_after",
    "demand",
    "present_share",
    "arrivals",
)


class GroupAgent(mesa.Agent):
    """One population group (a cohort in a region), with its state as plain Python numbers.

    Every method reads only this group's own state and the model-level sums the model has
    just computed, and writes only this group's state (pending values in ``step``, applied in
    ``advance``), so the agents can be stepped in any order.
    """

    def __init__(self, model: ReferencePopulationModel, index: int) -> None:
        super().__init__(model)
        g = model.groups
        self.index = index
        # What does not change.
        self.region = int(g.region[index])
        self.area = model.region_area[self.region]
        self.cohort = int(g.cohort[index])
        self.size = float(g.size[index])
        self.stock_capacity: list[float] = g.stock_hours[index].tolist()
        self.trust0 = float(g.trust0[index])
        self.susceptibility = float(g.susceptibility[index])
        self.media_literacy = float(g.media_literacy[index])
        self.health_dependency = float(g.health_dependency[index])
        self.mobility = float(g.mobility[index])
        # What changes.
        n_narratives = len(model.narratives)
        self.home = self.size
        #: Members displaced, by the area (province) they are in.
        self.displaced = [0.0] * model.n_areas
        self.stocks = list(self.stock_capacity)
        self.unmet = [0.0] * len(SECTORS)
        self.trust = self.trust0
        self.hardship = 0.0
        self.peak_displaced = 0.0
        self.return_after = 0.0
        self.ignorant = [1.0] * n_narratives
        self.spreader = [0.0] * n_narratives
        self.acting = [0.0] * n_narratives
        #: Per narrative, the share of new believers who act (by behaviour and cohort).
        self.act_share = [model.act_table[b][index] for b in model.behaviour_of]
        #: Summed reach of all narratives, as of the last step that spread them (the layer's
        #: ``_belief``: seeding alone does not change it).
        self.belief = 0.0
        #: Prebunking campaigns that reach this group: (effect d, decay hours, reach, start).
        self.prebunking: list[tuple[float, float, float, float]] = []
        # Read by the model's demand pass after each step.
        self.by_behaviour = [0.0] * len(BEHAVIOURS)
        self.cut_off = 0.0
        # This step's room for the displaced inside the own area (the layer's Whereabouts).
        self.own_rest = 0.0
        self.own_ok = False
        self._pending: dict[str, Any] = {}
        # Spreading, within one step: rates, mixing weights, sub-step and stage values.
        self._rate: list[float] = []
        self._c_region = 0.0
        self._c_nation = 0.0
        self._i: list[float] = []
        self._s: list[float] = []
        self._xi: list[float] = []
        self._xs: list[float] = []
        self._k: list[tuple[list[float], list[float], list[float]]] = []
        #: New acceptances per narrative over the step (integrated with the RK4 stages).
        self._a: list[float] = []

    # ---------------------------------------------------------------- narratives (RK4)
    def prepare_spread(self) -> None:
        """This step's spreading rate per narrative, from the acceptance at the old trust."""
        m = self.model
        nc = m.cfg.narratives
        acceptance = (
            self.susceptibility
            * (1.0 - self.media_literacy)
            * (1.0 - nc.trust_discount * self.trust)
        )
        if m.hardship_acceptance is not None:
            pressure = max(self.hardship, m.visible[self.region])
            acceptance = min(acceptance * (1.0 + m.hardship_acceptance.strength * pressure), 1.0)
        for effect, decay, reach, start in self.prebunking:
            d = effect * math.exp(-(m.hour - start) / decay)
            p = min(max(acceptance, 1e-12), 1 - 1e-12)
            acceptance = (1 - reach) * p + reach * float(ndtr(float(ndtri(p)) - d))
        self._rate = [cv * acceptance for cv in m.contact_virality]
        if m.boost is not None:
            self._rate = [
                r * (1.0 + b[self.index]) for r, b in zip(self._rate, m.boost, strict=True)
            ]

    def start_spread(self, region_weight: list[float], nation_weight: float) -> None:
        """Mixing weights from members at home, and the sub-step state from the old state."""
        within = self.model.cfg.narratives.within_region_share
        self._c_region = within * self.home / region_weight[self.region]
        self._c_nation = (1.0 - within) * self.home / nation_weight
        self._i = list(self.ignorant)
        self._s = list(self.spreader)
        self._xi, self._xs = self._i, self._s
        self._k = []
        self._a = [0.0] * len(self._i)

    def rk_stage(self, stage: int, h: float) -> None:
        """One RK4 stage, from the model's mixing sums of the previous stage's values."""
        m = self.model
        region_s, region_k, nation_s, nation_k = m.met
        r = self.region
        stifle, forget = m.stifle_rate, m.forget_rate
        ki: list[float] = []
        ks: list[float] = []
        ka: list[float] = []
        for n, (i, s, rate) in enumerate(zip(self._xi, self._xs, self._rate, strict=True)):
            new = rate * i * (region_s[n][r] + nation_s[n])
            ds = new - stifle * s * (region_k[n][r] + nation_k[n])
            if forget > 0:  # believers forget (or are corrected) and become ignorant again
                ki.append(-new + forget * (1.0 - i))
                ks.append(ds - forget * s)
            else:
                ki.append(-new)
                ks.append(ds)
            ka.append(new)
        self._k.append((ki, ks, ka))
        if stage < 3:
            f = h if stage == 2 else 0.5 * h
            self._xi = [i + f * k for i, k in zip(self._i, ki, strict=True)]
            self._xs = [s + f * k for s, k in zip(self._s, ks, strict=True)]
            return
        (k1i, k1s, k1a), (k2i, k2s, k2a), (k3i, k3s, k3a), _ = self._k
        w = h / 6.0
        self._a = [
            x + w * (a + 2 * b + 2 * c + d)
            for x, a, b, c, d in zip(self._a, k1a, k2a, k3a, ka, strict=True)
        ]
        self._i = [
            i + w * (a + 2 * b + 2 * c + d)
            for i, a, b, c, d in zip(self._i, k1i, k2i, k3i, ki, strict=True)
        ]
        self._s = [
            s + w * (a + 2 * b + 2 * c + d)
            for s, a, b, c, d in zip(self._s, k1s, k2s, k3s, ks, strict=True)
        ]
        self._xi, self._xs = self._i, self._s
        self._k = []

    def end_spread(self) -> None:
        """Keep the new fractions in the simplex."""
        self._i = [min(max(i, 0.0), 1.0) for i in self._i]
        self._s = [min(max(s, 0.0), 1.0 - i) for s, i in zip(self._s, self._i, strict=True)]

    # ---------------------------------------------------------------- the step
    def step(self) -> None:
        """Needs and stocks, behaviour, trust and displacement, from the old state."""
        m = self.model
        cfg, b, dt = m.cfg, m.cfg.behaviour, m.dt
        n_sectors = len(SECTORS)
        # Needs: household stocks cover a shortfall at home first; displaced people draw on
        # the service where they are, without stocks.
        shortfall = m.shortfall[self.region]
        stocks = list(self.stocks)
        resident_short = [0.0] * n_sectors
        for s in range(n_sectors):
            use = shortfall[s] * m.need_weight[s] * dt
            covered = min(use, stocks[s])
            left = stocks[s] - covered
            resident_short[s] = (use - covered) / dt
            if shortfall[s] <= 1e-12:
                left = min(self.stock_capacity[s], left + m.restock)
            stocks[s] = left
        # Displaced members meet their area's mean shortfall; those inside their own area, the
        # mean of its other regions.
        area, q = self.area, self.region
        own_rest = m.area_weight[area] - m.where_weight[q]
        own_ok = own_rest > 1e-12 * m.area_weight[area]
        away = [0.0] * n_sectors
        if any(self.displaced):
            for a in m.short_areas:
                there = self.displaced[a]
                if there:
                    row = m.area_shortfall[a]
                    for s in range(n_sectors):
                        away[s] += there * row[s]
            own = self.displaced[area] if own_ok else 0.0
            if own:
                mean, here = m.area_shortfall[area], m.shortfall[q]
                aw, wq = m.area_weight[area], m.where_weight[q]
                for s in range(n_sectors):
                    own_mean = (aw * mean[s] - wq * here[s]) / own_rest
                    away[s] += own * (own_mean - mean[s])
        step_unmet = [
            (self.home * short + a) * dt for short, a in zip(resident_short, away, strict=True)
        ]
        unmet = [u + x for u, x in zip(self.unmet, step_unmet, strict=True)]
        unmet_fraction = min(sum(step_unmet) / (self.size * dt * m.need_scale), 1.0)

        # Behaviour fades; a share of new believers start acting; nobody acts on what they no
        # longer believe.
        acting = [a * m.acting_decay for a in self.acting]
        ignorant, spreader, belief = self.ignorant, self.spreader, self.belief
        if m.spreading:
            ignorant, spreader = self._i, self._s
            acting = [
                min(a + share * max(new, 0.0), 1.0 - i)
                for a, share, new, i in zip(acting, self.act_share, self._a, ignorant, strict=True)
            ]
            belief = sum(1.0 - i for i in ignorant)
        elif m.forgetting:
            ignorant, spreader, belief = self._forgotten()
            acting = [min(a, 1.0 - i) for a, i in zip(acting, ignorant, strict=True)]
        acting = [0.0 if a < 1e-12 else a for a in acting]

        # Trust.
        t = cfg.trust
        change = (
            -t.loss_per_unmet * unmet_fraction
            - t.loss_per_belief * min(belief, 1.0)
            + t.recovery * (self.trust0 - self.trust) * (1.0 - unmet_fraction)
        )
        trust = min(max(self.trust + change * dt, 0.0), 1.0)

        # Displacement and return.
        by_behaviour = [0.0] * len(BEHAVIOURS)
        for n, a in enumerate(acting):
            by_behaviour[m.behaviour_of[n]] += a
        by_behaviour = [min(x, 1.0) for x in by_behaviour]
        home_unmet = sum(resident_short) / m.need_total
        hardship = self.hardship + (home_unmet - self.hardship) * m.hardship_step
        pressure = max(0.0, hardship - b.hardship_threshold) / (1.0 - b.hardship_threshold)
        rate = self.mobility * (b.leave_rate * pressure + b.fear_leave_rate * by_behaviour[FEAR])
        leavers = self.home * -math.expm1(-rate * dt)
        home, displaced = self.home, self.displaced
        if leavers:
            dest = m.destinations(area, m.attraction_by_area, m.attraction[q])
            if dest is not None:
                home = home - leavers
                displaced = [d + leavers * x for d, x in zip(displaced, dest, strict=True)]
        if hardship < b.hardship_threshold / 2 and m.hour >= self.return_after and any(displaced):
            back = [d * m.return_step for d in displaced]
            displaced = [d - x for d, x in zip(displaced, back, strict=True)]
            home += sum(back)
        self._pending = {
            "stocks": stocks,
            "unmet": unmet,
            "ignorant": ignorant,
            "spreader": spreader,
            "acting": acting,
            "belief": belief,
            "trust": trust,
            "hardship": hardship,
            "home": home,
            "displaced": displaced,
            "peak_displaced": max(self.peak_displaced, sum(displaced)),
            "by_behaviour": by_behaviour,
            "cut_off": max(resident_short[ENERGY], resident_short[FOOD_WATER]),
            "own_rest": own_rest,
            "own_ok": own_ok,
        }

    def _forgotten(self) -> tuple[list[float], list[float], float]:
        """With nobody spreading, belief decays at the forgetting rate (exactly over the step):
        the new ignorant and spreader fractions and summed reach."""
        keep = self.model.keep_belief
        ignorant = [1.0 - (1.0 - i) * keep for i in self.ignorant]
        spreader = [s * keep for s in self.spreader]
        return ignorant, spreader, sum(1.0 - i for i in ignorant)

    def calm_step(self) -> None:
        """The step at rest: belief fades; trust recovers and drifts with belief; hardship
        fades."""
        m = self.model
        if m.forgetting:
            self.ignorant, self.spreader, self.belief = self._forgotten()
        t = m.cfg.trust
        # update_trust with no unmet need, written out term by term as the layer computes it.
        change = (
            -t.loss_per_unmet * 0.0
            - t.loss_per_belief * min(self.belief, 1.0)
            + t.recovery * (self.trust0 - self.trust) * (1.0 - 0.0)
        )
        self._pending = {
            "trust": min(max(self.trust + change * m.dt, 0.0), 1.0),
            "hardship": self.hardship - self.hardship * m.hardship_step,
        }

    def advance(self) -> None:
        """Apply the values computed in ``step`` (or ``calm_step``)."""
        for name, value in self._pending.items():
            setattr(self, name, value)
        self._pending = {}


class ReferencePopulationModel(mesa.Model):
    """The population phase as a plain Mesa model: one :class:`GroupAgent` per group.

    Built from the same inputs as :class:`~abm.population.PopulationLayer` and driven the same
    way (``seed(index)`` for due narratives, then ``step(inoperability, hour)`` each step);
    the accessors return numpy arrays in the layer's layout, for comparison.
    """

    def __init__(
        self,
        cfg: PopulationConfig,
        narratives: list[NarrativeSeedConfig],
        regions: Regions,
        dt: float,
        *,
        rng: int | None = 0,
        hardship_acceptance: HardshipAcceptanceConfig | None = None,
    ) -> None:
        super().__init__(rng=rng)
        # Mesa replaced ``self.step`` by its wrapper (count the step, advance time, call the
        # class's ``step`` with no argument). Keep the wrapper and expose the two-argument step.
        self._mesa_step = self.step
        del self.step
        self.cfg = cfg
        self.narratives = list(narratives)
        self.regions = regions
        self.dt = float(dt)
        self.groups = build_groups(cfg, regions)  # shared set-up: static group attributes
        self.population: list[float] = regions.population.tolist()
        #: Destination area (province) of each region, numbered in order of first appearance.
        area_index = {p: i for i, p in enumerate(regions.provinces)}
        self.region_area = [area_index[p] for p in regions.province]
        self.n_areas = len(area_index)
        #: Every area one region: displacement is booked by region, as the layer does then.
        self.by_region = self.n_areas == regions.n
        b = cfg.behaviour
        # Constants of the update, as the layer computes them.
        self.need_weight = [float(cfg.need_weights[s]) for s in SECTORS]
        self.need_scale = max(sum(self.need_weight), 1.0)
        self.need_total = max(sum(self.need_weight), 1e-12)
        self.restock = cfg.restock_per_hour * self.dt
        self.acting_decay = math.exp(-self.dt / b.behaviour_hours)
        self.hardship_step = min(1.0, self.dt / b.hardship_hours)
        self.return_step = -math.expm1(-b.return_rate * self.dt)
        self.behaviour_of = [BEHAVIOURS.index(n.behaviour) for n in self.narratives]
        #: Per behaviour and group, the share of new believers who act.
        self.act_table: list[list[float]] = acting_shares(cfg, self.groups).tolist()
        self.hardship_acceptance = (
            hardship_acceptance
            if hardship_acceptance is not None and hardship_acceptance.enabled
            else None
        )
        #: Per region, the mean inoperability of the visible sectors this step.
        self.visible: list[float] = [0.0] * regions.n
        #: Amplifications under way: [narrative, per group chosen, added multiple, steps left].
        self.amplifications: list[list[Any]] = []
        #: This step's added multiple of the spreading rate per narrative and group, or None.
        self.boost: list[list[float]] | None = None
        #: Whether belief only fades this step (nobody spreads; forgetting or correction on).
        self.forgetting = False
        self.forget_rate = 0.0
        self.keep_belief = 1.0
        self.contact_virality = [
            cfg.narratives.contact_rate * float(n.virality) for n in self.narratives
        ]
        total_population = sum(self.population)
        self.reception = [
            p / total_population * cfg.reception_baseline_persons for p in self.population
        ]
        #: Per region, displaced people placed in an emergency shelter.
        self.sheltered = [0.0] * regions.n
        #: Multiplier of the stifling rate (strategic communication raises it).
        self.stifling_multiplier = 1.0
        self.hour = 0.0
        # Inputs of the current step, at model level (per region or area, not per group).
        self.shortfall: list[list[float]] = []
        #: Attractiveness of each region (population x service), and summed per area.
        self.attraction: list[float] = []
        self.attraction_by_area: list[float] = []
        #: Where the displaced are inside an area: each region's weight (never 0), the area's
        #: total, the region's share of it, and per area the share-weighted mean shortfall.
        self.where_weight: list[float] = []
        self.area_weight: list[float] = []
        self.area_share: list[float] = []
        self.area_shortfall: list[list[float]] = []
        self.short_areas: list[int] = []
        self._set_whereabouts(self.population)
        self.spreading = False
        self.stifle_rate = 0.0
        self.met: tuple[list[list[float]], list[list[float]], list[float], list[float]] = (
            [],
            [],
            [],
            [],
        )
        self._inputs: tuple[np.ndarray, float] | None = None

        self.group_agents = [GroupAgent(self, i) for i in range(self.groups.n)]
        self.size_total = sum(a.size for a in self.group_agents)
        self._demand = [[1.0] * len(SECTORS) for _ in range(regions.n)]
        self._present_share = [p / total_population for p in self.population]
        self._arrivals = [0.0] * regions.n
        self.min_trust = self._national_trust()
        self.peak_belief = 0.0
        self.at_rest = True
        self.n_substeps = 0  # RK4 sub-steps of the last step that spread narratives

    # ------------------------------------------------------------------ driving
    def step(self, inoperability: np.ndarray | None = None, hour: float | None = None) -> None:
        """Advance the population by one step, given this step's sector inoperability.

        Called with the inputs, it runs one Mesa step (Mesa counts it and advances time); Mesa
        then calls it back without arguments to do the update.
        """
        if inoperability is not None:
            self._inputs = (np.asarray(inoperability, dtype=float), float(hour or 0.0))
            self._mesa_step()
            return
        assert self._inputs is not None
        self._update(*self._inputs)

    def _update(self, inoperability: np.ndarray, hour: float) -> None:
        self.hour = hour
        self._amplification()
        nc = self.cfg.narratives
        self.forget_rate = nc.forgetting_rate + nc.correction_rate * max(
            self.stifling_multiplier - 1.0, 0.0
        )
        self.keep_belief = math.exp(-self.forget_rate * self.dt)
        believed = any(i < 1.0 for agent in self.group_agents for i in agent.ignorant)
        self.forgetting = self.forget_rate > 0 and believed
        if self.at_rest and not inoperability.any():
            self.agents.shuffle_do("calm_step")
            self.agents.shuffle_do("advance")
            self.min_trust = min(self.min_trust, self._national_trust())
            return
        self.shortfall = inoperability.tolist()
        self.attraction = [
            p * (1.0 - sum(row) / len(row))
            for p, row in zip(self.population, self.shortfall, strict=True)
        ]
        self.attraction_by_area = self._by_area(self.attraction)
        self._set_whereabouts(
            [max(a, 1e-9 * p) for a, p in zip(self.attraction, self.population, strict=True)]
        )
        largest_spreader = 0.0
        for agent in self.group_agents:
            largest_spreader = max(largest_spreader, *agent.spreader, 0.0)
        self.spreading = bool(self.narratives) and largest_spreader > 1e-12
        self.forgetting = self.forgetting and not self.spreading
        self.visible = [sum(row[k] for k in VISIBLE_SECTORS) / 3.0 for row in self.shortfall]
        if self.spreading:
            self._spread()
        self.agents.shuffle_do("step")
        self.agents.shuffle_do("advance")
        self._after_step()

    def _amplification(self) -> None:
        """This step's added multiple of the spreading rate per narrative and group (the sum
        of the amplifications under way); counts their steps down."""
        if not self.amplifications:
            self.boost = None
            return
        boost = [[0.0] * self.groups.n for _ in self.narratives]
        for index, chosen, strength, _ in self.amplifications:
            row = boost[index]
            for g, hit in enumerate(chosen):
                if hit:
                    row[g] += strength
        self.boost = boost
        for a in self.amplifications:
            a[3] -= 1
        self.amplifications = [a for a in self.amplifications if a[3] > 0]

    def _by_area(self, per_region: list[float]) -> list[float]:
        out = [0.0] * self.n_areas
        for area, x in zip(self.region_area, per_region, strict=True):
            out[area] += x
        return out

    def _set_whereabouts(self, weight: list[float]) -> None:
        """Where the displaced are inside each area this step (the layer's ``Whereabouts``)."""
        self.where_weight = weight
        self.area_weight = self._by_area(weight)
        self.area_share = [
            w / self.area_weight[a] for w, a in zip(weight, self.region_area, strict=True)
        ]
        self.area_shortfall = [[0.0] * len(SECTORS) for _ in range(self.n_areas)]
        short = set()
        for r, row in enumerate(self.shortfall):
            if any(row):
                a, share = self.region_area[r], self.area_share[r]
                mean = self.area_shortfall[a]
                for s, x in enumerate(row):
                    mean[s] += share * x
                short.add(a)
        self.short_areas = sorted(short)

    def destinations(
        self, area: int, weight_by_area: list[float], own_weight: float
    ) -> list[float] | None:
        """Share of a group's leavers going to each area, by weight per region, its own region
        (weight ``own_weight``, in ``area``) excluded; None if there is nowhere to go."""
        dest = list(weight_by_area)
        dest[area] -= own_weight
        dest = [max(d, 0.0) for d in dest]
        total = sum(dest)
        if not total > 0:
            return None
        return [d / total for d in dest]

    def _spread(self) -> None:
        """Integrate the narratives over the step: RK4 on sub-steps, as ``narratives.advance``."""
        nc = self.cfg.narratives
        n_regions = self.regions.n
        self.agents.shuffle_do("prepare_spread")
        largest_rate = 0.0
        region_weight = [0.0] * n_regions
        nation_weight = 0.0
        for agent in self.group_agents:
            largest_rate = max(largest_rate, *agent._rate, 0.0)
            region_weight[agent.region] += agent.home
            nation_weight += agent.home
        self.stifle_rate = nc.stifling_rate * self.stifling_multiplier
        bound = largest_rate + max(self.stifle_rate, 0.0) + max(self.forget_rate, 0.0)
        self.n_substeps = max(1, math.ceil(bound * self.dt / nc.max_substep_rate))
        h = self.dt / self.n_substeps
        region_weight = [w if w > 0 else 1.0 for w in region_weight]
        self.agents.shuffle_do("start_spread", region_weight, nation_weight)
        for _ in range(self.n_substeps):
            for stage in range(4):
                self._mixing_sums()
                self.agents.shuffle_do("rk_stage", stage, h)
        self.agents.shuffle_do("end_spread")

    def _mixing_sums(self) -> None:
        """What groups meet: per narrative, regional and national weighted sums of the current
        stage's spreaders and of those who know the narrative (``1 - ignorant``)."""
        n_narratives, n_regions = len(self.narratives), self.regions.n
        region_s = [[0.0] * n_regions for _ in range(n_narratives)]
        region_k = [[0.0] * n_regions for _ in range(n_narratives)]
        nation_s = [0.0] * n_narratives
        nation_k = [0.0] * n_narratives
        for agent in self.group_agents:
            r, cr, cn = agent.region, agent._c_region, agent._c_nation
            for n in range(n_narratives):
                s = agent._xs[n]
                k = 1.0 - agent._xi[n]
                region_s[n][r] += s * cr
                region_k[n][r] += k * cr
                nation_s[n] += s * cn
                nation_k[n] += k * cn
        self.met = (region_s, region_k, nation_s, nation_k)

    def _after_step(self) -> None:
        """Demand per region, present population, summary figures and whether at rest."""
        b = self.cfg.behaviour
        n_regions, n_narratives = self.regions.n, len(self.narratives)
        n_areas = self.n_areas
        at_home = [0.0] * n_regions
        in_area = [0.0] * n_areas  # displaced present in each area
        own_in_area = [0.0] * n_areas  # of whom displaced inside their own area
        ratio_area = [0.0] * n_areas
        ratio_region = [0.0] * n_regions
        panic = [0.0] * n_regions
        bank_run = [0.0] * n_regions
        care = [0.0] * n_regions
        reach = [0.0] * n_narratives
        at_rest = True
        calm_hardship = b.hardship_threshold / 2
        for agent in self.group_agents:
            r, home = agent.region, agent.home
            at_home[r] += home
            if any(agent.displaced):
                at_rest = False
                for a, d in enumerate(agent.displaced):
                    in_area[a] += d
            own = agent.displaced[agent.area] if agent.own_ok else 0.0
            own_in_area[agent.area] += own
            ratio = own / agent.own_rest if agent.own_ok else 0.0
            ratio_area[agent.area] += ratio
            ratio_region[r] += ratio
            panic[r] += agent.by_behaviour[PANIC] * home
            bank_run[r] += agent.by_behaviour[BANK_RUN] * home
            care[r] += agent.health_dependency * home * agent.cut_off
            for n, i in enumerate(agent.ignorant):
                reach[n] += (1.0 - i) * agent.size
            at_rest = (
                at_rest
                and agent.stocks == agent.stock_capacity
                and not any(agent.acting)
                and not any(s > 1e-12 for s in agent.spreader)
                and agent.hardship < calm_hardship
            )
        if self.by_region:
            arrived = [in_area[self.region_area[r]] for r in range(n_regions)]
        else:  # the area's outsiders by share; those from the area itself in its other regions
            arrived = [
                (in_area[a] - own_in_area[a]) * self.area_share[r]
                + self.where_weight[r] * (ratio_area[a] - ratio_region[r])
                for r, a in enumerate(self.region_area)
            ]
        self._arrivals = arrived
        present = [h + a for h, a in zip(at_home, arrived, strict=True)]
        total_present = sum(present)
        self._present_share = [p / total_present for p in present]
        # Emergency shelter opens for those who need public shelter, shared by unplaced need.
        need = [a * b.reception_share for a in arrived]
        self.sheltered = [min(s, n) for s, n in zip(self.sheltered, need, strict=True)]
        unplaced = [n - s for n, s in zip(need, self.sheltered, strict=True)]
        total_unplaced = sum(unplaced)
        if total_unplaced > 0.0:
            frac = min(1.0, self.cfg.shelter_places_per_hour * self.dt / total_unplaced)
            for r in range(n_regions):
                opened = unplaced[r] * frac
                self.sheltered[r] += opened
                unplaced[r] -= opened
        demand = []
        for r in range(n_regions):
            den = at_home[r] if at_home[r] > 0 else 1.0
            scale = present[r] / self.population[r]
            row = [scale] * len(SECTORS)
            row[FOOD_WATER] = scale * (1.0 + b.panic_buying_gain * (panic[r] / den))
            row[FINANCE] = scale * (1.0 + b.bank_run_gain * (bank_run[r] / den))
            row[HEALTH] = scale + care[r] / self.population[r]
            row[POPULATION_FLOWS] = 1.0 + unplaced[r] / self.reception[r]
            demand.append(row)
        self._demand = demand
        self.min_trust = min(self.min_trust, self._national_trust())
        if n_narratives:
            self.peak_belief = max(self.peak_belief, max(x / self.size_total for x in reach))
        self.at_rest = at_rest and all(
            abs(x - 1.0) <= REST_TOLERANCE for row in demand for x in row
        )

    def _national_trust(self) -> float:
        return sum(a.trust * a.size for a in self.group_agents) / self.size_total

    # ------------------------------------------------------------------ events
    def seed(self, index: int) -> None:
        """Make a narrative's target groups part spreaders, as ``PopulationLayer.seed``."""
        n = self.narratives[index]
        regions = self.regions.mask(n.regions).tolist() if n.regions else None
        cohorts = {self.groups.cohort_names.index(c) for c in n.cohorts}
        target = [
            (regions is None or regions[a.region]) and (not cohorts or a.cohort in cohorts)
            for a in self.group_agents
        ]
        self.seed_groups(
            index, np.array(target), n.seed_fraction, n.amplification, n.amplification_hours
        )

    def seed_groups(
        self,
        index: int,
        target: np.ndarray,
        fraction: float,
        amplification: float = 0.0,
        hours: float = 0.0,
    ) -> None:
        """Turn ``fraction`` of each target group (mask or indices) into spreaders (a share of
        them act), and amplify the narrative there for ``hours`` (whole steps, rounded up)."""
        chosen = np.zeros(self.groups.n, dtype=bool)
        chosen[target] = True
        for agent, hit in zip(self.group_agents, chosen.tolist(), strict=True):
            if hit:
                moved = min(fraction, agent.ignorant[index])
                agent.ignorant[index] -= moved
                agent.spreader[index] += moved
                agent.acting[index] += agent.act_share[index] * moved
        steps = math.ceil(hours / self.dt - 1e-9)
        if amplification > 0 and steps > 0:
            self.amplifications.append([index, chosen.tolist(), float(amplification), steps])
        self.at_rest = False

    def evacuate(
        self, regions: np.ndarray, share: float, until: float, destination_weight: np.ndarray
    ) -> float:
        """Displace ``share`` of the residents of ``regions`` (a mask over regions) at once,
        as ``PopulationLayer.evacuate``. Returns how many people left."""
        hit = np.asarray(regions, dtype=bool).tolist()
        leaving = [agent.home * share if hit[agent.region] else 0.0 for agent in self.group_agents]
        if not any(leaving):
            return 0.0
        weight = [0.0 if h else float(w) for h, w in zip(hit, destination_weight, strict=True)]
        by_area = self._by_area(weight)
        left = 0.0
        for agent, leavers in zip(self.group_agents, leaving, strict=True):
            if not hit[agent.region]:
                continue
            dest = self.destinations(agent.area, by_area, weight[agent.region])
            if dest is not None:  # with nowhere to go (every region hit), they stay
                agent.home -= leavers
                left += leavers
                agent.displaced = [
                    d + leavers * x for d, x in zip(agent.displaced, dest, strict=True)
                ]
            agent.return_after = max(agent.return_after, until)
            agent.peak_displaced = max(agent.peak_displaced, sum(agent.displaced))
        self.at_rest = False
        return left

    def add_prebunking(
        self,
        target: np.ndarray,
        effect: float,
        decay_days: float | None,
        reach: float,
        start_hour: float,
    ) -> None:
        """Inoculate a share ``reach`` of the target groups (``PopulationLayer.add_prebunking``)."""
        decay = math.inf if decay_days is None else decay_days * 24.0
        chosen = np.zeros(self.groups.n, dtype=bool)
        chosen[target] = True
        for agent, hit in zip(self.group_agents, chosen.tolist(), strict=True):
            if hit:
                agent.prebunking.append((float(effect), decay, float(reach), float(start_hour)))

    # ------------------------------------------------------------------ accessors
    def per_group(self, name: str) -> np.ndarray:
        """An agent attribute for every group, in group order (the layer's layout): a
        per-narrative list becomes ``(narratives, groups)``, any other list ``(groups, ...)``."""
        values = np.array([getattr(a, name) for a in self.group_agents], dtype=float)
        return values.T if name in NARRATIVE_STATE else values

    def snapshot(self) -> dict[str, np.ndarray]:
        """Every state array, by the names in :data:`STATE_NAMES`, plus the two figures."""
        model_level = {
            "demand": self._demand,
            "present_share": self._present_share,
            "arrivals": self._arrivals,
        }
        out = {
            name: np.array(model_level[name]) if name in model_level else self.per_group(name)
            for name in STATE_NAMES
        }
        out["min_trust"] = np.array(self.min_trust)
        out["peak_belief"] = np.array(self.peak_belief)
        return out


def layer_snapshot(layer: PopulationLayer) -> dict[str, np.ndarray]:
    """The same arrays as :meth:`ReferencePopulationModel.snapshot`, from the layer (copies)."""
    st = layer.state
    out = {
        "ignorant": layer.ignorant,
        "spreader": layer.spreader,
        "acting": layer.acting,
        "trust": st.trust,
        "stocks": st.stocks,
        "unmet": st.unmet,
        "home": st.home,
        "displaced": st.displaced,
        "hardship": st.hardship,
        "peak_displaced": st.peak_displaced,
        "return_after": st.return_after,
        "demand": layer.demand,
        "present_share": layer.present_share(),
        "arrivals": layer.arrivals(),
        "min_trust": np.array(layer.min_trust),
        "peak_belief": np.array(layer.peak_belief),
    }
    return {k: np.array(v, dtype=float) for k, v in out.items()}


def differences(layer: PopulationLayer, reference: ReferencePopulationModel) -> dict[str, float]:
    """Per state array, the largest difference between the layer and the reference, relative
    to the array's largest magnitude (or absolute, where that is below 1)."""
    a, b = layer_snapshot(layer), reference.snapshot()
    return {
        k: float(
            np.max(np.abs(a[k] - b[k]), initial=0.0) / max(1.0, np.max(np.abs(a[k]), initial=0.0))
        )
        for k in a
    }


# ---------------------------------------------------------------------- inputs and worlds
def split_regions(regions: Regions, n: int) -> Regions:
    """A synthetic world of ``n`` regions: each region split into equal parts.

    The first ``n % regions.n`` regions get one part more than the others; the parts are named
    ``antwerp_3``, share the region's population equally and keep its province (so the
    provinces stay the destination areas of displacement).
    """
    if n < regions.n:
        raise ValueError(f"need at least {regions.n} regions, got {n}")
    base, extra = divmod(n, regions.n)
    keys, names, federated, province, population = [], [], [], [], []
    for r in range(regions.n):
        parts = base + (r < extra)
        for p in range(parts):
            keys.append(f"{regions.keys[r]}_{p}")
            names.append(f"{regions.names[r]} {p}")
            federated.append(regions.federated_region[r])
            province.append(regions.province[r])
            population.append(regions.population[r] / parts)
    return Regions(
        keys=tuple(keys),
        names=tuple(names),
        federated_region=tuple(federated),
        population=np.array(population),
        province=tuple(province),
    )


def regional_shock(
    regions: Regions,
    steps: int,
    rng: np.random.Generator,
    *,
    dt: float = 1.0,
    hit_share: float = 0.2,
    sectors: Sequence[str] = ("energy", "food_water", "telecom", "finance", "transport"),
    level: tuple[float, float] = (0.2, 0.6),
    hours: tuple[float, float] = (24.0, 48.0),
    recovery_hours: tuple[float, float] = (12.0, 24.0),
) -> np.ndarray:
    """Inoperability per step, region and sector: a regional shock, then recovery.

    A share ``hit_share`` of the regions (at least two) is hit a few hours in; in each, two to
    all of ``sectors`` lose ``level`` of their service for ``hours``, then recover linearly
    over ``recovery_hours``. Deterministic given ``rng``.
    """
    out = np.zeros((steps, regions.n, len(SECTORS)))
    t = np.arange(steps) * dt
    n_hit = min(regions.n, max(2, round(hit_share * regions.n)))
    for r in rng.choice(regions.n, size=n_hit, replace=False):
        start = rng.uniform(1.0, 6.0)
        end = start + rng.uniform(*hours)
        ramp = rng.uniform(*recovery_hours)
        profile = np.clip((end + ramp - t) / ramp, 0.0, 1.0) * (t >= start)
        k = int(rng.integers(2, len(sectors) + 1))
        for s in rng.choice(len(sectors), size=k, replace=False):
            out[:, r, SECTOR_INDEX[sectors[s]]] = rng.uniform(*level) * profile
    return out


def default_inputs(
    cfg: RunConfig | DictConfig | None = None,
) -> tuple[PopulationConfig, list[NarrativeSeedConfig], Regions]:
    """The default world's population config, regions and narratives, as the model builds them.

    The narratives are the scenario's plus, when the adversary may use disinformation, its
    four (one per behaviour), exactly as ``HybridThreatModel`` lists them.
    """
    if cfg is None:
        from abm import load_config

        cfg = load_config("most_likely_enemy")
    run: RunConfig = as_run_config(cfg) if isinstance(cfg, DictConfig) else cfg
    narratives = list(run.scenario.narratives)
    if "disinformation" in run.scenario.adversary_dimensions:
        d = run.adversary.disinformation
        narratives += [
            NarrativeSeedConfig(
                name=f"adversary_{b}",
                behaviour=b,
                at_hour=0.0,
                virality=d.virality,
                seed_fraction=d.seed_fraction,
                amplification=d.amplification,
                amplification_hours=d.amplification_hours,
            )
            for b in BEHAVIOURS
        ]
    return run.population, narratives, load_regions(run.world.regions_file)


# ---------------------------------------------------------------------- timing
def time_layers(
    cfg: PopulationConfig,
    narratives: list[NarrativeSeedConfig],
    regions: Regions,
    dt: float,
    steps: int,
    inoperability_series: np.ndarray,
    *,
    seed_indices: Sequence[int] = (0,),
    repeats: int = 1,
    mesa_rng: int = 0,
) -> dict[str, float]:
    """Run the vectorised layer and the reference on the same inputs; time their stepping.

    Each seeds ``seed_indices`` at hour 0 and then steps ``steps`` times through
    ``inoperability_series`` (shape ``(steps, regions, sectors)``), ``repeats`` times from a
    fresh start (the median counts). Only seeding and stepping are timed, not building the
    groups. Returns the seconds of each, the group count, the group-updates per second of each
    (groups x steps / seconds), their ratio (reference seconds / vectorised seconds) and the
    largest difference between the two over all state arrays at the end (see
    :func:`differences`).
    """
    if inoperability_series.shape[0] < steps:
        raise ValueError(f"{inoperability_series.shape[0]} inoperability rows for {steps} steps")
    builders: dict[str, Any] = {
        "vectorised": lambda: PopulationLayer(cfg, narratives, regions, dt),
        "reference": lambda: ReferencePopulationModel(cfg, narratives, regions, dt, rng=mesa_rng),
    }
    seconds: dict[str, float] = {}
    last: dict[str, Any] = {}
    for name, build in builders.items():
        times = []
        for _ in range(repeats):
            runner = build()
            t0 = time.perf_counter()
            for index in seed_indices:
                runner.seed(index)
            for k in range(steps):
                runner.step(inoperability_series[k], k * dt)
            times.append(time.perf_counter() - t0)
        seconds[name] = statistics.median(times)
        last[name] = runner
    layer, reference = last["vectorised"], last["reference"]
    groups = layer.groups.n
    return {
        "groups": float(groups),
        "regions": float(regions.n),
        "steps": float(steps),
        "seconds_vectorised": seconds["vectorised"],
        "seconds_reference": seconds["reference"],
        "updates_per_second_vectorised": groups * steps / seconds["vectorised"],
        "updates_per_second_reference": groups * steps / seconds["reference"],
        "ratio": seconds["reference"] / seconds["vectorised"],
        "max_difference": max(differences(layer, reference).values()),
        "peak_belief": layer.peak_belief,
        "displaced": float(layer.state.displaced.sum()),
    }


def main(argv: list[str] | None = None) -> None:
    """Print the speed ratio on the default world (33 groups) and on a synthetic bigger world
    (700 regions, 2,100 groups, by default), and optionally on the 581 municipalities."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=48, help="hourly steps to time")
    parser.add_argument(
        "--regions",
        type=int,
        default=700,
        help="regions of the synthetic world (x3 cohorts = groups); 0 to skip it",
    )
    parser.add_argument(
        "--municipalities",
        action="store_true",
        help="also time the 581 municipalities (regions_municipalities.csv)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the shock inputs")
    args = parser.parse_args(argv)

    cfg, narratives, provinces = default_inputs()
    dt = 1.0
    # Seed the panic-buying and fear narratives at hour 0, so spreading, demand and
    # fear-driven displacement are all exercised.
    names = [n.name for n in narratives]
    seeds = [
        names.index(f"adversary_{b}") for b in ("panic_buying", "fear") if f"adversary_{b}" in names
    ]
    if not seeds and narratives:
        seeds = [0]
    worlds = [("provinces", provinces)]
    if args.municipalities:
        worlds.append(("municipalities", load_regions("regions_municipalities.csv")))
    if args.regions:
        worlds.append((f"{args.regions} synthetic regions", split_regions(provinces, args.regions)))
    print(
        f"population phase, {args.steps} hourly steps, {len(narratives)} narratives "
        f"({', '.join(names[i] for i in seeds)} seeded at hour 0), one process"
    )
    for label, regions in worlds:
        rng = np.random.default_rng(args.seed)
        series = regional_shock(regions, args.steps, rng, dt=dt)
        repeats = 5 if regions.n < 100 else 1  # short runs: the median of five
        r = time_layers(
            cfg, narratives, regions, dt, args.steps, series, seed_indices=seeds, repeats=repeats
        )
        print(
            f"  {label}: {r['groups']:.0f} groups x {args.steps} steps\n"
            f"    vectorised layer: {r['seconds_vectorised']:8.3f} s, "
            f"{r['updates_per_second_vectorised']:12,.0f} group-updates/s\n"
            f"    per-agent Mesa:   {r['seconds_reference']:8.3f} s, "
            f"{r['updates_per_second_reference']:12,.0f} group-updates/s\n"
            f"    ratio: {r['ratio']:.1f}x; largest difference {r['max_difference']:.1e}; "
            f"peak belief {r['peak_belief']:.3f}; displaced at the end {r['displaced']:,.0f}"
        )


if __name__ == "__main__":
    main()
