"""Who reaches the supervisor console: every route for every role."""

import pytest
from webtools import USERS
from webtools import open_task
from webtools import start_agreement

ROLES = [None, *USERS]
SUPERVISORS = {"supervisor", "admin"}


@pytest.fixture
def agreement(engine):
    instance_id = start_agreement(engine)
    return {"id": instance_id, "task": open_task(engine, instance_id).id}


ROUTES = [
    ("/supervisor/", 200),
    ("/supervisor/index.json", 200),
    ("/supervisor/findings", 200),
    ("/supervisor/findings.json", 200),
    ("/supervisor/findings?category=overdue&stage=usulan&page=1", 200),
    ("/supervisor/tasks", 200),
    ("/supervisor/tasks.json", 200),
    ("/supervisor/processes?process_id=usulan_uji", 302),
    ("/supervisor/processes/usulan_uji", 200),
    ("/supervisor/processes/usulan_uji.json", 200),
    ("/supervisor/processes/usulan_uji/diagram.xml", 200),
    ("/supervisor/repair?items={id}:{task}&action=reassign", 200),
    ("/supervisor/repair.json?items={id}", 200),
]


def expected(path: str, designed: int, user: str | None) -> int:
    """What the designed answer becomes for ``user``."""
    if user is None:
        return 401 if ".json" in path else 302
    return designed if user in SUPERVISORS else 403


@pytest.mark.parametrize("user", ROLES, ids=[u or "anonymous" for u in ROLES])
def test_every_console_route_answers_each_role_as_designed(
    client, auth, agreement, user
):
    if user:
        auth.login_as(user)
    for template, designed in ROUTES:
        path = template.format(**agreement)
        want = expected(path, designed, user)
        assert client.get(path).status_code == want, (path, user)


@pytest.mark.parametrize("user", ROLES, ids=[u or "anonymous" for u in ROLES])
def test_only_supervisors_may_repair(client, auth, engine, agreement, user):
    if user:
        auth.login_as(user)

    response = auth.post(
        "/supervisor/repair",
        {"items": str(agreement["id"]), "action": "suspend", "reason": "Audit."},
    )

    status = engine.get_instance(agreement["id"]).status
    if user in SUPERVISORS:
        assert (response.status_code, status) == (302, "suspended")
    else:
        assert response.status_code == (403 if user else 302)
        assert status == "active"


def test_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get("/supervisor/findings?category=overdue")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")
    assert (
        client.get("/supervisor/", headers={"Accept": "application/json"}).status_code
        == 401
    )
