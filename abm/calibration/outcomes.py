"""The outcomes a target compares, computed from finished replicates (see the package docstring)."""

from __future__ import annotations

import math
from typing import Any
from weakref import WeakKeyDictionary

import numpy as np

from abm.calibration.targets import SALES_METRICS, SECTOR_METRICS, TRANSIT_METRICS, Outcome
from abm.config import RunConfig
from abm.errors import ConfigError
from abm.vocabulary import SECTORS


def outcome_of(model: Any, outcome: Outcome) -> tuple[float, bool]:
    """A finished model's value of a target's outcome, and whether it is censored (the event
    was still going on at the horizon, so the value is a lower bound)."""
    w = model.world
    region_mask = w.regions.mask(outcome.regions) if outcome.regions else np.ones(w.regions.n, bool)
    if outcome.metric in SALES_METRICS:
        return _sales_outcome(model, outcome)
    if outcome.metric in TRANSIT_METRICS:
        return _train_outcome(model, outcome)
    if outcome.metric in SECTOR_METRICS:
        return _sector_outcome(model, outcome, region_mask)
    in_type = w.asset_type == w.type_names.index(outcome.asset_type)
    chosen = in_type & region_mask[w.asset_region]
    if outcome.metric == "asset_down_hours":
        return _down_hours(model, chosen)
    return _repair_hours(model, chosen)


def _end(model: Any) -> float:
    """Hours simulated (a run may stop before its horizon: :func:`run_until_settled`)."""
    return float(model.steps * model.dt)


def _subservice(model: Any, name: str) -> int:
    """The index of a sub-service of the run (sectors.subservices)."""
    if name not in model.subservices.names:
        known = ", ".join(model.subservices.names) or "none"
        raise ConfigError("outcome.subservice", f"a sub-service of the run ({known}), got {name!r}")
    return model.subservices.names.index(name)


def _service(
    model: Any, sector: int, region_mask: np.ndarray, subservice: str | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Recorded hours and the sector's (or its sub-service's) service over the regions,
    weighted by the sector's dependents, for the rows recorded so far."""
    rows = -(-model.steps // model.recorder.every)
    dep = model.regional.dependents[region_mask, sector]
    if subservice is None:
        series = model.recorded_service[:rows, region_mask, sector]
    else:
        u = _subservice(model, subservice)
        series = model.recorder.subservice_service[:rows, region_mask, u]
    service = series @ dep / dep.sum() if dep.sum() > 0 else series.mean(axis=1)
    return model.recorded_hours[:rows], service


def _sector_outcome(model: Any, outcome: Outcome, region_mask: np.ndarray) -> tuple[float, bool]:
    sector = SECTORS.index(outcome.sector)
    hours, service = _service(model, sector, region_mask, outcome.subservice)
    peak = float(1.0 - service.min())
    if outcome.metric == "peak_share_out":
        return peak, False
    below = np.flatnonzero(service < outcome.threshold - 1e-12)
    if peak <= 0 or not below.size:
        return 0.0, False  # never below the threshold: no outage to time
    last = below[-1]
    censored = bool(last + 1 >= len(service))
    start = outcome.from_hour
    if start is None:
        start = min((s.at_hour for s in model.cfg.scenario.shocks), default=0.0)
    if outcome.metric == "outage_duration_hours":
        # the outage episode: from the start until service is back at the threshold for good
        row_hours = model.recorder.every * model.dt
        episode = (hours >= start) & (np.arange(len(service)) <= last)
        lost = float(((1.0 - service) * episode).sum() * row_hours)
        return lost / peak, censored
    if censored:
        return _end(model) - start, True
    s0, s1 = service[last], service[last + 1]
    h0, h1 = hours[last], hours[last + 1]
    back = h0 + (outcome.threshold - s0) / (s1 - s0) * (h1 - h0)
    return max(float(back) - start, 0.0), False


#: Hours of the window of ``peak_week_sales_rise`` (a week: sales are reported per week).
WEEK_HOURS = 168.0
#: Rise of national sales above normal that counts as elevated (``sales_elevated_hours``):
#: above the week-to-week noise of retail sales, a few percent.
ELEVATED = 0.10


def _sales_outcome(model: Any, outcome: Outcome) -> tuple[float, bool]:
    """A sub-service's national sales (demand met, in units of normal demand) each step:
    ``peak_week_sales_rise``, the largest mean over a week of sales, minus 1 (the rise of the
    best week against a normal one, as retail panels report it); ``sales_elevated_hours``, the
    hours from the first to the last step with sales more than ``ELEVATED`` above normal (how
    long the peak lasted), censored if still elevated at the end."""
    u = _subservice(model, str(outcome.subservice))
    steps = model.steps
    sales = model.recorder.subservice_sales[:steps, u]
    if outcome.metric == "peak_week_sales_rise":
        window = max(1, round(WEEK_HOURS / model.dt))
        if len(sales) < window:
            return float(sales.mean() - 1.0), True
        sums = np.convolve(sales, np.ones(window), mode="valid")
        return float(sums.max() / window - 1.0), False
    high = np.flatnonzero(sales > 1.0 + ELEVATED)
    if not high.size:
        return 0.0, False
    return float((high[-1] - high[0] + 1) * model.dt), bool(high[-1] + 1 >= len(sales))


#: Per model run by :func:`run_until_settled` for a transit metric: the hour of each step in
#: which some of the serials' military trains left, and how many. The transit keeps no record
#: per train (only the trains each serial still has to send), so the run notes them.
_DEPARTURES: WeakKeyDictionary[Any, list[tuple[float, int]]] = WeakKeyDictionary()


def _run_transit(model: Any) -> None:
    """Step until every serial's military trains have left, or to the horizon, noting the
    trains that leave in each step. The trains are what the transit metrics count; the
    convoys, the crossings and the sustainment flow after them do not change them."""
    transit = model.transit
    left = int(transit.trains_left.sum())
    departures: list[tuple[float, int]] = []
    while model.running and left > 0:
        model.step()
        now = int(transit.trains_left.sum())
        if now < left:
            departures.append((float(model.hour), left - now))
        left = now
    _DEPARTURES[model] = departures


def _train_outcome(model: Any, outcome: Outcome) -> tuple[float, bool]:
    """The serials' military trains: ``rail_trains``, how many left; ``rail_trains_per_day``,
    how many left per day of departures, counting the days from the first departure to the
    last, both included (as a report of "about 20 trains from 20 November to 1 December", 12
    days, counts them). Censored if some trains had not left at the end of the run."""
    if model not in _DEPARTURES:
        raise ConfigError(
            f"outcome.metric {outcome.metric}",
            "a model run by run_until_settled (it notes the trains)",
        )
    departures = _DEPARTURES[model]
    censored = bool(model.transit.trains_left.sum() > 0)
    trains = sum(n for _, n in departures)
    if outcome.metric == "rail_trains":
        return float(trains), censored
    if not trains:
        return 0.0, censored
    days = (departures[-1][0] - departures[0][0]) / 24.0 + 1.0
    return trains / days, censored


def _down_hours(model: Any, chosen: np.ndarray) -> tuple[float, bool]:
    """Mean hours not working of the chosen assets that stopped working. An asset still down at
    the end only because of its own cyber outage or trip (its end drawn when it was hit) counts
    to the step that ends it; any other counts to the end (censored)."""
    a, dt, end = model.assets, model.dt, _end(model)
    down_since: dict[int, float] = {}
    total: dict[int, float] = {}
    for hour, kind, asset, _ in model.events:
        if asset < 0 or not chosen[asset]:
            continue
        if kind == "failure":
            down_since[asset] = hour
            total.setdefault(asset, 0.0)
        elif kind == "restored" and asset in down_since:
            total[asset] += hour - down_since.pop(asset)
    censored = False
    for asset, since in down_since.items():
        until = float(a.compromised_until[asset])
        if not a.damaged[asset] and until > model.hour and _only_own_outages(model):
            total[asset] += math.ceil(until / dt - 1e-9) * dt - since
        else:
            total[asset] += end - since
            censored = True
    if not total:
        return 0.0, False
    return float(np.mean(list(total.values()))), censored


def _repair_hours(model: Any, chosen: np.ndarray) -> tuple[float, bool]:
    """Mean hours from damage to the end of the repair of the chosen assets damaged in the
    run (see the module docstring for repairs that outlast the run)."""
    a, dt = model.assets, model.dt
    end = _end(model)
    damaged_at: dict[int, float] = {}
    durations: list[float] = []
    for hour, kind, asset, _ in model.events:
        if asset < 0 or not chosen[asset]:
            continue
        if kind == "shock":
            damaged_at.setdefault(asset, hour)
        elif kind == "repaired" and asset in damaged_at:
            # repaired in the step starting at ``hour``: it ended by the step's end
            durations.append(hour + dt - damaged_at.pop(asset))
    censored = False
    response = model.operators.response_hours[model.world.asset_operator]
    for asset, since in damaged_at.items():
        if a.in_repair[asset]:
            durations.append(float(a.repair_end[asset]) - since)
            continue
        ready = max(since + float(response[asset]), float(a.parts_at[asset]))
        start = math.ceil(ready / dt - 1e-9) * dt
        if start < end:  # waiting for a free crew at the horizon: the end is not known yet
            durations.append(end - since)
            censored = True
        else:
            durations.append(start + float(a.repair_hours[asset]) - since)
    if not durations:
        return 0.0, False
    return float(np.mean(durations)), censored


# ----------------------------------------------------------------------------- stopping
#: Hours a settled state must last before a run stops early: longer than any recovery blip.
SETTLE_HOURS = 24.0


def causes_over(model: Any) -> bool:
    """No asset damaged, compromised, tripped or cut off: the incident's physical causes are
    over and only the sectors' recovery remains. Assets in manual or degraded operation may
    remain: their share of capacity only rises when it ends."""
    a = model.assets
    return bool(
        not a.damaged.any()
        and a.working.all()
        and np.all(a.compromised_until <= model.hour + model.dt)
    )


def _only_own_outages(model: Any) -> bool:
    """Nothing is damaged, every asset out of service is out for its own cyber outage or trip
    (its end drawn when it was hit), and no consumer is drawing on a backup: nothing can fail
    any more, and each outage ends at its drawn hour."""
    a = model.assets
    return bool(
        not a.damaged.any()
        and np.all(a.working | (a.compromised_until > model.hour))
        and np.all(a.backup_left >= a.backup_capacity)
    )


def _last_scripted_hour(cfg: RunConfig) -> float:
    sc = cfg.scenario
    hours = [s.at_hour for s in sc.shocks]
    hours += [h.at_hour + h.duration_hours for h in sc.hazards]
    hours += [d.at_hour + d.hours for d in sc.drone_incursions]
    hours += [m.end_hour for m in sc.migration_pushes]
    return max(hours, default=0.0)


def run_until_settled(model: Any, outcome: Outcome) -> None:
    """Run a model until its horizon, or until the target's outcome can no longer change.

    The incident scenarios run the horizon needed by their slowest replicate; most replicates
    settle long before, and stopping them saves most of an evaluation's time. A run without an
    adversary stops once every scripted event has landed and, for ``SETTLE_HOURS`` hours in a
    row: the incident's causes are over (:func:`causes_over`), and the sector's service in the
    target's regions is at or above the threshold in every region (the sector metrics: the
    outage is over, and its peak has passed); for asset_down_hours, every asset out of service
    is out for its own drawn outage and nothing else can fail (:func:`_only_own_outages`); for
    repair_hours, every damaged asset of the type has a scheduled end (see the module
    docstring). A run for a transit metric, adversary or not, stops once every serial's
    military trains have left (:func:`_run_transit`).
    """
    cfg = model.cfg
    if outcome.metric in TRANSIT_METRICS:
        _run_transit(model)  # every train has left: the metric cannot change any more
        return
    if cfg.scenario.adversary_dimensions or outcome.subservice is not None:
        model.run_model()  # a narrative's effects outlast its scripted hour: the whole horizon
        return
    after = _last_scripted_hour(cfg)
    w = model.world
    regions = w.regions.mask(outcome.regions) if outcome.regions else np.ones(w.regions.n, bool)
    sector = SECTORS.index(outcome.sector) if outcome.sector is not None else None
    chosen = None
    if outcome.asset_type is not None:
        chosen = (w.asset_type == w.type_names.index(outcome.asset_type)) & regions[w.asset_region]
    settled_since: float | None = None
    while model.running:
        model.step()
        if model.hour < after:
            continue
        if outcome.metric == "repair_hours":
            a = model.assets
            if not (a.damaged & chosen & ~a.in_repair).any():
                return
            continue
        if outcome.metric == "asset_down_hours":
            quiet = _only_own_outages(model)
        else:
            quiet = causes_over(model)
        if quiet and sector is not None:
            q = model.sectors.inoperability[regions, sector]
            quiet = bool(np.all(q <= 1 - outcome.threshold))
        if not quiet:
            settled_since = None
            continue
        settled_since = model.hour if settled_since is None else settled_since
        if model.hour + model.dt - settled_since >= SETTLE_HOURS:
            return


# ------------------------------------------------------------------------------ evaluation
