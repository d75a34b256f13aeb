"""docs/ODD.md documents every parameter of the config schema, with a source or 'assumption'."""

import re
from pathlib import Path

from abm.parameters import schema_parameters

ODD = Path(__file__).parents[2] / "docs" / "ODD.md"


def test_every_schema_parameter_is_in_the_odd_table():
    text = ODD.read_text()
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| `([^`]+)` \|.*$", text, re.M)}
    missing = [path for path, _, _ in schema_parameters() if path not in rows]
    assert not missing, f"add to docs/ODD.md (python -m abm.parameters): {missing}"
    for path, row in rows.items():
        source = row.split("|")[4].strip()
        assert source, path


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


def test_the_odd_lever_table_is_the_lever_registry():
    """Every lever's meaning, unit and range in docs/ODD.md is what the registry declares."""
    from abm.parameters import lever_table

    assert lever_table() in ODD.read_text(), "refresh docs/ODD.md (python -m abm.parameters)"
