"""Logging in and out; failed logins are limited."""

from webtools import PASSWORD


def test_login_and_logout(client, auth):
    response = auth.login_as("pem")

    assert response.status_code == 302
    assert response.headers["Location"] == "/tasks/"
    assert client.get("/tasks/").status_code == 200
    auth.logout()
    assert client.get("/tasks/").status_code == 302


def test_wrong_password_is_refused_in_indonesian(client, auth):
    response = auth.login_as("pem", "salah-salah")

    assert response.status_code == 401
    assert "Nama pengguna atau kata sandi salah." in response.get_data(as_text=True)


def test_account_locks_after_repeated_failures(client, auth, app):
    for _ in range(app.config["LOGIN_ATTEMPTS"]):
        auth.login_as("pem", "salah-salah")

    response = auth.login_as("pem", PASSWORD)

    assert response.status_code == 429


def test_login_does_not_redirect_off_site(client, auth):
    client.get("/auth/login")
    response = auth.post(
        "/auth/login?next=//evil.example/", {"username": "pem", "password": PASSWORD}
    )

    assert response.headers["Location"] == "/tasks/"


def test_session_cookie_is_http_only(client, auth):
    response = auth.login_as("pem")

    assert "HttpOnly" in response.headers["Set-Cookie"]


def test_admin_creates_a_user_with_roles(client, auth):
    auth.login_as("admin")

    response = auth.post(
        "/admin/users",
        {"username": "siti", "password": "panjang-sekali", "roles": ["Bagian Hukum"]},
    )
    auth.logout()

    assert response.status_code == 302
    assert auth.login_as("siti", "panjang-sekali").status_code == 302


def test_admin_rejects_a_short_password(client, auth):
    auth.login_as("admin")

    response = auth.post("/admin/users", {"username": "budi", "password": "pendek"})

    assert response.status_code == 400
