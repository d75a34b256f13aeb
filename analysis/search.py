"""Multi-objective search and robustness measures, independent of the model.

- :func:`nsga2` runs Optuna's NSGA-II sampler (Deb et al. 2002, IEEE Transactions on
  Evolutionary Computation 6:182-197) in batches through ask and tell, so that a whole
  generation can be evaluated at once by any launcher. Candidates that break a cheap
  constraint (a budget) are never evaluated.
- :func:`pareto_mask` finds the non-dominated rows of a table of objectives to minimise.
- :func:`robustness` gives, per candidate, the regret and satisficing measures of robust
  decision making (Lempert et al. 2006, Management Science 52:514-528; as in the EMA
  Workbench, Kwakkel 2017): regret is a candidate's loss in a scenario minus the best
  candidate's loss there, satisficing the share of scenarios in which it stays at or below a
  threshold.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import optuna
import pandas as pd
from optuna.distributions import BaseDistribution, FloatDistribution
from optuna.trial import TrialState

Evaluate = Callable[[list[dict[str, float]]], Sequence[Sequence[float]]]


def nsga2(
    evaluate: Evaluate,
    variables: Sequence[str],
    objectives: Sequence[str],
    n_trials: int,
    population: int,
    seed: int,
    feasible: Callable[[dict[str, float]], bool] | None = None,
    bounds: tuple[float, float] = (0.0, 1.0),
) -> pd.DataFrame:
    """Minimise ``objectives`` over ``variables`` (each in ``bounds``) with NSGA-II.

    Args:
        evaluate: Takes a batch of candidates (``{variable: value}``) and returns, for each,
            the values of the objectives in order. Called once per generation.
        n_trials: Candidates to evaluate in all (feasible ones; infeasible are skipped).
        population: Candidates per generation.
        feasible: A cheap test; candidates that fail it are discarded without evaluation.

    Returns:
        One row per evaluated candidate: ``trial, generation``, the variables, the objectives.
    """
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.NSGAIISampler(population_size=population, seed=seed)
    study = optuna.create_study(directions=["minimize"] * len(objectives), sampler=sampler)
    space: dict[str, BaseDistribution] = {name: FloatDistribution(*bounds) for name in variables}
    rows: list[dict[str, float]] = []
    generation = 0
    while len(rows) < n_trials:
        size = min(population, n_trials - len(rows))
        asked: list[optuna.trial.Trial] = []
        rejected = 0
        while len(asked) < size:
            trial = study.ask(space)
            if feasible is not None and not feasible(trial.params):
                study.tell(trial, state=TrialState.FAIL)
                rejected += 1
                if rejected > 1000 * population:
                    raise RuntimeError("no feasible candidate: can the constraint be met?")
                continue
            asked.append(trial)
        values = evaluate([dict(t.params) for t in asked])
        for trial, value in zip(asked, values, strict=True):
            study.tell(trial, list(value))
            rows.append(
                {
                    "trial": trial.number,
                    "generation": generation,
                    **trial.params,
                    **dict(zip(objectives, map(float, value), strict=True)),
                }
            )
        generation += 1
    return pd.DataFrame(rows)


def pareto_mask(values: np.ndarray) -> np.ndarray:
    """Per row of ``values`` (objectives to minimise), whether no other row dominates it."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    keep = np.ones(n, dtype=bool)
    for i in range(n):
        if not keep[i]:
            continue
        dominated = np.all(values <= values[i], axis=1) & np.any(values < values[i], axis=1)
        if dominated.any():
            keep[i] = False
    return keep


def robustness(loss: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Regret and satisficing per candidate.

    Args:
        loss: One row per candidate, one column per scenario of the uncertainties.
        threshold: The loss a candidate should stay at or below.

    Returns:
        Per candidate: ``max_regret``, ``mean_regret``, ``satisficing`` (share of scenarios
        with loss <= threshold), ``mean_loss``, ``worst_loss``.
    """
    regret = loss - loss.min(axis=0)
    return pd.DataFrame(
        {
            "max_regret": regret.max(axis=1),
            "mean_regret": regret.mean(axis=1),
            "satisficing": (loss <= threshold).mean(axis=1),
            "mean_loss": loss.mean(axis=1),
            "worst_loss": loss.max(axis=1),
        }
    )
