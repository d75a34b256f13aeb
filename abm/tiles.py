"""Where each of Belgium's 11 provinces sits on a tile map: approximate (column, row), north-west
at (0, 0).

A tile map keeps every province the same size, so that Brussels and Luxembourg are as visible as
Liège; the report's map of unmet need (:mod:`analysis.figures`) and the dashboard's map of a
running model (:mod:`abm.dashboard.figures`) both draw it. It lives here, below both, because
the analysis layer may import the engine's modules but not the other way round.
"""

from __future__ import annotations

TILES: dict[str, tuple[float, float]] = {
    "west_flanders": (0, 0),
    "east_flanders": (1, 0),
    "antwerp": (2, 0),
    "limburg": (3, 0),
    "brussels": (1.5, 1),
    "flemish_brabant": (2.5, 1),
    "hainaut": (0.5, 2),
    "walloon_brabant": (1.5, 2),
    "namur": (2, 3),
    "liege": (3, 2),
    "luxembourg": (3, 3),
}
