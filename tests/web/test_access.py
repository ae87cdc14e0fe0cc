"""Who reaches which page: every route for every role."""

import pytest
from webtools import USERS
from webtools import open_task
from webtools import sign_agreement
from webtools import start_agreement

ROLES = [None, *USERS]


@pytest.fixture
def agreements(engine):
    """A signed agreement of Universitas Terbuka and an open one of another partner."""
    signed = start_agreement(engine)
    sign_agreement(engine, signed)
    other = start_agreement(engine, mitra="PT Lain Sekali", judul="Lahan jagung demo")
    return {"signed": signed, "other": other, "task": open_task(engine, other).id}


def expected(path_kind: str, user: str | None) -> int:
    """The designed answer of each kind of page for each user."""
    staff = user is not None and not user.startswith("mitra")
    table = {
        "public": 200,
        "login-only": 200 if user else 302,
        "own-signed": 200
        if staff or user == "mitra_ut"
        else (302 if not user else 404),
        "other": 200 if staff or user == "mitra_lain" else (302 if not user else 404),
        "task": {None: 302, "pem": 200, "mitra_ut": 404, "mitra_lain": 403}.get(
            user, 403
        ),
        "new": {None: 302, "opd": 200, "mitra_ut": 200, "mitra_lain": 200}.get(
            user, 403
        ),
        "admin": {None: 302, "admin": 200}.get(user, 403),
    }
    return table[path_kind]


ROUTES = [
    ("/", "public"),
    ("/public/register", "public"),
    ("/public/register.json", "public"),
    ("/public/statistics", "public"),
    ("/public/register/{signed}", "public"),
    ("/tasks/", "login-only"),
    ("/tasks/inbox.json", "login-only"),
    ("/agreements/", "login-only"),
    ("/notifications/", "login-only"),
    ("/notifications/index.json", "login-only"),
    ("/agreements/{signed}", "own-signed"),
    ("/agreements/{signed}/diagram.xml", "own-signed"),
    ("/agreements/{other}", "other"),
    ("/agreements/{other}.json", "other"),
    ("/tasks/{task}", "task"),
    ("/agreements/new", "new"),
    ("/admin/users", "admin"),
]


@pytest.mark.parametrize("user", ROLES, ids=[u or "anonymous" for u in ROLES])
def test_every_route_answers_each_role_as_designed(client, auth, agreements, user):
    if user:
        auth.login_as(user)
    for template, kind in ROUTES:
        path = template.format(**agreements)
        want = expected(kind, user)
        if want == 302 and path.endswith(".json"):
            want = 401
        assert client.get(path).status_code == want, (path, user)


def test_anonymous_reaches_only_public_pages(client, agreements):
    response = client.get(f"/agreements/{agreements['signed']}")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_public_register_lists_signed_agreements_only(client, agreements):
    page = client.get("/public/register").get_data(as_text=True)

    assert "Pengelolaan Waduk Kedung Ombo" in page
    assert "Lahan jagung demo" not in page
    assert client.get(f"/public/register/{agreements['other']}").status_code == 404


def test_public_agreement_never_shows_comments_or_documents(client, auth, agreements):
    auth.login_as("pem")
    auth.post(f"/agreements/{agreements['signed']}/comments", {"body": "Rahasia dapur"})
    auth.logout()

    data = client.get(f"/public/register/{agreements['signed']}.json").get_json()

    assert "Rahasia dapur" not in str(data)
    assert set(data["agreement"]) >= {"title", "partner", "signed_on"}
    assert "comments" not in data and "documents" not in data


def test_partner_never_sees_another_partners_agreement(client, auth, agreements):
    auth.login_as("mitra_ut")

    listed = client.get("/agreements/index.json").get_json()["agreements"]
    inbox = client.get("/tasks/inbox.json").get_json()["rows"]

    assert [a["id"] for a in listed] == [agreements["signed"]]
    assert inbox == []
    assert client.get(f"/agreements/{agreements['other']}").status_code == 404
