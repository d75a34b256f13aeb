"""The analyst's dashboard: its model, its components, and the page in a real browser."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

solara = pytest.importorskip("solara")
import ipyvuetify as v  # noqa: E402

from abm.dashboard import figures as figs  # noqa: E402
from abm.dashboard import model as board  # noqa: E402
from abm.mitigation import package_cost  # noqa: E402
from experiments import dashboard as dash  # noqa: E402

ROOT = Path(__file__).parents[1]
SCREENSHOT = ROOT / "outputs" / "dashboard.png"


def test_the_controls_compose_the_run():
    model = board.DashboardModel(package="hardening", backup_power=True, prebunking=True)
    assert model.cfg.mitigation.name == "hardening+backup_power+prebunking"
    parts = [
        board.dashboard_config(board.DEFAULT_THREAT, p, [], 14)
        for p in ("hardening", "backup_power", "prebunking")
    ]
    assert package_cost(model.cfg.mitigation) == pytest.approx(
        sum(package_cost(c.mitigation) for c in parts)
    )
    assert model.other is None
    with pytest.raises(TypeError, match="unknown levers"):
        board.DashboardModel(flying_carpets=True)


def test_compared_runs_share_the_seed_and_step_together():
    same = board.DashboardModel(threat="grid_shock", horizon_days=3, compare_with="none")
    same.run_day()
    same.run_day()
    assert same.steps == same.other.steps == 48
    np.testing.assert_array_equal(same.national_service, same.other.national_service)
    backup = board.DashboardModel(threat="grid_shock", horizon_days=3, compare_with="backup_power")
    for _ in range(3):
        backup.run_day()
    assert not backup.running and backup.steps == 72
    a, b = backup.national_service.mean(axis=1), backup.other.national_service.mean(axis=1)
    assert np.all(b >= a - 1e-12) and (b > a).any()  # backup power helps, never hurts


@pytest.fixture
def grid_model():
    model = board.DashboardModel(threat="grid_shock", horizon_days=4, compare_with="backup_power")
    model.run_day()
    model.run_day()
    return model


@pytest.mark.parametrize("component", dash.COMPONENTS, ids=lambda c: c.__name__)
def test_every_component_renders(grid_model, component):
    solara.render(component(grid_model), handle_error=False)


def test_the_day_button_runs_a_day():
    model = board.DashboardModel(threat="grid_shock", horizon_days=3)
    _, rc = solara.render(dash.Status(model), handle_error=False)
    rc.find(v.Btn, children=["Run one day"]).widget.click()
    assert model.steps == 24
    rc.find(v.Btn, children=["Run one day"]).widget.click()
    assert model.steps == 48


def test_the_views_show_the_run(grid_model):
    fig = figs.sector_curves(grid_model)
    lines = fig.axes[0].get_lines()
    assert len(lines) == 9 and len(lines[0].get_xdata()) == grid_model.steps
    assert min(line.get_ydata().min() for line in lines) < 1.0  # the blackout shows
    tiles = figs.region_tiles(grid_model)
    labels = [t.get_text() for t in tiles.axes[0].texts]
    assert "Antwerp" in labels and any(t != "1.00" and "." in t for t in labels)
    log = board.event_table(grid_model).splitlines()
    assert len(log) == 2 + 8 and "in Antwerp" in "".join(log)  # the blackout's assets
    trust = figs.trust_and_reach(grid_model).axes[0].get_lines()[0].get_ydata()
    assert len(trust) == -(-grid_model.steps // grid_model.recorder.every)  # rows written so far
    assert trust.min() > 0.3  # no unwritten row drawn as zero trust
    compare = figs.comparison(grid_model, grid_model.other)
    assert len(compare.axes) == 2


def test_the_page_renders():
    solara.render(dash.page, handle_error=False)


# ---------------------------------------------------------------------- in a real browser
# (the fixtures ``server`` and ``chromium`` are in conftest.py, shared with the exercise page's)
@pytest.mark.slow
def test_in_a_browser_a_day_of_another_package(server, chromium):
    page = chromium.new_page(viewport={"width": 1500, "height": 2200})
    page.goto(server)
    page.get_by_text("Run one day").wait_for(timeout=120_000)
    # Change the package to "combined", compare it with "none", and rebuild the run.
    for select, option in (("Package", "combined"), ("Compare with", "none")):
        page.locator(".v-select", has_text=select).first.click()
        menu = page.locator(".menuable__content__active .v-list-item")
        menu.filter(has_text=option).first.click()
    page.get_by_role("button", name="Reset").click()
    page.get_by_text("with combined").wait_for(timeout=60_000)
    curves = page.locator(".v-card", has_text="Service per sector").locator("img").first
    before = curves.get_attribute("src")
    page.get_by_role("button", name="Run one day").click()
    page.get_by_text("Hour 24 of").wait_for(timeout=60_000)
    page.wait_for_function(
        "([el, old]) => el.getAttribute('src') !== old",
        arg=[curves.element_handle(), before],
        timeout=30_000,
    )
    assert curves.get_attribute("src") != before  # the sector curves moved on
    # A week into the campaign, for a screenshot with something to see.
    for day in range(2, 8):
        page.get_by_role("button", name="Run one day").click()
        page.get_by_text(f"Hour {24 * day} of").wait_for(timeout=60_000)
    page.locator(".v-card", has_text="Compare").locator("img").first.wait_for()
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert SCREENSHOT.stat().st_size > 10_000
