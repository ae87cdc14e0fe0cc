"""The supervisor console in a real browser: find an overdue task, reassign it.

The app runs the small test process with a three-day due date on
Verifikasi Kelengkapan, on a movable clock, from a thread on a free local
port. Headless Chromium (Debian's ``/usr/bin/chromium``, as in
``test_browser.py``) plays the supervisor and the officer who gets the task.
Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import threading
from datetime import UTC
from datetime import datetime
from pathlib import Path

import pytest
from webtools import PASSWORD
from webtools import start_agreement
from werkzeug.serving import make_server

from engine import MovableClock
from engine import register
from engine.config import build_engine
from engine.config import load_config
from web import create_app
from web.users import create_user

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
DEFS = Path(__file__).parent / "defs"
FORM_KEY = '<spiffworkflow:property name="formKey" value="verifikasi_uji"/>'
DUE_IN = (
    '<spiffworkflow:property name="dueIn" value="P3D"/>'
    '<spiffworkflow:property name="dueCalendar" value="calendar"/>'
)
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
USERS = {
    "kabag": ["supervisor"],
    "pem": ["Bagian Pemerintahan"],
    "siti": ["Bagian Pemerintahan"],
}
TITLE = "Irigasi tetes Wirosari"

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium"),
]


@pytest.fixture
def live_app(tmp_path):
    """The app with one overdue agreement, served on 127.0.0.1; yields its URL."""
    clock = MovableClock(datetime(2025, 6, 12, 1, 0, tzinfo=UTC))
    settings = {
        "TESTING": True,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'ekerjasama.sqlite'}",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "FORMS_PATH": str(DEFS.parent / "forms"),
        "SECRET_KEY": "test",
        "SECURE_COOKIES": 0,
        "PROPOSAL_PROCESS": "usulan_uji",
        "PROPOSAL_FORM": "usulan_uji",
    }
    engine = build_engine({**load_config(), **settings}, clock=clock)
    app = create_app({**settings, "ENGINE": engine})
    folder = tmp_path / "dated"
    folder.mkdir()
    source = (DEFS / "proposal.bpmn").read_text()
    (folder / "proposal.bpmn").write_text(source.replace(FORM_KEY, FORM_KEY + DUE_IN))
    engine.deploy([folder])
    for name, roles in USERS.items():
        create_user(engine.db, name, PASSWORD, roles, now=clock.now())
    start_agreement(engine, judul=TITLE)
    clock.advance(days=5)
    register.refresh(engine, processes=("usulan_uji",))

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    engine.close()


@pytest.fixture
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=BROWSER_ARGS
        )
        yield browser
        browser.close()


def log_in(browser, base: str, username: str):
    """A new browser context logged in as ``username``; returns its page."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(base + "/auth/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("form.narrow button[type=submit]")
    page.wait_for_url(base + "/tasks/")
    return page


def shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_supervisor_reassigns_an_overdue_task_to_another_officer(live_app, browser):
    supervisor = log_in(browser, live_app, "kabag")

    supervisor.click("#nav-supervisor")
    supervisor.click("#count-overdue")
    row = supervisor.locator("table.findings tbody tr", has_text=TITLE)
    reason = row.locator("td.reason").inner_text()
    shoot(supervisor, "supervisor-findings")
    row.locator("a.repair").click()
    supervisor.check("input[name=action][value=reassign]")
    supervisor.select_option("#repair-user", "siti")
    supervisor.fill("#repair-reason", "Pak Pem sedang dinas luar.")
    shoot(supervisor, "supervisor-repair")
    supervisor.click("form.repair-form button[type=submit]")
    flash = supervisor.locator("p.flash").inner_text()
    supervisor.click(f"table.findings a:text('{TITLE}')")
    logged = supervisor.locator("table.oplog tbody tr").inner_text()
    shoot(supervisor, "supervisor-agreement")

    officer = log_in(browser, live_app, "siti")
    officer.goto(live_app + "/tasks/?view=mine")
    mine = officer.locator("table.list tbody tr", has_text=TITLE)
    shoot(officer, "supervisor-reassigned-inbox")

    assert "Verifikasi Kelengkapan" in reason
    assert "selesai" in flash
    assert "Pak Pem sedang dinas luar." in logged and "siti" in logged
    assert mine.count() == 1
    assert "Verifikasi Kelengkapan" in mine.inner_text()


def test_dashboard_draws_its_charts_and_the_heatmap(live_app, browser):
    supervisor = log_in(browser, live_app, "kabag")

    supervisor.goto(live_app + "/supervisor/")
    supervisor.wait_for_load_state("networkidle")
    drawn = supervisor.evaluate(
        "['chart-finished', 'chart-stage-times'].map("
        "id => Boolean(window.Chart.getChart(document.getElementById(id))))"
    )
    shoot(supervisor, "supervisor-dashboard")
    supervisor.select_option("#process_id", "usulan_uji")
    supervisor.click("form.filters button[type=submit]")
    supervisor.wait_for_selector("#heatmap[data-ready=true] svg")
    badge = supervisor.locator('.heat-badge[data-element="verifikasi"]').inner_text()
    hot = supervisor.locator('#heatmap [data-element-id="verifikasi"].heat-4')
    shoot(supervisor, "supervisor-heatmap")

    assert drawn == [True, True]
    assert badge.startswith("1 ")
    assert hot.count() == 1
