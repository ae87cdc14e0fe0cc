"""Who reaches the studio: designers and admins only."""

from __future__ import annotations

import pytest
from studiotools import PROCESS
from studiotools import close_app
from studiotools import make_app
from webtools import USERS

ROLES = [None, *USERS]
P = f"/studio/processes/{PROCESS}"

PAGES = [
    "/studio/",
    "/studio/index.json",
    P,
    f"{P}.json",
    f"{P}/versions/1",
    f"{P}/versions/1.json",
    f"{P}/versions/1.bpmn",
    f"{P}/versions/1/files/proposal.bpmn",
    f"{P}/draft.bpmn",
    f"{P}/diff",
    f"{P}/diff.json",
    f"{P}/draft",
    f"{P}/draft.json",
    "/studio/processes/new",
    "/studio/import",
    "/studio/forms/",
    "/studio/forms/index.json",
    "/studio/forms/verifikasi_uji",
    "/studio/forms/verifikasi_uji.json",
    f"{P}/trial",
    f"{P}/trial.json",
    f"{P}/coverage",
    f"{P}/coverage.json",
    f"{P}/migrate",
    f"{P}/migrate.json",
]

ACTIONS = [
    f"{P}/draft",
    f"{P}/draft/lint",
    f"{P}/draft/discard",
    "/studio/processes/new",
    "/studio/import",
    f"{P}/deploy",
    "/studio/forms/",
    "/studio/forms/verifikasi_uji",
    "/studio/forms/verifikasi_uji/publish",
    "/studio/forms/verifikasi_uji/discard",
    f"{P}/trial",
    f"{P}/scenarios",
    f"{P}/scenarios/1/delete",
    f"{P}/migrate",
]


@pytest.fixture
def app(database_url, tmp_path):
    app = make_app(database_url, tmp_path)
    yield app
    close_app(app)


def expected(user: str | None, path: str) -> int:
    if user is None:
        return 401 if path.endswith(".json") else 302
    return 200 if user in ("designer", "admin") else 403


@pytest.mark.parametrize("user", ROLES, ids=[u or "anonymous" for u in ROLES])
def test_every_studio_page_answers_each_role_as_designed(client, auth, user):
    if user:
        auth.login_as(user)

    for path in PAGES:
        assert client.get(path).status_code == expected(user, path), (path, user)


OTHERS = [u for u in ROLES if u not in ("designer", "admin")]


@pytest.mark.parametrize("user", OTHERS, ids=[u or "anonymous" for u in OTHERS])
def test_others_cannot_act_in_the_studio(client, auth, engine, user):
    if user:
        auth.login_as(user)

    for path in ACTIONS:
        status = auth.post(path, {"xml": "<x/>", "key": "baru"}).status_code
        assert status == (302 if user is None else 403), (path, user)
    assert engine.drafts.list_processes() == []
    assert [v.version for v in engine.list_versions(PROCESS)] == [1]


def test_anonymous_is_sent_to_log_in(client):
    response = client.get("/studio/")

    assert response.headers["Location"].startswith("/auth/login?next=/studio/")


def test_nav_links_to_the_studio_for_designers_only(client, auth):
    auth.login_as("designer")
    designer_page = client.get("/tasks/").get_data(as_text=True)
    auth.logout()
    auth.login_as("pem")
    clerk_page = client.get("/tasks/").get_data(as_text=True)

    assert 'id="nav-studio"' in designer_page
    assert 'id="nav-studio"' not in clerk_page
