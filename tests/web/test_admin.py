"""The admin page: editing a user's roles."""

import pytest

from web.users import find_user


def test_admin_changes_a_users_roles(client, auth, engine):
    user = find_user(engine.db, "pem")
    auth.login_as("admin")

    response = auth.post(
        f"/admin/users/{user.id}", {"roles": ["Bagian Pemerintahan", "supervisor"]}
    )
    page = client.get("/admin/users").get_data(as_text=True)

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/users"
    assert find_user(engine.db, "pem").roles == {"Bagian Pemerintahan", "supervisor"}
    assert "Peran disimpan." in page


def test_admin_role_edit_ignores_unknown_roles(client, auth, engine):
    user = find_user(engine.db, "pem")
    auth.login_as("admin")

    auth.post(f"/admin/users/{user.id}", {"roles": ["supervisor", "raja"]})

    assert find_user(engine.db, "pem").roles == {"supervisor"}


@pytest.mark.parametrize(
    ("roles", "partner"),
    [(["Mitra"], ""), (["Mitra", "supervisor"], "Universitas Terbuka")],
    ids=["partner-without-institution", "partner-with-staff-role"],
)
def test_admin_role_edit_rejects_a_bad_partner(client, auth, engine, roles, partner):
    user = find_user(engine.db, "pem")
    auth.login_as("admin")

    response = auth.post(
        f"/admin/users/{user.id}", {"roles": roles, "partner": partner}
    )

    assert response.status_code == 400
    assert find_user(engine.db, "pem").roles == {"Bagian Pemerintahan"}


def test_role_edit_needs_the_admin_role(client, auth, engine):
    user = find_user(engine.db, "pem")
    auth.login_as("supervisor")

    response = auth.post(f"/admin/users/{user.id}", {"roles": ["supervisor"]})

    assert response.status_code == 403
    assert find_user(engine.db, "pem").roles == {"Bagian Pemerintahan"}
