"""Declared parameters: each config field says, next to itself, what it is.

A field of the schema is made with :func:`param`, which records in the dataclass field's
metadata its description, unit, valid range, source (a citation, or the word ``assumption``)
and, for an assumption, a plausible range. Three things read the declarations and nothing else:

- validation (:func:`abm.validation.validate`) checks every value against its valid range, and
  keeps in code only the rules that relate several fields (names that must exist, shares that
  sum to 1, a matrix's shape);
- the parameter table of ``docs/ODD.md`` (:mod:`abm.parameters`) is generated from them;
- uncertainty sets for sensitivity analysis can be generated from the plausible ranges
  (:func:`abm.parameters.assumption_uncertainties`), so the analysis sees every assumption.

A plausible range is either absolute (``plausible=(6, 72)``) or, for a family of values that
differ by key (the protection of every asset type), a factor on the shipped values
(``scale=(0.5, 1.5)``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from omegaconf import MISSING

#: Sources that are not citations: what a non-measured value is.
ASSUMPTION = "assumption"
IDENTIFIER = "identifier"
USER_CHOICE = "user choice"
SCENARIO = "scenario definition"
NUMERICAL = "numerical choice"
STRUCTURE = "structural choice"
#: The alternatives of a choice among named options.
ANY_CHOICE = "any of the valid choices"


@dataclass(frozen=True)
class Bounds:
    """A numeric range: ``low``/``high`` with open or closed ends; ``integer`` for counts."""

    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False
    high_open: bool = False
    integer: bool = False

    def allows(self, value: Any) -> bool:
        """Whether ``value`` is a number (an integer where required) inside the range."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if self.integer and not float(value).is_integer():
            return False
        if math.isnan(value) or (math.isinf(value) and math.isfinite(self.high)):
            return False
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return above and below

    def __str__(self) -> str:
        def num(x: float) -> str:
            power = math.log2(abs(x)) if abs(x) >= 2**32 and math.isfinite(x) else 0.5
            return f"{'-' if x < 0 else ''}2^{int(power)}" if power.is_integer() else f"{x:g}"

        if math.isinf(self.high):
            return f"{'>' if self.low_open else '>='} {num(self.low)}"
        left = "(" if self.low_open else "["
        right = ")" if self.high_open else "]"
        return f"{left}{num(self.low)}, {num(self.high)}{right}"

    def describe(self) -> str:
        """The range in words, for an error message."""
        kind = "a whole number" if self.integer else "a number"
        return f"{kind} {'in ' if math.isfinite(self.high) else ''}{self}"

    def probes(self) -> tuple[list[float], list[float]]:
        """Values just inside and just outside the range (for tests)."""
        step = 1.0 if self.integer else 1e-6
        inside, outside = [], []
        if math.isfinite(self.low):
            inside.append(self.low + step if self.low_open else self.low)
            outside.append(self.low if self.low_open else self.low - step)
        if math.isfinite(self.high):
            inside.append(self.high - step if self.high_open else self.high)
            outside.append(self.high if self.high_open else self.high + step)
        if self.integer:
            inside = [float(round(x)) for x in inside]
        return inside, outside


@dataclass(frozen=True)
class Choices:
    """A name from a closed set (the vocabulary)."""

    names: tuple[str, ...]

    def allows(self, value: Any) -> bool:
        return value in self.names

    def __str__(self) -> str:
        return "one of: " + ", ".join(self.names)

    def describe(self) -> str:
        return str(self)


@dataclass(frozen=True)
class Rule:
    """A value whose validity depends on other fields (a region of the world, an asset type of
    the config): checked by the cross-field rules of :mod:`abm.validation`."""

    text: str

    def allows(self, value: Any) -> bool:
        return True

    def __str__(self) -> str:
        return self.text

    describe = __str__


Valid = Bounds | Choices | Rule


@dataclass(frozen=True)
class Declared:
    """What a field is: description, unit, valid range, source, plausible range."""

    doc: str
    unit: str
    valid: Valid
    source: str = ASSUMPTION
    #: Absolute plausible values (low, high) of an assumption ...
    plausible: tuple[float, float] | None = None
    #: ... or factors (low, high) on the shipped values of a family ...
    scale: tuple[float, float] | None = None
    #: ... or, for a choice or a split that cannot be sampled as one number, the alternatives
    #: worth exploring, in words.
    alternatives: str | None = None


def param(
    default: Any = MISSING,
    *,
    doc: str,
    unit: str = "-",
    valid: Valid | None = None,
    source: str = ASSUMPTION,
    plausible: tuple[float, float] | None = None,
    scale: tuple[float, float] | None = None,
    alternatives: str | None = None,
    factory: Callable[[], Any] | None = None,
) -> Any:
    """A schema field with its declaration (see the module docstring).

    Args:
        default: The default value (or use ``factory`` for a list or dict).
        doc: What the parameter means, in a sentence.
        unit: Its unit (``h``, ``1/h``, ``share``, ``count``, ``persons``, ``-``).
        valid: The values validation accepts; None for free text.
        source: A citation, or ``assumption``, ``identifier``, ``user choice``, ``scenario
            definition`` or ``numerical choice``.
        plausible: For an assumption, the absolute range worth exploring.
        scale: For an assumption that is a family of values, the range of factors on them.
        alternatives: For an assumption that is a choice or a split, its alternatives in words.
    """
    meta = {
        "declared": Declared(
            doc=doc,
            unit=unit,
            valid=valid if valid is not None else TEXT,
            source=source,
            plausible=plausible,
            scale=scale,
            alternatives=alternatives,
        )
    }
    if factory is not None:
        return dataclasses.field(default_factory=factory, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def declared(f: dataclasses.Field) -> Declared | None:
    """The declaration of a dataclass field, if it has one."""
    return f.metadata.get("declared")


# Ranges used throughout the schema.
SHARE = Bounds(0.0, 1.0)
NON_NEGATIVE = Bounds(0.0)
POSITIVE = Bounds(0.0, low_open=True)
COUNT = Bounds(1.0, integer=True)
COUNT_OR_ZERO = Bounds(0.0, integer=True)
#: Seeds are stored as 64-bit integers in the results (and numpy's SeedSequence takes them).
SEED = Bounds(0.0, 2.0**63, high_open=True, integer=True)
TEXT = Rule("text")
FLAG = Rule("true or false")
