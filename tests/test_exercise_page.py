"""The dashboard's table-top exercise page: its tables, its widgets, and the page in a browser.

The fast tests render the components with ``solara.render`` and press their buttons as a
facilitator would; the browser test plays the shipped ``tabletop`` exercise at ``/exercise`` of
the app ``make dashboard`` serves, two decisions and then "Finish exercise", and checks that the
after-action report shows what the decisions did.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest

solara = pytest.importorskip("solara")
import ipyvuetify as v  # noqa: E402
import ipywidgets as widgets  # noqa: E402

from abm.dashboard import exercise as page  # noqa: E402
from experiments import exercise as exercise_cli  # noqa: E402

ROOT = Path(__file__).parents[1]
SCREENSHOT = ROOT / "outputs" / "exercise.png"


def page_text(root: Any) -> str:
    """All text a rendered component shows (labels, texts, Markdown), as plain text."""
    out: list[str] = []

    def walk(x: Any) -> None:
        if isinstance(x, str):
            out.append(x)
            return
        if not isinstance(x, widgets.Widget):
            return
        template = getattr(x, "template", None)
        if isinstance(template, str):
            out.append(template.split("<script>")[0])
        for attr in ("label", "v_model", "value"):
            value = getattr(x, attr, None)
            if isinstance(value, str) and value != "!!disabled!!":  # ipyvue's "unset"
                out.append(value)
        for child in getattr(x, "children", None) or []:
            walk(child)
        for slot in getattr(x, "v_slots", None) or []:
            children = slot.get("children")
            for child in children if isinstance(children, list | tuple) else [children]:
                walk(child)

    walk(root)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", "\n".join(out))))


# ---------------------------------------------------------------------- the report's tables
REPORT: dict[str, Any] = {
    "arms": {
        "played": {
            "outcomes": {"weighting": "w", "total_loss": 9000.0, "min_trust": 0.5, "x": None},
            "decisions": [{"point": "p1", "hour": 6.0, "measure": "m", "effective_hour": 20.0}],
            "decisions_cost_meur": 2.5,
            "activation_hour": None,
        },
        "no_decisions": {
            "outcomes": {"weighting": "w", "total_loss": 12000.0, "min_trust": 0.4, "x": None},
            "decisions": [],
            "decisions_cost_meur": 0.0,
            "activation_hour": None,
        },
        "automatic": {
            "outcomes": {"weighting": "w", "total_loss": 9000.0, "min_trust": 0.45, "x": 1.0},
            "decisions": [],
            "decisions_cost_meur": 0.0,
            "activation_hour": 30.0,
        },
    }
}


def test_the_report_tables_show_played_minus_each_alternative():
    assert page.report_outcomes(REPORT) == ["total_loss", "min_trust", "x"]
    arms = page.arms_table(REPORT).splitlines()
    assert arms[2].startswith("| **played** | 9,000 | 0.5 | n/a | 1 | 2.5 | n/a |")
    assert arms[4].endswith("| 30 |")  # when the automatic rule activated the crisis centre
    diffs = page.differences_table(REPORT).splitlines()
    assert diffs[2] == "| played minus no_decisions | -3,000 | +0.1 | n/a |"
    assert diffs[3] == "| played minus automatic | 0 | +0.05 | n/a |"
    assert "**-3,000** (-25.0%), less loss" in page.headline(REPORT)
    assert "| p1 | 6 | m | 20 |" in page.arm_decisions_table(REPORT["arms"]["played"]["decisions"])
    assert page.markdown_table(["a"], [["x | y"]]).endswith("| x \\| y |")
    assert page.paired_table(REPORT) == ""  # one replicate: no interval to show
    paired = {
        **REPORT,
        "replicates": 20,
        "paired": {
            "no_decisions": {
                "total_loss": {"mean": -1500.0, "ci95_low": -2500.0, "ci95_high": -500.0, "n": 20}
            },
            "automatic": {
                "total_loss": {"mean": 0.0, "ci95_low": None, "ci95_high": None, "n": 20}
            },
        },
    }
    lines = page.paired_table(paired).splitlines()
    assert "mean over 20 replicates" in lines[0]
    assert lines[2] == "| played minus no_decisions | total_loss | -1,500 | -2,500 to -500 |"
    assert lines[3] == "| played minus automatic | total_loss | 0 | n/a |"


# ---------------------------------------------------------------------- the page's widgets
def test_the_page_renders_before_an_exercise_starts():
    box, rc = solara.render(page.ExercisePage(), handle_error=False)
    rc.find(v.Btn, children=["Start exercise"]).assert_single()
    assert "Choose an exercise" in page_text(box)
    assert page.default_exercise() in page.EXERCISES


def tick(rc: Any, index: int) -> str:
    """Tick the index-th measure offered; its label."""
    box = rc.find(v.Checkbox).widgets[index]
    box.v_model = True
    return box.label.split(" (")[0]


def test_start_decide_and_finish_through_the_widgets():
    box, rc = solara.render(page.ExercisePage(), handle_error=False)
    other, other_rc = solara.render(page.ExercisePage(), handle_error=False)  # a second browser
    rc.find(v.Btn, children=["Start exercise"]).widget.click()
    text = page_text(box)
    assert "Decision point:" in text and "Phase:" in text and "Hour " in text
    assert "Choose an exercise" in page_text(other)  # per session state, not shared
    figures = [image.value for image in rc.find(widgets.Image).widgets]
    assert len(figures) == 3  # sectors, regions, transit
    first = tick(rc, 0)
    assert [image.value for image in rc.find(widgets.Image).widgets] == figures  # not redrawn
    rc.find(v.Btn, children=["Decide and continue"]).widget.click()
    assert rc.find(widgets.Image).widgets[0].value != figures[0]  # the run moved on: redrawn
    text = page_text(box)
    assert "Decisions taken (1)" in text and first in text
    assert "effective at hour" in text
    if rc.find(v.Btn, children=["Finish exercise"]).widgets:
        rc.find(v.Btn, children=["Finish exercise"]).widget.click()
    text = page_text(box)
    assert "After-action report" in text
    for arm in ("played", "no_decisions", "automatic", "package"):
        assert arm in text
    assert "played minus no_decisions" in text and "total_loss" in text
    labels = [b.children[0] for b in rc.find(v.Btn).widgets if b.children]
    assert "Decide and continue" not in labels  # no decision after the end
    assert "Download decisions" in text and "Download report" in text


# ---------------------------------------------------------------------- in a real browser
@pytest.mark.slow
def test_exercise_in_browser(server, chromium, tmp_path):
    tab = chromium.new_page(viewport={"width": 1500, "height": 3000}, accept_downloads=True)
    tab.goto(server + "exercise")
    tab.get_by_role("button", name="Start exercise").wait_for(timeout=120_000)
    tab.locator(".v-select", has_text="Exercise").first.click()
    tab.locator(".menuable__content__active .v-list-item").filter(has_text="tabletop").first.click()
    tab.get_by_role("button", name="Start exercise").click()
    tab.get_by_text("Decision point:").wait_for(timeout=60_000)

    def decide(taken: list[str]) -> str:
        """Tick the first measure offered not taken yet, and decide it; its label."""
        boxes = tab.locator(".v-card", has_text="Decisions at this point").locator(".v-input")
        for k in range(boxes.count()):
            label = boxes.nth(k).locator("label").inner_text().split(" (")[0]
            if label not in taken:
                boxes.nth(k).locator("label").click()
                break
        else:
            raise AssertionError(f"no measure left to take beyond {taken}")
        tab.get_by_role("button", name="Decide and continue").click()
        tab.get_by_text(f"Decisions taken ({len(taken) + 1})").wait_for(timeout=60_000)
        return label

    first = decide([])
    second = decide([first])
    tab.get_by_role("button", name="Finish exercise").click()
    title = tab.get_by_text("After-action report", exact=True)  # (the description says it too)
    title.wait_for(timeout=120_000)
    report = tab.locator(".v-card").filter(has=title).last
    text = report.inner_text()
    # The decisions, with the hours they took effect ...
    assert "effective at hour" in text and first in text and second in text
    # ... and what they did: each arm's total_loss, and played minus no_decisions.
    assert "total_loss" in text and "no_decisions" in text and "package" in text
    assert re.search(r"played minus no_decisions = [+-]?[\d,.]+", text), text[:500]
    # The downloads: the decisions file (it replays the game) and the report.
    downloaded = {}
    for button in ("Download decisions", "Download report"):
        with tab.expect_download(timeout=30_000) as download:
            report.get_by_role("button", name=button).click()
        downloaded[button] = Path(download.value.path()).read_text()
    decisions = downloaded["Download decisions"]
    assert "exercise: tabletop" in decisions and decisions.count("point:") == 2
    assert "<html" in downloaded["Download report"]
    # The saved decisions, replayed headless, give the run the page showed.
    saved = tmp_path / "decisions.yaml"
    saved.write_text(decisions)
    out = tmp_path / "replay"
    assert exercise_cli.main(["exercise=tabletop", f"decisions={saved}", f"out={out}"]) == 0
    replayed = json.loads((out / "after_action.json").read_text())["arms"]["played"]
    shown = re.search(r"ended the crisis with total_loss (\d[\d,]*\d)", text)
    assert shown and shown[1] == f"{replayed['outcomes']['total_loss']:,.0f}", text[:300]
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SCREENSHOT), full_page=True)
    assert SCREENSHOT.stat().st_size > 10_000
