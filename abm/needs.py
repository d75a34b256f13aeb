"""Needs, trust and demand of the population groups, as array rules over all groups.

Groups draw services from the sectors (household stocks cover a shortfall first, then need goes
unmet), trust moves with unmet need and hostile belief, and demand follows the people present
and what they do.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import numpy as np

from abm.config import BehaviourConfig, PopulationConfig
from abm.displacement import Whereabouts
from abm.groups import Groups, GroupState
from abm.vocabulary import BEHAVIOURS, SECTOR_INDEX, SECTORS

ENERGY, FOOD_WATER, HEALTH, POPULATION_FLOWS, FINANCE = (
    SECTOR_INDEX[s] for s in ("energy", "food_water", "health", "population_flows", "finance")
)

#: The behaviours that raise demand, the field of their gain, and the sector whose demand they
#: raise as a whole (a sector with sub-services takes them only through the sub-service that
#: names the behaviour: abm/subservices.py).
DEMAND_BEHAVIOURS: Mapping[str, tuple[str, int]] = MappingProxyType(
    {
        "panic_buying": ("panic_buying_gain", FOOD_WATER),
        "bank_run": ("bank_run_gain", FINANCE),
    }
)
#: (sector, behaviour) index pairs of :data:`DEMAND_BEHAVIOURS`.
DEMAND_COLUMNS: tuple[tuple[int, int], ...] = tuple(
    (sector, BEHAVIOURS.index(name)) for name, (_, sector) in DEMAND_BEHAVIOURS.items()
)


def meet_needs(
    state: GroupState,
    groups: Groups,
    shortfall: np.ndarray,
    dt: float,
    restock_per_hour: float,
    where: Whereabouts | None = None,
    need: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Draw services: household stocks cover a shortfall first, then need goes unmet.

    Residents draw on their own region's service with their stocks; displaced people draw on
    the service where they are, with no stocks, and need every sector fully (reception
    included). Updates ``stocks`` and ``unmet`` in place.

    Args:
        shortfall: ``1 - service`` per region and sector, shape ``(R, S)``.
        where: Where the displaced are (needed once anybody is displaced).
        need: Per group, ``size x dt x max(sum of need weights, 1)``, when the caller keeps
            it (computed here otherwise).

    Returns:
        ``(unmet_fraction, resident_short)``: per group, the share of its members' needs
        unmet this step, wherever they are (0 to 1); and per group and sector, the unmet
        share of need of its members at home (conditions at home: what makes people leave or
        return, and what sends the vulnerable to health care).
    """
    # (x * 1.0 and x / 1.0 are x: with hourly steps those operations are skipped.)
    short = shortfall.take(groups.region, axis=0)  # (``shortfall[groups.region]``, cheaper)
    use = short * groups.need_weight  # (G, S) hours of need short
    if dt != 1.0:
        use *= dt
    stocks = state.stocks
    covered = np.minimum(use, stocks)
    stocks -= covered
    use -= covered
    # (G, S), share of an hour's need unmet
    resident_short = use if dt == 1.0 else np.divide(use, dt, out=use)
    # Stocks refill where service is whole (in place: the same values as a ``np.where``).
    refill = short <= 1e-12
    full = stocks + restock_per_hour * dt
    np.minimum(state.stock_capacity, full, out=full)
    np.putmask(stocks, refill, full)
    step_unmet = state.home[:, None] * resident_short
    if where is not None and np.count_nonzero(state.displaced):  # (cheaper than .any())
        # Plus the person-weighted shortfall where the displaced are. Without anybody
        # displaced that term is 0, and adding 0.0 would change nothing (no -0.0 here).
        step_unmet += where.shortfall(state.displaced, shortfall)
    if dt != 1.0:
        step_unmet *= dt
    state.unmet += step_unmet
    if need is None:
        need = groups.size * dt * np.maximum(groups.need_weight.sum(), 1.0)
    return np.add.reduce(step_unmet, axis=1) / need, resident_short


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
    # change = -loss_per_unmet u - loss_per_belief min(belief, 1)
    #          + recovery (trust0 - trust) (1 - u); in place, in that order.
    change = -loss_per_unmet * unmet_fraction
    hostile = np.minimum(belief, 1.0)
    np.multiply(loss_per_belief, hostile, out=hostile)
    np.subtract(change, hostile, out=change)
    regain = groups.trust0 - state.trust
    np.multiply(recovery, regain, out=regain)
    np.multiply(regain, 1.0 - unmet_fraction, out=regain)
    np.add(change, regain, out=change)
    if dt != 1.0:  # (x * 1.0 is x)
        np.multiply(change, dt, out=change)
    trust = np.add(state.trust, change, out=change)
    # ``np.clip(trust, 0, 1)``: the same for every value but -0.0, which trust never holds.
    np.maximum(trust, 0.0, out=trust)
    state.trust = np.minimum(trust, 1.0, out=trust)


def demand_gains(cfg: BehaviourConfig) -> np.ndarray:
    """Per behaviour, the gain on the demand it raises (0 for those that raise none)."""
    gains = np.zeros(len(BEHAVIOURS))
    for name, (field, _) in DEMAND_BEHAVIOURS.items():
        gains[BEHAVIOURS.index(name)] = getattr(cfg, field)
    return gains


def behaviour_lift(
    acting: np.ndarray, cfg: BehaviourConfig, gains: np.ndarray | None = None
) -> np.ndarray:
    """Per region and behaviour, the factor on the demand a behaviour raises.

    ``1 + gain * acting share``: an acting believer of a panic-buying narrative buys
    ``1 + panic_buying_gain`` times their usual food, one of a bank run draws ``1 +
    bank_run_gain`` times their usual cash; behaviours that raise no demand give 1.

    Args:
        acting: Per behaviour and region, the population-weighted share acting, ``(B, R)``.
        gains: :func:`demand_gains` of ``cfg``, when the caller keeps them.

    Returns:
        ``(R, B)`` factors, at least 1.
    """
    if gains is None:
        gains = demand_gains(cfg)
    out = acting.T * gains
    return np.add(1.0, out, out=out)


def demand(
    state: GroupState,
    groups: Groups,
    present: np.ndarray,
    arrivals: np.ndarray,
    baseline_population: np.ndarray,
    resident_short: np.ndarray,
    lift: np.ndarray,
    cfg: PopulationConfig,
    n_regions: int,
    unplaced: np.ndarray | None = None,
    reception: np.ndarray | None = None,
) -> np.ndarray:
    """Demand per region and sector, in units of the region's normal demand.

    Demand follows the people present; panic buying raises food_water demand and a bank run
    raises finance demand, by their factor of :func:`behaviour_lift` (where those sectors have
    sub-services, the model divides the factor back out and applies it to the sub-service the
    behaviour acts on: :mod:`abm.subservices`); the vulnerable whose power or water is out add
    demand on health; displaced arrivals who need public shelter and have none yet add to
    population_flows demand, scaled by the normal reception occupancy.

    Args:
        present: People present per region.
        arrivals: Displaced people present per region.
        resident_short: Per group and sector, the residents' unmet share of need.
        lift: Per region and behaviour, the factor on demand (:func:`behaviour_lift`).
        unplaced: Per region, displaced people who need public shelter and have not been
            placed in an emergency shelter (:class:`abm.reception.EmergencyShelter`); None
            counts every displaced arrival who needs public shelter.
        reception: Per region, its normal reception occupancy (persons), when the caller
            keeps it (computed here otherwise).
    """
    out = np.empty((len(present), len(SECTORS)))
    out[:] = (present / baseline_population)[:, None]
    for sector, behaviour in DEMAND_COLUMNS:
        column = out[:, sector]
        np.multiply(column, lift[:, behaviour], out=column)
    cut_off = np.maximum(resident_short[:, ENERGY], resident_short[:, FOOD_WATER])
    care = groups.health_dependency * state.home
    care *= cut_off
    health = np.bincount(groups.region, weights=care, minlength=n_regions)
    health /= baseline_population
    column = out[:, HEALTH]
    np.add(column, health, out=column)
    if reception is None:
        reception = baseline_population / baseline_population.sum() * cfg.reception_baseline_persons
    need = arrivals * cfg.behaviour.reception_share if unplaced is None else unplaced
    flows = need / reception
    out[:, POPULATION_FLOWS] = np.add(1.0, flows, out=flows)
    return out
