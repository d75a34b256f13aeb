"""Outcomes in natural units: who carries a sector's loss, minimum service, per-region table."""

import numpy as np
import pytest

from abm import SECTORS, HybridThreatModel, load_config
from abm.dependents import build_dependents
from abm.errors import ConfigError
from abm.world import load_regions

PF = SECTORS.index("population_flows")
#: Every reception centre of Liège is lost at hour 10; no other asset is touched, and the
#: interdependency matrix is switched off so that nothing else can fail.
RECEPTION_ONLY = [
    "scenario=peacetime",
    "transit.enabled=false",
    "sectors.a_star=" + str(np.zeros((len(SECTORS), len(SECTORS))).tolist()),
    "+scenario.shocks=[{at_hour: 10, kind: damage, region: liege, asset_type: reception_centre,"
    " probability: 1.0, label: reception lost}]",
]


@pytest.fixture(scope="module")
def reception_only():
    model = HybridThreatModel(load_config(overrides=RECEPTION_ONLY, horizon_days=4), rng=3)
    model.run_model()
    return model


def test_a_reception_failure_is_charged_to_the_people_in_reception_only(reception_only):
    m = reception_only
    s = m.summary()
    others = [x for x in SECTORS if x != "population_flows"]
    assert s["loss_population_flows"] > 0
    assert all(s[f"loss_{x}"] == 0 for x in others)
    # the person-hours are those of the people in reception in Liège, never of its residents
    table = m.regional
    liege = np.flatnonzero(np.array(m.world.regions.keys) == "liege")[0]
    assert table.loss[:, PF].sum() == pytest.approx(table.loss[liege, PF])
    hours = m.n_steps * m.dt
    in_reception = table.dependents[liege, PF]
    assert in_reception < 0.01 * m.world.regions.population[liege]
    assert s["loss_population_flows"] <= in_reception * hours
    # the same shortfall charged to every resident of Liège would be about 100 times larger
    service_lost_h = s["loss_population_flows"] / in_reception
    assert m.world.regions.population[liege] * service_lost_h > 100 * s["loss_population_flows"]


def test_minimum_service_counts_hours_and_people_below_it(reception_only):
    m = reception_only
    s = m.summary()
    liege = list(m.world.regions.keys).index("liege")
    assert s["hours_below_min_population_flows"] == m.regional.hours_below_min[liege, PF] > 0
    assert s["affected_population_flows"] == pytest.approx(m.regional.affected[liege, PF])
    assert all(s[f"affected_{x}"] == 0 for x in SECTORS if x != "population_flows")
    # with a minimum of zero nothing is ever below it
    lax = load_config(
        overrides=[*RECEPTION_ONLY, "outcomes.minimum_service.population_flows=0.0"],
        horizon_days=4,
    )
    zero = HybridThreatModel(lax, rng=3)
    zero.run_model()
    assert zero.summary()["hours_below_min_population_flows"] == 0
    assert zero.summary()["loss_population_flows"] == s["loss_population_flows"]


def test_health_transport_and_economy_have_their_own_dependents():
    regions = load_regions("regions_provinces.csv")
    d = build_dependents(regions, 33_000.0)
    assert [d.basis[SECTORS.index(x)] for x in ("health", "transport", "science_economy")] == [
        "count"
    ] * 3
    national = d.count.sum(axis=0)
    assert 20_000 < national[SECTORS.index("health")] < 200_000  # patients, not residents
    assert 3e6 < national[SECTORS.index("science_economy")] < 7e6  # workers
    municipalities = build_dependents(load_regions("regions_municipalities.csv"), 33_000.0)
    # municipalities share their province's count: the national totals do not change
    assert municipalities.count.sum(axis=0) == pytest.approx(national)


def test_a_dependents_table_without_a_province_is_refused(tmp_path):
    bad = tmp_path / "dependents.csv"
    bad.write_text(
        "sector,province,basis,dependents,unit,low,high,source\n"
        + "".join(
            f"{s},*,residents,,residents,1,1,x\n"
            for s in SECTORS
            if s not in ("health", "population_flows")
        )
        + "population_flows,*,reception,,people,1,1,x\nhealth,antwerp,count,10,beds,5,20,x\n"
    )
    with pytest.raises(ConfigError, match="world.dependents_file: a health count"):
        load_config(overrides=[f"world.dependents_file={bad}"]) and HybridThreatModel(
            load_config(overrides=[f"world.dependents_file={bad}"])
        )
