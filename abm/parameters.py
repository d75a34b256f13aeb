"""Every parameter of the config schema, with its default, unit, range and source.

Used to write and check the parameter table of ``docs/ODD.md``: ``python -m abm.parameters``
prints the table; a test fails when a schema parameter is missing from the document. Keys under
a dictionary of records (asset types, operators, cells, levers, cohorts) are written with a
placeholder (``<type>``), list items with ``[]``.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import typing
from collections.abc import Iterator

from abm import config as schema
from abm.levers import LEVERS

PLACEHOLDERS = {
    "resources": "<resource>",
    "operators": "<operator>",
    "asset_types": "<type>",
    "service_shares": "<sector>",
    "cohorts": "<cohort>",
    "cells": "<cell>",
    "levers": "<lever>",
}

#: Parameters whose shipped values come from a published source; all others are assumptions
#: (or numerical choices), as the configs say next to each value.
SOURCES = {
    "world.regions_file": "Statbel, population by province (or municipality), 1 January 2019",
    "world.asset_types.<type>.national": "FACTS.md: 103 hospitals (1 January 2025); others "
    "assumption",
    "world.asset_types.<type>.by_region": "FACTS.md: ports, interconnectors, eastern corridors; "
    "others assumption",
    "world.operators.<operator>.count_by_area": "FACTS.md: 25 hospital networks (13/8/4); "
    "others assumption",
    "sectors.a_star": "abm/data/interdependency.csv: assumption per entry, with rationale",
    "sectors.interdependency_file": "abm/data/interdependency.csv (assumptions, IIM structure "
    "after Haimes & Jiang 2001)",
    "population.narratives.stifling_rate": "Maki-Thompson: equal to the contact rate "
    "(Sudbury 1985); value assumption",
    "population.narratives.max_substep_rate": "numerical choice (RK4 accuracy)",
    "mitigation.levers.<lever>.strength": "prebunking: Lu et al. 2023 (d = 0.36); other levers "
    "assumption",
    "mitigation.levers.<lever>.decay_days": "prebunking: Lu et al. 2023 and Maertens et al. "
    "2025 (21.9 days)",
    "seed": "user choice",
    "replicates": "user choice",
    "horizon_days": "user choice",
    "dt_hours": "user choice",
    "record_every_hours": "user choice",
    "print_summary": "user choice",
    "debug_fail_job": "testing switch",
    "design.file": "set by experiments.sensitivity",
    "design.uncertainty": "set by experiments.sensitivity",
    "design.block": "set by experiments.sensitivity",
    "design.block_size": "set by experiments.sensitivity",
}


#: Lever fields whose meaning, unit and range depend on the lever's kind (the lever table).
BY_LEVER = ("mitigation.levers.<lever>.strength", "mitigation.levers.<lever>.targets")


def _comments(cls: type) -> dict[str, str]:
    """The ``#:`` comment lines above each field of a dataclass."""
    out, pending = {}, []
    for line in inspect.getsource(cls).splitlines():
        stripped = line.strip()
        if stripped.startswith("#:"):
            pending.append(stripped[2:].strip())
            continue
        match = re.match(r"(\w+):", stripped)
        if match and pending:
            out[match.group(1)] = " ".join(pending)
        if not stripped.startswith("#"):
            pending = []
    return out


def _inner(hint: object) -> type | None:
    """The dataclass inside ``dict[str, X]`` or ``list[X]``, if any."""
    args = typing.get_args(hint)
    for arg in reversed(args):
        if dataclasses.is_dataclass(arg):
            return arg
    return None


def schema_parameters(
    cls: type = schema.RunConfig, prefix: str = ""
) -> Iterator[tuple[str, str, str]]:
    """(dotted path, type, description) of every leaf parameter of the schema."""
    hints = typing.get_type_hints(cls)
    notes = _comments(cls)
    for f in dataclasses.fields(cls):
        path = f"{prefix}{f.name}"
        hint = hints[f.name]
        if dataclasses.is_dataclass(hint):
            yield from schema_parameters(hint, path + ".")
            continue
        inner = _inner(hint)
        if inner is not None:
            origin = typing.get_origin(hint)
            sub = (
                f"{path}.{PLACEHOLDERS.get(f.name, '<name>')}."
                if origin is dict
                else (f"{path}[].")
            )
            yield from schema_parameters(inner, sub)
            continue
        if f.name in PLACEHOLDERS and typing.get_origin(hint) is dict:
            path = f"{path}.{PLACEHOLDERS[f.name]}"
        kind = getattr(hint, "__name__", str(hint)).replace("typing.", "")
        yield path, kind, notes.get(f.name, "")


def unit_and_range(path: str, kind: str) -> tuple[str, str]:
    """Unit and allowed range, from the naming conventions the validation enforces."""
    name = path.rsplit(".", 1)[-1]
    if name.endswith("_hours") or name in ("at_hour", "start_hour", "end_hour"):
        return "h", ">= 0"
    if name.endswith("_days"):
        return "days", "> 0"
    if name.endswith("_meur"):
        return "M EUR", ">= 0"
    if "rate" in name or name.endswith("per_hour") or name == "k":
        return "1/h", ">= 0"
    if any(
        w in name
        for w in (
            "share",
            "probability",
            "protection",
            "maturity",
            "trust",
            "susceptibility",
            "literacy",
            "capabilities",
            "detection",
            "exploration",
            "threshold",
        )
    ):
        return "share", "[0, 1]"
    if kind == "int" or name in ("count", "crews", "brigades", "replicates"):
        return "count", ">= 0"
    if kind.startswith(("str", "bool")) or "list" in kind or "dict" in kind and "str" in kind:
        return "-", "see description"
    return "-", ">= 0"


#: What a lever's ``targets`` names, in the lever table.
TARGET_WORDS = {"asset_types": "asset types", "sectors": "sectors", "cohorts": "cohorts"}


def lever_table() -> str:
    """The Markdown table of the lever registry (:data:`abm.levers.LEVERS`) in docs/ODD.md:
    what each lever's strength means, its unit and range, and what its targets name."""
    rows = [
        "| lever | acts on | strength | unit | range | targets | also reads |",
        "|---|---|---|---|---|---|---|",
    ]
    for kind, lever in LEVERS.items():
        targets = TARGET_WORDS[lever.targets] if lever.targets else "none"
        also = ", ".join(f"`{f}`" for f in lever.fields) or "-"
        rows.append(
            f"| `{kind}` | {lever.acts_on} | {lever.strength} | {lever.unit} | {lever.range} "
            f"| {targets} | {also} |"
        )
    return "\n".join(rows)


def table() -> str:
    """The Markdown parameter table of docs/ODD.md."""
    rows = ["| parameter | unit | range | source | description |", "|---|---|---|---|---|"]
    for path, kind, note in schema_parameters():
        unit, allowed = unit_and_range(path, kind)
        if path in BY_LEVER:
            unit, allowed = "by lever", "see the lever table"
        leaf = path.rsplit(".", 1)[-1]
        source = SOURCES.get(
            path, "identifier" if leaf in ("name", "label", "description") else "assumption"
        )
        rows.append(f"| `{path}` | {unit} | {allowed} | {source} | {note} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(table())
    print()
    print(lever_table())
