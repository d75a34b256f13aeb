"""The nine strategic sectors of Belgium's National Resilience Plan.

The order is fixed: it is the sector axis of every array and the column order of every result.
"""

SECTORS: tuple[str, ...] = (
    "public_administration",
    "energy",
    "food_water",
    "health",
    "population_flows",
    "telecom",
    "transport",
    "finance",
    "science_economy",
)

SECTOR_INDEX: dict[str, int] = {name: i for i, name in enumerate(SECTORS)}
