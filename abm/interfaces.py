"""What agents and the scenario script see of the model: a small Protocol, not the model class.

Agents and the script are typed against :class:`ModelView`, so nothing outside
:mod:`abm.model` imports the model (no import cycle), and what they may use is written down in
one place: the world, the state objects, the layers, the clock, and the services (log an
event, damage assets, let intruders in, compromise assets, trip assets).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from abm.config import RunConfig
    from abm.cyber import CyberEffects
    from abm.population import PopulationLayer
    from abm.seeding import Streams
    from abm.state import AssetState, CampaignState, OperatorState, ResponseState, SectorState
    from abm.transit import Transit
    from abm.world import World


class CrisisView(Protocol):
    """Whether the crisis centre has activated measures (what the adversary reacts to); the
    incidents it has seen and how much its decision work is slowed now (what an exercise's
    crisis organisation escalates on and is slowed by)."""

    @property
    def active(self) -> bool: ...

    def incidents(self, window_hours: float) -> int: ...

    def slowdown(self) -> float: ...


class ScriptView(Protocol):
    """What the adversary's cells read of the scenario script (:mod:`abm.campaign`)."""

    cell_names: list[str]
    action_costs: np.ndarray
    operator_criticality: np.ndarray
    operator_links: np.ndarray
    ransomware_sectors: set[int]
    cyber: CyberEffects
    adversary_narratives: list[int]
    behaviour_weights: np.ndarray
    carried_out: np.ndarray

    def action_weights(self, crisis_active: bool) -> np.ndarray: ...

    def sabotage_candidates(self, hour: float) -> np.ndarray: ...

    def sabotage_value(self, hour: float, candidates: np.ndarray) -> np.ndarray: ...

    def incident_hours(self) -> np.ndarray: ...


class ModelView(Protocol):
    """The model as its agents and its scenario script use it."""

    cfg: RunConfig
    world: World
    streams: Streams
    dt: float
    #: Start of the current step, in hours.
    hour: float
    assets: AssetState
    operators: OperatorState
    sectors: SectorState
    responses: ResponseState
    campaign: CampaignState
    script: ScriptView
    people: PopulationLayer
    transit: Transit
    crisis_centre: CrisisView
    #: Per region, the share of telecom capacity under an intruder, given per operator
    #: whether one is inside (agents.operator.TelecomIntrusion).
    telecom_intrusion: Callable[[np.ndarray], np.ndarray]

    @property
    def population_share(self) -> np.ndarray: ...

    @property
    def loss(self) -> np.ndarray: ...

    def log_event(self, kind: str, asset: int, detail: str = "") -> None: ...

    def damage_assets(self, targets: np.ndarray, label: str) -> None: ...

    def intrude(self, operators: np.ndarray, until: np.ndarray, label: str) -> None: ...

    def compromise_assets(
        self,
        assets: np.ndarray,
        outage_hours: np.ndarray,
        degraded_hours: np.ndarray,
        capacity: np.ndarray,
        label: str,
    ) -> None: ...

    def trip_assets(self, assets: np.ndarray, hours: np.ndarray, label: str) -> None: ...
