"""Figures of a sweep, as PNG and SVG, each readable without the code.

Every function takes tables built from the results files (never model objects), draws one
figure with labelled axes and units, saves ``<name>.png`` and ``<name>.svg`` into ``outdir``
and returns the PNG's path.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no screen

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from abm.sectors import SECTORS  # noqa: E402
from abm.tiles import TILES  # noqa: E402

LABELS = {s: s.replace("_", " ") for s in SECTORS}


def save_figure(fig: plt.Figure, outdir: Path, name: str) -> Path:
    """Write ``fig`` as ``<outdir>/<name>.png`` and ``.svg``, close it, return the PNG."""
    outdir.mkdir(parents=True, exist_ok=True)
    png = outdir / f"{name}.png"
    fig.savefig(png, dpi=110, bbox_inches="tight")
    fig.savefig(outdir / f"{name}.svg", bbox_inches="tight")
    plt.close(fig)
    return png


def service_timeseries(timeseries: pd.DataFrame, outdir: Path, arms: list[str]) -> Path:
    """National service per sector over time: mean over replicates with a min-max band.

    Args:
        timeseries: Rows of ``timeseries.parquet`` with a ``mitigation`` column added (the
            sector rows are drawn: sub-service rows, if any, are left out).
        arms: Mitigations to draw (for example ``none`` and the best-ranked one).
    """
    sectors = timeseries.subservice == "" if "subservice" in timeseries else True
    ts = timeseries[timeseries.mitigation.isin(arms) & sectors].copy()
    ts["weighted"] = ts.service * ts.population
    national = ts.groupby(["mitigation", "replicate", "time_h", "sector"], as_index=False).agg(
        weighted=("weighted", "sum"), population=("population", "sum")
    )
    national["service"] = national.weighted / national.population
    national["day"] = national.time_h / 24
    fig, axes = plt.subplots(3, 3, figsize=(12, 8.5), sharex=True, sharey=True)
    palette = dict(zip(arms, sns.color_palette("colorblind", len(arms)), strict=True))
    for ax, sector in zip(axes.flat, SECTORS, strict=True):
        data = national[national.sector == sector]
        for arm in arms:
            g = data[data.mitigation == arm].groupby("day").service
            ax.fill_between(
                g.min().index,
                g.min().values,
                g.max().values,
                color=palette[arm],
                alpha=0.2,
                linewidth=0,
            )
            ax.plot(g.mean().index, g.mean().values, color=palette[arm], label=arm)
        ax.set_title(LABELS[sector])
        ax.set_ylim(min(0.5, float(data.service.min()) - 0.02), 1.01)
        ax.grid(alpha=0.3)
    for ax in axes[-1]:
        ax.set_xlabel("day")
    for ax in axes[:, 0]:
        ax.set_ylabel("national service (share of normal)")
    axes[0, 0].legend(
        title="mitigation (mean; band: min-max over replicates)",
        loc="lower left",
        fontsize=8,
        title_fontsize=8,
    )
    fig.suptitle("Service level per sector over time")
    return save_figure(fig, outdir, "service_timeseries")


def reduction_heatmap(reductions: pd.DataFrame, outdir: Path) -> Path:
    """Sector x mitigation heatmap of the mean paired loss reduction, in % of ``none``'s loss."""
    data = reductions.rename(columns=LABELS)
    fig, ax = plt.subplots(figsize=(11, 0.55 * len(data) + 2))
    sns.heatmap(
        data,
        annot=True,
        fmt=".0f",
        cmap="RdBu",
        center=0,
        vmin=-100,
        vmax=100,
        ax=ax,
        cbar_kws={"label": "loss reduction vs none (% of none's loss)"},
    )
    ax.set_xlabel("sector")
    ax.set_ylabel("mitigation")
    ax.set_title("Where each mitigation reduces disruption (positive = less loss)")
    return save_figure(fig, outdir, "reduction_heatmap")


def forest(table: pd.DataFrame, outdir: Path, unit: str) -> Path:
    """Forest plot of the paired differences with their bootstrap confidence intervals.

    Args:
        unit: What the differences are in, e.g. ``total_loss [weighting equal: person-hours]``
            (a composite is always named with its weighting).
    """
    t = table.sort_values("mean_difference", ascending=False)
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(t) + 1.5))
    y = np.arange(len(t))
    for yi, row in zip(y, t.itertuples(), strict=True):
        color = "tab:blue" if row.significant else "tab:gray"
        ax.errorbar(
            [row.mean_difference],
            [yi],
            xerr=[[row.mean_difference - row.ci_low], [row.ci_high - row.mean_difference]],
            fmt="o",
            color=color,
            ecolor=color,
            capsize=3,
        )
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(y, t.mitigation)
    ax.set_xlabel(f"paired difference vs none in {unit}; 95% bootstrap CI")
    ax.set_title("Effect of each mitigation (left of 0 = less loss; blue = Holm-significant)")
    ax.grid(axis="x", alpha=0.3)
    return save_figure(fig, outdir, "forest")


def cost_effect(ranking: pd.DataFrame, outdir: Path, label: str = "total_loss") -> Path:
    """Annualised cost against loss avoided, with cost ranges and the efficient frontier.

    Args:
        label: What the loss avoided is, with its weighting
            (``total_loss [weighting equal: person-hours]``).
    """
    r = ranking.sort_values("mitigation_cost_meur")
    fig, ax = plt.subplots(figsize=(8, 5.5))
    ax.errorbar(
        r.mitigation_cost_meur,
        r.loss_avoided,
        xerr=[
            r.mitigation_cost_meur - r.mitigation_cost_low_meur,
            r.mitigation_cost_high_meur - r.mitigation_cost_meur,
        ],
        yerr=[r.loss_avoided - r.avoided_ci_low, r.avoided_ci_high - r.loss_avoided],
        fmt="o",
        color="tab:blue",
        ecolor="lightgray",
        capsize=3,
    )
    offsets = [(6, 4), (6, -11), (6, 15), (-40, -14)]  # keeps neighbouring labels apart
    for k, row in enumerate(r.itertuples()):
        ax.annotate(
            row.mitigation,
            (row.mitigation_cost_meur, row.loss_avoided),
            textcoords="offset points",
            xytext=offsets[k % len(offsets)],
            fontsize=8,
        )
    best = -np.inf
    frontier = []
    for row in r.itertuples():  # by increasing cost: keep each that avoids more than all cheaper
        if row.loss_avoided > best:
            frontier.append((row.mitigation_cost_meur, row.loss_avoided))
            best = row.loss_avoided
    if frontier:
        fx, fy = zip(*frontier, strict=True)
        ax.step(fx, fy, where="post", color="tab:orange", label="efficient frontier")
        ax.legend()
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xlabel("annualised cost (MEUR per year; bars: low-high cost)")
    ax.set_ylabel(f"avoided: {label}\n(bars: 95% CI)")
    ax.set_title("What each mitigation buys")
    ax.grid(alpha=0.3)
    return save_figure(fig, outdir, "cost_effect")


def unmet_need_tiles(per_region: pd.DataFrame, outdir: Path) -> Path:
    """Tile map of Belgium's 11 regions: unmet need per inhabitant, one panel per mitigation.

    Args:
        per_region: Columns ``mitigation, region, value`` (person-hours per inhabitant).
    """
    return region_tiles(
        per_region,
        outdir,
        "unmet_need_tiles",
        "unmet need (person-hours per inhabitant)",
        "Unmet need by region (tiles placed roughly as on the map; north at the top)",
    )


def region_tiles(
    per_region: pd.DataFrame, outdir: Path, name: str, label: str, title: str, fmt: str = ".2f"
) -> Path:
    """Tile map of Belgium's 11 regions (provinces and Brussels), one panel per mitigation.

    Args:
        per_region: Columns ``mitigation, region, value``.
        name: File name of the figure.
        label: The colour bar's label: what ``value`` is, with its unit.
        title: The figure's title.
        fmt: Format of the value printed on each tile.
    """
    arms = sorted(dict.fromkeys(per_region.mitigation), key=lambda a: (a != "none", a))
    fig, axes = plt.subplots(1, len(arms), figsize=(4.2 * len(arms), 4.2), squeeze=False)
    vmax = max(float(per_region.value.max()), 1e-9)
    cmap = plt.get_cmap("Reds")
    for ax, arm in zip(axes[0], arms, strict=True):
        data = per_region[per_region.mitigation == arm].set_index("region").value
        for region, (x, y) in TILES.items():
            v = float(data.get(region, 0.0))
            ax.add_patch(plt.Rectangle((x, -y), 0.95, 0.95, color=cmap(v / vmax)))
            ink = "white" if v / vmax > 0.6 else "black"
            ax.text(
                x + 0.475,
                -y + 0.6,
                region.replace("_", "\n"),
                ha="center",
                va="center",
                fontsize=7,
                color=ink,
            )
            ax.text(
                x + 0.475,
                -y + 0.2,
                format(v, fmt),
                ha="center",
                va="center",
                fontsize=8,
                weight="bold",
                color=ink,
            )
        ax.set_xlim(-0.1, 4.1)
        ax.set_ylim(-3.1, 1.0)
        ax.set_aspect("equal")
        ax.axis("off")
        ax.set_title(arm)
    sm = plt.cm.ScalarMappable(cmap=cmap, norm=plt.Normalize(0, vmax))
    fig.colorbar(sm, ax=axes[0].tolist(), shrink=0.7, label=label)
    fig.suptitle(title)
    return save_figure(fig, outdir, name)


def synergy_bars(table: pd.DataFrame, outdir: Path) -> Path:
    """Per sector, the campaign's loss minus the sum of its parts' losses, with the CI."""
    t = table[table.sector != "total_loss"]
    fig, ax = plt.subplots(figsize=(9, 4.8))
    x = np.arange(len(t))
    ax.bar(x, t.synergy, color=np.where(t.synergy >= 0, "tab:red", "tab:green"))
    ax.errorbar(
        x,
        t.synergy,
        yerr=[t.synergy - t.ci_low, t.ci_high - t.synergy],
        fmt="none",
        ecolor="black",
        capsize=3,
    )
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(x, [LABELS.get(s, s) for s in t.sector], rotation=30, ha="right")
    ax.set_ylabel("synergy (person-hours of service lost)")
    ax.set_title(
        "Campaign loss minus the sum of its single-dimension parts (95% CI); "
        "above 0 = worse together",
        fontsize=10,
    )
    ax.grid(axis="y", alpha=0.3)
    return save_figure(fig, outdir, "synergy")


# ------------------------------------------------------------------ sensitivity analysis
def sobol_bars(indices: pd.DataFrame, outcome: str, outdir: Path) -> Path:
    """First-order and total Sobol indices of one outcome, with 95 % intervals.

    Args:
        indices: Rows of ``sobol_indices.csv``.
    """
    data = indices[indices.outcome == outcome].sort_values("ST")
    y = np.arange(len(data))
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(data) + 1.5))
    ax.barh(y - 0.2, data.S1, 0.4, xerr=data.S1_conf, label="first order S1", color="#4c72b0")
    ax.barh(y + 0.2, data.ST, 0.4, xerr=data.ST_conf, label="total ST", color="#dd8452")
    ax.set_yticks(y, [p.replace("_", " ") for p in data.parameter])
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel("Sobol index (share of the variance of the outcome), 95% bootstrap interval")
    ax.set_title(f"What {outcome.replace('_', ' ')} depends on")
    ax.legend(loc="lower right")
    return save_figure(fig, outdir, f"sobol_{outcome}")


def sensitivity_heatmap(indices: pd.DataFrame, key: str, outdir: Path) -> Path:
    """One index (ST or mu*) of every parameter for every outcome, as a heat map; mu* is
    scaled by each outcome's largest so that outcomes in other units compare."""
    table = indices.pivot(index="parameter", columns="outcome", values=key)
    table = table[[c for c in indices.outcome.unique() if c in table]]
    label = "total Sobol index ST"
    if key == "mu_star":
        table = table / table.max().replace(0, np.nan)
        label = "Morris mu* / largest mu* of the outcome"
    fig, ax = plt.subplots(figsize=(0.6 * table.shape[1] + 3, 0.45 * table.shape[0] + 2))
    sns.heatmap(
        table,
        annot=True,
        fmt=".2f",
        cmap="rocket_r",
        vmin=0,
        vmax=1,
        ax=ax,
        cbar_kws={"label": label},
    )
    ax.set_xlabel("outcome")
    ax.set_ylabel("uncertain parameter")
    ax.set_title("Which uncertainties matter for which outcome")
    return save_figure(fig, outdir, f"sensitivity_heatmap_{key}")


def morris_plot(indices: pd.DataFrame, outcome: str, outdir: Path) -> Path:
    """Morris mu* against sigma for one outcome: far right matters, high up interacts or is
    non-linear (Campolongo et al. 2007)."""
    data = indices[indices.outcome == outcome]
    fig, ax = plt.subplots(figsize=(7, 5))
    ax.errorbar(data.mu_star, data.sigma, xerr=data.mu_star_conf, fmt="o", color="#4c72b0")
    for r in data.itertuples():
        ax.annotate(
            r.parameter.replace("_", " "),
            (r.mu_star, r.sigma),
            fontsize=8,
            xytext=(4, 3),
            textcoords="offset points",
        )
    top = float(max(data.mu_star.max(), data.sigma.max(), 1e-12)) * 1.1
    ax.plot([0, top], [0, top], ls=":", color="grey", label="sigma = mu*")
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_xlabel(f"mu* (mean absolute elementary effect on {outcome.replace('_', ' ')})")
    ax.set_ylabel("sigma (spread of the elementary effects)")
    ax.set_title(f"Morris screening of {outcome.replace('_', ' ')}")
    ax.legend(loc="upper left")
    return save_figure(fig, outdir, f"morris_{outcome}")


def discovery_box(
    limits: pd.DataFrame, bounds: dict[str, tuple[float, float]], title: str, outdir: Path
) -> Path:
    """The box scenario discovery found: each parameter's sampled range (grey) and the range
    inside the box (coloured where it is restricted), on the parameter's own scale."""
    data = limits.iloc[::-1].reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(8, 0.5 * len(data) + 1.5))
    for i, r in data.iterrows():
        lo, hi = bounds[r.parameter]
        width = hi - lo
        ax.barh(i, 1.0, left=0.0, color="#e5e5e5", height=0.6)
        a, b = (r.low - lo) / width, (r.high - lo) / width
        ax.barh(i, b - a, left=a, height=0.6, color="#c44e52" if r.restricted else "#8c8c8c")
        if r.restricted:
            ax.annotate(
                f"{r.low:.3g} to {r.high:.3g}",
                (b, i),
                xytext=(4, -3),
                textcoords="offset points",
                fontsize=8,
            )
    ax.set_yticks(range(len(data)), [p.replace("_", " ") for p in data.parameter])
    ax.set_xlim(0, 1.25)
    ax.set_xticks([0, 0.5, 1], ["low", "middle", "high"])
    ax.set_xlabel("position within the sampled range (red: restricted by the box)")
    ax.set_title(title)
    return save_figure(fig, outdir, "discovery_box")


# ------------------------------------------------------------------ search over packages
def pareto_front(
    trials: pd.DataFrame,
    front: pd.DataFrame,
    outdir: Path,
    loss_label: str = "total_loss (under the runs' weighting)",
) -> Path:
    """Every package evaluated, cost against total loss; the Pareto packages coloured by the
    mean transit delay, with the 95 % interval of their loss.

    Args:
        loss_label: ``total_loss`` with its weighting's name and unit
            (``total_loss [weighting equal: person-hours]``).
    """
    fig, ax = plt.subplots(figsize=(8, 5))
    ax.scatter(
        trials.mitigation_cost_meur,
        trials.total_loss,
        s=12,
        color="#c8c8c8",
        label="packages evaluated",
    )
    ordered = front.sort_values("mitigation_cost_meur")
    ax.errorbar(
        ordered.mitigation_cost_meur,
        ordered.total_loss,
        yerr=ordered.get("total_loss_ci"),
        fmt="none",
        ecolor="#4c72b0",
        alpha=0.6,
    )
    points = ax.scatter(
        ordered.mitigation_cost_meur,
        ordered.total_loss,
        s=36,
        c=ordered.transit_mean_delay_h,
        cmap="viridis",
        zorder=3,
        label="Pareto packages",
    )
    fig.colorbar(points, ax=ax, label="mean transit delay (h)")
    ax.set_xlabel("annualised cost of the package (MEUR per year)")
    ax.set_ylabel(loss_label)
    ax.set_title("What each package costs and what it leaves")
    ax.legend(loc="upper right")
    return save_figure(fig, outdir, "pareto_front")


def lever_coordinates(front: pd.DataFrame, levers: list[str], outdir: Path) -> Path:
    """Parallel coordinates of the Pareto packages' lever intensities, coloured by cost."""
    fig, ax = plt.subplots(figsize=(max(8, 0.8 * len(levers)), 4.5))
    cmap = plt.get_cmap("plasma")
    span = float(np.ptp(front.mitigation_cost_meur)) or 1.0
    x = np.arange(len(levers))
    for r in front.itertuples():
        colour = cmap((r.mitigation_cost_meur - front.mitigation_cost_meur.min()) / span)
        ax.plot(x, [getattr(r, lv) for lv in levers], color=colour, alpha=0.7)
    ax.set_xticks(x, [lv.replace("_", " ") for lv in levers], rotation=35, ha="right")
    ax.set_ylim(-0.02, 1.02)
    ax.set_ylabel("intensity (0 = not bought, 1 = as configured)")
    ax.set_title("Lever intensities of the Pareto packages (colour: cost, dark = cheap)")
    ax.grid(axis="x", alpha=0.4)
    return save_figure(fig, outdir, "lever_coordinates")
