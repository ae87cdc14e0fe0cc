"""The designer studio in a real browser: change a process and roll it out.

A designer adds a user task with a new form to the test process, sees lint
report the missing form, creates the form, test-runs the draft, deploys it,
and moves a running agreement to the new version after a dry run. Drawing
by mouse on the bpmn-js canvas is brittle, so the task is added through the
modeler's own modeling API; saving, lint, the test run, deploy and migrate
go through the pages and their buttons.

Needs the ``playwright`` package, Debian's ``/usr/bin/chromium`` and the
studio bundles (``npm run build``).
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from studiotools import NEW_FORM
from studiotools import PROCESS
from studiotools import make_app
from webtools import PASSWORD
from webtools import PROPOSAL
from webtools import start_agreement
from werkzeug.serving import make_server

from web.db import get_engine

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "web" / "static" / "build" / "studio-modeler.js"
ARTIFACTS = ROOT / "test-artifacts"
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run"]

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium"),
    pytest.mark.skipif(not BUNDLE.exists(), reason="needs npm run build"),
]

#: Adds user task ``arsip`` (form ``arsip_uji``) between signing and the end.
ADD_TASK = """
() => {
  const modeler = window.studio.modeler;
  const modeling = modeler.get("modeling");
  const registry = modeler.get("elementRegistry");
  const factory = modeler.get("bpmnFactory");
  const shapes = modeler.get("elementFactory");
  const property = factory.create("spiffworkflow:Property",
    { name: "formKey", value: "arsip_uji" });
  const properties = factory.create("spiffworkflow:Properties",
    { values: [property] });
  const task = factory.create("bpmn:UserTask", {
    id: "arsip",
    name: "Arsipkan Naskah",
    extensionElements: factory.create("bpmn:ExtensionElements",
      { values: [properties] }),
  });
  const shape = shapes.createShape({ type: "bpmn:UserTask", businessObject: task });
  const lane = registry.get("lane_mitra");
  modeling.createShape(shape, { x: 620, y: 215 }, registry.get("peserta_uji"));
  modeling.removeElements([registry.get("f5")]);
  modeling.connect(registry.get("tandatangani"), registry.get("arsip"));
  modeling.connect(registry.get("arsip"), registry.get("end"));
  return lane.businessObject.flowNodeRef.map((node) => node.id);
}
"""

STEPS = [
    {"task": "verifikasi", "data": {"lengkap": "ya"}},
    {"message": "penawaran_disetujui"},
    {"task": "tanggapi", "data": {}},
    {"task": "tandatangani", "data": {"nomor": "PKS/9", "tanggal_ttd": "2025-06-12"}},
    {"task": "arsip", "data": {"nomor_arsip": "A-9"}},
]


@pytest.fixture
def live_app(tmp_path):
    """The studio's test app served on 127.0.0.1; yields (app, base URL)."""
    app = make_app(f"sqlite:///{tmp_path / 'studio.sqlite'}", tmp_path)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        get_engine().close()


@pytest.fixture
def page(live_app):
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=BROWSER_ARGS
        )
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(20000)
        yield page
        browser.close()


def shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"studio-{name}.png"), full_page=True)


def flash(page) -> str:
    return " ".join(page.locator("p.flash").all_inner_texts())


def log_in(page, base: str) -> None:
    page.goto(f"{base}/auth/login")
    page.fill("#username", "designer")
    page.fill("#password", PASSWORD)
    page.click("form.narrow button[type=submit]")
    page.click("#nav-studio")
    page.click(f"tr[data-process={PROCESS}] td:first-child a")


def add_task_with_missing_form(page) -> None:
    page.click("text=Buka modeler")
    page.wait_for_selector("#canvas[data-ready=true]")
    lane_nodes = page.evaluate(ADD_TASK)
    page.click("#save")
    page.wait_for_selector("#problems li.error[data-element=arsip]")
    shoot(page, "lint-error")

    assert "arsip" in lane_nodes
    assert "arsip_uji" in page.inner_text("#problems li.error[data-element=arsip]")
    assert page.locator(".ek-problem-badge-error").count() >= 1


def create_the_form(page, base: str) -> None:
    page.goto(f"{base}/studio/forms/")
    page.fill("#key", "arsip_uji")
    page.click("form.filters button[type=submit]")
    page.wait_for_selector("#form-editor[data-ready=true]")
    page.click("details.form-json summary")
    page.fill("#schema-json", json.dumps(NEW_FORM))
    page.click("#load-json")
    page.wait_for_selector("#form-preview .fjs-form-field-textfield")
    page.wait_for_selector("#form-editor .fjs-palette")
    shoot(page, "form")

    assert page.locator("#form-editor .fjs-form-field-textfield").count() == 1
    page.click("#form-save button[type=submit]")

    assert "Draf formulir disimpan." in flash(page)


def test_designer_changes_and_rolls_out_a_process(live_app, page):
    app, base = live_app
    with app.app_context():
        running = start_agreement(get_engine())
    log_in(page, base)

    add_task_with_missing_form(page)
    create_the_form(page, base)
    page.goto(f"{base}/studio/processes/{PROCESS}/draft")
    page.wait_for_selector("#canvas[data-ready=true]")
    assert page.locator("#problems li.error").count() == 0

    page.click("text=Uji jalan")
    page.fill("#start_data", json.dumps(PROPOSAL))
    page.fill("#steps", json.dumps(STEPS))
    page.click("#run")
    page.wait_for_selector("#viewer[data-ready=true]")
    shoot(page, "trial")
    assert page.get_attribute("#trial-status", "data-status") == "completed"
    assert page.locator('#viewer [data-element-id="arsip"].ek-path-node').count() == 1
    page.fill("#scenario-name", "sampai arsip")
    page.click("#scenario-form button[type=submit]")
    assert "Skenario sampai arsip disimpan." in flash(page)

    page.goto(f"{base}/studio/processes/{PROCESS}")
    page.click("form.deploy button[type=submit]")
    assert "Versi 2 dari usulan_uji sudah dipasang." in flash(page)
    with app.app_context():
        engine = get_engine()
        fresh = start_agreement(engine)
        assert engine.get_instance(fresh).version == 2
        assert engine.get_instance(running).version == 1

    page.click("text=Pindahkan instans")
    page.select_option("#from", "1")
    page.select_option("#to", "2")
    page.click("#dry-run")
    row = page.locator(f"tr[data-instance='{running}']")
    assert row.get_attribute("class") == "movable"
    page.fill("#reason", "Tahap arsip ditambahkan.")
    page.click("#migrate")
    shoot(page, "migrated")

    assert "1 dari 1 instans dipindah ke versi 2." in flash(page)
    with app.app_context():
        assert get_engine().get_instance(running).version == 2
