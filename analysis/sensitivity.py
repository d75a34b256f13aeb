"""Global sensitivity analysis and scenario discovery over a design of uncertain parameters.

- **Designs** come from SALib: Saltelli-style Sobol sequences (Saltelli et al. 2010, Computer
  Physics Communications 181:259-270) or Morris trajectories (Morris 1991, Technometrics
  33:161-174; mu* of Campolongo et al. 2007, Environmental Modelling & Software 22:1509-1518).
- **Indices** come from SALib too, per outcome: first-order and total Sobol indices with
  bootstrap confidence intervals, or Morris mu*, its confidence interval, and sigma. The same
  functions serve the model and a test function with known indices (Ishigami), which is how
  the test suite checks them.
- **Scenario discovery** finds the ranges of the uncertain parameters under which an outcome
  crosses a threshold, with the Patient Rule Induction Method (PRIM; Friedman & Fisher 1999,
  Statistics and Computing 9:123-143) as the EMA Workbench implements it (Kwakkel 2017,
  Environmental Modelling & Software 96:239-250), and reports the box with its coverage (share
  of the cases of interest inside it) and density (share of the box's runs that are cases).
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from abm.vocabulary import SENSITIVITY_METHODS, SENSITIVITY_OUTCOMES

#: The methods, and the outcomes analysed (named once, in :mod:`abm.vocabulary`).
METHODS = SENSITIVITY_METHODS
OUTCOMES = SENSITIVITY_OUTCOMES
#: Morris grid levels (SALib's default, the usual choice).
MORRIS_LEVELS = 4
BOOTSTRAP = 1000
CONFIDENCE = 0.95


def sample(problem: dict[str, Any], method: str, n: int, seed: int) -> np.ndarray:
    """The design: ``n * (D + 2)`` Sobol rows (n a power of 2) or ``n * (D + 1)`` Morris rows
    (n trajectories), scaled to the parameters' distributions."""
    problem = copy.deepcopy(problem)  # SALib marks the problem it samples; keep ours as given
    rng = np.random.default_rng(seed)
    if method == "sobol":
        return sobol_sample.sample(problem, n, calc_second_order=False, seed=rng)
    if method == "morris":
        return morris_sample.sample(problem, n, num_levels=MORRIS_LEVELS, seed=rng)
    raise ValueError(f"method must be one of {METHODS}, got {method!r}")


def design_size(method: str, n: int, n_parameters: int) -> int:
    """Rows of a design of ``n`` (base samples or trajectories)."""
    return n * (n_parameters + (2 if method == "sobol" else 1))


SOBOL_KEYS = ("S1", "S1_conf", "ST", "ST_conf")
MORRIS_KEYS = ("mu", "mu_star", "mu_star_conf", "sigma")


def sobol_indices(problem: dict[str, Any], outcomes: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """First-order and total Sobol indices with 95 % bootstrap intervals, per outcome.

    Args:
        problem: The SALib problem the design was drawn from.
        outcomes: One column per outcome, one row per design row, in design order.

    Returns:
        Columns ``outcome, parameter, S1, S1_conf, ST, ST_conf, note`` (the conf columns are
        half-widths of the interval).
    """
    return _per_outcome(
        problem,
        outcomes,
        SOBOL_KEYS,
        lambda p, y: sobol_analyze.analyze(
            p,
            y,
            calc_second_order=False,
            num_resamples=BOOTSTRAP,
            conf_level=CONFIDENCE,
            seed=_bootstrap_rng(seed),
        ),
    )


def morris_indices(
    problem: dict[str, Any], design: np.ndarray, outcomes: pd.DataFrame, seed: int = 0
) -> pd.DataFrame:
    """Morris elementary effects per outcome: ``outcome, parameter, mu, mu_star,
    mu_star_conf, sigma, note`` (mu_star_conf: half-width of its 95 % bootstrap interval)."""
    return _per_outcome(
        problem,
        outcomes,
        MORRIS_KEYS,
        lambda p, y: morris_analyze.analyze(
            p,
            design,
            y,
            num_resamples=BOOTSTRAP,
            conf_level=CONFIDENCE,
            num_levels=MORRIS_LEVELS,
            seed=_bootstrap_rng(seed),
        ),
    )


def _per_outcome(
    problem: dict[str, Any],
    outcomes: pd.DataFrame,
    keys: tuple[str, ...],
    analyze: Callable[[dict[str, Any], np.ndarray], Any],
) -> pd.DataFrame:
    """Run ``analyze`` on every outcome that varies; one row per outcome and parameter."""
    rows = []
    for outcome in outcomes:
        y = outcomes[outcome].to_numpy(dtype=float)
        note = _degenerate(y)
        if note:
            res = {k: np.full(problem["num_vars"], np.nan) for k in keys}
        else:
            res = analyze(copy.deepcopy(problem), y)  # SALib may mark the problem it is given
        for j, name in enumerate(problem["names"]):
            rows.append(
                {
                    "outcome": outcome,
                    "parameter": name,
                    **{k: float(res[k][j]) for k in keys},
                    "note": note,
                }
            )
    return pd.DataFrame(rows)


def _bootstrap_rng(seed: int) -> np.random.Generator:
    """A fresh generator per outcome, so its interval does not depend on the others. (SALib's
    Sobol analysis treats an integer seed of 0 as no seed at all; a Generator avoids that.)"""
    return np.random.default_rng(seed)


def _degenerate(y: np.ndarray) -> str:
    """Why an outcome cannot be decomposed (empty if it can)."""
    if not np.all(np.isfinite(y)):
        return "missing values"
    if np.ptp(y) <= 1e-12 * max(1.0, float(np.abs(y).max())):
        return "constant over the design"
    return ""


# ----------------------------------------------------------------------------- discovery
@dataclass(frozen=True)
class Box:
    """A box of parameter ranges found by PRIM, and how well it captures the cases."""

    outcome: str
    threshold: float
    #: One row per parameter: ``parameter, low, high, restricted`` (restricted: narrower
    #: than the range sampled).
    limits: pd.DataFrame
    coverage: float
    density: float
    mass: float
    cases: int
    runs: int


def default_threshold(outcome: pd.Series) -> float:
    """The 80th percentile ("the worst fifth of the runs"); when ties at the top leave no run
    above it, the largest value below it, so that the worst runs are the cases."""
    q = float(outcome.quantile(0.8))
    if (outcome > q).any():
        return q
    below = outcome[outcome < q]
    return float(below.max()) if len(below) else q


def discover(
    inputs: pd.DataFrame,
    outcome: pd.Series,
    threshold: float,
    min_density: float = 0.8,
) -> Box:
    """The box of parameter ranges in which ``outcome > threshold``, by PRIM.

    PRIM peels the input space down a trajectory of boxes of rising density and falling
    coverage; the box kept is the one with the highest coverage among those with density at
    least ``min_density`` (the densest box if none reaches it).

    Args:
        inputs: One column per parameter, one row per run.
        outcome: The outcome of each run.
        threshold: Runs above it are the cases of interest.
    """
    cases = outcome.to_numpy(dtype=float) > threshold
    if cases.sum() == 0 or cases.all():
        raise ValueError(
            f"no contrast: {int(cases.sum())} of {len(cases)} runs have "
            f"{outcome.name} > {threshold:g}; choose another threshold"
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the workbench warns about optional extras
        from ema_workbench.analysis import prim

        found = prim.Prim(inputs.reset_index(drop=True), cases).find_box()
    trajectory = found.peeling_trajectory
    good = trajectory[trajectory.density >= min_density]
    chosen = int(good.coverage.idxmax() if len(good) else trajectory.density.idxmax())
    found.select(chosen)
    lims = found.box_lims[chosen]
    full = found.box_lims[0]
    limits = pd.DataFrame(
        {
            "parameter": list(inputs.columns),
            "low": [float(lims[c].iloc[0]) for c in inputs.columns],
            "high": [float(lims[c].iloc[1]) for c in inputs.columns],
            "restricted": [
                bool(lims[c].iloc[0] > full[c].iloc[0] or lims[c].iloc[1] < full[c].iloc[1])
                for c in inputs.columns
            ],
        }
    )
    row = trajectory.loc[chosen]
    return Box(
        outcome=str(outcome.name),
        threshold=float(threshold),
        limits=limits,
        coverage=float(row.coverage),
        density=float(row.density),
        mass=float(row.mass),
        cases=int(cases.sum()),
        runs=len(cases),
    )
