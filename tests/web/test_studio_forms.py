"""The studio's form list and form editor."""

from __future__ import annotations

import json

import pytest
from studiotools import DESIGNER
from studiotools import NEW_FORM
from studiotools import close_app
from studiotools import make_app


@pytest.fixture
def app(database_url, tmp_path):
    app = make_app(database_url, tmp_path)
    yield app
    close_app(app)


@pytest.fixture
def designer(auth):
    auth.login_as("designer")
    return auth


def test_form_list_shows_files_and_drafts(client, designer, engine):
    engine.drafts.save_form("arsip_uji", NEW_FORM, actor=DESIGNER)

    rows = client.get("/studio/forms/index.json").get_json()["forms"]

    by_key = {row["key"]: row for row in rows}
    assert by_key["verifikasi_uji"]["published"] is True
    assert by_key["verifikasi_uji"]["draft"] is None
    assert by_key["arsip_uji"]["published"] is False
    assert by_key["arsip_uji"]["draft"]["saved_by"] == "designer"


def test_new_form_key_opens_a_blank_editor(client, designer):
    response = designer.post("/studio/forms/", {"key": "arsip_uji"})
    page = client.get(response.headers["Location"])

    assert response.headers["Location"] == "/studio/forms/arsip_uji?new=1"
    assert page.status_code == 200
    assert '"components": []' in page.get_data(as_text=True)


def test_new_form_refuses_a_bad_key(client, designer):
    response = designer.post("/studio/forms/", {"key": "../rahasia"})

    assert response.status_code == 400
    assert "Gunakan huruf, angka, _ dan -" in response.get_data(as_text=True)


def test_unknown_form_is_not_found(client, designer):
    assert client.get("/studio/forms/tidak_ada").status_code == 404
    assert client.get("/studio/forms/tidak_ada.json").status_code == 404


def test_editor_shows_the_published_definition(client, designer, app):
    data = client.get("/studio/forms/verifikasi_uji.json").get_json()

    assert data["published"] is True and data["draft"] is None
    assert [c["key"] for c in data["schema"]["components"]] == ["lengkap", "catatan"]


def test_save_keeps_a_validated_draft(client, designer, engine, tmp_path):
    response = designer.post(
        "/studio/forms/arsip_uji?new=1", {"schema": json.dumps(NEW_FORM)}
    )

    assert response.headers["Location"] == "/studio/forms/arsip_uji"
    assert engine.drafts.get_form("arsip_uji").schema == NEW_FORM
    assert not (tmp_path / "forms" / "arsip_uji.form").exists()


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ("{not json", "bukan JSON yang sah"),
        ("[1, 2]", "harus berupa objek JSON"),
    ],
    ids=["not-json", "not-object"],
)
def test_save_refuses_what_is_not_a_form(client, designer, engine, schema, message):
    response = designer.post("/studio/forms/verifikasi_uji", {"schema": schema})

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert engine.drafts.get_form("verifikasi_uji") is None


def test_save_shows_the_engines_form_errors(client, designer, engine):
    broken = {"type": "default", "components": [{"type": "textfield", "label": "X"}]}

    response = designer.post(
        "/studio/forms/verifikasi_uji", {"schema": json.dumps(broken)}
    )

    assert response.status_code == 400
    assert 'id="form-errors"' in response.get_data(as_text=True)
    assert engine.drafts.get_form("verifikasi_uji") is None


def test_save_as_json(client, designer, engine):
    response = client.post(
        "/studio/forms/arsip_uji?new=1",
        json={"schema": NEW_FORM},
        headers={"Accept": "application/json", "X-CSRF-Token": designer.token()},
    )

    assert response.get_json()["draft"]["schema"] == NEW_FORM


def test_publish_writes_the_form_file(client, designer, engine, tmp_path):
    engine.drafts.save_form("arsip_uji", NEW_FORM, actor=DESIGNER)

    designer.post("/studio/forms/arsip_uji/publish")

    written = json.loads((tmp_path / "forms" / "arsip_uji.form").read_text())
    assert written["components"] == NEW_FORM["components"]
    assert engine.drafts.get_form("arsip_uji") is None


def test_discard_drops_the_form_draft(client, designer, engine):
    engine.drafts.save_form("arsip_uji", NEW_FORM, actor=DESIGNER)

    response = designer.post("/studio/forms/arsip_uji/discard")

    assert response.headers["Location"] == "/studio/forms/"
    assert engine.drafts.get_form("arsip_uji") is None
