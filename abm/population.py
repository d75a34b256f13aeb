"""The population layer: one phase of a step over all groups (needs, narratives, trust,
displacement, demand).

The groups and their state are :mod:`abm.groups`; the rules are :mod:`abm.needs` (needs and
stocks, trust, demand), :mod:`abm.displacement` (who leaves, where they are, who returns) and
:mod:`abm.narratives` (rumour spreading, forgetting, correction, amplification). Every rule is
a vector operation over all groups.

**Acting is a share of believing.** Of the members of a group who newly accept a narrative,
only the share ``acting_share[behaviour] x acting_cohort_factor[cohort]`` (at most 1) act on
it (buy, withdraw, leave, pass it on), each for about ``behaviour_hours``; and nobody acts on
what they no longer believe (acting is capped by reach). For panic buying the shipped share
rests on March 2020 in Belgium: 17% admitted hoarding while 23% feared a shortage, about 0.7
of believers acting.

**The hardship_acceptance coupling.** When on, a group's acceptance of every narrative is
multiplied by ``1 + strength x max(its hardship, its region's visible outage)`` (capped at
1), hardship being its recent unmet-need fraction and the visible outage the mean
inoperability of energy, food_water and telecom in its region: rumours thrive where people are
short of what they need. Off, acceptance is exactly as without it.

**Levers.** Prebunking shifts the acceptance of reached members on a latent normal scale;
strategic communication (counter-messaging effort ``e``) multiplies the stifling rate by
``1 + e`` and corrects believers at ``correction_rate x e`` per hour.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtr, ndtri

from abm.config import NarrativeSeedConfig, PopulationConfig
from abm.config.couplings import HardshipAcceptanceConfig
from abm.displacement import Whereabouts, displace
from abm.groups import Groups, GroupState, build_groups
from abm.narratives import Mixing, Workspace, advance
from abm.needs import behaviour_lift, demand, demand_gains, meet_needs, update_trust
from abm.reception import EmergencyShelter
from abm.vocabulary import BEHAVIOURS, SECTOR_INDEX, SECTORS
from abm.world import Regions

__all__ = ["REST_TOLERANCE", "Groups", "GroupState", "PopulationLayer", "build_groups"]


#: Sectors whose outage people see (the regional visible outage of the hardship coupling).
VISIBLE_SECTORS = tuple(SECTOR_INDEX[s] for s in ("energy", "food_water", "telecom"))

#: Index of the fear behaviour (the one that makes people leave).
FEAR = BEHAVIOURS.index("fear")


def acting_shares(cfg: PopulationConfig, groups: Groups) -> np.ndarray:
    """Per behaviour and group, the share of new believers who act: ``behaviour.acting_share``
    of the behaviour times ``behaviour.acting_cohort_factor`` of the group's cohort, at most 1
    (1 and 1 where the config names none)."""
    b = cfg.behaviour
    share = np.array([float(b.acting_share.get(x, 1.0)) for x in BEHAVIOURS])
    factor = np.array([float(b.acting_cohort_factor.get(c, 1.0)) for c in groups.cohort_names])
    return np.minimum(share[:, None] * factor[groups.cohort][None, :], 1.0)


#: Demand this close to normal counts as normal for the rest test (group sizes are a region's
#: population times cohort shares, which need not add back to it in the last bits).
REST_TOLERANCE = 1e-12


class PopulationLayer:
    """The population phase of a step: needs, narratives, trust, displacement, then demand.

    Holds the groups, their state and the narratives' ignorant/spreader fractions, and keeps
    the run's summary figures (lowest national trust, highest narrative reach).
    """

    def __init__(
        self,
        cfg: PopulationConfig,
        narratives: list[NarrativeSeedConfig],
        regions: Regions,
        dt: float,
        hardship_acceptance: HardshipAcceptanceConfig | None = None,
    ) -> None:
        self.cfg = cfg
        #: The coupling that raises acceptance with hardship and visible outages (None: off).
        self.hardship_acceptance = (
            hardship_acceptance
            if hardship_acceptance is not None and hardship_acceptance.enabled
            else None
        )
        self.dt = dt
        self.regions = regions
        self.groups = build_groups(cfg, regions)
        self.state = GroupState.initial(self.groups)
        #: Per group and sector, the most hours of household stock drawn at once (whether
        #: household stockpiles engaged).
        self.stock_drawn = np.zeros_like(self.state.stocks)
        self.narratives = narratives
        shape = (len(narratives), self.groups.n)
        self.ignorant = np.ones(shape)
        self.spreader = np.zeros(shape)
        self.acting = np.zeros(shape)  # share acting on the narrative now
        behaviour = [BEHAVIOURS.index(n.behaviour) for n in narratives]
        #: (behaviours, narratives) one-hot: which behaviour each narrative pushes.
        self.pushes = np.zeros((len(BEHAVIOURS), len(narratives)))
        self.pushes[behaviour, np.arange(len(narratives))] = 1.0
        #: Per narrative and group, the share of new believers who act on it (by the
        #: narrative's behaviour and the group's cohort).
        self.act_share = acting_shares(cfg, self.groups)[behaviour]
        #: Amplifications under way: (narrative, target groups, added multiple, steps left).
        self.amplifications: list[tuple[int, np.ndarray, float, int]] = []
        self.virality = np.array([n.virality for n in narratives], dtype=float)
        self.demand = np.ones((regions.n, len(SECTORS)))
        #: Per region and behaviour, the factor on the demand it raises (abm.needs).
        self.demand_lift = np.ones((regions.n, len(BEHAVIOURS)))
        self._cache_constants()
        self.min_trust = self.national_trust()
        self.peak_belief = 0.0
        self._belief = self.reach().sum(axis=0)
        self._at_rest = True
        self._present_share = regions.population / regions.population.sum()
        #: Where the displaced are, as of the last step.
        self.whereabouts = Whereabouts(regions.population, self.groups)
        #: Displaced people who need public shelter, placed in emergency shelters over time.
        self.shelter = EmergencyShelter(regions.n, cfg.shelter_places_per_hour)
        self.hour = 0.0
        #: Multiplier of the stifling rate (strategic communication raises it).
        self.stifling_multiplier = 1.0
        #: Prebunking campaigns: (target groups, effect d, decay hours, reach, start hour).
        self.prebunking: list[tuple[np.ndarray, float, float, float, float]] = []
        #: Who meets whom, kept while the members at home do not change.
        self._mixing: Mixing | None = None

    def _cache_constants(self) -> None:
        """Compute once what every step would otherwise recompute from fixed inputs (the
        groups, the config, the step length): the same operations, so the same bits."""
        cfg, g, dt = self.cfg, self.groups, self.dt
        #: The RK4 arrays of the narratives, kept between steps.
        self._work = Workspace(*self.ignorant.shape)
        self._size_total = g.size.sum()
        #: Per group, its need over a step (:func:`abm.needs.meet_needs`).
        self._need = g.size * dt * np.maximum(g.need_weight.sum(), 1.0)
        self._need_norm = max(g.need_weight.sum(), 1e-12)
        self._acting_keep = np.exp(-dt / cfg.behaviour.behaviour_hours)
        self._contact_virality = cfg.narratives.contact_rate * self.virality[:, None]
        self._base_acceptance = g.susceptibility * (1.0 - g.media_literacy)
        self._visible = np.array(VISIBLE_SECTORS, dtype=np.intp)
        self._attraction_floor = 1e-9 * self.regions.population
        self._gains = demand_gains(cfg.behaviour)
        population = self.regions.population
        self._reception = population / population.sum() * cfg.reception_baseline_persons

    # ------------------------------------------------------------------ views
    def national_trust(self) -> float:
        """Population-weighted mean trust across groups."""
        return float(self.state.trust @ self.groups.size / self._size_total)

    def reach(self) -> np.ndarray:
        """Per narrative and group: the share that has accepted it (spreaders + stiflers)."""
        return 1.0 - self.ignorant

    def regional(self, per_group: np.ndarray) -> np.ndarray:
        """Population-weighted regional means of per-group values (last axis: groups)."""
        w = self.state.home
        return self._regional(per_group, np.bincount(self.groups.region, w, self.regions.n))

    def _regional(self, per_group: np.ndarray, home: np.ndarray) -> np.ndarray:
        """:meth:`regional`, given the people at home per region."""
        return self.groups.region_sums(per_group * self.state.home) / np.where(home > 0, home, 1.0)

    def arrivals(self) -> np.ndarray:
        """Displaced people present in each region (as of the last step)."""
        return self.whereabouts.arrivals(self.state.displaced)

    def present_share(self) -> np.ndarray:
        """Share of the national population present in each region (as of the last step)."""
        return self._present_share

    # ------------------------------------------------------------------ events
    def seed(self, index: int) -> None:
        """Make a narrative's target groups part spreaders (a scenario or adversary action)."""
        n = self.narratives[index]
        g = self.groups
        target = np.ones(g.n, dtype=bool)
        if n.regions:
            target &= self.regions.mask(n.regions)[g.region]
        if n.cohorts:
            target &= np.isin(g.cohort, [g.cohort_names.index(c) for c in n.cohorts])
        self.seed_groups(index, target, n.seed_fraction, n.amplification, n.amplification_hours)

    def seed_groups(
        self,
        index: int,
        target: np.ndarray,
        fraction: float,
        amplification: float = 0.0,
        hours: float = 0.0,
    ) -> None:
        """Turn ``fraction`` of each target group into spreaders of narrative ``index`` (the
        share ``acting_share`` of them act on it), and amplify it there: the target groups'
        spreading rate is raised by ``amplification`` times for the next ``hours`` (whole
        steps, rounded up), on top of any amplification already under way."""
        moved = np.minimum(fraction, self.ignorant[index, target])
        self.ignorant[index, target] -= moved
        self.spreader[index, target] += moved
        self.acting[index, target] += self.act_share[index, target] * moved
        steps = math.ceil(hours / self.dt - 1e-9)
        if amplification > 0 and steps > 0:
            mask = np.zeros(self.groups.n, dtype=bool)
            mask[target] = True
            self.amplifications.append((index, mask, float(amplification), steps))
        self._at_rest = False

    def evacuate(
        self, regions: np.ndarray, share: float, until: float, destination_weight: np.ndarray
    ) -> float:
        """Displace ``share`` of the residents of ``regions`` at once (homes made uninhabitable)
        to the other regions, weighted by ``destination_weight``; they cannot return before
        ``until``. Returns how many people left."""
        g, st = self.groups, self.state
        hit = regions[g.region]
        leavers = np.where(hit, st.home * share, 0.0)
        if not leavers.any():
            return 0.0
        # Not into the hit regions (their own among them); with nowhere to go, they stay.
        dest = self.whereabouts.destinations(np.where(regions, 0.0, destination_weight))
        leavers = np.where(dest.any(axis=1), leavers, 0.0)
        st.home -= leavers
        st.displaced += leavers[:, None] * dest
        st.return_after = np.where(hit, np.maximum(st.return_after, until), st.return_after)
        np.maximum(st.peak_displaced, st.displaced.sum(axis=1), out=st.peak_displaced)
        self._at_rest = False
        return float(leavers.sum())

    def add_stocks(self, sectors: np.ndarray, hours: float) -> None:
        """Give every household ``hours`` more autonomy in ``sectors``, filled at once (a
        household stockpiling campaign)."""
        self.state.stock_capacity[:, sectors] += hours
        self.state.stocks[:, sectors] += hours

    def add_prebunking(
        self,
        target: np.ndarray,
        effect: float,
        decay_days: float | None,
        reach: float,
        start_hour: float,
    ) -> None:
        """Inoculate a share ``reach`` of the target groups from ``start_hour`` on.

        Credibility is taken as a latent normal variable, so an effect size ``d`` (Cohen's d on
        the credibility of misinformation) moves a reached member's acceptance probability
        ``p`` to ``Phi(Phi^-1(p) - d)``; ``d`` decays as ``exp(-t / decay)``.
        """
        decay = np.inf if decay_days is None else decay_days * 24.0
        self.prebunking.append((target, effect, decay, reach, start_hour))

    # ------------------------------------------------------------------ the phase
    def step(self, inoperability: np.ndarray, hour: float) -> None:
        """Advance the population by one step, given this step's sector inoperability.

        When every service is whole and the population is at rest (stocks full, nobody
        displaced, spreading or acting on a narrative, normal demand), only belief (fading),
        trust and hardship move: the rest of the phase would change nothing, and it is skipped.
        Amplifications under way count down either way.
        """
        self.hour = hour
        boost = self._amplification()
        if self._at_rest and not inoperability.any():
            self._calm_step()
            return
        cfg, g, st, dt = self.cfg, self.groups, self.state, self.dt
        b = cfg.behaviour
        # ``1 - inoperability.mean(axis=1)``: numpy's mean is this sum over this count.
        service = 1.0 - np.add.reduce(inoperability, axis=1) / inoperability.shape[1]
        attraction = self.regions.population * service
        # Where the displaced are this step (somewhere in a region, however bad its service).
        where = Whereabouts(np.maximum(attraction, self._attraction_floor), g)
        self.whereabouts = where
        unmet_fraction, resident_short = meet_needs(
            st, g, inoperability, dt, cfg.restock_per_hour, where, need=self._need
        )
        np.maximum(self.stock_drawn, st.stock_capacity - st.stocks, out=self.stock_drawn)
        np.minimum(unmet_fraction, 1.0, out=unmet_fraction)
        self.acting *= self._acting_keep
        reach = None
        spreader = self.spreader
        if spreader.size and np.maximum.reduce(spreader, axis=None) > 1e-12:
            accepted = self._spread(inoperability, boost)
            # New believers act (a share of them); nobody acts on what they no longer believe.
            reach = self._work.known  # 1 - ignorant, as advance left it
            np.multiply(self.act_share, accepted, out=accepted)
            np.add(self.acting, accepted, out=accepted)
            self.acting = np.minimum(accepted, reach, out=accepted)
            self._belief = np.add.reduce(reach, axis=0)
        elif self._forget():
            self.acting = np.minimum(self.acting, self.reach())
        acting = self.acting
        np.putmask(acting, acting < 1e-12, 0.0)  # (``acting[acting < 1e-12] = 0``, cheaper)
        update_trust(
            st,
            g,
            unmet_fraction,
            self._belief,
            cfg.trust.loss_per_unmet,
            cfg.trust.loss_per_belief,
            cfg.trust.recovery,
            dt,
        )
        by_behaviour = self.pushes @ acting
        np.minimum(by_behaviour, 1.0, out=by_behaviour)
        home_unmet = np.add.reduce(resident_short, axis=1) / self._need_norm
        away = displace(
            st,
            g,
            home_unmet,
            by_behaviour[FEAR],
            attraction,
            b.hardship_hours,
            b.hardship_threshold,
            b.leave_rate,
            b.fear_leave_rate,
            b.return_rate,
            dt,
            hour,
            where,
        )
        at_home = np.bincount(g.region, st.home, self.regions.n)
        regional = self._regional(by_behaviour, at_home)
        if away:
            arrivals = where.arrivals(st.displaced)
            present = at_home + arrivals
            unplaced = self.shelter.step(arrivals * b.reception_share, dt)
        else:  # nobody displaced: no arrivals (adding 0 changes nothing), nobody to shelter
            arrivals = np.zeros(self.regions.n)
            present = at_home
            unplaced = self.shelter.step_empty()
        self._present_share = present / np.add.reduce(present)
        self.demand_lift = behaviour_lift(regional, b, self._gains)
        self.demand = demand(
            st,
            g,
            present,
            arrivals,
            self.regions.population,
            resident_short,
            self.demand_lift,
            cfg,
            self.regions.n,
            unplaced=unplaced,
            reception=self._reception,
        )
        self.min_trust = min(self.min_trust, self.national_trust())
        if self.ignorant.size:
            if reach is None:
                reach = self.reach()
            national_reach = reach @ g.size / self._size_total
            self.peak_belief = max(self.peak_belief, float(np.maximum.reduce(national_reach)))
        self._at_rest = bool(
            (st.stocks == st.stock_capacity).all()
            and not away
            and not np.count_nonzero(acting)
            and not (self.spreader > 1e-12).any()
            and (st.hardship < b.hardship_threshold / 2).all()
            and np.abs(self.demand - 1.0).max() <= REST_TOLERANCE
        )

    def _calm_step(self) -> None:
        """The step at rest: belief fades, trust recovers and drifts with belief; hardship
        fades."""
        cfg, st, dt = self.cfg, self.state, self.dt
        self._forget()
        none = np.zeros(self.groups.n)
        update_trust(
            st,
            self.groups,
            none,
            self._belief,
            cfg.trust.loss_per_unmet,
            cfg.trust.loss_per_belief,
            cfg.trust.recovery,
            dt,
        )
        st.hardship -= st.hardship * min(1.0, dt / cfg.behaviour.hardship_hours)
        self.min_trust = min(self.min_trust, self.national_trust())

    def _amplification(self) -> np.ndarray | None:
        """Per narrative and group, the added multiple of the spreading rate this step (the
        sum of the amplifications under way), or None; counts their steps down."""
        if not self.amplifications:
            return None
        boost = np.zeros(self.ignorant.shape)
        for index, mask, strength, _ in self.amplifications:
            boost[index, mask] += strength
        self.amplifications = [(i, m, a, k - 1) for i, m, a, k in self.amplifications if k > 1]
        return boost

    def _forget_rate(self) -> float:
        """Per hour, the rate at which believers stop believing: forgetting, plus correction
        by counter-messaging (effort: the stifling multiplier above 1)."""
        n = self.cfg.narratives
        effort = max(self.stifling_multiplier - 1.0, 0.0)
        return n.forgetting_rate + n.correction_rate * effort

    def _forget(self) -> bool:
        """With nobody spreading, belief only fades: ``1 - i`` decays at the forgetting rate
        (the exact solution over the step). Returns whether anything changed."""
        rate = self._forget_rate()
        if rate <= 0 or not self.ignorant.size or self.ignorant.min() >= 1.0:
            return False
        keep = math.exp(-rate * self.dt)
        self.ignorant = 1.0 - (1.0 - self.ignorant) * keep
        self.spreader = self.spreader * keep
        self._belief = self.reach().sum(axis=0)
        return True

    def acceptance(self, inoperability: np.ndarray) -> np.ndarray:
        """Per group, the probability that a contact with a spreader convinces a member:
        susceptibility, media literacy and trust; raised by hardship and visible outages (the
        hardship_acceptance coupling); lowered by prebunking."""
        g, n = self.groups, self.cfg.narratives
        # susceptibility x (1 - media literacy) x (1 - discount x trust), the first two fixed.
        acceptance = n.trust_discount * self.state.trust
        np.subtract(1.0, acceptance, out=acceptance)
        np.multiply(self._base_acceptance, acceptance, out=acceptance)
        if self.hardship_acceptance is not None:
            # The mean visible outage per region, as ``.mean(axis=1)`` computes it.
            visible = inoperability.take(self._visible, axis=1)
            visible = np.add.reduce(visible, axis=1) / visible.shape[1]
            pressure = np.maximum(self.state.hardship, visible[g.region])
            np.multiply(self.hardship_acceptance.strength, pressure, out=pressure)
            np.add(1.0, pressure, out=pressure)
            np.multiply(acceptance, pressure, out=acceptance)
            np.minimum(acceptance, 1.0, out=acceptance)
        for target, effect, decay, reach, start in self.prebunking:
            d = effect * np.exp(-(self.hour - start) / decay)
            # ``np.clip(p, 1e-12, 1 - 1e-12)``, without its wrapper.
            p = acceptance[target]
            np.maximum(p, 1e-12, out=p)
            np.minimum(p, 1 - 1e-12, out=p)
            acceptance[target] = (1 - reach) * p + reach * ndtr(ndtri(p) - d)
        return acceptance

    def _spread(self, inoperability: np.ndarray, boost: np.ndarray | None) -> np.ndarray:
        """Spread the narratives over the step; returns the share of each group that newly
        accepted each narrative."""
        n = self.cfg.narratives
        # contact rate x virality (per narrative) x acceptance (per group), written where
        # advance reads it.
        rate = np.multiply(
            self._contact_virality, self.acceptance(inoperability), out=self._work.coef_spread
        )
        if boost is not None:
            np.add(1.0, boost, out=boost)
            np.multiply(rate, boost, out=rate)
        home, region = self.state.home, self.groups.region
        if self._mixing is None or not self._mixing.matches(home, region, n.within_region_share):
            self._mixing = Mixing(home, region, n.within_region_share, self.groups.region_sums)
        self.ignorant, self.spreader, accepted = advance(
            self.ignorant,
            self.spreader,
            rate,
            n.stifling_rate * self.stifling_multiplier,
            self.state.home,
            self.groups.region,
            n.within_region_share,
            self.dt,
            n.max_substep_rate,
            self._forget_rate(),
            self._mixing,
            self._work,
        )
        return accepted
