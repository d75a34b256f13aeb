"""The population layer: one phase of a step over all groups (needs, narratives, trust,
displacement, demand).

The groups and their state are :mod:`abm.groups`; the rules are :mod:`abm.needs` (needs and
stocks, trust, demand), :mod:`abm.displacement` (who leaves, where they are, who returns) and
:mod:`abm.narratives` (rumour spreading). Every rule is a vector operation over all groups.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr, ndtri

from abm.config import NarrativeSeedConfig, PopulationConfig
from abm.displacement import Whereabouts, displace
from abm.groups import Groups, GroupState, build_groups
from abm.narratives import spread
from abm.needs import demand, meet_needs, update_trust
from abm.vocabulary import BEHAVIOURS, SECTORS
from abm.world import Regions

__all__ = ["REST_TOLERANCE", "Groups", "GroupState", "PopulationLayer", "build_groups"]


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
    ) -> None:
        self.cfg = cfg
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
        self.virality = np.array([n.virality for n in narratives], dtype=float)
        self.demand = np.ones((regions.n, len(SECTORS)))
        self.min_trust = self.national_trust()
        self.peak_belief = 0.0
        self._belief = self.reach().sum(axis=0)
        self._at_rest = True
        self._present_share = regions.population / regions.population.sum()
        #: Where the displaced are, as of the last step.
        self.whereabouts = Whereabouts(regions.population, self.groups)
        self.hour = 0.0
        #: Multiplier of the stifling rate (strategic communication raises it).
        self.stifling_multiplier = 1.0
        #: Prebunking campaigns: (target groups, effect d, decay hours, reach, start hour).
        self.prebunking: list[tuple[np.ndarray, float, float, float, float]] = []

    # ------------------------------------------------------------------ views
    def national_trust(self) -> float:
        """Population-weighted mean trust across groups."""
        return float(self.state.trust @ self.groups.size / self.groups.size.sum())

    def reach(self) -> np.ndarray:
        """Per narrative and group: the share that has accepted it (spreaders + stiflers)."""
        return 1.0 - self.ignorant

    def regional(self, per_group: np.ndarray) -> np.ndarray:
        """Population-weighted regional means of per-group values (last axis: groups)."""
        w, region, n = self.state.home, self.groups.region, self.regions.n
        den = np.bincount(region, weights=w, minlength=n)
        return self.groups.region_sums(per_group * w) / np.where(den > 0, den, 1.0)

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
        self.seed_groups(index, target, n.seed_fraction)

    def seed_groups(self, index: int, target: np.ndarray, fraction: float) -> None:
        """Turn ``fraction`` of each target group into spreaders of narrative ``index``."""
        moved = np.minimum(fraction, self.ignorant[index, target])
        self.ignorant[index, target] -= moved
        self.spreader[index, target] += moved
        self.acting[index, target] += moved
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
        displaced or acting on a narrative, normal demand), only trust and hardship move: the
        rest of the phase would change nothing, and it is skipped.
        """
        self.hour = hour
        if self._at_rest and not inoperability.any():
            self._calm_step()
            return
        cfg, g, st, dt = self.cfg, self.groups, self.state, self.dt
        service = 1.0 - inoperability.mean(axis=1)
        attraction = self.regions.population * service
        # Where the displaced are this step (somewhere in a region, however bad its service).
        where = Whereabouts(np.maximum(attraction, 1e-9 * self.regions.population), g)
        self.whereabouts = where
        unmet_fraction, resident_short = meet_needs(
            st, g, inoperability, dt, cfg.restock_per_hour, where
        )
        np.maximum(self.stock_drawn, st.stock_capacity - st.stocks, out=self.stock_drawn)
        unmet_fraction = np.minimum(unmet_fraction, 1.0)
        b = cfg.behaviour
        self.acting *= np.exp(-dt / b.behaviour_hours)
        if self.spreader.size and self.spreader.max() > 1e-12:
            before = self.ignorant
            self._spread()
            self.acting += before - self.ignorant
            self._belief = self.reach().sum(axis=0)
        self.acting[self.acting < 1e-12] = 0.0
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
        by_behaviour = np.minimum(self.pushes @ self.acting, 1.0)
        home_unmet = resident_short.sum(axis=1) / max(g.need_weight.sum(), 1e-12)
        displace(
            st,
            g,
            home_unmet,
            by_behaviour[BEHAVIOURS.index("fear")],
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
        regional = self.regional(by_behaviour)
        arrivals = where.arrivals(st.displaced)
        present = np.bincount(g.region, weights=st.home, minlength=self.regions.n) + arrivals
        self._present_share = present / present.sum()
        self.demand = demand(
            st,
            g,
            present,
            arrivals,
            self.regions.population,
            resident_short,
            regional[BEHAVIOURS.index("panic_buying")],
            regional[BEHAVIOURS.index("bank_run")],
            cfg,
            self.regions.n,
        )
        self.min_trust = min(self.min_trust, self.national_trust())
        if self.ignorant.size:
            national_reach = self.reach() @ g.size / g.size.sum()
            self.peak_belief = max(self.peak_belief, float(national_reach.max()))
        self._at_rest = bool(
            np.array_equal(st.stocks, st.stock_capacity)
            and not st.displaced.any()
            and not self.acting.any()
            and not (self.spreader > 1e-12).any()
            and (st.hardship < cfg.behaviour.hardship_threshold / 2).all()
            and np.abs(self.demand - 1.0).max() <= REST_TOLERANCE
        )

    def _calm_step(self) -> None:
        """The step at rest: trust recovers and drifts with belief; hardship fades."""
        cfg, st, dt = self.cfg, self.state, self.dt
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

    def _spread(self) -> None:
        g, n = self.groups, self.cfg.narratives
        acceptance = (
            g.susceptibility
            * (1.0 - g.media_literacy)
            * (1.0 - n.trust_discount * self.state.trust)
        )
        for target, effect, decay, reach, start in self.prebunking:
            d = effect * np.exp(-(self.hour - start) / decay)
            p = np.clip(acceptance[target], 1e-12, 1 - 1e-12)
            acceptance[target] = (1 - reach) * p + reach * ndtr(ndtri(p) - d)
        self.ignorant, self.spreader = spread(
            self.ignorant,
            self.spreader,
            n.contact_rate * self.virality[:, None] * acceptance[None, :],
            n.stifling_rate * self.stifling_multiplier,
            self.state.home,
            self.groups.region,
            n.within_region_share,
            self.dt,
            n.max_substep_rate,
        )
