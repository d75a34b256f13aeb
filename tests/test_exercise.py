"""Table-top exercises: the crisis organisation, decisions, injects, replay and the report."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import yaml

from abm.config.exercise import DecisionConfig, DecisionsConfig
from abm.errors import ConfigError
from abm.exercise import (
    ExerciseSession,
    after_action,
    load_decisions,
    load_exercise,
    outcomes,
    replay,
)
from abm.model import HybridThreatModel
from abm.vocabulary import SECTOR_INDEX
from analysis.after_action import summarise
from experiments import exercise as cli

HEALTH = SECTOR_INDEX["health"]
ENERGY = SECTOR_INDEX["energy"]

MEASURES = [
    {"name": "activate_plan", "kind": "activate_plan", "level": "federal", "lead_hours": 2},
    {"name": "guards_to_ports", "kind": "guards", "targets": ["port"], "lead_hours": 1},
    {"name": "release_fuel", "kind": "release_stock", "targets": ["energy"], "lead_hours": 0},
    {
        "name": "close_liege",
        "kind": "close_airspace",
        "regions": ["liege"],
        "hours": 6,
        "lead_hours": 1,
    },
    {"name": "crews", "kind": "lever", "lever": "repair_capacity", "level": "provincial"},
    {"name": "federal", "kind": "escalate", "phase": "federal"},
]


def small(tmp_path, **changes) -> object:
    """A short exercise of peacetime (no incident, no slowdown) with every kind of measure."""
    data = {
        "name": "small",
        "title": "A small exercise",
        "scenario": "peacetime",
        "mitigation": "strategic_stockpiles",
        "package": "hardening",
        "horizon_days": 2,
        "seed": 7,
        "decision_points": [
            {"name": "first", "at_hour": 5},
            {"name": "second", "at_hour": 30},
        ],
        "measures": MEASURES,
        **changes,
    }
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(data))
    return load_exercise(str(path))


def same_outcomes(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(
        a[k] == b[k] or (isinstance(a[k], float) and math.isnan(a[k]) and math.isnan(b[k]))
        for k in a
    )


# ---------------------------------------------------------------- the alternatives
def test_the_automatic_arm_is_todays_model(tmp_path):
    ex = small(tmp_path, scenario="grid_shock", horizon_days=4)
    session = ExerciseSession(ex, arm="automatic")
    session.finish()
    plain = HybridThreatModel(ex.run_config("automatic"), rng=ex.seed)
    plain.run_model()
    assert same_outcomes(session.model.summary(), plain.summary())
    np.testing.assert_array_equal(session.model.national_service, plain.national_service)
    ours = [e for e in session.model.events if e[1] != "crisis_phase"]
    assert ours == plain.events
    assert plain.crisis_centre.activation_hour is not None  # the rule did activate


def test_played_without_decisions_is_no_decisions_and_nothing_activates(tmp_path):
    ex = small(tmp_path, scenario="grid_shock", horizon_days=4)
    played = ExerciseSession(ex)
    while played.advance() is not None:
        played.decide([])
    nothing = ExerciseSession(ex, arm="no_decisions")
    nothing.finish()
    assert same_outcomes(played.model.summary(), nothing.model.summary())
    assert played.model.crisis_centre.alert_hour is not None  # alerted, but nobody decided
    assert played.model.crisis_centre.activation_hour is None


# ---------------------------------------------------------------- the crisis organisation
def test_a_federal_decision_in_normal_times_escalates_first(tmp_path):
    ex = small(tmp_path)
    c = ex.cfg.crisis_organisation
    session = ExerciseSession(ex)
    assert session.advance().name == "first" and session.phase == "normal"
    (plan,) = session.decide(["activate_plan"])
    # peacetime: nothing slows the decision; escalating to federal comes first
    assert plan.phase_hour == 5 + c.federal_declare_hours
    assert plan.effective_hour == math.ceil(
        5 + c.federal_declare_hours + c.federal_decision_hours + 2
    )
    session.advance()
    assert session.phase == "federal"
    assert session.phase_log[0][:2] == (plan.phase_hour, "federal")
    assert session.model.crisis_centre.activation_hour == plan.effective_hour


def test_a_decision_of_a_lower_level_is_quicker(tmp_path):
    ex = small(tmp_path)
    c = ex.cfg.crisis_organisation
    session = ExerciseSession(ex)
    session.advance()
    crews, federal = session.decide(["crews", "federal"])
    assert crews.level == "provincial"
    assert crews.delay_hours == c.provincial_declare_hours + c.provincial_decision_hours
    assert federal.effective_hour == 5 + c.federal_declare_hours  # a declaration, no orders


def test_coinciding_incidents_slow_the_decisions(tmp_path):
    reports = [
        {"name": f"report_{k}", "at_hour": k, "kind": "incident_report", "title": "incident"}
        for k in (1, 2, 3)
    ]
    calm, busy = small(tmp_path), small(tmp_path, injects=reports)
    delays = []
    for ex in (calm, busy):
        session = ExerciseSession(ex)
        session.advance()
        delays.append(session.decide(["activate_plan"])[0].delay_hours)
        load = session.model.crisis_centre.load()
    strength = busy.run_config("played").couplings.responder_load.strength
    assert load == 1 + strength * 2  # three incidents in the window
    assert delays[1] > delays[0]


def test_measures_act_when_their_orders_take_effect(tmp_path):
    ex = small(
        tmp_path,
        decision_points=[{"name": "first", "at_hour": 5}]
        + [{"name": f"h{h}", "at_hour": h} for h in (11, 12, 40)],
    )
    session = ExerciseSession(ex)
    session.advance()
    taken = {
        d.measure: d for d in session.decide(["guards_to_ports", "release_fuel", "close_liege"])
    }
    m, w = session.model, session.model.world
    ports = w.asset_type == w.type_names.index("port")
    airports = (w.asset_type == w.type_names.index("airport")) & w.regions.mask("liege")[
        w.asset_region
    ]
    # escalating to federal and deciding: 7 h to orders, then each measure's lead time
    assert [d.effective_hour for d in taken.values()] == [13.0, 12.0, 13.0]
    while (point := session.advance()) is not None:
        if point.hour <= taken["release_fuel"].effective_hour:
            assert not m.responses.released[ENERGY]
        else:
            assert m.responses.released[ENERGY]
        if point.hour == 40:
            guarded = m.assets.guarded
            assert guarded[ports].sum() == min(ports.sum(), m.responses.guard_capacity)
            closed = taken["close_liege"].effective_hour + 6
            np.testing.assert_array_equal(m.assets.compromised_until[airports], closed)


def test_a_mass_casualty_incident_loads_health_and_calls_the_federal_phase(tmp_path):
    attack = {
        "name": "attack",
        "at_hour": 10,
        "kind": "mass_casualty",
        "title": "An armed attack",
        "region": "antwerp",
        "injured": 340,
        "hospitalised": 150,
        "duration_hours": 24,
    }
    ex = small(
        tmp_path,
        injects=[attack],
        decision_points=[{"name": "during", "at_hour": 20}, {"name": "after", "at_hour": 40}],
    )
    session = ExerciseSession(ex)
    session.advance()
    m = session.model
    antwerp = m.world.regions.mask("antwerp")
    patients = m.dependents.count[antwerp, HEALTH]
    np.testing.assert_allclose(m.script.demand[antwerp, HEALTH], 150 / patients)
    assert not m.script.demand[~antwerp].any()
    assert [msg.kind for msg in session.messages] == ["mass_casualty"]
    phase = session.phase_log[-1]
    assert phase[1] == "federal" and "numerous casualties" in phase[2]
    session.advance()
    assert not m.script.demand.any()  # the hospitalised have left after 24 h


# ---------------------------------------------------------------- replay and report
def play_two_decisions():
    session = ExerciseSession("tabletop")
    first = session.advance()
    session.decide(["public_communication"])
    session.advance()
    session.decide(["guards_to_ports", "release_fuel"])
    session.finish()
    return session, first


def test_replaying_the_saved_decisions_is_bit_identical(tmp_path, capsys):
    session, first = play_two_decisions()
    saved = tmp_path / "decisions.yaml"
    saved.write_text(session.decisions_yaml())
    out = tmp_path / "report"
    argv = ["exercise=tabletop", f"decisions={saved}", f"out={out}"]
    assert cli.main(argv) == 0
    report = json.loads((out / "after_action.json").read_text())
    assert set(report["arms"]) == {"played", "no_decisions", "automatic", "package"}
    played = report["arms"]["played"]
    assert played["outcomes"] == json.loads(json.dumps(outcomes(session.model)))
    assert played["national_service"] == session.model.national_service.mean(axis=1).tolist()
    assert [d["measure"] for d in report["decisions"]] == [
        "public_communication",
        "guards_to_ports",
        "release_fuel",
    ]
    assert report["decisions"][0]["point"] == first.name
    assert (out / "decisions.yaml").read_text() == saved.read_text()
    page = (out / "after_action.html").read_text()
    assert "After-action report" in page and "no_decisions" in page and "base64" in page
    assert "Played minus each alternative" in capsys.readouterr().out


def test_the_report_compares_on_common_random_numbers(tmp_path):
    ex = load_exercise("tabletop")
    decisions = load_decisions("configs/exercise/tabletop_decisions.yaml")
    report = summarise(after_action(ex, decisions, replicates=3, shift=("guards_to_ports", -12)))
    arms = report["arms"]
    assert set(arms) == {"played", "no_decisions", "automatic", "package", "shifted"}
    # the same adversary's dice in every arm: the first attacks, before any measure acts
    first = {arm: rec["outcomes"] for arm, rec in arms.items()}
    assert len({o["weighting"] for o in first.values()}) == 1
    diff = report["differences"]["no_decisions"]["total_loss"]
    assert (
        diff
        == arms["played"]["outcomes"]["total_loss"] - arms["no_decisions"]["outcomes"]["total_loss"]
    )
    paired = report["paired"]["automatic"]["total_loss"]
    assert paired["n"] == 3 and paired["ci95_low"] <= paired["mean"] <= paired["ci95_high"]
    shifted = {d["measure"]: d for d in arms["shifted"]["decisions"]}
    played = {d["measure"]: d for d in arms["played"]["decisions"]}
    assert shifted["guards_to_ports"]["hour"] == played["guards_to_ports"]["hour"] - 12
    assert arms["package"]["package_cost_meur_per_year"] > 0
    assert arms["automatic"]["activation_hour"] is not None
    assert arms["no_decisions"]["activation_hour"] is None


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["exercise=atlantis"], "error: exercise: one of: tabletop"),
        (["exercise=tabletop"], "error: out: required"),
        (["exercise=tabletop", "flavour=x"], "error: flavour: not an argument"),
        (["exercise=tabletop", "replicates=0"], "error: replicates: a whole number"),
        (["exercise=tabletop", "shift=guards"], "error: shift: <measure>:<hours>"),
        (["exercise=tabletop", "shift=teleport:-12"], "error: shift: a measure the decisions"),
        (["exercise=tabletop", "decisions=nowhere.yaml"], "error: decisions: an existing file"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, capsys, args, expected):
    out = tmp_path / "report"
    argv = [*args] if any(a.startswith("out=") for a in args) else [*args, f"out={out}"]
    if args == ["exercise=tabletop"]:
        argv = args
    if any(a.startswith("shift=") for a in args):
        argv.append("decisions=configs/exercise/tabletop_decisions.yaml")
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(expected) and err.count("\n") == 1, err
    assert not out.exists()


@pytest.mark.parametrize(
    ("decisions", "expected"),
    [
        ({"exercise": "other", "decisions": []}, "error: decisions.exercise"),
        (
            {
                "exercise": "tabletop",
                "decisions": [{"point": "first_incidents", "measures": ["x"]}],
            },
            "error: decisions[0].measures",
        ),
        (
            {"exercise": "tabletop", "decisions": [{"point": "tea_time", "measures": []}]},
            "error: decisions[0].point",
        ),
        (
            {"exercise": "tabletop", "decisions": [{"at_hour": 3, "measures": ["fly"]}]},
            "error: decisions[0].measures: measures of the exercise",
        ),
        ({"exercise": "tabletop", "colour": "red"}, "error: colour"),
        ({"exercise": "${oc.env:HOME}"}, "calls the resolver 'oc.env'"),
    ],
)
def test_bad_decisions_are_refused(tmp_path, capsys, decisions, expected):
    path = tmp_path / "decisions.yaml"
    path.write_text(yaml.safe_dump(decisions))
    out = tmp_path / "report"
    assert cli.main(["exercise=tabletop", f"decisions={path}", f"out={out}"]) == 2
    err = capsys.readouterr().err
    assert expected in err and err.count("\n") == 1, err
    assert not out.exists()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"measures": [{"name": "m", "kind": "teleport"}]}, "measures[0].kind: one of"),
        (
            {"measures": [{"name": "m", "kind": "guards", "targets": ["castle"]}]},
            "measures[0].targets",
        ),
        ({"measures": [{"name": "m", "kind": "lever", "lever": "crews"}]}, "measures[0].lever"),
        (
            {"measures": [{"name": "m", "kind": "lever", "lever": "hardening", "strength": 7}]},
            "mitigation.levers",
        ),
        ({"decision_points": [{"name": "p"}]}, "decision_points[0]: exactly one"),
        ({"decision_points": [{"name": "p", "at_phase": "tea"}]}, "decision_points[0].at_phase"),
        ({"injects": [{"name": "i", "at_hour": 1, "kind": "rumour"}]}, "injects[0].kind"),
        ({"scenario": "atlantis"}, "scenario: one of: coastal_storm"),
        ({"package": "magic"}, "package: one of: backup_power"),
        ({"crisis_organisation": {"federal_declare_hours": -1}}, "crisis_organisation.federal"),
        ({"wizards": 3}, "wizards"),
    ],
)
def test_a_bad_exercise_file_is_refused(tmp_path, capsys, change, expected):
    with pytest.raises(Exception) as err:
        small(tmp_path, **change)
    assert expected in str(err.value)
    path = tmp_path / "small.yaml"
    out = tmp_path / "report"
    assert cli.main([f"exercise={path}", f"out={out}"]) == 2
    line = capsys.readouterr().err
    assert expected in line and line.count("\n") == 1, line
    assert not out.exists()


def test_a_measure_not_offered_yet_is_refused(tmp_path):
    late = [*MEASURES, {"name": "late", "kind": "activate_plan", "from_hour": 24}]
    ex = small(tmp_path, measures=late)
    session = ExerciseSession(ex)
    session.advance()
    assert "late" not in {m.name for m in session.available()}
    with pytest.raises(ConfigError, match=r"first\.measures: one of"):
        session.decide(["late"])
    decisions = DecisionsConfig(
        exercise="small", decisions=[DecisionConfig(point="first", measures=["late"])]
    )
    with pytest.raises(ConfigError, match=r"decisions\[0\]\.measures: measures offered at first"):
        replay(ex, decisions, seed=1)
    session.advance()  # hour 30: offered now
    assert session.decide(["late"])[0].measure == "late"


def test_decision_points_at_hours_injects_phases_and_every_day(tmp_path):
    tabletop = load_exercise("tabletop")
    hours = {p.name: p.hour for p in tabletop.points}
    phases = {p.name: p.start_hour for p in tabletop.run_config("played").scenario.adversary_phases}
    injects = {i.name: i.at_hour for i in tabletop.injects}
    assert hours["first_incidents"] == 12
    assert hours["destabilisation"] == phases["destabilisation"]
    assert hours["drones"] == injects["drones_over_airports"]
    assert list(hours.values()) == sorted(hours.values())
    daily = small(tmp_path, every_hours=24)
    assert [(p.name, p.hour) for p in daily.points] == [
        ("first", 5),
        ("hour_24", 24),
        ("second", 30),
    ]  # the 48 h horizon ends before a point at hour 48


def test_a_decisions_file_with_a_key_twice_is_refused(tmp_path, capsys):
    path = tmp_path / "decisions.yaml"
    path.write_text("exercise: tabletop\nexercise: tabletop\n")
    assert cli.main(["exercise=tabletop", f"decisions={path}", f"out={tmp_path / 'r'}"]) == 2
    err = capsys.readouterr().err
    assert "duplicate key 'exercise' at line 2" in err and err.count("\n") == 1, err


def test_a_difference_with_a_missing_side_is_missing():
    report = {
        "replicates": 2,
        "replicate_outcomes": {
            "played": {"total_loss": [10.0, 20.0], "transit_mean_delay_h": [None, None]},
            "no_decisions": {"total_loss": [14.0, 22.0], "transit_mean_delay_h": [None, None]},
        },
    }
    out = summarise(report)
    assert out["differences"]["no_decisions"] == {"total_loss": -4.0, "transit_mean_delay_h": None}
    paired = out["paired"]["no_decisions"]
    assert paired["total_loss"]["mean"] == -3.0 and paired["total_loss"]["n"] == 2
    assert paired["transit_mean_delay_h"] == {
        "mean": None,
        "ci95_low": None,
        "ci95_high": None,
        "n": 0,
    }
