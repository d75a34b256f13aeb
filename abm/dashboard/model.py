"""The dashboard's model: a run composed from the controls, with a compared run alongside.

It is the unchanged model (:class:`abm.model.HybridThreatModel`) for Mesa's SolaraViz:
:class:`DashboardModel` only composes the config from the controls (a scenario, a package plus
single levers, a seed and a horizon) and steps the compared run along, on the same seed (common
random numbers).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import configs
from abm.api import load_config
from abm.config import RunConfig
from abm.levers import LEVERS
from abm.model import HybridThreatModel

CONFIGS = Path(configs.__file__).parent
SCENARIOS = sorted(p.stem for p in (CONFIGS / "scenario").glob("*.yaml"))
PACKAGES = [
    "none",
    *sorted(p.stem for p in (CONFIGS / "mitigation").glob("*.yaml") if p.stem != "none"),
]
#: The levers of the registry, each shipped as a package of one lever
#: (``configs/mitigation/<kind>.yaml``), which the controls let an analyst add to any package.
SINGLE_LEVERS = list(LEVERS)
DEFAULT_THREAT = "most_likely_enemy"
OFF = "off"


def dashboard_config(
    threat: str, package: str, extra_levers: list[str], horizon_days: int
) -> RunConfig:
    """The run the controls describe: a scenario, a package plus single levers, a horizon."""
    cfg = load_config(threat, overrides=[f"mitigation={package}"], horizon_days=horizon_days)
    for name in extra_levers:
        levers = load_config(threat, overrides=[f"mitigation={name}"]).mitigation.levers
        for key, lever in levers.items():
            cfg.mitigation.levers.setdefault(key, lever)
    if extra_levers:
        cfg.mitigation.name = "+".join([package, *extra_levers])
    return cfg


class DashboardModel(HybridThreatModel):
    """The model of one run of the dashboard, with a compared run stepped alongside.

    The scenario is called ``threat`` here: on Reset, Mesa's SolaraViz passes its own
    ``scenario`` object to models that accept one, which this class takes and ignores.

    Args:
        threat: A shipped scenario.
        package: A shipped mitigation package.
        seed: The replicate's seed (both runs use it).
        horizon_days: Length of the run.
        compare_with: Another package to run on the same seed, or ``"off"``.
        **levers: ``<single lever>=True`` adds that lever's package to ``package``.
    """

    def __init__(
        self,
        threat: str = DEFAULT_THREAT,
        package: str = "none",
        seed: int = 0,
        horizon_days: int = 14,
        compare_with: str = OFF,
        scenario: Any = None,
        **levers: bool,
    ) -> None:
        unknown = set(levers) - set(SINGLE_LEVERS)
        if unknown:
            raise TypeError(f"unknown levers {sorted(unknown)}; choose from {SINGLE_LEVERS}")
        extra = [name for name in SINGLE_LEVERS if levers.get(name)]
        super().__init__(dashboard_config(threat, package, extra, horizon_days), rng=seed)
        self.other = (
            None
            if compare_with == OFF
            else HybridThreatModel(
                dashboard_config(threat, compare_with, [], horizon_days), rng=seed
            )
        )

    def step(self) -> None:
        """One hour of this run, and of the compared run."""
        super().step()
        if self.other is not None and self.other.running:
            self.other.step()

    def run_day(self) -> None:
        """Advance both runs by a day (or to the end of the horizon)."""
        for _ in range(round(24 / self.dt)):
            if not self.running:
                break
            self.step()


def event_table(model: HybridThreatModel, latest: int = 8) -> str:
    """The latest events, newest first, as a Markdown table."""
    w = model.world
    rows = []
    for hour, kind, asset, detail in reversed(model.events[-latest:]):
        where = (
            f"{w.type_names[w.asset_type[asset]]} in {w.regions.names[w.asset_region[asset]]}"
            if asset >= 0
            else ""
        )
        rows.append(f"| {hour:g} | {kind} | {where} | {detail} |")
    return "\n".join(["| hour | event | asset | detail |", "|---|---|---|---|", *rows])
