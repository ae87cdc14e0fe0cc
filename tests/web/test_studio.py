"""The studio's process pages: list, versions, export, diff, drafts, deploy."""

from __future__ import annotations

import io

import pytest
from studiotools import DESIGNER
from studiotools import DIAGRAM
from studiotools import NEW_FORM
from studiotools import PROCESS
from studiotools import close_app
from studiotools import deploy_v2
from studiotools import make_app
from studiotools import with_archive_task
from webtools import start_agreement

JSON = {"Accept": "application/json"}


@pytest.fixture
def app(database_url, tmp_path):
    app = make_app(database_url, tmp_path)
    yield app
    close_app(app)


@pytest.fixture
def designer(auth):
    auth.login_as("designer")
    return auth


def post_json(auth, path: str, body: dict):
    return auth.client.post(
        path, json=body, headers={**JSON, "X-CSRF-Token": auth.token()}
    )


def test_index_lists_versions_with_instance_counts(client, designer, engine):
    start_agreement(engine)

    page = client.get("/studio/").get_data(as_text=True)
    data = client.get("/studio/index.json").get_json()

    assert "Usulan uji" in page
    [row] = data["processes"]
    assert row["id"] == PROCESS
    assert [(v["version"], v["active_instances"]) for v in row["versions"]] == [(1, 1)]
    assert row["versions"][0]["total_instances"] == 1
    assert row["draft"] is None


def test_process_page_shows_versions_and_draft(client, designer, engine):
    engine.drafts.save_process(PROCESS, {"proposal.bpmn": DIAGRAM}, actor=DESIGNER)

    data = client.get(f"/studio/processes/{PROCESS}.json").get_json()
    page = client.get(f"/studio/processes/{PROCESS}").get_data(as_text=True)

    assert [v["version"] for v in data["versions"]] == [1]
    assert data["draft"]["files"] == ["proposal.bpmn"]
    assert data["draft"]["saved_by"] == "designer"
    assert f"/studio/processes/{PROCESS}/deploy" in page


def test_unknown_process_is_not_found(client, designer):
    assert client.get("/studio/processes/nope").status_code == 404
    assert client.get("/studio/processes/nope.json").get_json()["status"] == 404


def test_version_page_and_export(client, designer):
    data = client.get(f"/studio/processes/{PROCESS}/versions/1.json").get_json()
    export = client.get(f"/studio/processes/{PROCESS}/versions/1.bpmn")
    one_file = client.get(f"/studio/processes/{PROCESS}/versions/1/files/proposal.bpmn")

    assert data["main_file"] == "proposal.bpmn"
    assert data["version"]["deployed_by"] == "system"
    assert export.get_data(as_text=True) == DIAGRAM
    assert 'filename="proposal-v1.bpmn"' in export.headers["Content-Disposition"]
    assert one_file.get_data(as_text=True) == DIAGRAM
    assert client.get(f"/studio/processes/{PROCESS}/versions/7").status_code == 404
    missing = f"/studio/processes/{PROCESS}/versions/1/files/other.bpmn"
    assert client.get(missing).status_code == 404


def test_diff_between_versions_lists_added_task(client, designer, app, engine):
    deploy_v2(app)

    data = client.get(f"/studio/processes/{PROCESS}/diff.json?old=1&new=2").get_json()
    page = client.get(f"/studio/processes/{PROCESS}/diff?old=1&new=2")

    assert "arsip" in [e["id"] for e in data["diff"]["added"]]
    assert "f5" in [e["id"] for e in data["diff"]["changed"]]
    assert page.status_code == 200
    assert 'data-element="arsip"' in page.get_data(as_text=True)


def test_diff_with_the_draft(client, designer, engine):
    files = {"proposal.bpmn": with_archive_task()}
    engine.drafts.save_process(PROCESS, files, actor=DESIGNER)

    data = client.get(f"/studio/processes/{PROCESS}/diff.json").get_json()

    assert (data["old"], data["new"]) == (1, "draft")
    assert "arsip" in [e["id"] for e in data["diff"]["added"]]


def test_diff_refuses_unknown_version(client, designer):
    response = client.get(f"/studio/processes/{PROCESS}/diff.json?old=9")

    assert response.status_code == 400
    assert "old" in response.get_json()["errors"]


def test_modeler_page_offers_roles_forms_and_problems(client, designer):
    data = client.get(f"/studio/processes/{PROCESS}/draft.json").get_json()
    page = client.get(f"/studio/processes/{PROCESS}/draft").get_data(as_text=True)

    assert data["draft"] is None and data["base_version"] == 1
    assert "Bagian Pemerintahan" in data["options"]["roles"]
    assert "verifikasi_uji" in data["options"]["forms"]
    assert data["options"]["lint_config"]["extends"] == "bpmnlint:recommended"
    assert [p for p in data["problems"] if p["severity"] == "error"] == []
    assert 'id="canvas"' in page
    assert (
        client.get(f"/studio/processes/{PROCESS}/draft.bpmn").data.decode() == DIAGRAM
    )


def test_save_keeps_a_draft_and_reports_lint(client, designer, engine):
    xml = with_archive_task()

    answer = post_json(designer, f"/studio/processes/{PROCESS}/draft", {"xml": xml})

    body = answer.get_json()
    assert answer.status_code == 200 and body["ok"]
    assert engine.drafts.get_process(PROCESS).files == {"proposal.bpmn": xml}
    assert [v.version for v in engine.list_versions(PROCESS)] == [1]
    missing = [p for p in body["problems"] if p["element"] == "arsip"]
    assert missing and missing[0]["severity"] == "error"
    assert "arsip_uji" in missing[0]["message"]


def test_save_from_a_form_redirects_with_a_flash(client, designer, engine):
    response = designer.post(
        f"/studio/processes/{PROCESS}/draft", {"xml": DIAGRAM}, follow_redirects=True
    )

    assert "Draf disimpan." in response.get_data(as_text=True)
    assert engine.drafts.get_process(PROCESS) is not None


def test_lint_counts_form_drafts_as_forms(client, designer, engine):
    path = f"/studio/processes/{PROCESS}/draft/lint"
    xml = with_archive_task()

    before = post_json(designer, path, {"xml": xml}).get_json()["problems"]
    engine.drafts.save_form("arsip_uji", NEW_FORM, actor=DESIGNER)
    after = post_json(designer, path, {"xml": xml}).get_json()["problems"]

    assert any(p["element"] == "arsip" for p in before)
    assert not any(p["element"] == "arsip" for p in after)
    assert engine.drafts.get_process(PROCESS) is None


@pytest.mark.parametrize(
    "xml",
    ["", "<bpmn:definitions", DIAGRAM.replace('id="usulan_uji"', 'id="lain"')],
    ids=["empty", "broken", "other-process"],
)
def test_save_refuses_bad_diagrams_and_keeps_nothing(client, designer, engine, xml):
    answer = post_json(designer, f"/studio/processes/{PROCESS}/draft", {"xml": xml})

    assert answer.status_code == 400
    assert answer.get_json()["errors"]["xml"]
    assert engine.drafts.get_process(PROCESS) is None


def test_new_process_starts_a_blank_draft(client, designer, engine):
    response = designer.post(
        "/studio/processes/new", {"process_id": "hibah_uji", "name": "Hibah & uji"}
    )

    assert response.headers["Location"] == "/studio/processes/hibah_uji/draft"
    draft = engine.drafts.get_process("hibah_uji")
    assert list(draft.files) == ["hibah_uji.bpmn"]
    assert 'name="Hibah &amp; uji"' in draft.files["hibah_uji.bpmn"]
    assert client.get("/studio/processes/hibah_uji/draft").status_code == 200


@pytest.mark.parametrize(
    ("process_id", "message"),
    [("1salah", "Gunakan huruf"), (PROCESS, "sudah ada"), ("new", "Gunakan huruf")],
    ids=["bad-id", "taken", "reserved"],
)
def test_new_process_refuses_bad_ids(client, designer, engine, process_id, message):
    response = designer.post("/studio/processes/new", {"process_id": process_id})

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert engine.drafts.list_processes() == []


def upload(auth, data: bytes, name: str = "diagram.bpmn"):
    return auth.post(
        "/studio/import",
        {"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_import_makes_the_upload_the_draft(client, designer, engine):
    response = upload(designer, with_archive_task().encode())

    assert response.headers["Location"] == f"/studio/processes/{PROCESS}/draft"
    draft = engine.drafts.get_process(PROCESS)
    assert draft.files == {"proposal.bpmn": with_archive_task()}
    assert draft.base_version == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<bpmn:definitions><unclosed>", "bukan XML yang sah"),
        (b"<note>not a diagram</note>", "tidak memuat proses BPMN"),
        (b"\xff\xfe<x/>", "bukan XML yang sah"),
    ],
    ids=["broken-xml", "no-process", "not-utf8"],
)
def test_import_refuses_bad_files_and_changes_nothing(
    client, designer, engine, data, message
):
    response = upload(designer, data)

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert engine.drafts.list_processes() == []


def test_import_without_a_file_says_what_to_do(client, designer):
    response = designer.post("/studio/import", {})

    assert response.status_code == 400
    assert "Pilih berkas .bpmn" in response.get_data(as_text=True)


def test_deploy_is_blocked_by_lint_errors(client, designer, engine):
    engine.drafts.save_process(
        PROCESS, {"proposal.bpmn": with_archive_task()}, actor=DESIGNER
    )

    response = designer.post(f"/studio/processes/{PROCESS}/deploy")

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "arsip_uji" in page and 'data-element="arsip"' in page
    assert [v.version for v in engine.list_versions(PROCESS)] == [1]
    assert engine.drafts.get_process(PROCESS) is not None


def test_deploy_publishes_used_forms_and_drops_the_draft(
    client, designer, engine, app, tmp_path
):
    engine.drafts.save_form("arsip_uji", NEW_FORM, actor=DESIGNER)
    engine.drafts.save_form("lain_uji", NEW_FORM, actor=DESIGNER)
    engine.drafts.save_process(
        PROCESS, {"proposal.bpmn": with_archive_task()}, actor=DESIGNER
    )

    response = designer.post(
        f"/studio/processes/{PROCESS}/deploy", follow_redirects=True
    )

    assert "Versi 2 dari usulan_uji sudah dipasang." in response.get_data(as_text=True)
    versions = engine.list_versions(PROCESS)
    assert [(v.version, v.deployed_by) for v in versions][-1] == (2, "designer")
    assert (tmp_path / "forms" / "arsip_uji.form").exists()
    assert not (tmp_path / "forms" / "lain_uji.form").exists()
    assert engine.drafts.get_process(PROCESS) is None
    assert engine.drafts.get_form("arsip_uji") is None


def test_deploy_without_a_draft_says_so(client, designer, engine):
    response = designer.post(
        f"/studio/processes/{PROCESS}/deploy", follow_redirects=True
    )

    assert "Tidak ada draf" in response.get_data(as_text=True)
    assert [v.version for v in engine.list_versions(PROCESS)] == [1]


def test_discard_drops_the_draft(client, designer, engine):
    engine.drafts.save_process(PROCESS, {"proposal.bpmn": DIAGRAM}, actor=DESIGNER)

    designer.post(f"/studio/processes/{PROCESS}/draft/discard")

    assert engine.drafts.get_process(PROCESS) is None


def test_studio_posts_need_the_csrf_token(client, designer, engine):
    response = client.post(f"/studio/processes/{PROCESS}/draft", data={"xml": DIAGRAM})

    assert response.status_code == 400
    assert engine.drafts.get_process(PROCESS) is None


def test_modeler_warns_when_a_newer_version_was_deployed(client, designer, app, engine):
    engine.drafts.save_process(PROCESS, {"proposal.bpmn": DIAGRAM}, actor=DESIGNER)
    deploy_v2(app)

    data = client.get(f"/studio/processes/{PROCESS}/draft.json").get_json()
    page = client.get(f"/studio/processes/{PROCESS}/draft").get_data(as_text=True)

    assert (data["base_version"], data["newest_version"]) == (1, 2)
    assert 'id="stale-draft"' in page


def test_studio_speaks_indonesian_and_english(client, designer):
    indonesian = client.get("/studio/").get_data(as_text=True)
    english = client.get("/studio/?lang=en").get_data(as_text=True)

    assert "<h1>Proses</h1>" in indonesian
    assert "<h1>Processes</h1>" in english
