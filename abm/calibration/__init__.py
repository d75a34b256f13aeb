"""Calibration against observed incidents: targets, the outcomes they compare, and the fit.

A *target* (one YAML per incident in ``abm/data/targets``) names an observed outcome (the
hours a blackout lasted, the days a pipeline was shut), the reported spread around it, the
scenario that reproduces the incident in the model, and the uncertain parameters a fit may
change, with bounds. Targets have a role: ``fit`` targets set parameters
(``python -m experiments.calibrate``), ``holdout`` targets are never fitted and only checked
(``python -m experiments.validate``), so that at least one check is not of the model's own
tuning.

Every outcome is computed from finished :class:`abm.model.HybridThreatModel` replicates, in
natural units, over the target's regions (all regions if none are named):

- ``outage_duration_hours``: the sector's person-hours lost in the regions over the outage
  (from ``from_hour`` until its dependents-weighted service is back at or above ``threshold``
  for good) divided by its dependents times the peak share out: how long the outage lasted had
  it been at its peak throughout (a customer-weighted outage duration, as utilities report
  them). A small shortfall that lasts after the customers are back (manual operation at reduced
  capacity) is not part of the outage;
- ``peak_share_out``: the largest share of the sector's service lost in the regions at any
  hour (dependents-weighted);
- ``restoration_hours``: hours from ``from_hour`` (default: the first shock) until the sector's
  dependents-weighted service in the regions is back at or above ``threshold`` for good
  (linearly interpolated between hours; the horizon if never, counted as censored);
- ``asset_down_hours``: mean hours not working of the assets of ``asset_type`` in the regions
  that stopped working (from the failure / restored events). An asset still down at the end of
  the run only for its own cyber outage, ransomware restore or trip counts to the hour drawn
  for its end when it was hit; any other counts to the horizon (censored);
- ``repair_hours``: mean hours from damage to the end of the repair of the damaged assets of
  ``asset_type`` in the regions. A repair still under way at the horizon counts to its
  scheduled end, and one waiting for a long-lead item to its arrival plus the repair time drawn
  at the damage: both are fixed at the damage (:func:`agents.operator.draw_repairs`), so a
  months-long repair needs no months-long run.

A sector outcome may name a ``subservice`` of its sector (``sectors.subservices``): its service
instead of the sector's. Two metrics are of a sub-service's national sales (demand met, in
units of normal demand, every step), for behaviour rather than outages:

- ``peak_week_sales_rise``: the largest mean over a week of the sales, minus 1 (the rise of the
  best week against a normal one, as retail panels report it);
- ``sales_elevated_hours``: hours from the first to the last step with sales more than 10%
  above normal (how long a buying peak lasted).

A target of a sub-service runs its whole horizon (a narrative's effects outlast its scripted
hour).

Two metrics are of the allied transit's military trains (the serials' trains; the run stops
once the last has left, and the run notes the trains leaving each step, as the transit keeps no
record per train):

- ``rail_trains``: how many left;
- ``rail_trains_per_day``: how many per day of departures, counting the days from the first
  departure to the last, both included (as a report of "20 trains from 20 November to 1
  December", 12 days, counts them).

Every evaluation runs replicates ``0..n-1`` of one seed (common random numbers): two values of a
parameter are compared on the same worlds and draws, so the mean outcome is a smooth enough
function of the parameter for root-finding.

The package: :mod:`~abm.calibration.targets` (reading and checking target files),
:mod:`~abm.calibration.outcomes` (the metrics), :mod:`~abm.calibration.fitting` (evaluation and
the fit) and :mod:`~abm.calibration.records` (fit records, the calibrated defaults).

The fit (:func:`fit`) is documented in its docstring; it writes a record per target
(``abm/data/targets/fits/<name>.json``) and ``experiments.calibrate`` writes the values into
``configs/calibration/fitted.yaml``.
"""

from __future__ import annotations

from abm.calibration.fitting import (
    Evaluation,
    Fit,
    ParameterFit,
    base_config,
    current_value,
    evaluate,
    fit,
    with_values,
)
from abm.calibration.outcomes import outcome_of, run_until_settled
from abm.calibration.records import (
    FITTED,
    fit_records,
    fitted_values,
    render_fitted,
    write_fit_record,
    write_fitted,
)
from abm.calibration.targets import (
    FITS_DIR,
    METRICS,
    ROLES,
    TARGETS_DIR,
    Outcome,
    Target,
    load_target,
    load_targets,
    parse_target,
    target_names,
)

__all__ = [
    "FITS_DIR",
    "FITTED",
    "METRICS",
    "ROLES",
    "TARGETS_DIR",
    "Evaluation",
    "Fit",
    "Outcome",
    "ParameterFit",
    "Target",
    "base_config",
    "current_value",
    "evaluate",
    "fit",
    "fit_records",
    "fitted_values",
    "load_target",
    "load_targets",
    "outcome_of",
    "parse_target",
    "render_fitted",
    "run_until_settled",
    "target_names",
    "with_values",
    "write_fit_record",
    "write_fitted",
]
