"""The table-top exercise page: a facilitator plays a crisis with the players, decision by decision.

Pick a shipped exercise and press "Start exercise": the run steps to its first decision point and
pauses. The page then shows what the players would see in the crisis room (the phase of the
crisis organisation, the hour, the messages that have come in, the event log, the sectors, the
regions and the allied transit) and lists the measures they may take now, each with its level,
lead time and cost. "Decide and continue" takes the ticked measures and runs on to the next point;
"Finish exercise" runs to the horizon without further decisions. At the end the after-action
report sets the played run beside the same crisis with no decisions, with the automatic
decisions and with the package, on the same seed, so that the consequences of the players'
choices show as differences; the decisions file (which replays the game headless) and the report
can be downloaded.

The engine is :mod:`abm.exercise`; this module only draws it. Everything a browser session holds
(the session, the report, the refresh counter) lives in component state, never at module level,
so that two facilitators on one server play separate games.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any, cast

import matplotlib.pyplot as plt
import solara
from matplotlib.figure import Figure

from abm.dashboard import figures as figs
from abm.dashboard.model import event_table
from abm.errors import ConfigError
from abm.exercise import EXERCISES, ExerciseSession, load_exercise
from abm.model import HybridThreatModel

#: The arms of the after-action report, the played one first.
ARMS = ("played", "no_decisions", "automatic", "package")
#: Outcomes shown beside ``total_loss`` when the report has them, in this order (the engine's
#: headline outcomes first); the table shows at most :data:`MAX_OUTCOMES` of them, so that it
#: stays readable on a projector.
PREFERRED_OUTCOMES = (
    "total_loss",
    "unmet_need_person_hours",
    "transit_mean_delay_h",
    "peak_displaced",
    "min_trust",
    "transit_completed_fraction",
)
MAX_OUTCOMES = 6
#: Replicates the after-action report may run: the played run alone, or the same decisions on
#: more replicates for paired differences with intervals.
REPORT_REPLICATES = (1, 5, 20)
#: A colour per phase of the crisis organisation, from routine to the federal crisis centre.
PHASE_COLOURS = {
    "normal": "#55a868",
    "municipal": "#ccb974",
    "provincial": "#dd8452",
    "federal": "#c44e52",
}


def default_exercise() -> str:
    """The exercise the page offers first: the table-top one if shipped, else the first."""
    return "tabletop" if "tabletop" in EXERCISES else EXERCISES[0]


# ---------------------------------------------------------------------------- formatting
def number(value: Any) -> bool:
    """Whether a report value is a number to tabulate (the report writes NaN as None)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def fmt(value: Any) -> str:
    """A number as a player reads it: thousands separated, small values to 3 digits."""
    if value is None or (number(value) and value != value):
        return "n/a"  # an outcome that did not happen (no recovery, no activation)
    if not number(value):
        return str(value)
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def signed(value: Any) -> str:
    """A difference, with its sign always shown so that "better" and "worse" read at a glance."""
    text = fmt(value)
    return text if text.startswith("-") or text == "n/a" or text == "0" else f"+{text}"


def difference(a: Any, b: Any) -> float | None:
    """``a - b``, or None when either is missing."""
    return float(a) - float(b) if number(a) and number(b) else None


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table (the page's tables are text, so a browser test can read them)."""

    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(map(cell, header)) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(map(cell, row)) + " |" for row in rows]
    return "\n".join(lines)


def decisions_table(decisions: Sequence[Any]) -> str:
    """The decisions taken: when each was decided, when it takes effect, its delay and cost."""
    if not decisions:
        return "No decision taken yet."
    rows = [
        [
            f"{d.label or d.measure} ({d.level})",
            fmt(d.hour),
            fmt(d.effective_hour),
            f"{fmt(d.delay_hours)} h",
            fmt(d.cost_meur),
        ]
        for d in decisions
    ]
    total = sum(float(d.cost_meur) for d in decisions)
    rows.append(["**total**", "", "", "", f"**{fmt(total)}**"])
    header = ["measure", "decided at hour", "effective at hour", "delay", "cost (MEUR)"]
    return markdown_table(header, rows)


def messages_markdown(messages: Sequence[Any]) -> str:
    """The injects that have come in, newest first, as the players would read them."""
    if not messages:
        return "No message yet."
    return "\n\n".join(
        f"**Hour {fmt(m.hour)}** ({m.kind.replace('_', ' ')}): **{m.title}**  \n{m.text}"
        for m in reversed(messages)
    )


def measure_label(m: Any) -> str:
    """A measure as the players choose it: what, at which level, how long to act, what cost."""
    lead, cost = fmt(m.lead_hours), fmt(m.cost_meur)
    return f"{m.label or m.name} ({m.level}, lead {lead} h, {cost} MEUR)"


def report_arms(report: dict[str, Any]) -> list[str]:
    """The report's arms, played first (and any further arm, such as ``shifted``, last)."""
    arms = report["arms"]
    return [a for a in ARMS if a in arms] + [a for a in arms if a not in ARMS]


def report_outcomes(report: dict[str, Any]) -> list[str]:
    """The outcomes to tabulate: total_loss and the preferred ones, then any other outcome
    that is a number in some arm, up to :data:`MAX_OUTCOMES`."""
    outcomes = [report["arms"][a]["outcomes"] for a in report_arms(report)]
    keys = [k for k in outcomes[0] if any(number(o.get(k)) for o in outcomes)]
    ordered = [k for k in PREFERRED_OUTCOMES if k in keys]
    ordered += [k for k in keys if k not in ordered]
    return ordered[:MAX_OUTCOMES]


def arms_table(report: dict[str, Any]) -> str:
    """Every arm's outcomes side by side, with its decisions, their cost, and when the crisis
    centre activated (the automatic rule's decision)."""
    keys = report_outcomes(report)
    rows = []
    for arm in report_arms(report):
        data = report["arms"][arm]
        rows.append(
            [
                f"**{arm}**" if arm == "played" else arm,
                *(fmt(data["outcomes"].get(k)) for k in keys),
                str(len(data.get("decisions", []))),
                fmt(data.get("decisions_cost_meur")),
                fmt(data.get("activation_hour")),
            ]
        )
    header = ["arm", *keys, "decisions", "decisions cost (MEUR)", "crisis centre activated (h)"]
    return markdown_table(header, rows)


def differences_table(report: dict[str, Any]) -> str:
    """The played run minus each alternative, outcome by outcome (a negative loss: the players
    did better than that alternative)."""
    keys = report_outcomes(report)
    played = report["arms"]["played"]["outcomes"]
    rows = []
    for arm in report_arms(report)[1:]:
        other = report["arms"][arm]["outcomes"]
        diffs = (signed(difference(played.get(k), other.get(k))) for k in keys)
        rows.append([f"played minus {arm}", *diffs])
    return markdown_table(["difference", *keys], rows)


def paired_table(report: dict[str, Any]) -> str:
    """Over the report's replicates, played minus each alternative: the mean paired difference
    and its 95% t-interval, per headline outcome (empty for a report of one replicate)."""
    paired = report.get("paired")
    if not paired:
        return ""
    rows = []
    for arm, outcomes in paired.items():
        for name, d in outcomes.items():
            interval = (
                f"{fmt(d['ci95_low'])} to {fmt(d['ci95_high'])}"
                if number(d.get("ci95_low")) and number(d.get("ci95_high"))
                else "n/a"
            )
            rows.append([f"played minus {arm}", name, signed(d.get("mean")), interval])
    header = ["difference", "outcome", f"mean over {report['replicates']} replicates", "95% CI"]
    return markdown_table(header, rows)


def headline(report: dict[str, Any]) -> str:
    """One sentence on what the players' decisions did to total_loss against no decisions."""
    arms = report["arms"]
    if "no_decisions" not in arms:
        return ""
    played = arms["played"]["outcomes"].get("total_loss")
    none = arms["no_decisions"]["outcomes"].get("total_loss")
    diff = difference(played, none)
    if diff is None:
        return ""
    share = f" ({diff / none:+.1%})" if none else ""
    verdict = "less loss" if diff < 0 else "more loss" if diff > 0 else "the same loss"
    return (
        f"The players' decisions ended the crisis with total_loss {fmt(played)}, against "
        f"{fmt(none)} without decisions: played minus no_decisions = **{signed(diff)}**{share}, "
        f"{verdict}."
    )


def arm_decisions_table(decisions: Sequence[dict[str, Any]]) -> str:
    """An arm's decisions from the report (dicts), with whichever of the usual keys they have."""
    if not decisions:
        return "No decision."
    wanted = ("point", "hour", "measure", "level", "effective_hour", "delay_hours", "cost_meur")
    keys = [k for k in wanted if any(k in d for d in decisions)]
    rows = [[fmt(d.get(k, "")) for k in keys] for d in decisions]
    return markdown_table(keys, rows)


# ---------------------------------------------------------------------------- components
def _png(draw: Callable[[HybridThreatModel], Figure], model: HybridThreatModel) -> bytes:
    fig = draw(model)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


@solara.component
def ModelFigure(
    model: HybridThreatModel,
    draw: Callable[[HybridThreatModel], Figure],
    counter: int,
    variant: str = "",
) -> None:
    """A figure of the model, drawn again only when the run has moved (``counter``) or the
    figure asked for changed (``variant``): ticking a checkbox re-renders the page but must not
    redraw every figure."""
    png = solara.use_memo(lambda: _png(draw, model), dependencies=[id(model), counter, variant])
    solara.Image(png)


@solara.component
def RegionCard(model: HybridThreatModel, counter: int) -> None:
    """The regions' tiles, service now or unmet need so far."""
    measure, set_measure = solara.use_state("service")
    with solara.Card("Regions"):
        solara.ToggleButtonsSingle(value=measure, values=["service", "unmet"], on_value=set_measure)
        ModelFigure(model, lambda m: figs.region_tiles(m, measure), counter, measure)


@solara.component
def Situation(session: ExerciseSession, counter: int) -> None:
    """Where the crisis stands: the phase of the crisis organisation, the hour, the point.

    ``counter`` counts the run's moves: the session object stays the same as the run goes on,
    so the counter is what tells the component that its props changed."""
    model = session.model
    hour = model.steps * model.dt
    horizon = model.n_steps * model.dt
    colour = PHASE_COLOURS.get(session.phase, "#8c8c8c")
    with solara.Card("Situation"):
        with solara.Row(style={"align-items": "center"}):
            solara.Text(
                f"Phase: {session.phase}",
                style={
                    "background": colour,
                    "color": "white",
                    "padding": "4px 12px",
                    "border-radius": "12px",
                    "font-weight": "bold",
                },
            )
            solara.Text(f"Hour {fmt(hour)} of {fmt(horizon)} (day {hour / 24:.1f})")
        if session.point is not None:
            solara.Markdown(f"### Decision point: {session.point.title}")
        elif session.finished:
            solara.Markdown("### The exercise is over")
        if session.phase_log:
            rows = [[fmt(h), p, str(why)] for h, p, why in session.phase_log]
            solara.Markdown(markdown_table(["hour", "phase", "why"], rows))


@solara.component
def DecisionPanel(
    session: ExerciseSession,
    on_decide: Callable[[list[str]], None],
    on_finish: Callable[[], None],
) -> None:
    """The measures the players may take now, as checkboxes, and the two ways on.

    The ticks are this component's state; the page gives it a key per decision point, so that
    they start empty at every point."""
    chosen, set_chosen = solara.use_state(cast(list[str], []))
    measures = session.available()

    def toggle(name: str) -> Callable[[bool], None]:
        def set_value(on: bool) -> None:
            set_chosen(lambda old: [*old, name] if on else [n for n in old if n != name])

        return set_value

    with solara.Card("Decisions at this point"):
        if not measures:
            solara.Markdown("No measure is available here.")
        for m in measures:
            solara.Checkbox(
                label=measure_label(m),
                value=m.name in chosen,
                on_value=toggle(m.name),
            )
            if m.description:
                solara.Text(m.description, style={"font-size": "0.85em", "margin-left": "32px"})
        with solara.Row():
            solara.Button(
                "Decide and continue",
                on_click=lambda: on_decide([m.name for m in measures if m.name in chosen]),
                color="primary",
            )
            solara.Button("Finish exercise", on_click=on_finish, outlined=True)


@solara.component
def AfterAction(session: ExerciseSession, report: dict[str, Any]) -> None:
    """The after-action report: every arm's outcomes, played minus each, the decisions."""
    name = session.exercise.name

    def html() -> str:
        from analysis.after_action import render_html  # analysis is not imported by abm at load

        return render_html(report)

    with solara.Card("After-action report"):
        solara.Markdown(headline(report))
        if report.get("paired"):
            solara.Markdown(
                f"#### Over {report['replicates']} replicates (the same decisions, the same "
                "alternatives, paired): is the difference the decisions' or the dice's?"
            )
            solara.Markdown(paired_table(report))
        else:
            solara.Markdown(
                "One run on one seed: a difference may be the dice's as much as the "
                "decisions'. Choose more replicates before finishing, or replay the downloaded "
                "decisions headless with `replicates=20` (`python -m experiments.exercise`), "
                "for paired differences with 95% intervals."
            )
        solara.Markdown("#### Outcomes of each arm (same crisis, same seed)")
        solara.Markdown(arms_table(report))
        solara.Markdown("#### Played minus each alternative")
        solara.Markdown(differences_table(report))
        solara.Markdown("#### The players' decisions")
        solara.Markdown(decisions_table(session.decisions))
        for arm in (a for a in report_arms(report)[1:] if report["arms"][a].get("decisions")):
            solara.Markdown(f"#### Decisions of the {arm} arm")
            solara.Markdown(arm_decisions_table(report["arms"][arm]["decisions"]))
        with solara.Row():
            solara.FileDownload(
                session.decisions_yaml,
                filename=f"{name}_decisions.yaml",
                label="Download decisions",
                mime_type="text/yaml",
            )
            solara.FileDownload(
                html,
                filename=f"{name}_after_action.html",
                label="Download report",
                mime_type="text/html",
            )


@solara.component
def ExercisePage() -> None:
    """The whole exercise page: the choice of exercise, then the game, then its report."""
    name, set_name = solara.use_state(default_exercise())
    session, set_session = solara.use_state(cast(ExerciseSession | None, None))
    report, set_report = solara.use_state(cast(dict[str, Any] | None, None))
    counter, set_counter = solara.use_state(0)
    error, set_error = solara.use_state("")
    replicates, set_replicates = solara.use_state(1)

    def moved(s: ExerciseSession) -> None:
        """The run has moved: redraw everything, and write the report once it is over."""
        if s.finished:
            # the analysis layer draws the paired differences (abm never imports it at load)
            from analysis.after_action import summarise

            set_report(summarise(s.after_action(replicates=replicates)))
        set_counter(lambda c: c + 1)

    def start() -> None:
        try:
            s = ExerciseSession(load_exercise(name))
        except ConfigError as e:
            set_error(str(e))
            return
        s.advance()
        set_error("")
        set_report(None)
        set_session(s)
        moved(s)

    def decide(names: list[str]) -> None:
        assert session is not None
        try:
            session.decide(names)
        except ConfigError as e:
            set_error(str(e))
            return
        set_error("")
        session.advance()
        moved(session)

    def finish() -> None:
        assert session is not None
        session.finish()
        moved(session)

    solara.Title("Table-top exercise")
    with solara.AppBar():
        solara.AppBarTitle("Table-top exercise: hybrid threats in Belgium")
    with solara.Column(style={"padding": "8px"}):
        with solara.Card("Exercise"):
            with solara.Row(style={"align-items": "center"}):
                solara.Select(
                    label="Exercise", value=name, values=list(EXERCISES), on_value=set_name
                )
                solara.Button("Start exercise", on_click=start, color="primary")
                solara.Select(
                    label="Replicates in the after-action report (about 1 s each)",
                    value=replicates,
                    values=list(REPORT_REPLICATES),
                    on_value=set_replicates,
                )
            if session is not None:
                ex = session.exercise
                solara.Markdown(f"**{ex.title}**: {ex.description}")
        if error:
            solara.Error(error)
        if session is None:
            solara.Markdown("Choose an exercise and press *Start exercise*.")
            return
        if report is not None:
            AfterAction(session, report)
        with solara.Columns([5, 7]):
            with solara.Column():
                Situation(session, counter)
                if session.point is not None and not session.finished:
                    point = session.point
                    DecisionPanel(session, decide, finish).key(f"{point.name}-{point.hour}")
                with solara.Card(f"Decisions taken ({len(session.decisions)})"):
                    solara.Markdown(decisions_table(session.decisions))
                with solara.Card(f"Messages ({len(session.messages)})"):
                    solara.Markdown(messages_markdown(session.messages))
            with solara.Column():
                with solara.Card("Service per sector"):
                    ModelFigure(session.model, figs.sector_curves, counter)
                RegionCard(session.model, counter)
                with solara.Card("Allied transit"):
                    ModelFigure(session.model, figs.transit_progress, counter)
                with solara.Card(f"Event log ({len(session.model.events)} events)"):
                    model = session.model
                    solara.Markdown(event_table(model) if model.events else "No event yet.")
