"""Who depends on each sector, per region: the people (or users) a sector's outage is charged to.

A sector's loss is person-hours: the people who depend on it in a region, times the region's
shortfall of that sector, times the hours (DESIGN.md section 8). Who they are is declared per
sector in the shipped table ``abm/data/dependents.csv`` (its sources are in
``abm/data/README.md``), on one of three bases:

- ``residents``: everyone present in the region (energy, food and water, telecom, payments,
  public services). People displaced by a crisis take their dependence with them.
- ``reception``: the people in public reception or needing it (flows of persons): the normal
  occupancy (``population.reception_baseline_persons``, spread like the population) times the
  region's reception demand, which displaced arrivals and migration pushes raise (a push's
  arrivals until they are placed, :mod:`abm.reception`). A reception shortfall is charged to
  them, never to the residents around them.
- ``count``: a number per province from the table (patients for health, travellers for
  transport, workers for science and economy), fixed over a run. In the municipality world a
  municipality gets its province's count times its share of the province's population (an
  assumption: the table has no finer resolution).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from abm.errors import ConfigError
from abm.vocabulary import SECTOR_INDEX, SECTORS
from abm.world import Regions

DEPENDENTS_FILE = "dependents.csv"
BASES = ("residents", "reception", "count")
POPULATION_FLOWS = SECTOR_INDEX["population_flows"]


@dataclass(frozen=True)
class Dependents:
    """The dependents of every sector in every region, and how they move during a run.

    Args:
        basis: Per sector, one of :data:`BASES`.
        unit: Per sector, what one dependent is (``residents``, ``daily travellers``...).
        count: ``(regions, sectors)``: the table's numbers for ``count`` sectors (0 elsewhere).
        reception: Per region, the people in public reception in normal times.
    """

    basis: tuple[str, ...]
    unit: tuple[str, ...]
    count: np.ndarray
    reception: np.ndarray
    #: Per sector, whether its dependents are the residents, or the people in reception.
    _residents: np.ndarray = field(init=False, repr=False)
    _reception: np.ndarray = field(init=False, repr=False)
    #: The buffer :meth:`now` fills (its ``count`` columns never change), and the reception
    #: sector's column when it is the only one (a column is written quicker than a mask).
    _now: np.ndarray = field(init=False, repr=False, compare=False)
    _reception_column: int | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        basis = np.array(self.basis)
        object.__setattr__(self, "_residents", basis == "residents")
        object.__setattr__(self, "_reception", basis == "reception")
        object.__setattr__(self, "_now", self.count.copy())
        columns = np.flatnonzero(basis == "reception").tolist()
        object.__setattr__(self, "_reception_column", columns[0] if len(columns) == 1 else None)

    def now(self, present: np.ndarray, reception_demand: np.ndarray) -> np.ndarray:
        """Dependents now, ``(regions, sectors)``, in a buffer that the next call overwrites
        (the recorder reads it once a step: no new array, and only the columns that move are
        written).

        Args:
            present: People present per region.
            reception_demand: Per region, reception demand relative to normal (1: normal).
        """
        out = self._now
        np.copyto(out, present[:, None], where=self._residents)
        if self._reception_column is not None:
            out[:, self._reception_column] = self.reception * reception_demand
        else:
            np.copyto(out, (self.reception * reception_demand)[:, None], where=self._reception)
        return out


KEY = "world.dependents_file"
COLUMNS = ("sector", "province", "basis", "dependents", "unit")


def read_table(name: str = DEPENDENTS_FILE) -> list[dict[str, str]]:
    """The shipped table's rows (a path may replace the shipped name)."""
    path = Path(name)
    shipped = resources.files("abm.data").joinpath(name)
    try:
        text = (path if path.is_file() else shipped).read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError, UnicodeDecodeError):
        raise ConfigError(KEY, f"a shipped table or a CSV file, got {name!r}") from None
    rows = list(csv.DictReader(text.splitlines()))
    if not rows or any(c not in rows[0] for c in COLUMNS):
        raise ConfigError(KEY, f"a CSV file with columns {', '.join(COLUMNS)}")
    return rows


def build_dependents(
    regions: Regions, reception_persons: float, table: str = DEPENDENTS_FILE
) -> Dependents:
    """The dependents of a world's regions from the table.

    Raises:
        ConfigError: when the table does not give every sector one basis, or a ``count`` sector
            a number for every province of the world.
    """
    rows = read_table(table)
    basis: dict[str, str] = {}
    unit: dict[str, str] = {}
    per_province: dict[str, dict[str, float]] = {s: {} for s in SECTORS}
    for row in rows:
        sector = row["sector"]
        if sector not in SECTOR_INDEX or row["basis"] not in BASES:
            raise ConfigError(KEY, f"rows with a sector key and a basis in {', '.join(BASES)}")
        if basis.setdefault(sector, row["basis"]) != row["basis"]:
            raise ConfigError(KEY, f"one basis per sector ({sector} has two)")
        unit[sector] = row["unit"]
        if row["basis"] == "count":
            try:
                value = float(row["dependents"])
            except ValueError:
                value = -1.0
            if not 0 <= value < float("inf"):
                raise ConfigError(KEY, f"a count >= 0 for {sector} in {row['province']}")
            per_province[sector][row["province"]] = value
    missing = [s for s in SECTORS if s not in basis]
    if missing:
        raise ConfigError(KEY, f"a basis for every sector; missing {', '.join(missing)}")

    province = np.asarray(regions.province)
    population = np.asarray(regions.population, dtype=float)
    # A region's share of its province's population (1 where regions are the provinces).
    keys, inverse = np.unique(province, return_inverse=True)
    share = population / np.bincount(inverse, weights=population)[inverse]
    count = np.zeros((len(population), len(SECTORS)))
    for sector, values in per_province.items():
        if basis[sector] != "count":
            continue
        absent = sorted(set(keys) - set(values))
        if absent:
            raise ConfigError(KEY, f"a {sector} count for every province; none for {absent[0]}")
        count[:, SECTOR_INDEX[sector]] = np.array([values[p] for p in province]) * share
    reception = population / population.sum() * reception_persons
    return Dependents(
        basis=tuple(basis[s] for s in SECTORS),
        unit=tuple(unit[s] for s in SECTORS),
        count=count,
        reception=reception,
    )
