"""Fixtures for the web app: an app per test on a fresh database.

The app runs the small ``usulan_uji`` process in ``defs/`` with its forms in
``forms/``, so these tests do not change when the real processes do. One
user per role is created; ``login_as(name)`` logs the client in.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from webtools import PASSWORD
from webtools import close_app
from webtools import make_app

from web import users
from web.db import get_engine

HERE = Path(__file__).parent
TRANSLATIONS = HERE.parents[1] / "web" / "translations"


def compile_translations() -> None:
    """Compile the .po catalogs the way scripts/test does, if stale."""
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source)
        with mo.open("wb") as target:
            write_mo(target, catalog)


@pytest.fixture(scope="session", autouse=True)
def translations():
    compile_translations()


@pytest.fixture(scope="session", autouse=True)
def cheap_passwords():
    """Hash test passwords with a cheap method: scrypt costs 0.2 s a user."""
    saved = users.PASSWORD_METHOD
    users.PASSWORD_METHOD = "pbkdf2:sha256:1000"
    yield
    users.PASSWORD_METHOD = saved


@pytest.fixture
def app(database_url, tmp_path):
    app = make_app(database_url, tmp_path / "instance")
    yield app
    close_app(app)


def get_engine_of(app):
    with app.app_context():
        return get_engine()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class Session:
    """Log the test client in and out, and send forms with the CSRF token."""

    def __init__(self, client):
        self.client = client

    def login_as(self, username: str, password: str = PASSWORD):
        self.client.get("/auth/login")
        return self.post("/auth/login", {"username": username, "password": password})

    def logout(self):
        return self.post("/auth/logout")

    def token(self) -> str:
        with self.client.session_transaction() as session:
            if "csrf_token" not in session:
                session["csrf_token"] = "t" * 43
            return session["csrf_token"]

    def post(self, path: str, data: dict | None = None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token())
        return self.client.post(path, data=data, **kwargs)


@pytest.fixture
def auth(client):
    return Session(client)


@pytest.fixture
def engine(app):
    return get_engine_of(app)
