"""The inbox and the task page: claim, draft, complete, invalid input."""

import io

from webtools import open_task
from webtools import start_agreement

from web import tasks as web_tasks


def test_inbox_lists_the_lanes_tasks_with_counts(client, auth, engine):
    start_agreement(engine)
    auth.login_as("pem")

    data = client.get("/tasks/inbox.json").get_json()
    page = client.get("/tasks/").get_data(as_text=True)

    assert [r["task"]["title"] for r in data["rows"]] == ["Verifikasi Kelengkapan"]
    assert data["rows"][0]["agreement"]["title"] == "Pengelolaan Waduk Kedung Ombo"
    assert "Verifikasi Kelengkapan" in page and "Belum diambil" in page


def test_inbox_search_filters_by_title(client, auth, engine):
    start_agreement(engine)
    auth.login_as("pem")

    rows = client.get("/tasks/inbox.json?q=jagung").get_json()["rows"]

    assert rows == []


def test_claim_then_unclaim(client, auth, engine):
    task = open_task(engine, start_agreement(engine))
    auth.login_as("pem")

    auth.post(f"/tasks/{task.id}/claim")
    mine = client.get("/tasks/inbox.json?view=mine").get_json()["rows"]
    auth.post(f"/tasks/{task.id}/unclaim")

    assert [r["task"]["id"] for r in mine] == [task.id]
    assert engine.get_task(task.id).assignee is None


def test_invalid_input_changes_nothing_and_answers_in_indonesian(client, auth, engine):
    instance_id = start_agreement(engine)
    task = open_task(engine, instance_id)
    before = engine.get_instance(instance_id).lock_version
    auth.login_as("pem")

    response = auth.post(f"/tasks/{task.id}", {"action": "complete", "catatan": "x"})

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Ada isian yang belum benar." in page
    assert ">x</textarea>" in page
    assert engine.get_instance(instance_id).lock_version == before
    assert engine.get_task(task.id).is_open


def test_invalid_input_answers_400_as_json_too(client, auth, engine):
    task = open_task(engine, start_agreement(engine))
    auth.login_as("pem")

    response = auth.post(
        f"/tasks/{task.id}",
        {"action": "complete", "catatan": "x"},
        headers={"Accept": "application/json"},
    )

    assert response.status_code == 400
    assert response.get_json()["errors"]
    assert engine.get_task(task.id).is_open


def test_draft_is_kept_then_completed(client, auth, engine):
    instance_id = start_agreement(engine)
    task = open_task(engine, instance_id)
    auth.login_as("pem")

    auth.post(f"/tasks/{task.id}", {"action": "draft", "catatan": "cek KAK"})
    draft_page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    done = auth.post(f"/tasks/{task.id}", {"action": "complete", "lengkap": "ya"})

    assert "cek KAK" in draft_page
    assert done.status_code == 302
    assert engine.get_task(task.id).state == "completed"


def test_upload_keeps_each_version(client, auth, engine, app):
    instance_id = start_agreement(engine)
    task = open_task(engine, instance_id)
    auth.login_as("pem")

    for text in (b"ronde 1", b"ronde 2"):
        auth.post(
            f"/tasks/{task.id}/documents",
            {"file": (io.BytesIO(text), "draf.pdf")},
            content_type="multipart/form-data",
        )
    documents = client.get(f"/agreements/{instance_id}.json").get_json()["documents"]
    path = f"/agreements/{instance_id}/documents/{documents[0]['id']}"
    with client.get(path) as latest:
        body = latest.data

    assert [d["version"] for d in documents] == [2, 1]
    assert body == b"ronde 2"


def test_upload_refuses_other_file_types(client, auth, engine):
    task = open_task(engine, start_agreement(engine))
    auth.login_as("pem")

    response = auth.post(
        f"/tasks/{task.id}/documents",
        {"file": (io.BytesIO(b"MZ"), "virus.exe")},
        content_type="multipart/form-data",
    )

    assert response.status_code == 400


def test_partner_answers_the_offer(client, auth, engine):
    instance_id = start_agreement(engine)
    auth.login_as("pem")
    auth.post(
        f"/tasks/{open_task(engine, instance_id).id}",
        {"action": "complete", "lengkap": "ya"},
    )
    auth.logout()
    auth.login_as("mitra_ut")

    assert client.get(f"/agreements/{instance_id}.json").get_json()["offer"] is True
    auth.post(f"/agreements/{instance_id}/offer", {"answer": "accept"})

    assert open_task(engine, instance_id).title == "Tanggapi Draf"


def test_new_proposal_starts_an_agreement(client, auth, engine):
    auth.login_as("opd")

    response = auth.post(
        "/agreements/new",
        {"judul": "Sertifikasi aset daerah", "jenis": "KSDPK", "mitra": "BPN"},
    )

    assert response.status_code == 302
    assert engine.list_instances()[0].process_id == "usulan_uji"


def test_new_proposal_rejects_missing_fields(client, auth, engine):
    auth.login_as("opd")

    response = auth.post("/agreements/new", {"judul": "Ser"})

    assert response.status_code == 400
    assert engine.list_instances() == []


def test_comment_from_the_task_page_shows_on_the_agreement(client, auth, engine):
    instance_id = start_agreement(engine)
    task = open_task(engine, instance_id)
    auth.login_as("pem")

    response = auth.post(f"/tasks/{task.id}/comments", {"body": "  Lampirkan KAK.  "})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    comments = client.get(f"/agreements/{instance_id}.json").get_json()["comments"]

    assert response.headers["Location"] == f"/tasks/{task.id}#comments"
    assert "Komentar ditambahkan." in page and "Lampirkan KAK." in page
    assert [(c["author"], c["body"], c["task_id"]) for c in comments] == [
        ("pem", "Lampirkan KAK.", task.id)
    ]


def test_empty_comment_is_refused(client, auth, engine):
    instance_id = start_agreement(engine)
    task = open_task(engine, instance_id)
    auth.login_as("pem")

    response = auth.post(f"/tasks/{task.id}/comments", {"body": "   "})

    assert response.status_code == 400
    assert client.get(f"/agreements/{instance_id}.json").get_json()["comments"] == []


def test_comment_needs_the_tasks_lane(client, auth, engine):
    task = open_task(engine, start_agreement(engine))
    auth.login_as("hukum")

    response = auth.post(f"/tasks/{task.id}/comments", {"body": "Saya juga."})

    assert response.status_code == 403


def test_open_task_form_starts_from_the_agreement_data(client, auth, engine):
    instance_id = start_agreement(engine, catatan="dari usulan")
    task = open_task(engine, instance_id)
    auth.login_as("pem")

    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)

    assert ">dari usulan</textarea>" in page


def test_inbox_reads_the_open_tasks_once_per_request(client, auth, engine, monkeypatch):
    start_agreement(engine)
    auth.login_as("pem")
    read = web_tasks._read_open_tasks
    calls = []
    monkeypatch.setattr(
        web_tasks, "_read_open_tasks", lambda user: calls.append(user) or read(user)
    )

    page = client.get("/tasks/").get_data(as_text=True)

    assert "Verifikasi Kelengkapan" in page
    assert len(calls) == 1
