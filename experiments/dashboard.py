"""An analyst's dashboard in the browser: ``make dashboard`` (``solara run`` on this file).

Pick a scenario and a mitigation package (and add single levers to it), a seed and a horizon;
press Reset to build that run, then Step (one hour), Play, or "Run one day". The page shows the
nine sectors' national service, a tile map of the 11 regions (service now, or unmet need so
far), the event log, the allied transit and trust and narrative reach, all as the run goes.
Compare mode runs a second package on the same seed (common random numbers) in step with the
first, side by side with the difference.

It is Mesa's SolaraViz on the unchanged model: this page holds the controls, the cards and their
layout; the model it steps (:class:`abm.dashboard.model.DashboardModel`, which only composes the
config from the controls and steps the compared run along) and the figures it shows
(:mod:`abm.dashboard.figures`) are library code, shared with the benchmark and the tests.

The same app serves the table-top exercise page at ``/exercise``
(:mod:`abm.dashboard.exercise`): ``routes`` below maps ``/`` to this page and ``exercise`` to
that one (``solara run`` uses a module's ``routes`` when it has them, else its ``page``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import matplotlib.pyplot as plt
import solara
from mesa.visualization import SolaraViz, solara_viz
from mesa.visualization.utils import force_update, update_counter

from abm.dashboard import figures as figs
from abm.dashboard.exercise import ExercisePage
from abm.dashboard.model import (
    DEFAULT_THREAT,
    OFF,
    PACKAGES,
    SCENARIOS,
    SINGLE_LEVERS,
    DashboardModel,
    event_table,
)
from abm.levers import LEVERS
from abm.mitigation import package_cost
from abm.model import HybridThreatModel
from abm.recorder import total_loss
from abm.weighting import describe


# ---------------------------------------------------------------------------- components
def _figure(fig: plt.Figure) -> None:
    solara.FigureMatplotlib(fig, format="png", dependencies=[update_counter.value])
    plt.close(fig)


@solara.component
def Status(model: DashboardModel) -> None:
    """Where the run is, and its headline figures; and the button for a whole day."""
    update_counter.get()
    mean = float(model.national_service[model.steps - 1].mean()) if model.steps else 1.0
    loss = total_loss(model)
    cost = package_cost(model.cfg.mitigation)
    with solara.Card("Run"):
        solara.Markdown(
            f"**{model.cfg.scenario.name}** with **{model.cfg.mitigation.name}** "
            f"({cost:g} MEUR), seed {model.seed}  \n"
            f"Hour {model.steps * model.dt:g} of {model.n_steps * model.dt:g}: mean service "
            f"{mean:.3f}, total_loss so far {loss:,.0f} ({describe(model.cfg.weighting)})"
        )

        def day() -> None:
            model.run_day()
            force_update()

        solara.Button("Run one day", on_click=day, color="primary", disabled=not model.running)


@solara.component
def FigureCard(
    model: DashboardModel, title: str, draw: Callable[[HybridThreatModel], plt.Figure]
) -> None:
    """One figure of the model, in a card, redrawn at every refresh."""
    update_counter.get()
    with solara.Card(title):
        _figure(draw(model))


def SectorView(model: DashboardModel) -> Any:
    return FigureCard(model, "Service per sector", figs.sector_curves)


def TransitView(model: DashboardModel) -> Any:
    return FigureCard(model, "Allied transit", figs.transit_progress)


def TrustView(model: DashboardModel) -> Any:
    return FigureCard(model, "Trust and narratives", figs.trust_and_reach)


@solara.component
def RegionView(model: DashboardModel) -> None:
    update_counter.get()
    measure, set_measure = solara.use_state("service")
    with solara.Card("Regions"):
        solara.ToggleButtonsSingle(value=measure, values=["service", "unmet"], on_value=set_measure)
        _figure(figs.region_tiles(model, measure))


@solara.component
def EventLog(model: DashboardModel) -> None:
    """The latest events: attacks, failures, repairs, arrests, decisions."""
    update_counter.get()
    with solara.Card(f"Event log ({len(model.events)} events)"):
        solara.Markdown(event_table(model) if model.events else "No event yet.")


@solara.component
def CompareView(model: DashboardModel) -> None:
    update_counter.get()
    if model.other is None:
        with solara.Card("Compare"):
            solara.Markdown("Choose a package in *compare with* and press Reset.")
        return
    with solara.Card("Compare"):
        _figure(figs.comparison(model, model.other))


COMPONENTS = (Status, SectorView, RegionView, EventLog, TransitView, TrustView, CompareView)
#: Where each view starts on SolaraViz's grid of 12 columns and 30-pixel rows: (x, y, w, h).
LAYOUT = {
    "Status": (0, 0, 5, 6),
    "SectorView": (5, 0, 7, 14),
    "RegionView": (0, 6, 5, 17),
    "EventLog": (5, 14, 7, 12),
    "TransitView": (0, 23, 5, 10),
    "TrustView": (5, 26, 7, 12),
    "CompareView": (0, 38, 12, 15),
}
_mesa_layout = solara_viz.make_initial_grid_layout


def dashboard_layout(n_components: int) -> list[dict[str, Any]]:
    """The dashboard's first layout (users may still drag and resize the views).

    SolaraViz gives every component a half-width tile of one height; the views here need
    more room, and SolaraViz builds its first layout with this function, so the dashboard
    supplies its own for its page and leaves any other page to Mesa's.
    """
    if n_components != len(COMPONENTS):
        return _mesa_layout(n_components)
    return [
        {"i": i, "x": x, "y": y, "w": w, "h": h, "moved": False}
        for i, (x, y, w, h) in enumerate(LAYOUT[c.__name__] for c in COMPONENTS)
    ]


solara_viz.make_initial_grid_layout = dashboard_layout

model_params: dict[str, Any] = {
    "threat": {"type": "Select", "value": DEFAULT_THREAT, "values": SCENARIOS, "label": "Scenario"},
    "package": {"type": "Select", "value": "none", "values": PACKAGES, "label": "Package"},
    **{
        name: {
            "type": "Checkbox",
            "value": False,
            "label": f"add {name.replace('_', ' ')} ({LEVERS[name].acts_on})",
        }
        for name in SINGLE_LEVERS
    },
    "seed": {"type": "SliderInt", "value": 0, "min": 0, "max": 99, "step": 1, "label": "Seed"},
    "horizon_days": {
        "type": "SliderInt",
        "value": 14,
        "min": 1,
        "max": 60,
        "step": 1,
        "label": "Horizon (days)",
    },
    "compare_with": {
        "type": "Select",
        "value": OFF,
        "values": [OFF, *PACKAGES],
        "label": "Compare with",
    },
}

page = SolaraViz(
    DashboardModel(),
    components=[(c, 0) for c in COMPONENTS],
    model_params=model_params,
    name="Hybrid threats and resilience in Belgium",
)

#: The app's pages: this dashboard at ``/``, the table-top exercise at ``/exercise``.
routes = [
    solara.Route(path="/", component=page, label="Dashboard"),
    solara.Route(path="exercise", component=ExercisePage, label="Table-top exercise"),
]
