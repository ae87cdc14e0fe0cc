"""Moving running instances to a new version from the studio."""

from __future__ import annotations

import pytest
from studiotools import PROCESS
from studiotools import close_app
from studiotools import deploy_v2
from studiotools import make_app
from webtools import start_agreement

MIGRATE = f"/studio/processes/{PROCESS}/migrate"


@pytest.fixture
def app(database_url, tmp_path):
    app = make_app(database_url, tmp_path)
    yield app
    close_app(app)


@pytest.fixture
def designer(auth):
    auth.login_as("designer")
    return auth


@pytest.fixture
def running(app, engine):
    """Two instances on v1, then v2 deployed."""
    ids = [start_agreement(engine), start_agreement(engine)]
    deploy_v2(app)
    return ids


def test_migrate_page_without_versions_chosen(client, designer, running):
    data = client.get(f"{MIGRATE}.json").get_json()

    assert data["versions"] == [1, 2]
    assert data["to_version"] == 2 and data["checks"] == []


def test_dry_run_lists_each_instance_and_changes_nothing(
    client, designer, engine, running
):
    data = client.get(f"{MIGRATE}.json?from=1&to=2").get_json()
    page = client.get(f"{MIGRATE}?from=1&to=2").get_data(as_text=True)

    assert sorted(c["instance_id"] for c in data["checks"]) == running
    assert all(c["can_move"] for c in data["checks"])
    assert ["verifikasi"] == data["checks"][0]["elements"]
    assert page.count('name="instance"') == 2
    assert {engine.get_instance(i).version for i in running} == {1}


def test_dry_run_filters_by_instance(client, designer, running):
    data = client.get(f"{MIGRATE}.json?from=1&to=2&instances={running[1]}").get_json()

    assert [c["instance_id"] for c in data["checks"]] == [running[1]]


def test_migrate_moves_the_ticked_instances_with_the_reason(
    client, designer, engine, running
):
    response = designer.post(
        MIGRATE,
        {"from": "1", "to": "2", "instance": [str(running[0])], "reason": "Arsip"},
    )

    assert response.status_code == 200
    assert "1 dari 1 instans dipindah ke versi 2." in response.get_data(as_text=True)
    assert engine.get_instance(running[0]).version == 2
    assert engine.get_instance(running[1]).version == 1
    [logged] = engine.list_operations(running[0])
    assert logged.reason == "Arsip"


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"from": "1", "to": "2", "instance": "1", "reason": " "}, "reason"),
        ({"from": "1", "to": "2", "reason": "Arsip"}, "instance"),
        ({"to": "2", "instance": "1", "reason": "Arsip"}, "from"),
        ({"from": "2", "to": "2", "instance": "1", "reason": "Arsip"}, "to"),
        ({"from": "9", "to": "2", "instance": "1", "reason": "Arsip"}, "from"),
    ],
    ids=["no-reason", "no-instance", "no-from", "same-version", "unknown-version"],
)
def test_migrate_refuses_incomplete_requests(
    client, designer, engine, running, form, field
):
    form = {**form}
    if "instance" in form:
        form["instance"] = str(running[0])

    response = client.post(
        f"{MIGRATE}.json", data={**form, "csrf_token": designer.token()}
    )

    assert response.status_code == 400
    assert field in response.get_json()["errors"]
    assert {engine.get_instance(i).version for i in running} == {1}
