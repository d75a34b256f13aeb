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
        where.shortfall(state.displaced, shortfall)
        if where is not None and state.displaced.any()
        else 0.0
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


def behaviour_lift(acting: np.ndarray, cfg: BehaviourConfig) -> np.ndarray:
    """Per region and behaviour, the factor on the demand a behaviour raises.

    ``1 + gain * acting share``: an acting believer of a panic-buying narrative buys
    ``1 + panic_buying_gain`` times their usual food, one of a bank run draws ``1 +
    bank_run_gain`` times their usual cash; behaviours that raise no demand give 1.

    Args:
        acting: Per behaviour and region, the population-weighted share acting, ``(B, R)``.

    Returns:
        ``(R, B)`` factors, at least 1.
    """
    gains = np.zeros(len(BEHAVIOURS))
    for name, (field, _) in DEMAND_BEHAVIOURS.items():
        gains[BEHAVIOURS.index(name)] = getattr(cfg, field)
    return 1.0 + acting.T * gains


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
    """
    scale = present / baseline_population
    out = np.repeat(scale[:, None], len(SECTORS), axis=1)
    for name, (_, sector) in DEMAND_BEHAVIOURS.items():
        out[:, sector] *= lift[:, BEHAVIOURS.index(name)]
    cut_off = np.maximum(resident_short[:, ENERGY], resident_short[:, FOOD_WATER])
    care = groups.health_dependency * state.home * cut_off
    out[:, HEALTH] += np.bincount(groups.region, weights=care, minlength=n_regions) / (
        baseline_population
    )
    reception = baseline_population / baseline_population.sum() * cfg.reception_baseline_persons
    need = arrivals * cfg.behaviour.reception_share if unplaced is None else unplaced
    out[:, POPULATION_FLOWS] = 1.0 + need / reception
    return out
