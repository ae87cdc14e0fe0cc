"""Every error answers with the one JSON shape, or an error page."""

import pytest

SHAPE = {"ok", "status", "title", "error", "errors"}


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/public/register/999.json", 404),
        ("/agreements/999.json", 401),
        ("/tasks/inbox.json", 401),
        ("/no-such-page.json", 404),
    ],
    ids=["missing-agreement", "needs-login", "inbox-needs-login", "no-route"],
)
def test_error_json_has_one_shape(client, path, status):
    response = client.get(path, headers={"Accept": "application/json"})

    assert response.status_code == status
    body = response.get_json()
    assert set(body) == SHAPE
    assert body["ok"] is False and body["status"] == status


def test_missing_task_is_404_for_logged_in_user(client, auth):
    auth.login_as("pem")

    response = client.get("/tasks/nope.json")

    assert response.status_code == 404
    assert set(response.get_json()) == SHAPE


def test_error_page_is_html_in_indonesian(client):
    response = client.get("/public/register/999")

    assert response.status_code == 404
    assert "Halaman tidak ditemukan." in response.get_data(as_text=True)


def test_post_without_csrf_token_is_refused(client, auth):
    auth.login_as("pem")

    response = client.post("/auth/logout", data={})

    assert response.status_code == 400
