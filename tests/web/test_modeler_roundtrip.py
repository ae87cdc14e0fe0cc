"""The studio's browser bundles, driven in headless Chromium.

Every diagram in ``processes/`` goes through the modeler (load, then save)
and must come back with the same meaning, as :mod:`roundtrip` compares it.
The form editor must hand back the form it was given, and the canvas lint
must flag a broken diagram.

The page is a small harness: Playwright answers its requests from
``web/static/build``, so these tests need ``npm ci && npm run build`` but
not the web app.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree
from roundtrip import differences

from web.assets import BUILD
from web.assets import BUNDLES

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ORIGIN = "http://studio.test"
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run"]
DIAGRAMS = sorted((ROOT / "processes").glob("*.bpmn"))
HARNESS = """<!doctype html>
<html><head><meta charset="utf-8">
<link rel="stylesheet" href="/build/studio-modeler.css">
<link rel="stylesheet" href="/build/form-editor.css">
<script src="/build/studio-modeler.js"></script>
<script src="/build/form-editor.js"></script>
</head><body>
<div id="canvas" style="width: 1200px; height: 700px"></div>
<div id="properties" style="width: 400px"></div>
<div id="form-editor" style="width: 1200px; height: 600px"></div>
<div id="preview"></div>
</body></html>"""

pytestmark = pytest.mark.slow

RESET = """() => {
  for (const name of ["modeler", "editor", "viewer"]) {
    if (window[name]) {
      window[name].destroy();
      delete window[name];
    }
  }
  for (const id of ["canvas", "properties", "form-editor", "preview"]) {
    document.getElementById(id).replaceChildren();
  }
}"""
OPEN_MODELER = """async (options) => {
  window.modeler = await EkModeler.create(document.getElementById("canvas"), {
    propertiesElement: document.getElementById("properties"),
    ...options,
  });
}"""
ROUND_TRIP = """async (xml) => {
  const warnings = await window.modeler.importXML(xml);
  return {
    warnings: warnings.map((warning) => warning.message),
    saved: await window.modeler.saveXML(),
  };
}"""


def serve(route) -> None:
    path = route.request.url.removeprefix(ORIGIN)
    if path == "/":
        route.fulfill(body=HARNESS, content_type="text/html")
        return
    name = path.removeprefix("/build/")
    target = (BUILD / name).resolve()
    if BUILD.resolve() in target.parents and target.is_file():
        route.fulfill(path=target)
    else:
        route.fulfill(status=404, body="")


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip("needs /usr/bin/chromium")
    assert_built()
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=BROWSER_ARGS
        )
        yield browser
        browser.close()


def assert_built() -> None:
    for bundle in BUNDLES:
        for suffix in (".js", ".css"):
            if not (BUILD / f"{bundle}{suffix}").exists():
                pytest.fail(f"{bundle}{suffix} is not built. Run `npm run build`.")


def test_app_serves_the_studio_bundles(client):
    assert_built()
    for bundle in BUNDLES:
        for suffix, mimetype in ((".js", "text/javascript"), (".css", "text/css")):
            with client.get(f"/static/build/{bundle}{suffix}") as response:
                assert response.status_code == 200
                assert response.mimetype == mimetype


@pytest.fixture(scope="module")
def studio(browser):
    """One harness page with a modeler, shared by the round trips."""
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.route(f"{ORIGIN}/**", serve)
    page.goto(f"{ORIGIN}/")
    page.evaluate(OPEN_MODELER, {"roles": [], "forms": [], "operators": []})
    yield page
    page.close()
    assert errors == []


@pytest.fixture(scope="module")
def harness(browser):
    """One page for the tests below; loading the bundles is the slow part."""
    page = browser.new_page()
    page.set_default_timeout(15000)
    page.route(f"{ORIGIN}/**", serve)
    page.goto(f"{ORIGIN}/")
    yield page
    page.close()


@pytest.fixture
def page(harness):
    """The harness page with nothing on it yet."""
    errors: list[str] = []

    def record(error) -> None:
        errors.append(str(error))

    harness.on("pageerror", record)
    yield harness
    harness.remove_listener("pageerror", record)
    harness.evaluate(RESET)
    assert errors == []


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda path: path.name)
def test_diagram_round_trips_unchanged_in_meaning(studio, path):
    xml = path.read_text(encoding="utf-8")

    result = studio.evaluate(ROUND_TRIP, xml)

    assert result["warnings"] == []
    assert differences(xml, result["saved"]) == []


def test_round_trip_keeps_multi_instance_data_and_correlation(studio):
    xml = (ROOT / "tests" / "web" / "defs" / "proposal.bpmn").read_text("utf-8")
    xml = xml.replace(
        "</bpmn:userTask>",
        "<bpmn:multiInstanceLoopCharacteristics>"
        "<bpmn:loopDataInputRef>anggota_tim</bpmn:loopDataInputRef>"
        '<bpmn:inputDataItem id="anggota" name="anggota"/>'
        "</bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>",
        1,
    )
    xml = xml.replace(
        '<bpmn:message id="msg_setuju" name="penawaran_disetujui"/>',
        '<bpmn:message id="msg_setuju" name="penawaran_disetujui"/>'
        '<bpmn:correlationProperty id="nomor" name="nomor">'
        '<bpmn:correlationPropertyRetrievalExpression messageRef="msg_setuju">'
        "<bpmn:messagePath>nomor_surat</bpmn:messagePath>"
        "</bpmn:correlationPropertyRetrievalExpression></bpmn:correlationProperty>",
    )
    assert "anggota_tim" in xml
    assert "nomor_surat" in xml

    result = studio.evaluate(ROUND_TRIP, xml)

    assert result["warnings"] == []
    assert differences(xml, result["saved"]) == []
    assert "<bpmn:loopDataInputRef>anggota_tim</" in result["saved"]


def test_differences_notice_a_changed_condition():
    xml = (ROOT / "processes" / "p1_usulan.bpmn").read_text(encoding="utf-8")
    changed = xml.replace('asal_usulan == "mitra"', 'asal_usulan == "opd"')

    found = differences(xml, changed)

    assert len(found) == 1
    assert "asal_usulan == " in found[0]


def test_form_editor_returns_the_form_it_loaded(page):
    schema = json.loads((ROOT / "forms" / "paraf_hukum.form").read_text("utf-8"))

    returned = page.evaluate(
        """async (schema) => {
          window.editor = await EkFormEditor.create(
            document.getElementById("form-editor"),
            {schema, previewElement: document.getElementById("preview"),
             data: {catatan_paraf_hukum: "Sudah sesuai."}},
          );
          return window.editor.getSchema();
        }""",
        schema,
    )

    assert returned["schemaVersion"] >= schema["schemaVersion"]
    assert without_version(returned) == without_version(schema)
    assert page.input_value("#preview textarea") == "Sudah sesuai."


def test_form_preview_follows_example_data(page):
    schema = json.loads((ROOT / "forms" / "paraf_hukum.form").read_text("utf-8"))
    page.evaluate(
        """async (schema) => {
          window.editor = await EkFormEditor.create(
            document.getElementById("form-editor"),
            {schema, previewElement: document.getElementById("preview")},
          );
        }""",
        schema,
    )

    page.evaluate("editor.setData({catatan_paraf_hukum: 'Perlu revisi.'})")

    assert page.input_value("#preview textarea") == "Perlu revisi."


def test_form_preview_submits_example_data(page):
    schema = json.loads((ROOT / "forms" / "paraf_hukum.form").read_text("utf-8"))

    submitted = page.evaluate(
        """async (schema) => {
          window.editor = await EkFormEditor.create(
            document.getElementById("form-editor"),
            {schema, previewElement: document.getElementById("preview"),
             data: {catatan_paraf_hukum: "Catatan."}},
          );
          return window.editor.submitPreview();
        }""",
        schema,
    )

    assert submitted["data"]["catatan_paraf_hukum"] == "Catatan."
    assert list(submitted["errors"]) == ["paraf_hukum_paraf_hukum_hasil"]


def without_version(schema: dict) -> dict:
    """The form without who saved it and its format version, which form-js
    raises to its own when it saves an older form."""
    return {
        key: value
        for key, value in schema.items()
        if key not in ("exporter", "schemaVersion")
    }


DISCONNECTED = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
    xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
    xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
    id="defs" targetNamespace="https://ekerjasama.grobogan.go.id/bpmn">
  <bpmn:process id="lepas" isExecutable="true">
    <bpmn:startEvent id="mulai" name="Mulai">
      <bpmn:outgoing>f1</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:endEvent id="selesai" name="Selesai">
      <bpmn:incoming>f1</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="mulai" targetRef="selesai"/>
    <bpmn:userTask id="tugas_lepas" name="Tugas Lepas"/>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="d">
    <bpmndi:BPMNPlane id="p" bpmnElement="lepas">
      <bpmndi:BPMNShape id="mulai_di" bpmnElement="mulai">
        <dc:Bounds x="100" y="100" width="36" height="36"/>
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="selesai_di" bpmnElement="selesai">
        <dc:Bounds x="300" y="100" width="36" height="36"/>
      </bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="f1_di" bpmnElement="f1">
        <di:waypoint x="136" y="118"/>
        <di:waypoint x="300" y="118"/>
      </bpmndi:BPMNEdge>
      <bpmndi:BPMNShape id="tugas_lepas_di" bpmnElement="tugas_lepas">
        <dc:Bounds x="170" y="220" width="100" height="80"/>
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>"""


def test_canvas_lint_reports_a_disconnected_task(page):
    page.evaluate(OPEN_MODELER, {"xml": DISCONNECTED})

    problems = page.evaluate("window.modeler.lint()")

    assert {
        "element": "tugas_lepas",
        "rule": "no-disconnected",
        "severity": "error",
    }.items() <= next(p for p in problems if p["element"] == "tugas_lepas").items()
    assert all(p["element"] != "f1" for p in problems)
    page.wait_for_selector(".bjsl-overlay")


def test_canvas_lint_follows_the_lint_config(page):
    config = {"extends": "bpmnlint:recommended", "rules": {"no-disconnected": "warn"}}
    page.evaluate(OPEN_MODELER, {"xml": DISCONNECTED, "lintConfig": config})

    problems = page.evaluate("window.modeler.lint()")

    (disconnected,) = [p for p in problems if p["rule"] == "no-disconnected"]
    assert disconnected["severity"] == "warning"


def test_canvas_lint_finds_no_errors_in_the_processes(page):
    config = json.loads((ROOT / "processes" / ".bpmnlintrc").read_text("utf-8"))
    page.evaluate(OPEN_MODELER, {"lintConfig": config})

    errors = {}
    for path in DIAGRAMS:
        page.evaluate("(xml) => window.modeler.importXML(xml)", path.read_text("utf-8"))
        problems = page.evaluate("window.modeler.lint()")
        errors[path.name] = [p for p in problems if p["severity"] == "error"]

    assert errors == {path.name: [] for path in DIAGRAMS}


def test_server_problems_show_on_the_named_element(page):
    page.evaluate(OPEN_MODELER, {"xml": DISCONNECTED})

    placed = page.evaluate(
        """() => window.modeler.showProblems([
          {element: "tugas_lepas", message: "Form 'x' does not exist.",
           severity: "error"},
          {element: null, message: "File-level problem.", severity: "warning"},
        ])"""
    )

    assert placed == 1
    badge = page.locator(".ek-problem-badge-error")
    assert badge.get_attribute("title") == "Form 'x' does not exist."
    assert page.locator('[data-element-id="tugas_lepas"].ek-problem-error').count() == 1


OPTIONS = {
    "roles": ["OPD Pemrakarsa", "Bagian Pemerintahan", "TKKSD", "Bagian Hukum"],
    "forms": ["verifikasi_kelengkapan", "paraf_hukum"],
    "operators": ["notify.send", "register.update"],
    "processes": ["p1_usulan", "p2_naskah"],
}


class Panel:
    """The properties panel of a modeler opened on one diagram."""

    def __init__(self, page, name: str, **options) -> None:
        self.page = page
        self.xml = (ROOT / "processes" / name).read_text(encoding="utf-8")
        page.evaluate(OPEN_MODELER, {"xml": self.xml, **OPTIONS, **options})
        self.last = page.evaluate("window.modeler.saveXML()")

    def select(self, element_id: str) -> None:
        self.page.evaluate(
            """(id) => {
              const registry = window.modeler.get("elementRegistry");
              window.modeler.get("selection").select(registry.get(id));
            }""",
            element_id,
        )

    def field(self, entry: str):
        """The input of an entry, with its group (and list item) opened."""
        box = self.page.locator(f'[data-entry-id="{entry}"]').first
        field = box.locator("select, input, textarea").first
        group = self.page.locator(".bio-properties-panel-group", has=box).first
        if not field.is_visible():
            group.locator(".bio-properties-panel-group-header").first.click()
        if not field.is_visible():
            item = group.locator(".bio-properties-panel-collapsible-entry", has=box)
            item.first.locator(".bio-properties-panel-collapsible-entry-header").click()
        return field

    def set(self, entry: str, value: str) -> None:
        field = self.field(entry)
        if field.evaluate("node => node.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)

    def saved(self) -> str:
        """The saved diagram once the last edit has landed.

        Text inputs are debounced, so wait until the diagram changes.
        """
        for _ in range(50):
            xml = self.page.evaluate("window.modeler.saveXML()")
            if xml != self.last:
                break
            self.page.wait_for_timeout(100)
        self.last = xml
        return xml


EDITS = [
    ("p1_usulan.bpmn", "verifikasi_kelengkapan", "ek-formKey", "paraf_hukum"),
    ("p1_usulan.bpmn", "verifikasi_kelengkapan", "ek-dueIn", "P3D"),
    ("p1_usulan.bpmn", "verifikasi_kelengkapan", "ek-escalateTo", "Bagian Hukum"),
    (
        "p1_usulan.bpmn",
        "f_gw_asal_usulan__catat_penawaran",
        "ek-conditionExpression",
        'asal_usulan == "opd"',
    ),
    ("p1_usulan.bpmn", "ingatkan_verifikasi", "ek-operator", "register.update"),
    ("p1_usulan.bpmn", "ingatkan_verifikasi", "ek-resultVariable", "hasil_kirim"),
    ("p1_usulan.bpmn", "ingatkan_verifikasi", "ek-parameter-0-value", '"TKKSD"'),
    ("p1_usulan.bpmn", "lajur_p1_usulan_tkksd", "ek-laneRole", "Bagian Hukum"),
    ("p1_usulan.bpmn", "mitra_setuju", "ek-messageData", "jawaban_mitra"),
    ("p1_usulan.bpmn", "kirim_surat_penawaran", "ek-messageData", '{"judul": judul}'),
    ("p1_usulan.bpmn", "tanggapan_habis", "timerEventDefinitionValue", "batas"),
    ("p1_usulan.bpmn", "hitung_tenggat_penawaran", "ek-script", "tenggat = None"),
    ("p1_usulan.bpmn", "verifikasi_kelengkapan", "ek-preScript", "ronde = 1"),
    ("kerjasama.bpmn", "usulan", "ek-calledElement", "p2_naskah"),
]


#: Edits of events change their event definition, which has its own id.
CHANGED = {
    "mitra_setuju": "msgdef_mitra_setuju",
    "kirim_surat_penawaran": "msgdef_kirim_surat_penawaran",
    "tanggapan_habis": "timer_tanggapan_habis",
}


@pytest.mark.parametrize(("name", "element", "entry", "value"), EDITS)
def test_panel_edit_changes_only_that_property(page, name, element, entry, value):
    panel = Panel(page, name)
    panel.select(element)

    panel.set(entry, value)

    found = differences(panel.xml, panel.saved())
    assert len(found) == 1, found
    assert repr(CHANGED.get(element, element)) in found[0]
    assert repr(value)[1:-1] in found[0] or value in found[0]


def test_panel_options_come_from_the_studio(page):
    panel = Panel(page, "p1_usulan.bpmn")
    panel.select("verifikasi_kelengkapan")

    options = panel.field("ek-formKey").locator("option").all_inner_texts()

    assert options == ["(none)", "verifikasi_kelengkapan", "paraf_hukum"]
    panel.select("lajur_p1_usulan_tkksd")
    roles = panel.field("ek-laneRole").locator("option").all_inner_texts()
    assert roles == ["(none)", *OPTIONS["roles"]]


def test_panel_speaks_the_page_language(page):
    translations = {"Form": "Formulir", "(none)": "(tidak ada)", "General": "Umum"}
    panel = Panel(page, "p1_usulan.bpmn", translations=translations)
    panel.select("verifikasi_kelengkapan")

    titles = page.locator(".bio-properties-panel-group-header-title")

    assert {"Formulir", "Umum"} <= set(titles.all_inner_texts())
    options = panel.field("ek-formKey").locator("option").all_inner_texts()
    assert options[0] == "(tidak ada)"


def test_panel_keeps_an_unknown_form_visible(page):
    panel = Panel(page, "p1_usulan.bpmn", forms=["paraf_hukum"])
    panel.select("verifikasi_kelengkapan")

    field = panel.field("ek-formKey")

    assert field.input_value() == "verifikasi_kelengkapan"
    assert (
        "verifikasi_kelengkapan (unknown)" in field.locator("option").all_inner_texts()
    )
    assert differences(panel.xml, panel.saved()) == []


def test_panel_sets_message_correlation(page):
    panel = Panel(page, "p1_usulan.bpmn")
    panel.select("mitra_setuju")

    panel.set("ek-correlationProperty", "nomor_surat")
    panel.saved()
    panel.set("ek-correlationExpression", "nomor_surat")
    saved = etree.fromstring(panel.saved().encode())

    ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}
    (prop,) = saved.xpath("bpmn:correlationProperty", namespaces=ns)
    (retrieval,) = prop.xpath(
        "bpmn:correlationPropertyRetrievalExpression", namespaces=ns
    )
    assert prop.get("name") == "nomor_surat"
    assert retrieval.get("messageRef") == "pesan_penawaran_disetujui"
    # bpmn-js names the message path element formalExpression, which
    # SpiffWorkflow reads as the message path.
    (path,) = retrieval.xpath("bpmn:messagePath|bpmn:formalExpression", namespaces=ns)
    assert path.text == "nomor_surat"


def test_panel_sets_multi_instance_collection(page):
    panel = Panel(page, "p1_usulan.bpmn")
    page.evaluate(
        """() => {
          const registry = window.modeler.get("elementRegistry");
          const factory = window.modeler.get("bpmnFactory");
          window.modeler.get("modeling").updateProperties(
            registry.get("verifikasi_kelengkapan"),
            {loopCharacteristics: factory.create(
              "bpmn:MultiInstanceLoopCharacteristics")},
          );
        }"""
    )
    panel.saved()
    panel.select("verifikasi_kelengkapan")

    panel.set("ek-loopDataInputRef", "dokumen")
    panel.saved()
    panel.set("ek-inputDataItem", "satu_dokumen")
    saved = etree.fromstring(panel.saved().encode())

    ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}
    (loop,) = saved.xpath(
        "//bpmn:userTask[@id='verifikasi_kelengkapan']"
        "/bpmn:multiInstanceLoopCharacteristics",
        namespaces=ns,
    )
    assert loop.findtext("bpmn:loopDataInputRef", namespaces=ns) == "dokumen"
    assert loop.find("bpmn:inputDataItem", namespaces=ns).get("id") == "satu_dokumen"


def test_server_lint_runs_after_an_edit(page):
    page.evaluate(
        """async (xml) => {
          window.linted = [];
          window.changes = 0;
          window.modeler = await EkModeler.create(document.getElementById("canvas"), {
            xml,
            serverLint: async (saved) => {
              window.linted.push(saved);
              return saved.includes("Tugas Baru")
                ? [{element: "tugas_lepas", message: "Unknown form.",
                    severity: "error"}]
                : [];
            },
          });
          window.modeler.on("changed", () => { window.changes += 1; });
        }""",
        DISCONNECTED,
    )
    page.wait_for_function("window.linted.length === 1")

    page.evaluate(
        """() => window.modeler.get("modeling").updateLabel(
          window.modeler.get("elementRegistry").get("tugas_lepas"), "Tugas Baru")"""
    )

    page.wait_for_selector('[data-element-id="tugas_lepas"].ek-problem-error')
    assert page.evaluate("window.changes") == 1
    assert page.locator(".ek-problem-badge").get_attribute("title") == "Unknown form."
    page.evaluate("(xml) => window.modeler.importXML(xml)", DISCONNECTED)
    assert page.evaluate("window.changes") == 1


def test_simulation_toggles_and_path_is_marked(page):
    page.evaluate(OPEN_MODELER, {"xml": DISCONNECTED})

    assert page.evaluate("window.modeler.toggleSimulation()") is True
    assert page.locator(".bts-toggle-mode").count() == 1
    assert page.evaluate("window.modeler.toggleSimulation()") is False
    page.evaluate("window.modeler.highlightPath(['mulai', 'selesai'], ['f1'])")

    marked = page.evaluate(
        """() => {
          const canvas = window.modeler.get("canvas");
          return ["mulai", "selesai", "tugas_lepas", "f1"].map(
            (id) => [canvas.hasMarker(id, "ek-path-node"),
                     canvas.hasMarker(id, "ek-path-flow")]);
        }"""
    )
    assert marked == [[True, False], [True, False], [False, False], [False, True]]


def test_viewer_marks_changes_and_counts(page):
    xml = (ROOT / "processes" / "p1_usulan.bpmn").read_text(encoding="utf-8")

    missing = page.evaluate(
        """async (xml) => {
          const viewer = await EkViewer.create(
            document.getElementById("canvas"), {xml});
          window.viewer = viewer;
          viewer.highlightPath(["mulai_usulan"], []);
          return viewer.markers({
            verifikasi_kelengkapan: "changed",
            lengkapi_usulan: 4,
            catat_penawaran: 0,
            tugas_hilang: "removed",
          });
        }""",
        xml,
    )

    assert missing == ["tugas_hilang"]
    assert page.locator('[data-element-id="verifikasi_kelengkapan"].ek-diff-changed')
    assert page.locator(".ek-count-badge").all_inner_texts() == ["4", "0"]
    assert page.locator('[data-element-id="catat_penawaran"].ek-count-zero').count()
    assert page.locator('[data-element-id="mulai_usulan"].ek-path-node').count()
