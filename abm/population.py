"""Population groups as arrays: needs and household stocks, trust, displacement, demand.

One group per region and cohort (``G = regions x cohorts``), each a row of these arrays; the
``PopulationGroup`` agents are views onto them. Every rule here is a vector operation over all
groups. Members of a group are either at home or displaced (``displaced[g, a]``, by the
destination *area*, the province they went to; see :class:`Whereabouts`); a person is always in
exactly one place, so the population is conserved to rounding whatever the flows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

from abm.config import NarrativeSeedConfig, PopulationConfig
from abm.narratives import RegionSums, spread
from abm.vocabulary import BEHAVIOURS, SECTOR_INDEX, SECTORS
from abm.world import Regions

ENERGY, FOOD_WATER, HEALTH, POPULATION_FLOWS, FINANCE = (
    SECTOR_INDEX[s] for s in ("energy", "food_water", "health", "population_flows", "finance")
)


@dataclass(frozen=True)
class Groups:
    """What does not change about the groups during a run."""

    cohort_names: tuple[str, ...]
    region: np.ndarray  # (G,) region index
    cohort: np.ndarray  # (G,) cohort index
    size: np.ndarray  # (G,) members
    stock_hours: np.ndarray  # (G, S) hours of autonomy households keep, before any lever
    trust0: np.ndarray
    susceptibility: np.ndarray
    media_literacy: np.ndarray
    health_dependency: np.ndarray
    mobility: np.ndarray
    need_weight: np.ndarray  # (S,) residents' need per sector
    #: (R,) destination area (province) of each region, and (G,) of each group's region.
    region_area: np.ndarray
    area: np.ndarray
    #: Sums over groups per region, and over regions per area.
    region_sums: RegionSums
    area_sums: RegionSums
    n_areas: int

    @property
    def n(self) -> int:
        return len(self.region)


def build_groups(cfg: PopulationConfig, regions: Regions) -> Groups:
    """One group per region and cohort, sized by the cohort's share of the region."""
    names = tuple(cfg.cohorts)
    cohorts = [cfg.cohorts[c] for c in names]
    region = np.repeat(np.arange(regions.n), len(names))
    cohort = np.tile(np.arange(len(names)), regions.n)
    share = np.array([c.share for c in cohorts])
    stock = np.array([[c.stock_hours.get(s, 0.0) for s in SECTORS] for c in cohorts])

    def per_group(attr: str) -> np.ndarray:
        return np.array([getattr(c, attr) for c in cohorts], dtype=float)[cohort]

    area_index = {p: i for i, p in enumerate(regions.provinces)}
    region_area = np.array([area_index[p] for p in regions.province], dtype=np.int64)

    return Groups(
        cohort_names=names,
        region=region,
        cohort=cohort,
        size=regions.population[region] * share[cohort],
        stock_hours=stock[cohort],
        trust0=per_group("trust"),
        susceptibility=per_group("susceptibility"),
        media_literacy=per_group("media_literacy"),
        health_dependency=per_group("health_dependency"),
        mobility=per_group("mobility"),
        need_weight=np.array([cfg.need_weights[s] for s in SECTORS], dtype=float),
        region_area=region_area,
        area=region_area[region],
        region_sums=RegionSums(region, regions.n),
        area_sums=RegionSums(region_area, len(area_index)),
        n_areas=len(area_index),
    )


@dataclass
class GroupState:
    """What changes about the groups during a run."""

    home: np.ndarray  # (G,) members at home
    displaced: np.ndarray  # (G, A) members displaced, by the area (province) they are in
    stocks: np.ndarray  # (G, S) hours of autonomy left
    stock_capacity: np.ndarray  # (G, S) hours of autonomy when full (levers raise it)
    trust: np.ndarray  # (G,)
    hardship: np.ndarray  # (G,) recent unmet-need fraction
    unmet: np.ndarray  # (G, S) unmet need accumulated, person-hours
    peak_displaced: np.ndarray  # (G,)
    return_after: np.ndarray  # (G,) hour before which displaced members cannot go home

    @classmethod
    def initial(cls, groups: Groups) -> GroupState:
        return cls(
            home=groups.size.copy(),
            displaced=np.zeros((groups.n, groups.n_areas)),
            stocks=groups.stock_hours.copy(),
            stock_capacity=groups.stock_hours.copy(),
            trust=groups.trust0.copy(),
            hardship=np.zeros(groups.n),
            unmet=np.zeros((groups.n, len(SECTORS))),
            peak_displaced=np.zeros(groups.n),
            return_after=np.zeros(groups.n),
        )


class Whereabouts:
    """Where displaced people are this step, inside the area (province) they went to.

    Displacement is held per destination area, ``(G, A)``, not per region, so that it costs
    O(groups x provinces) at any resolution. Within an area, displaced people are spread over
    its regions in proportion to ``weight`` (population times service, this step), except that
    nobody is displaced into their own region. At province resolution every area is a single
    region, and this is exact bookkeeping of the region each person went to.

    Args:
        weight: Per region, its attractiveness now (> 0 where people may be).
        groups: The groups (their regions and areas).
    """

    def __init__(self, weight: np.ndarray, groups: Groups) -> None:
        self.groups = groups
        ra = groups.region_area
        self.weight = weight
        #: Every area one region (province resolution): the bookkeeping is by region, and
        #: the general formulas below reduce to plain sums (a shortcut, tested to agree).
        self.by_region = groups.n_areas == len(ra)
        self.area_weight = np.bincount(ra, weights=weight, minlength=groups.n_areas)
        #: Per region, its share of its area's weight (exactly 1 in a one-region area).
        self.share = weight / self.area_weight[ra]
        #: Per group, its area's weight without its own region: where its members can be
        #: when displaced inside their own area (0 in a one-region area).
        self.own_rest = self.area_weight[groups.area] - weight[groups.region]
        self.own_ok = self.own_rest > 1e-12 * self.area_weight[groups.area]

    def _own(self, displaced: np.ndarray) -> np.ndarray:
        """Per group, members displaced inside their own area."""
        return displaced[np.arange(self.groups.n), self.groups.area] * self.own_ok

    def arrivals(self, displaced: np.ndarray) -> np.ndarray:
        """Displaced people present in each region."""
        if self.by_region:
            return displaced.sum(axis=0)
        g, ra = self.groups, self.groups.region_area
        own = self._own(displaced)
        outsiders = displaced.sum(axis=0) - np.bincount(g.area, own, minlength=g.n_areas)
        ratio = np.divide(own, self.own_rest, out=np.zeros(g.n), where=self.own_ok)
        inside = np.bincount(g.area, ratio, minlength=g.n_areas)[ra] - np.bincount(
            g.region, ratio, minlength=len(ra)
        )
        return outsiders[ra] * self.share + self.weight * inside

    def shortfall(self, displaced: np.ndarray, shortfall: np.ndarray) -> np.ndarray:
        """Per group and sector, the person-weighted shortfall its displaced members meet."""
        if self.by_region:
            return displaced @ shortfall
        g = self.groups
        mean = g.area_sums((self.share[:, None] * shortfall).T).T
        away = displaced @ mean
        own = self._own(displaced)
        if own.any():
            q = g.region
            rest = self.area_weight[g.area][:, None] * mean[g.area] - (
                self.weight[q][:, None] * shortfall[q]
            )
            own_mean = rest / np.where(self.own_ok, self.own_rest, 1.0)[:, None]
            away += own[:, None] * (own_mean - mean[g.area])
        return away

    def destinations(self, weight: np.ndarray) -> np.ndarray:
        """Per group, the share of its leavers going to each area, by ``weight`` per region
        (its own region excluded); rows of groups with nowhere to go are 0."""
        g = self.groups
        dest = np.broadcast_to(
            np.bincount(g.region_area, weights=weight, minlength=g.n_areas), (g.n, g.n_areas)
        ).copy()
        dest[np.arange(g.n), g.area] -= weight[g.region]
        np.maximum(dest, 0.0, out=dest)
        total = dest.sum(axis=1, keepdims=True)
        return np.divide(dest, total, out=np.zeros_like(dest), where=total > 0)


def meet_needs(
    state: GroupState,
    groups: Groups,
    shortfall: np.ndarray,
    dt: float,
    restock_per_hour: float,
    where: Whereabouts | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Draw services: household stocks cover a shortfall first, then need goes unmet.

    Residents draw on their own region's service with their stocks; displaced people draw on
    the service where they are, with no stocks, and need every sector fully (reception
    included). Updates ``stocks`` and ``unmet`` in place.

    Args:
        shortfall: ``1 - service`` per region and sector, shape ``(R, S)``.
        where: Where the displaced are (needed once anybody is displaced).

    Returns:
        ``(unmet_fraction, resident_short)``: per group, the share of its members' needs
        unmet this step, wherever they are (0 to 1); and per group and sector, the unmet
        share of need of its members at home (conditions at home: what makes people leave or
        return, and what sends the vulnerable to health care).
    """
    use = shortfall[groups.region] * groups.need_weight * dt  # (G, S) hours of need short
    covered = np.minimum(use, state.stocks)
    state.stocks -= covered
    resident_short = (use - covered) / dt  # (G, S), share of an hour's need unmet
    refill = shortfall[groups.region] <= 1e-12
    state.stocks = np.where(
        refill,
        np.minimum(state.stock_capacity, state.stocks + restock_per_hour * dt),
        state.stocks,
    )
    away = (  # (G, S) person-weighted shortfall where they are
        where.shortfall(state.displaced, shortfall) if state.displaced.any() else 0.0
    )
    step_unmet = (state.home[:, None] * resident_short + away) * dt
    state.unmet += step_unmet
    need = groups.size * dt * np.maximum(groups.need_weight.sum(), 1.0)
    return step_unmet.sum(axis=1) / need, resident_short


def update_trust(
    state: GroupState,
    groups: Groups,
    unmet_fraction: np.ndarray,
    belief: np.ndarray,
    loss_per_unmet: float,
    loss_per_belief: float,
    recovery: float,
    dt: float,
) -> None:
    """Trust falls with unmet need and hostile belief, and recovers as service returns."""
    hostile = np.minimum(belief, 1.0)
    change = (
        -loss_per_unmet * unmet_fraction
        - loss_per_belief * hostile
        + recovery * (groups.trust0 - state.trust) * (1.0 - unmet_fraction)
    )
    state.trust = np.clip(state.trust + change * dt, 0.0, 1.0)


def displace(
    state: GroupState,
    groups: Groups,
    home_unmet: np.ndarray,
    fear: np.ndarray,
    destination_weight: np.ndarray,
    hardship_hours: float,
    hardship_threshold: float,
    leave_rate: float,
    fear_leave_rate: float,
    return_rate: float,
    dt: float,
    hour: float = 0.0,
    where: Whereabouts | None = None,
) -> None:
    """Move people out of regions where needs go unmet or fear spreads, and back again.

    Hardship is the recent share of needs unmet *at home*, so displaced people come back when
    home is livable again, however hard their stay elsewhere.

    Leavers go to the other regions in proportion to ``destination_weight`` (their population
    times their service), booked by area (see :class:`Whereabouts`); they return home once
    hardship there has fallen below half the threshold. Flows are taken from one place and
    added to another, so people are conserved.

    Args:
        fear: Per group, belief in fear narratives (0 to 1).
        destination_weight: Per region, attractiveness as a destination.
    """
    state.hardship += (home_unmet - state.hardship) * min(1.0, dt / hardship_hours)
    pressure = np.maximum(0.0, state.hardship - hardship_threshold) / (1.0 - hardship_threshold)
    rate = groups.mobility * (leave_rate * pressure + fear_leave_rate * fear)
    leavers = state.home * -np.expm1(-rate * dt)
    if leavers.any():
        where = where or Whereabouts(destination_weight, groups)
        dest = where.destinations(destination_weight)  # nobody flees to their own region
        leavers = np.where(dest.any(axis=1), leavers, 0.0)
        state.home -= leavers
        state.displaced += leavers[:, None] * dest
    calm = (state.hardship < hardship_threshold / 2) & (hour >= state.return_after)
    if state.displaced.any():
        back = state.displaced * (-np.expm1(-return_rate * dt) * calm)[:, None]
        state.displaced -= back
        state.home += back.sum(axis=1)
    np.maximum(state.peak_displaced, state.displaced.sum(axis=1), out=state.peak_displaced)


def demand(
    state: GroupState,
    groups: Groups,
    present: np.ndarray,
    arrivals: np.ndarray,
    baseline_population: np.ndarray,
    resident_short: np.ndarray,
    panic: np.ndarray,
    bank_run: np.ndarray,
    cfg: PopulationConfig,
    n_regions: int,
) -> np.ndarray:
    """Demand per region and sector, in units of the region's normal demand.

    Demand follows the people present; panic buying raises food_water demand and a bank run
    raises finance demand, in proportion to the region's belief; the vulnerable whose power or
    water is out add demand on health; displaced arrivals who need public reception add to
    population_flows demand, scaled by the normal reception occupancy.

    Args:
        present: People present per region.
        arrivals: Displaced people present per region.
        resident_short: Per group and sector, the residents' unmet share of need.
        panic, bank_run: Per region, population-weighted belief in such narratives.
    """
    scale = present / baseline_population
    out = np.repeat(scale[:, None], len(SECTORS), axis=1)
    out[:, FOOD_WATER] *= 1.0 + cfg.behaviour.panic_buying_gain * panic
    out[:, FINANCE] *= 1.0 + cfg.behaviour.bank_run_gain * bank_run
    cut_off = np.maximum(resident_short[:, ENERGY], resident_short[:, FOOD_WATER])
    care = groups.health_dependency * state.home * cut_off
    out[:, HEALTH] += np.bincount(groups.region, weights=care, minlength=n_regions) / (
        baseline_population
    )
    reception = baseline_population / baseline_population.sum() * cfg.reception_baseline_persons
    out[:, POPULATION_FLOWS] = 1.0 + arrivals * cfg.behaviour.reception_share / reception
    return out


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
