"""The web's commands: create-user and load-users."""

import json

import pytest
from click.testing import CliRunner

from web.commands import create_user
from web.commands import load_users
from web.users import find_user


@pytest.fixture
def invoke(engine, database_url, tmp_path):
    """Run a command against the test app's database."""
    env = {
        "EKERJASAMA_DATABASE_URL": database_url,
        "EKERJASAMA_INSTANCE_PATH": str(tmp_path / "instance"),
    }

    def run(command, *args):
        return CliRunner().invoke(command, list(args), env=env)

    return run


def test_create_user_makes_a_user_who_can_log_in(invoke, engine, auth):
    result = invoke(
        create_user,
        "kabag",
        "--role",
        "Bagian Pemerintahan",
        "--role",
        "supervisor",
        "--full-name",
        "Kepala Bagian",
        "--password",
        "kata-sandi-panjang",
    )
    login = auth.login_as("kabag", "kata-sandi-panjang")

    assert result.exit_code == 0, result.output
    assert result.output == (
        "Created user kabag with roles Bagian Pemerintahan, supervisor.\n"
    )
    assert find_user(engine.db, "kabag").roles == {"Bagian Pemerintahan", "supervisor"}
    assert login.status_code == 302


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("pendek", "--password", "abc"), "password: Use at least 8 characters."),
        (("opd", "--password", "kata-sandi-panjang"), "The user name 'opd' is taken."),
        (
            ("mitra", "--role", "Mitra", "--password", "kata-sandi-panjang"),
            "partner: Name the partner institution of a partner user.",
        ),
    ],
    ids=["short-password", "taken-name", "partner-without-institution"],
)
def test_create_user_names_what_is_wrong(invoke, args, message):
    result = invoke(create_user, *args)

    assert result.exit_code == 1
    assert message in result.output


def test_load_users_creates_new_names_only(invoke, engine, tmp_path):
    path = tmp_path / "users.json"
    path.write_text(
        json.dumps(
            [
                {"username": "opd", "password": "kata-sandi-panjang", "roles": []},
                {
                    "username": "tkksd",
                    "password": "kata-sandi-panjang",
                    "roles": ["TKKSD"],
                    "full_name": "Sekretariat TKKSD",
                },
            ]
        )
    )

    first = invoke(load_users, str(path))
    again = invoke(load_users, str(path))

    assert first.output == f"Created 1 user(s) from {path}.\n"
    assert again.output == f"Created 0 user(s) from {path}.\n"
    assert find_user(engine.db, "tkksd").full_name == "Sekretariat TKKSD"


def test_load_users_needs_a_password_for_entries_without_one(invoke, engine, tmp_path):
    path = tmp_path / "users.json"
    path.write_text(json.dumps([{"username": "bupati", "roles": ["Bupati"]}]))

    refused = invoke(load_users, str(path))
    loaded = invoke(load_users, str(path), "--password", "kata-sandi-panjang")

    assert refused.exit_code == 1
    assert "'bupati'" in refused.output and "has no password" in refused.output
    assert loaded.exit_code == 0, loaded.output
    assert find_user(engine.db, "bupati").roles == {"Bupati"}
