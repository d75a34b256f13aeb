"""The cheapest package that works: ``python -m experiments.optimize budget=300 n_trials=200``.

Arguments are ``key=value``; the driver's own settings, with their defaults in
``configs/drivers/optimize.yaml`` (schema :class:`abm.study_config.OptimizeConfig`), are:

- ``objectives``: summary columns to minimise (default
  ``[total_loss,mitigation_cost_meur,transit_mean_delay_h]``);
- ``budget``: the most a package may cost, in million euro (default: no limit);
- ``n_trials``: packages to evaluate (default 200), ``population``: per generation (default 20);
- ``robust``: scenarios of the uncertainties on which the Pareto packages are re-evaluated
  (default 10; 0 skips it), ``robust_max``: how many Pareto packages at most (default 10),
  ``uncertainty``: the set they are drawn from (default ``default``), ``satisfice``: the total
  loss a package should stay at or below (default: the median over packages and scenarios);
- ``out`` (default ``outputs/optimize``), ``seed`` (of the search), ``block_size`` (packages
  per job; default a quarter of a generation);
- anything else overrides the model (``size=smoke``, ``replicates=10``, ``scenario=...``) or
  Hydra (a launcher), for every evaluation.

Bad input stops it before anything runs, with one line ``error: key: ...`` and exit status 2.

**Levers as decision variables.** Each lever of the ``combined`` package gets an intensity
between 0 (not bought) and 1 (the lever as configured). Its strength and its cost both scale
linearly with the intensity (:func:`abm.designs.lever_space`): an assumption (costs of such
measures are rarely linear, and a lever may have a minimum size), stated so it can be replaced.

**Search.** NSGA-II (Optuna's sampler, driven by ask and tell) over the intensities. A
generation's packages are evaluated together as one design (:mod:`abm.designs`): an ordinary
sweep of ``experiments.run`` on any launcher, every package on the same seeds (common random
numbers). Packages over budget are never run. ``<out>/trials.csv`` holds every package
evaluated, ``<out>/pareto.csv`` the non-dominated ones: intensities, each objective's mean over
the replicates and its 95% interval.

**Robustness.** The Pareto packages are run again on ``robust`` scenarios drawn from the
uncertainty set (Latin hypercube), and ``<out>/robustness.csv`` gives per package the regret
(its loss minus the best package's, per scenario: the largest and the mean) and satisficing
(the share of scenarios with total loss at or below ``satisfice``). The search and the check
are :mod:`analysis.package_search`; this entry point runs their designs.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from abm.designs import run_design
from abm.study_config import OPTIMIZE, study_main
from abm.vocabulary import SEARCH_OUTCOMES
from analysis.designs import design_outcomes
from analysis.package_search import prepare, search_packages


def execute(plan: dict[str, Any]) -> tuple[int, Path]:
    """Search, re-evaluate the Pareto set, write tables and the report, running every design
    as a sweep of ``experiments.run``."""

    def run(directory: Path, rows: int) -> pd.DataFrame:
        status = run_design(
            directory, rows, plan["block_size"], plan["model_overrides"], plan["hydra_overrides"]
        )
        return design_outcomes(directory, SEARCH_OUTCOMES, rows, status)

    return 0, search_packages(plan, run)


def main(argv: Sequence[str] | None = None) -> int:
    """Validate, search, re-evaluate the Pareto set, write tables and the report."""
    return study_main(OPTIMIZE, argv, prepare, execute)


if __name__ == "__main__":
    sys.exit(main())
