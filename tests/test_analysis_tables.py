"""The tables printed after a run and in the report: natural units first, no silent sum."""

import numpy as np
import pandas as pd
import pytest

from abm import SECTORS
from analysis.tables import (
    cohort_sector_unmet_need,
    cohort_unmet_need,
    readable,
    region_overview,
    region_sector,
    sector_summary,
    total_summary,
    transit_summary,
)


def frame(values, population=1000.0):
    """Summary rows with ``values`` person-hours lost in every sector."""
    cols = {f"loss_{s}": values for s in SECTORS}
    cols |= {f"dependents_{s}": [population] * len(values) for s in SECTORS}
    cols |= {f"affected_{s}": [10.0 * k for k in range(len(values))] for s in SECTORS}
    cols |= {f"hours_below_min_{s}": [2.0] * len(values) for s in SECTORS}
    cols["total_loss"] = [9 * v for v in values]
    cols["population"] = [population] * len(values)
    return pd.DataFrame(cols)


def test_interval_brackets_the_mean_and_is_clipped_at_zero():
    table = sector_summary(frame([0.0, 100.0, 3000.0, 200.0]))
    row = table.loc["energy"]
    assert row["ci95_low"] == 0.0 <= row["person_hours"] <= row["ci95_high"]
    assert row["min"] == 0.0 and row["max"] == 3000.0
    assert list(table.index) == list(SECTORS)  # no total row: a sum needs a weighting


def test_natural_units_come_first_and_per_inhabitant_is_derived():
    table = sector_summary(frame([0.0, 100.0, 3000.0, 200.0], population=500.0))
    assert list(table.columns) == [
        "dependents",
        "person_hours",
        "ci95_low",
        "ci95_high",
        "min",
        "max",
        "people_affected",
        "hours_below_min",
        "h_per_inhabitant",
    ]
    row = table.loc["health"]
    assert row.h_per_inhabitant == pytest.approx(row.person_hours / 500.0)
    assert row.people_affected == pytest.approx(15.0) and row.hours_below_min == 2.0
    assert row.dependents == 500.0


def test_the_total_is_named_with_its_weighting():
    table = total_summary(frame([1.0, 2.0, 3.0]), "equal")
    assert list(table.index) == ["total_loss [weighting equal: person-hours]"]
    assert table.iloc[0]["mean"] == pytest.approx(18.0)
    people = total_summary(frame([1.0, 2.0, 3.0]), "people_affected")
    assert people.index[0].startswith("total_loss [weighting people_affected: people")
    assert people.iloc[0]["mean"] == pytest.approx(9 * 10.0)


def test_a_single_replicate_has_no_interval():
    table = sector_summary(frame([1.5]))
    assert np.isnan(table.loc["energy", "ci95_low"]) and np.isnan(table.loc["energy", "ci95_high"])
    assert table.loc["energy", "person_hours"] == 1.5


def test_transit_without_serials_is_missing_not_zero():
    summary = pd.DataFrame(
        {
            "transit_completed_fraction": [1.0, 0.5, np.nan],
            "transit_mean_delay_h": [0.0, 12.0, np.nan],
            "transit_max_delay_h": [0.0, 24.0, np.nan],
            "transit_censored": [0, 1, 0],
        }
    )
    table = transit_summary(summary)
    assert table.loc["transit_completed_fraction", "mean"] == pytest.approx(0.75)
    assert table.loc["transit_max_delay_h", "max"] == 24.0
    assert table.loc["transit_mean_delay_h", "unit"] == "h"


def groups_rows():
    rows = []
    for r in range(2):
        for region in ("antwerp", "liege"):
            for cohort in ("urban", "rural"):
                for s in SECTORS:
                    need = (1.0 + r) * (2.0 if cohort == "urban" else 1.0)
                    rows.append(
                        {
                            "replicate": r,
                            "region": region,
                            "cohort": cohort,
                            "sector": s,
                            "unmet_need_person_hours": need,
                        }
                    )
    return pd.DataFrame(rows)


def test_unmet_need_per_cohort():
    table = cohort_unmet_need(groups_rows())
    # urban: 2 regions x 9 sectors x 2 (x1 in replicate 0, x2 in replicate 1): 36 and 72
    assert table.loc["urban", "mean"] == pytest.approx(54.0)
    assert table.loc["rural", "min"] == 18.0 and table.loc["rural", "max"] == 36.0
    per_sector = cohort_sector_unmet_need(groups_rows())
    assert list(per_sector.columns) == list(SECTORS)
    assert per_sector.loc["urban", "energy"] == pytest.approx(6.0)


def regions_rows():
    """Two replicates, three regions; liege loses most energy, antwerp most people affected."""
    rows = []
    for r in range(2):
        for region, province, loss, affected, hours in (
            ("antwerp", "antwerp", 100.0, 5000.0, 3.0),
            ("liege", "liege", 900.0, 1000.0, 30.0),
            ("namur", "namur", 0.0, 0.0, 0.0),
        ):
            for s in SECTORS:
                rows.append(
                    {
                        "replicate": r,
                        "region": region,
                        "province": province,
                        "sector": s,
                        "dependents": 10_000.0,
                        "loss_person_hours": loss * (1 + r) if s == "energy" else 0.0,
                        "affected": affected if s == "health" else 0.0,
                        "hours_below_min": hours if s == "health" else 0.0,
                        "min_service": 0.5,
                    }
                )
    return pd.DataFrame(rows)


def test_where_the_harm_falls():
    regions = regions_rows()
    loss = region_sector(regions, "loss_person_hours")
    assert loss.loc["liege", "energy"] == pytest.approx(1350.0)  # mean of 900 and 1800
    assert region_sector(regions, "hours_below_min").loc["liege", "health"] == 30.0
    overview = region_overview(regions, "equal")
    label = "total_loss [weighting equal: person-hours]"
    assert list(overview.index) == ["liege", "antwerp", "namur"]
    assert overview.loc["liege", label] == pytest.approx(1350.0)
    assert overview.loc["liege", "share_of_national"] == pytest.approx(0.9)
    assert overview.loc["antwerp", "people_affected_top_sector"] == 5000.0
    assert overview.loc["antwerp", "top_sector_by_people"] == "health"
    assert overview.loc["liege", "sector_longest_below"] == "health"
    people = region_overview(regions, "people_affected")
    assert people.index[0] == "antwerp"


def test_readable_numbers():
    table = pd.DataFrame(
        {"person_hours": [1234567.8, 2.0], "hours": [150.25, 3.0], "p": [0.000123, 0.5]}
    )
    out = readable(table)
    assert out.person_hours.tolist() == ["1,234,568", "2"]
    assert out.hours.tolist() == ["150.2", "3.0"]
    assert out.p.tolist() == ["0.000123", "0.5"]
