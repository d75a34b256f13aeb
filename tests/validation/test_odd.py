"""docs/ODD.md: the protocol's sections, and a parameter table generated from the declarations
of the schema that says what validation enforces."""

import copy
import re
from pathlib import Path

import pytest

from abm.api import load_config
from abm.config.declare import ASSUMPTION, Bounds
from abm.errors import ConfigError
from abm.parameters import (
    assumption_uncertainties,
    generated,
    parameters,
    path_of,
    uncertainty_yaml,
)
from abm.uncertainty import get_value, leaves, set_value, validate_uncertainty
from abm.validation import check_declared, validate

ROOT = Path(__file__).parents[2]
ODD = ROOT / "docs" / "ODD.md"
ASSUMPTIONS = ROOT / "configs" / "uncertainty" / "assumptions.yaml"
#: Configs in which every list and dictionary of the schema has an item to probe.
CONFIGS = (
    [],
    ["scenario=grid_shock"],
    ["scenario=heatwave"],
    ["scenario=hybrid_campaign"],
    ["scenario=narrative_only"],
    ["mitigation=combined"],
)


def odd_rows() -> dict[str, list[str]]:
    """The parameter table of docs/ODD.md: path -> cells."""
    text = ODD.read_text()
    return {
        m.group(1): [c.strip() for c in m.group(0).split("|")[1:-1]]
        for m in re.finditer(r"^\| `([^`]+)` \|.*\|$", text, re.M)
        if m.group(1) in {p for p, _ in parameters()}
    }


def test_the_odd_tables_are_generated_and_current():
    assert generated() in ODD.read_text(), "refresh docs/ODD.md: python -m abm.parameters"


def test_every_row_has_a_unit_a_range_a_source_and_assumptions_a_plausible_range():
    rows = odd_rows()
    assert set(rows) == {p for p, _ in parameters()}
    for path, (_, unit, valid, source, plausible, description) in rows.items():
        assert unit and valid and source and description, path
        if source == ASSUMPTION or "assumption" in source.split("; "):
            assert plausible != "-", f"{path}: an assumption without a plausible range"


def parse_range(text: str) -> Bounds | None:
    """The ODD's range, read back as bounds (None for a range that is not numeric)."""
    number = r"(-?[\d.e+-]+|inf)"
    if m := re.fullmatch(rf"(>=|>) {number}", text):
        return Bounds(float(m.group(2)), low_open=m.group(1) == ">")
    if m := re.fullmatch(rf"([\[(]){number}, {number}([\])])", text):
        return Bounds(
            float(m.group(2)),
            float(m.group(3)),
            low_open=m.group(1) == "(",
            high_open=m.group(4) == ")",
        )
    return None


def _path(key: str) -> str:
    return re.sub(r"\[(\d+)\]", r".\1", key)


@pytest.fixture(scope="module")
def configs():
    return [load_config(overrides=o) for o in CONFIGS]


def test_validation_accepts_just_inside_and_refuses_just_outside_each_odd_range(configs):
    """For every numeric range the ODD states: a value just inside passes the declared checks,
    and a value just outside stops validation with an error naming that very key."""
    probed = 0
    for path, (_, unit, valid, *_) in odd_rows().items():
        bounds = parse_range(valid)
        if bounds is None:
            continue
        bounds = Bounds(
            bounds.low, bounds.high, bounds.low_open, bounds.high_open, integer=unit == "count"
        )
        pattern = re.sub(r"<[^>]+>", "*", path).replace("[]", ".*")
        for cfg in configs:
            found = leaves(cfg, pattern)
            if found:
                break
        else:
            continue  # no config ships a value there (an optional list stays empty)
        container, key = found[0]
        target = get_value(container, key)
        if isinstance(target, dict) and not target:
            continue
        inside, outside = bounds.probes()
        for value, ok in [(v, True) for v in inside] + [(v, False) for v in outside]:
            trial = copy.deepcopy(cfg)
            c, k = leaves(trial, pattern)[0]
            if isinstance(target, dict):  # a dictionary of values: probe its first value
                c, k = get_value(c, k), next(iter(target))
            set_value(c, k, int(value) if bounds.integer else value)
            if ok:
                check_declared(trial)
            else:
                with pytest.raises(ConfigError) as err:
                    validate(trial)
                assert _path(err.value.key) == path_of(trial, c, k), (path, value, err.value)
            probed += 1
    assert probed > 150


def test_the_assumptions_uncertainty_set_is_generated_and_valid(configs):
    spec = assumption_uncertainties(configs[0])
    assert ASSUMPTIONS.read_text() == uncertainty_yaml(spec), (
        "refresh: python -m abm.parameters --uncertainty > configs/uncertainty/assumptions.yaml"
    )
    validate_uncertainty(spec, configs[0])
    declared = {p for p, d in parameters() if d is not None and d.source == ASSUMPTION}
    assert len(spec.parameters) > 0.5 * len(declared)


def test_the_odd_covers_the_protocol_and_the_patterns():
    text = ODD.read_text()
    for section in (
        "Purpose and patterns",
        "Entities",
        "Process overview",
        "Design concepts",
        "Initialisation",
        "Input data",
        "Submodels",
        "Parameters",
    ):
        assert section in text
    for episode in ("March 2020", "July 2021", "4 November 2025"):
        assert episode in text
