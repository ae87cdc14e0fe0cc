"""The web app in a real browser, on the real ``kerjasama`` process.

The app serves the demo agreements and users (loaded by
:func:`web.commands.load_demo_database`) from a thread on a free local port,
and headless Chromium walks one new agreement from the OPD officer's
proposal to the partner's answer. Pages are saved as screenshots under
``test-artifacts/`` for a person to look at.

Needs the ``playwright`` package and Debian's ``/usr/bin/chromium``
(``scripts/test`` installs both); Playwright's own browser builds are not
used.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from engine import Actor
from engine import register
from web import create_app
from web.commands import load_demo_database
from web.db import get_engine

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
PASSWORD = "rahasia-sekali"
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
TITLE = "Penegasan batas daerah Grobogan-Demak"
PARTNER = "Pemerintah Kabupaten Demak"

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium"),
]


@pytest.fixture(scope="module")
def live_app(tmp_path_factory):
    """The app on the demo data, served on 127.0.0.1; yields (app, base URL)."""
    folder = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{folder / 'ekerjasama.sqlite'}"
    load_demo_database(url, PASSWORD)
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url,
            "INSTANCE_PATH": str(folder / "instance"),
            "SECRET_KEY": "test",
            "SECURE_COOKIES": 0,
        }
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        get_engine().close()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=BROWSER_ARGS
        )
        yield browser
        browser.close()


class Visitor:
    """One person's browser context on the live app."""

    def __init__(self, browser, base: str) -> None:
        self.base = base
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.page.set_default_timeout(15000)

    def open(self, path: str):
        self.page.goto(self.base + path)
        return self.page

    def login(self, username: str):
        page = self.open("/auth/login")
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        page.click("form.narrow button[type=submit]")
        assert page.url.endswith("/tasks/"), page.url
        return page

    def shoot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser, live_app):
    visitors: list[Visitor] = []

    def make() -> Visitor:
        visitors.append(Visitor(browser, live_app[1]))
        return visitors[-1]

    yield make
    for visitor in visitors:
        visitor.close()


def complete_in_engine(app, instance_id: int, name: str, answers: dict) -> None:
    """Complete open task ``name`` as a holder of its lane, outside the browser."""
    with app.app_context():
        engine = get_engine()
        task = next(
            t for t in engine.list_tasks(instance_id=instance_id) if t.spec_name == name
        )
        engine.complete_task(task.id, answers, actor=Actor("uji", {task.lane}))


def propose(officer: Visitor) -> int:
    """Start a proposal and complete Lengkapi Usulan; return the instance id."""
    page = officer.open("/agreements/new")
    page.check("input[name=asal_usulan][value=opd]")
    page.fill("#f-judul", TITLE)
    page.fill("#f-opd_pemrakarsa", "Bagian Pemerintahan")
    page.fill("#f-nama_mitra", PARTNER)
    page.click("form.task-form button[type=submit]")
    instance_id = int(page.url.rstrip("/").rsplit("/", 1)[-1])

    page.click("ul.stage a")
    page.select_option("#f-jenis_mitra", "pemda")
    page.select_option("#f-bidang", "pemerintahan umum")
    page.fill("#f-maksud_tujuan", "Menegaskan batas daerah.")
    page.fill("#f-objek", "Pilar batas daerah.")
    page.fill("#f-ruang_lingkup", "Penelusuran dan inventarisasi pilar batas.")
    page.fill("#f-jangka_waktu_bulan", "24")
    page.select_option("#f-sumber_dana", "apbd")
    page.fill("#f-nilai_apbd", "0")
    page.fill("#f-berkas_kak", "kak-batas.pdf")
    officer.shoot("task")
    page.click("button[name=action][value=complete]")
    assert page.url.endswith("/tasks/"), page.url
    return instance_id


def verify(clerk: Visitor) -> None:
    """Claim Verifikasi Kelengkapan of the new agreement from the inbox; verify."""
    page = clerk.open("/tasks/")
    clerk.shoot("inbox")
    row = page.locator("table.list tbody tr", has_text=TITLE)
    row.locator("button[type=submit]").click()
    assert "/tasks/" in page.url and not page.url.endswith("/tasks/")
    page.check("input[name=hasil_verifikasi][value=lengkap]")
    page.check("input[name=kelengkapan][value=kak]")
    page.fill("#f-verifikator", "Agus Prasetyo")
    page.fill("#f-tanggal_verifikasi", "2025-10-06")
    page.click("button[name=action][value=complete]")
    assert page.url.endswith("/tasks/"), page.url


def test_agreement_from_proposal_to_partner_answer(live_app, visit):
    app, _base = live_app
    officer, clerk, partner = visit(), visit(), visit()
    officer.login("opd.pemrakarsa")
    clerk.login("bag.pemerintahan")

    instance_id = propose(officer)
    verify(clerk)
    page = clerk.open(f"/agreements/{instance_id}")
    page.wait_for_selector("#diagram[data-ready=true] svg")
    current = page.locator('#diagram [data-element-id="kajian_tkksd"].step-current')
    stage = page.locator("ul.stage").inner_text()
    clerk.shoot("agreement")

    assert current.count() == 1
    assert "Kajian TKKSD" in stage

    complete_in_engine(
        app,
        instance_id,
        "kajian_tkksd",
        {
            "rekomendasi_tkksd": "layak",
            "alasan_tkksd": "Sejalan dengan RPJMD.",
        },
    )
    complete_in_engine(
        app,
        instance_id,
        "ttd_surat_penawaran",
        {
            "nomor_surat_bupati": "130/KSD",
            "tanggal_surat_bupati": "2025-10-08",
        },
    )
    partner.login("mitra.demak")
    page = partner.open(f"/agreements/{instance_id}")
    page.fill("form.offer textarea", "Kami setuju.")
    page.click("form.offer button[value=accept]")

    assert page.locator("p.flash").count() == 1
    assert page.locator("form.offer").count() == 0
    with app.app_context():
        events = get_engine().list_events(instance_id)
    assert "message-delivered" in [e.name for e in events]


def test_public_register_lists_signed_agreements_only(live_app, visit):
    app, _base = live_app
    with app.app_context():
        engine = get_engine()
        rows = {r["judul"]: r for r in register.list_agreements(engine)}
    signed = sorted(t for t, r in rows.items() if r["tanggal_ttd"] is not None)
    reader = visit()

    page = reader.open("/public/register")
    titles = page.locator("table.register tbody tr td:first-child").all_inner_texts()
    reader.shoot("register")

    assert sorted(titles) == signed
    assert "Demplot benih jagung 50 ha (fiktif)" in rows
    assert "Demplot benih jagung 50 ha (fiktif)" not in titles


def test_statistics_draws_every_chart(live_app, visit):
    reader = visit()

    page = reader.open("/public/statistics")
    page.wait_for_load_state("networkidle")
    drawn = page.evaluate(
        "Array.from(document.querySelectorAll('canvas[data-values]'))"
        ".map(c => Boolean(window.Chart && window.Chart.getChart(c)))"
    )
    reader.shoot("statistics")

    assert drawn == [True, True, True, True]
