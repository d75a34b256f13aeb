"""The dashboard's views as Matplotlib figures, drawn from a running model's state.

Each function takes a model (or two) and returns a figure, so that the dashboard, its tests and
its benchmark draw exactly the same thing. Figures are small and rebuilt at every refresh; they
read arrays the model keeps anyway (national service per step, the recorded regional series,
the event list, the serials' phases), never a DataCollector of agents.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # rendered to images for the browser, never to a screen

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from abm.model import HybridThreatModel  # noqa: E402
from abm.sectors import SECTORS  # noqa: E402
from abm.tiles import TILES  # noqa: E402
from abm.transit import CROSSED, MOVING, STAGING, WAITING  # noqa: E402

LABELS = [s.replace("_", " ") for s in SECTORS]
COLOURS = matplotlib.color_sequences["tab10"]


def done_hours(model: HybridThreatModel) -> np.ndarray:
    """Hours at which the steps run so far ended."""
    return (np.arange(model.steps) + 1) * model.dt


def sector_curves(model: HybridThreatModel) -> Figure:
    """National service of each of the nine sectors, hour by hour so far."""
    fig, ax = plt.subplots(figsize=(7.0, 3.6))
    hours = done_hours(model)
    service = model.national_service[: model.steps]
    for i, label in enumerate(LABELS):
        ax.plot(hours / 24, service[:, i], label=label, color=COLOURS[i % 10], lw=1.6)
    _time_axis(ax, model)
    ax.set_ylim(max(0.0, min(0.98, float(service.min(initial=1.0))) - 0.02), 1.005)
    ax.set_ylabel("national service (1 = normal)")
    ax.set_title(f"Service per sector: {model.cfg.scenario.name}, {model.cfg.mitigation.name}")
    ax.legend(fontsize=7, ncol=3, loc="lower left")
    fig.tight_layout()
    return fig


def region_tiles(model: HybridThreatModel, measure: str = "service") -> Figure:
    """Belgium's 11 regions as tiles, coloured by mean service or by unmet need so far.

    Args:
        measure: ``service`` (mean over the nine sectors now) or ``unmet`` (person-hours of
            unmet need per inhabitant so far, residents of the region wherever they are).
    """
    w = model.world
    fig, ax = plt.subplots(figsize=(5.0, 3.9))
    if measure == "unmet":
        unmet = model.people.state.unmet.sum(axis=1)
        per_region = np.bincount(model.people.groups.region, unmet, minlength=w.regions.n)
        value = per_region / w.regions.population
        cmap, vmin, vmax = plt.get_cmap("magma_r"), 0.0, max(float(value.max()), 1.0)
        title = "Unmet need so far (person-hours per inhabitant)"
    else:
        value = 1.0 - model.inoperability.mean(axis=1)
        cmap, vmin, vmax = plt.get_cmap("RdYlGn"), 0.5, 1.0
        title = "Service now (mean of the nine sectors)"
    for r, key in enumerate(w.regions.keys):
        x, y = TILES.get(key, (r % 4, 4 + r // 4))
        colour = cmap((value[r] - vmin) / (vmax - vmin) if vmax > vmin else 0.0)
        ax.add_patch(plt.Rectangle((x, -y), 0.95, 0.9, color=colour, ec="white"))
        name = w.regions.names[r].replace("-Capital Region", "").replace(" ", "\n")
        ax.text(x + 0.47, -y + 0.5, name, ha="center", fontsize=8)
        ax.text(x + 0.47, -y + 0.12, f"{value[r]:.2f}", ha="center", fontsize=10, weight="bold")
    ax.set_xlim(-0.1, 4.1)
    ax.set_ylim(-3.2, 1.0)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title, fontsize=10)
    fig.colorbar(plt.cm.ScalarMappable(plt.Normalize(vmin, vmax), cmap), ax=ax, shrink=0.7)
    fig.tight_layout()
    return fig


def trust_and_reach(model: HybridThreatModel) -> Figure:
    """National trust in institutions and the largest narrative reach, at each record."""
    rows = min(-(-model.steps // model.recorder.every), len(model.recorded_hours))  # written
    hours = model.recorded_hours[:rows]
    pop = model.recorded_regions["population"][:rows]
    weights = pop / np.where(pop.sum(axis=1, keepdims=True) > 0, pop.sum(axis=1, keepdims=True), 1)
    trust = (model.recorded_regions["trust"][:rows] * weights).sum(axis=1)
    reach = (model.recorded_regions["belief"][:rows] * weights).sum(axis=1)
    fig, ax = plt.subplots(figsize=(7.0, 2.9))
    ax.plot(hours / 24, trust, label="trust in institutions", color="#4c72b0")
    ax.plot(hours / 24, reach, label="largest narrative reach", color="#c44e52")
    _time_axis(ax, model)
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of the population")
    ax.set_title("Trust and narratives", fontsize=10)
    ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    return fig


def transit_progress(model: HybridThreatModel) -> Figure:
    """The allied serials: how many wait at sea, stage, move or have crossed, and the delay."""
    t = model.transit
    fig, ax = plt.subplots(figsize=(5.0, 2.3))
    names = ("waiting", "staging", "moving", "crossed")
    counts = [int((t.phase == p).sum()) for p in (WAITING, STAGING, MOVING, CROSSED)]
    ax.barh(names[::-1], counts[::-1], color=["#55a868", "#4c72b0", "#dd8452", "#8c8c8c"])
    for i, c in enumerate(counts[::-1]):
        ax.text(c + 0.1, i, str(c), va="center", fontsize=8)
    ax.set_xlim(0, max(t.n, 1) + 1)
    ax.set_xlabel("serials")
    blocked = int(t.blocked.sum()) if t.n else 0
    ax.set_title(
        f"Allied transit: {t.n} serials, {blocked} held up now" if t.n else "No allied transit",
        fontsize=10,
    )
    fig.tight_layout()
    return fig


def comparison(model: HybridThreatModel, other: HybridThreatModel) -> Figure:
    """Two packages on the same seed: mean national service of each, and their difference."""
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(11.0, 3.9), sharex=True)
    steps = min(model.steps, other.steps)
    hours = (np.arange(steps) + 1) * model.dt / 24
    a = model.national_service[:steps].mean(axis=1)
    b = other.national_service[:steps].mean(axis=1)
    top.plot(hours, a, label=model.cfg.mitigation.name, color="#4c72b0")
    top.plot(hours, b, label=other.cfg.mitigation.name, color="#dd8452", ls="--")
    top.set_ylabel("mean service")
    top.legend(fontsize=8, loc="lower left")
    top.set_title("Same seed, two packages (common random numbers)", fontsize=10)
    bottom.fill_between(hours, a - b, color="#55a868", alpha=0.6, step="pre")
    bottom.axhline(0, color="black", lw=0.8)
    bottom.set_ylabel(f"{model.cfg.mitigation.name}\nminus {other.cfg.mitigation.name}", fontsize=8)
    bottom.set_xlabel("day")
    bottom.set_xlim(0, model.n_steps * model.dt / 24)
    fig.tight_layout()
    return fig


def _time_axis(ax: plt.Axes, model: HybridThreatModel) -> None:
    ax.set_xlim(0, model.n_steps * model.dt / 24)
    ax.set_xlabel("day")
    ax.grid(alpha=0.3)
