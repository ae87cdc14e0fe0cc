"""Test runs, saved scenarios and their coverage in the studio."""

from __future__ import annotations

import json

import pytest
from studiotools import DESIGNER
from studiotools import NEW_FORM
from studiotools import PROCESS
from studiotools import close_app
from studiotools import make_app
from studiotools import with_archive_task
from webtools import PROPOSAL

TRIAL = f"/studio/processes/{PROCESS}/trial"
STEPS = [
    {"task": "verifikasi", "data": {"lengkap": "ya"}},
    {"message": "penawaran_disetujui"},
]


@pytest.fixture
def app(database_url, tmp_path):
    app = make_app(database_url, tmp_path)
    yield app
    close_app(app)


@pytest.fixture
def designer(auth):
    auth.login_as("designer")
    return auth


def run(auth, steps=STEPS, start=PROPOSAL, path=TRIAL):
    return auth.post(
        path, {"start_data": json.dumps(start), "steps": json.dumps(steps)}
    )


def test_trial_page_starts_empty(client, designer):
    data = client.get(f"{TRIAL}.json").get_json()

    assert data["source"] == "1"
    assert data["result"] is None and data["steps"] == []


def test_trial_shows_each_steps_path_data_and_open_tasks(client, designer, engine):
    page = run(designer).get_data(as_text=True)
    data = run(designer, path=f"{TRIAL}.json").get_json()

    result = data["result"]
    assert result["status"] == "running"
    first, verified, offered = result["steps"]
    assert "verifikasi" in first["nodes"]
    assert [t["element"] for t in first["open_tasks"]] == ["verifikasi"]
    assert verified["data"]["lengkap"] == "ya"
    assert [t["element"] for t in offered["open_tasks"]] == ["tanggapi"]
    assert "f3" in result["visited_flows"]
    assert 'data-task="tanggapi"' in page
    assert engine.list_instances() == []


def test_trial_runs_the_draft_with_its_form_drafts(client, designer, engine):
    engine.drafts.save_form("arsip_uji", NEW_FORM, actor=DESIGNER)
    engine.drafts.save_process(
        PROCESS, {"proposal.bpmn": with_archive_task()}, actor=DESIGNER
    )
    steps = [
        *STEPS,
        {"task": "tanggapi", "data": {}},
        {
            "task": "tandatangani",
            "data": {"nomor": "PKS/1", "tanggal_ttd": "2025-06-12"},
        },
        {"task": "arsip", "data": {"nomor_arsip": "A-7"}},
    ]

    data = run(designer, steps, path=f"{TRIAL}.json").get_json()

    assert data["source"] == "draft"
    assert data["result"]["error"] is None, data["result"]
    assert data["result"]["status"] == "completed"
    assert "arsip" in data["result"]["visited_nodes"]


def test_trial_reports_a_failing_step(client, designer):
    data = run(
        designer, [{"task": "verifikasi", "data": {}}], path=f"{TRIAL}.json"
    ).get_json()

    assert data["result"]["status"] == "failed"
    assert data["result"]["steps"][-1]["errors"]


@pytest.mark.parametrize(
    ("field", "text", "message"),
    [
        ("start_data", "{judul", "bukan JSON yang sah"),
        ("start_data", "[1]", "Tulis objek JSON"),
        ("steps", '{"task": "x"}', "Tulis daftar langkah"),
        ("steps", "[1]", "Setiap langkah harus berupa objek JSON"),
    ],
    ids=["broken-start", "start-not-object", "steps-not-list", "step-not-object"],
)
def test_trial_refuses_bad_json(client, designer, field, text, message):
    form = {"start_data": "{}", "steps": "[]", field: text}

    response = designer.post(TRIAL, form)

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_save_a_run_as_scenario_and_see_its_coverage(client, designer, engine):
    response = designer.post(
        f"/studio/processes/{PROCESS}/scenarios",
        {
            "name": "lengkap lalu disetujui",
            "start_data": json.dumps(PROPOSAL),
            "steps": json.dumps(STEPS),
        },
    )
    coverage = client.get(f"/studio/processes/{PROCESS}/coverage.json").get_json()
    page = client.get(f"/studio/processes/{PROCESS}/coverage")

    assert response.headers["Location"] == TRIAL
    [saved] = engine.scenarios.list(PROCESS)
    assert saved.name == "lengkap lalu disetujui" and saved.saved_by == "designer"
    numbers = coverage["coverage"]
    assert numbers["nodes"]["verifikasi"] == 1 and "end" not in numbers["nodes"]
    assert 0 < numbers["node_percent"] < 100
    assert [r["matches"] for r in numbers["runs"]] == [True]
    assert page.status_code == 200 and "lengkap lalu disetujui" in page.get_data(
        as_text=True
    )


def test_scenario_needs_a_name(client, designer, engine):
    response = designer.post(
        f"/studio/processes/{PROCESS}/scenarios",
        {"name": " ", "start_data": "{}", "steps": "[]"},
    )

    assert response.status_code == 400
    assert engine.scenarios.list(PROCESS) == []


def test_delete_a_scenario(client, designer, engine):
    saved = engine.scenarios.save(
        PROCESS, "kosong", start_data=PROPOSAL, steps=[], actor=DESIGNER
    )

    designer.post(f"/studio/processes/{PROCESS}/scenarios/{saved.id}/delete")

    assert engine.scenarios.list(PROCESS) == []


def test_delete_refuses_a_scenario_of_another_process(client, designer, engine):
    saved = engine.scenarios.save(
        PROCESS, "kosong", start_data=PROPOSAL, steps=[], actor=DESIGNER
    )

    response = designer.post(f"/studio/processes/lain/scenarios/{saved.id}/delete")

    assert response.status_code == 404
    assert len(engine.scenarios.list(PROCESS)) == 1


def test_trial_keeps_a_step_of_unknown_kind_to_fix(client, designer):
    response = designer.post(TRIAL, {"start_data": "{}", "steps": '[{"lompat": 1}]'})

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "lompat" in page and 'class="error"' in page
