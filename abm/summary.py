"""One row of ``summary.parquet`` from a finished (or running) replicate (DESIGN.md section 8)."""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from abm.config import RunConfig
from abm.metrics import min_service, time_to_recover
from abm.mitigation import package_cost, package_cost_range
from abm.population import PopulationLayer
from abm.recorder import total_loss
from abm.state import CampaignState
from abm.transit import Transit
from abm.vocabulary import ACTIONS, SECTORS


class Activation(Protocol):
    """When the crisis centre activated measures (None: never)."""

    activation_hour: float | None


class Finished(Protocol):
    """What a summary row is built from."""

    cfg: RunConfig
    replicate: int
    seed: int
    dt: float
    hour: float
    steps: int
    loss_weights: np.ndarray
    people: PopulationLayer
    campaign: CampaignState
    transit: Transit
    crisis_centre: Activation

    @property
    def loss(self) -> np.ndarray: ...

    @property
    def national_service(self) -> np.ndarray: ...


def summary_row(model: Finished) -> dict[str, Any]:
    """The replicate's row: identity, loss per sector and in total, population outcomes,
    attacks, cost, minimum service and recovery per sector, transit and responders."""
    cfg = model.cfg
    row: dict[str, Any] = {
        "scenario": cfg.scenario.name,
        "mitigation": cfg.mitigation.name,
        "replicate": model.replicate,
        "seed": model.seed,
    }
    row.update({f"loss_{s}": float(model.loss[i]) for i, s in enumerate(SECTORS)})
    row["total_loss"] = total_loss(model)
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
        mitigation_cost_meur=package_cost(cfg.mitigation),
    )
    low, high = package_cost_range(cfg.mitigation)
    row.update(mitigation_cost_low_meur=low, mitigation_cost_high_meur=high)
    done = model.national_service[: max(model.steps, 1)]
    lowest = min_service(done)
    hours, status = time_to_recover(done, model.dt)
    for i, s in enumerate(SECTORS):
        row[f"min_service_{s}"] = float(lowest[i])
    for i, s in enumerate(SECTORS):
        row[f"recovery_h_{s}"] = float(hours[i])
        row[f"recovery_status_{s}"] = status[i]
    row["population"] = float(people.groups.size.sum())
    row.update(model.transit.summary(model.hour + model.dt))
    activation = model.crisis_centre.activation_hour
    row["decision_activation_h"] = np.nan if activation is None else float(activation)
    row["cells_found"] = int(campaign.cells_found)
    return row
