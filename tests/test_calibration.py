"""The calibration harness: a known parameter is recovered, bad targets are refused in one line,
fit and holdout targets are kept apart, and the calibrated values are what runs use.

That the shipped calibrated values reproduce every target is checked once, by
``python -m experiments.validate`` (tests/validation/test_validate.py).
"""

from __future__ import annotations

import copy
import json

import pytest
import yaml

from abm import load_config
from abm.calibration import (
    FITS_DIR,
    FITTED,
    base_config,
    current_value,
    evaluate,
    fit,
    fit_records,
    fitted_values,
    load_target,
    load_targets,
    parse_target,
    render_fitted,
    write_fitted,
)
from abm.errors import ConfigError
from experiments import calibrate

REPAIR = "world.asset_types.substation.repair_median_hours"

#: A target on a shipped damage scenario whose outcome (the mean repair time of the damaged
#: substations) the model computes exactly from the draws at the damage: a one-day run suffices.
SYNTHETIC = {
    "name": "synthetic_repair",
    "incident": "none: the model's own outcome at a known parameter value",
    "figure": "the mean repair time at repair_median_hours = 50",
    "source": "tests/test_calibration.py",
    "role": "fit",
    "scenario": "incident_moore_county_2022",
    # ordinary repairs only: the mean repair time is proportional to the median
    "overrides": [
        "horizon_days=1",
        "transit.enabled=false",
        "world.asset_types.substation.long_lead_probability=0",
    ],
    "outcome": {"metric": "repair_hours", "asset_type": "substation", "regions": ["luxembourg"]},
    "observed": 1.0,
    "low": 1.0,
    "high": 1.0,
    "parameters": {REPAIR: {"low": 10, "high": 200}},
    "replicates": 4,
}


KNOWN = 50.0


def synthetic(observed: float, spread: float = 0.1, **changes) -> dict:
    """The synthetic target with its observed value and a reported spread of +-``spread``."""
    raw = copy.deepcopy(SYNTHETIC) | changes
    return raw | {
        "observed": observed,
        "low": observed * (1 - spread),
        "high": observed * (1 + spread),
    }


@pytest.fixture(scope="module")
def recovered():
    """The synthetic target whose observed value is the model's own mean at ``KNOWN``, fitted
    from bounds [10, 200]: (the target, the config it runs, the fit record)."""
    cfg = base_config(parse_target(SYNTHETIC))
    observed = evaluate(parse_target(SYNTHETIC), values={REPAIR: KNOWN}, config=cfg).mean
    target = parse_target(synthetic(observed))
    return target, cfg, fit(target)


def test_a_known_parameter_is_recovered_with_its_interval(recovered):
    """Tolerance: 1% of the known value (root-finding resolves a thousandth of the bounds'
    width, 0.19 h here, and the value is rounded to 4 digits); the interval's ends give the
    target's low and high within 1%."""
    target, cfg, record = recovered
    p = record.parameters[REPAIR]
    assert p.value == pytest.approx(KNOWN, rel=0.01)
    assert record.outcome == pytest.approx(target.observed, rel=0.01)
    assert record.passed and record.method.startswith("brentq")
    assert p.interval[0] < KNOWN < p.interval[1]
    ends = [evaluate(target, values={REPAIR: v}, config=cfg).mean for v in p.interval]
    assert ends == pytest.approx([target.low, target.high], rel=0.01)


def test_a_target_out_of_reach_is_fitted_to_the_nearest_bound(recovered):
    target, _, _ = recovered
    raw = synthetic(target.observed, replicates=1, parameters={REPAIR: {"low": 10, "high": 20}})
    record = fit(parse_target(raw))
    assert record.parameters[REPAIR].value == pytest.approx(20, rel=0.01)
    assert record.method.startswith("bounded") and not record.passed
    assert record.parameters[REPAIR].interval == (20.0, 20.0)


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"role": "training"}, "role"),
        ({"outcome": {"metric": "blackout_feel"}}, "outcome.metric"),
        ({"outcome": {"metric": "restoration_hours", "sector": "power"}}, "outcome.sector"),
        ({"observed": 2.0}, "observed"),
        ({"low": "soon"}, "low"),
        ({"parameters": {REPAIR: {"low": 5}}}, f"parameters.{REPAIR}"),
        ({"scenario": "no_such_scenario"}, "scenario"),
        ({"replicates": 0}, "replicates"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_target_file_is_refused_in_one_line(tmp_path, change, key):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(SYNTHETIC | change))
    with pytest.raises(ConfigError) as err:
        load_target(path)
    assert err.value.key == f"bad.yaml: {key}"
    assert "\n" not in str(err.value)


def test_a_parameter_that_is_not_in_the_config_is_refused():
    raw = SYNTHETIC | {"parameters": {"world.asset_types.substation.colour": {"low": 0, "high": 1}}}
    with pytest.raises(ConfigError, match="parameters.world.asset_types.substation.colour"):
        evaluate(parse_target(raw), replicates=1)


def test_bad_command_lines_stop_in_one_line_with_status_2(capsys):
    for argv in (
        ["target=no_such_incident"],
        [],
        ["target=moore_county_2022", "replicates=many"],
        ["target=moore_county_2022", "write=perhaps"],
        ["target=moore_county_2022", "speed=fast"],
    ):
        assert calibrate.main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("error: ") and err.count("\n") == 1, err


def test_fit_and_holdout_targets_are_kept_apart(capsys):
    fits, holdouts = load_targets("fit"), load_targets("holdout")
    assert len(fits) + len(holdouts) >= 4 and holdouts
    assert not {t.name for t in fits} & {t.name for t in holdouts}
    for t in holdouts:
        with pytest.raises(ConfigError, match="holdout"):
            fit(t)
        assert calibrate.main([f"target={t.name}"]) == 2
        assert "only checked" in capsys.readouterr().err
    # only fit targets have fit records, and every calibrated value comes from one
    records = fit_records()
    assert set(records) <= {t.name for t in fits}
    fitted = fitted_values()
    owners = {path: name for name, rec in records.items() for path in rec["parameters"]}
    assert set(fitted) == set(owners)
    for path, value in fitted.items():
        assert records[owners[path]]["parameters"][path]["value"] == value


def test_runs_use_the_calibrated_values_and_calibration_none_the_hand_set_ones():
    fitted = fitted_values()
    calibrated = load_config("peacetime")
    hand_set = load_config("peacetime", overrides=["calibration=none"])
    # a command-line override still wins over the calibrated value
    overridden = load_config("peacetime", overrides=[f"{path}=7" for path in fitted])
    records = {p: rec for rec in fit_records().values() for p in rec["parameters"]}
    for path, value in fitted.items():
        assert current_value(calibrated, path) == value
        assert current_value(hand_set, path) == records[path]["parameters"][path]["default"]
        assert current_value(overridden, path) == 7


def test_writing_a_fit_keeps_the_other_targets_values(tmp_path, recovered):
    records_dir, fitted = tmp_path / "fits", tmp_path / "fitted.yaml"
    _, _, record = recovered
    other = "adversary.cyber.dwell_median_hours"
    fitted.write_text(render_fitted({other: 99.0}, {}))
    write_fitted(record, fitted, records_dir)
    values = fitted_values(fitted)
    assert values == {other: 99.0, REPAIR: record.parameters[REPAIR].value}
    text = fitted.read_text()
    assert text.startswith("# @package _global_")
    assert "synthetic_repair: repair_hours" in text and "no fit record: set by hand" in text
    assert json.loads((records_dir / "synthetic_repair.json").read_text())["target"] == (
        "synthetic_repair"
    )


def test_shipped_records_match_the_shipped_calibration():
    """The fit records and fitted.yaml were written together by experiments.calibrate."""
    assert FITTED.is_file() and FITS_DIR.is_dir()
    for name, rec in fit_records().items():
        target = load_target(name)
        assert rec["observed"] == target.observed and set(rec["parameters"]) == set(
            target.parameters
        )
