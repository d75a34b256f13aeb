"""Which uncertainties matter: ``python -m experiments.sensitivity method=sobol n=64 out=<dir>``.

Arguments are ``key=value``; the driver's own settings, with their defaults in
``configs/drivers/sensitivity.yaml`` (schema :class:`abm.study_config.SensitivityConfig`), are:

- ``method``: ``sobol`` (first-order and total indices; ``n`` a power of 2, ``n * (D + 2)``
  runs for D parameters) or ``morris`` (``n`` trajectories, ``n * (D + 1)`` runs);
- ``n``: base sample size (default 64 for Sobol, 20 for Morris);
- ``out``: the directory of the design, the runs, the indices and the report (default
  ``outputs/sensitivity/<method>``);
- ``uncertainty``: a shipped set (``configs/uncertainty``, default ``default``) or a YAML file;
- ``block_size``: design rows per job (default 16; a job costs about 1 s of CPU beyond its
  replicates);
- ``discover``: the outcome of scenario discovery (default ``total_loss``) and ``above``: its
  threshold (default: the 80th percentile of the runs, "the worst fifth");
- ``seed``: of the design and the bootstrap (not the model's seed);
- anything else is an override of the model (``size=smoke``, ``scenario=cyber_only``,
  ``replicates=2``) or of Hydra (``hydra/launcher=joblib hydra.launcher.n_jobs=2``, or a SLURM
  or Ray launcher), passed to every job.

The settings and the uncertainty set are checked against the composed config before anything
runs (bad input: one line ``error: key: ...``, exit status 2). The design is written to
``<out>/design.parquet`` and run as an ordinary sweep of ``experiments.run`` in ``<out>/runs``
(so any launcher works, the catalog reads it like any other sweep, and a re-run resumes it).
Every design row runs on the same seeds (common random numbers). Then the indices of every
outcome go to ``<out>/sobol_indices.csv`` or ``<out>/morris_indices.csv``, scenario discovery
to ``<out>/discovery_box.csv``, and figures and a report to ``<out>/report.html``
(:mod:`analysis.sensitivity_study`).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from abm.designs import run_design
from abm.study_config import SENSITIVITY, study_main
from abm.vocabulary import SENSITIVITY_OUTCOMES
from analysis.designs import design_outcomes
from analysis.sensitivity_study import analyse, announce, headline, indices_file, prepare


def execute(plan: dict[str, Any]) -> tuple[int, Path]:
    """Run the design as a sweep (one job per block of rows), then analyse it."""
    print(announce(plan), flush=True)
    out, rows = plan["out"], len(plan["design"])
    status = run_design(
        out, rows, plan["block_size"], plan["model_overrides"], plan["hydra_overrides"]
    )
    outcomes = design_outcomes(out, SENSITIVITY_OUTCOMES, rows, status)
    outcomes = outcomes[list(SENSITIVITY_OUTCOMES)]
    report = analyse(plan, outcomes)
    print(headline(plan, outcomes))
    print(f"Indices: {indices_file(plan)}")
    return status, report


def main(argv: Sequence[str] | None = None) -> int:
    """Validate, write the design, run it, analyse it; exit 2 on bad input."""
    return study_main(SENSITIVITY, argv, prepare, execute)


if __name__ == "__main__":
    sys.exit(main())
