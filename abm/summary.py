"""One row of ``summary.parquet`` from a finished (or running) replicate (DESIGN.md section 8).

Per sector, in natural units: person-hours lost (``loss_<s>``), the dependents at the start,
the people affected (dependents in regions that fell below the sector's minimum service) and
the hours the worst region spent below it; ``total_loss`` only under the named weighting.
An arm is identified by its scenario, mitigation and couplings (``couplings``: the option of
``configs/couplings/``, so arms with couplings switched off are told apart).
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from abm.host_nation import HostNation
from abm.levers import RunView, engagement
from abm.metrics import min_service, time_to_recover
from abm.mitigation import cost_columns
from abm.recorder import RegionalOutcomes, total_loss
from abm.state import CampaignState
from abm.transit import Transit
from abm.vocabulary import ACTIONS, SECTORS


class Finished(RunView, Protocol):
    """What a summary row is built from: a finished run, as engagement tests also read it."""

    replicate: int
    seed: int
    dt: float
    hour: float
    steps: int
    total_weights: np.ndarray
    regional: RegionalOutcomes
    campaign: CampaignState
    transit: Transit
    host_nation: HostNation

    @property
    def loss(self) -> np.ndarray: ...

    @property
    def national_service(self) -> np.ndarray: ...


def summary_row(model: Finished) -> dict[str, Any]:
    """The replicate's row: identity; per sector person-hours lost, dependents, people
    affected and hours below minimum service; the weighted total and its weighting; population
    outcomes, attacks, cost, minimum service and recovery per sector, transit and responders."""
    cfg = model.cfg
    row: dict[str, Any] = {
        "scenario": cfg.scenario.name,
        "mitigation": cfg.mitigation.name,
        "couplings": cfg.couplings.name,
        "replicate": model.replicate,
        "seed": model.seed,
    }
    out = model.regional
    per_sector = {
        "loss": model.loss,
        "dependents": out.dependents.sum(axis=0),
        "affected": out.affected.sum(axis=0),
        "hours_below_min": out.hours_below_min.max(axis=0),
    }
    for name, values in per_sector.items():
        row.update({f"{name}_{s}": float(values[i]) for i, s in enumerate(SECTORS)})
    row["total_loss"] = total_loss(model)
    row["weighting"] = cfg.weighting.name
    people, campaign = model.people, model.campaign
    row.update(
        unmet_need_person_hours=float(people.state.unmet.sum()),
        min_trust=people.min_trust,
        peak_belief=people.peak_belief,
        peak_displaced=float(people.state.peak_displaced.sum()),
    )
    row.update(
        **{f"n_{a}": int(campaign.attempts[k]) for k, a in enumerate(ACTIONS)},
        **{f"n_{a}_success": int(campaign.successes[k]) for k, a in enumerate(ACTIONS)},
        **cost_columns(cfg.mitigation),
    )
    done = model.national_service[: max(model.steps, 1)]
    lowest = min_service(done)
    hours, status = time_to_recover(done, model.dt, cfg.outcomes.recovery_threshold)
    for i, s in enumerate(SECTORS):
        row[f"min_service_{s}"] = float(lowest[i])
    for i, s in enumerate(SECTORS):
        row[f"recovery_h_{s}"] = float(hours[i])
        row[f"recovery_status_{s}"] = status[i]
    row["population"] = float(people.groups.size.sum())
    row.update(model.transit.summary(model.hour + model.dt))
    row.update(model.host_nation.summary())
    activation = model.crisis_centre.activation_hour
    row["decision_activation_h"] = np.nan if activation is None else float(activation)
    row["cells_found"] = int(campaign.cells_found)
    # local recruits (coupling local_recruits): action points gained, sabotage they carried out
    row["recruit_points"] = float(campaign.recruited.sum())
    row["n_recruit_sabotage"] = int(campaign.proxy_attempts)
    row["n_recruit_sabotage_success"] = int(campaign.proxy_successes)
    row.update({f"engaged_{kind}": engaged for kind, engaged in engagement(model).items()})
    return row
