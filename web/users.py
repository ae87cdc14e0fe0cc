"""Local user accounts: hashed passwords, roles, failed-login locks.

Roles are lane names (each a role in the processes) plus
:data:`STAFF_ROLES`. A user with the :data:`PARTNER_ROLE` lane speaks for
one partner institution, named in ``partner``, and acts only on that
institution's agreements.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from engine import Actor
from engine import InvalidInput
from engine import NotFound
from engine.store import Database
from engine.store.models import User

USERS = User.__table__
PARTNER_ROLE = "Mitra"
PROPOSER_ROLE = "OPD Pemrakarsa"
STAFF_ROLES = ("supervisor", "designer", "admin")
MIN_PASSWORD = 8
#: Checked against when the user does not exist, so that a wrong name costs
#: as much time as a wrong password.
#: How passwords are hashed: a werkzeug method string. The test suite
#: lowers the cost, which is the whole of a web test's set-up otherwise.
PASSWORD_METHOD = "scrypt"
_DUMMY_HASH = generate_password_hash("not-a-password", method=PASSWORD_METHOD)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class UserInfo:
    id: int
    username: str
    full_name: str
    roles: frozenset[str]
    partner: str | None
    active: bool

    @property
    def actor(self) -> Actor:
        return Actor(self.username, self.roles)

    @property
    def is_partner(self) -> bool:
        return PARTNER_ROLE in self.roles

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    @property
    def is_staff(self) -> bool:
        """Regency staff: anyone who is not a partner."""
        return not self.is_partner

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


def _info(row: Any) -> UserInfo:
    return UserInfo(
        id=row.id,
        username=row.username,
        full_name=row.full_name,
        roles=frozenset(row.roles or ()),
        partner=row.partner,
        active=bool(row.active),
    )


def _check(username: str, password: str | None, roles, partner) -> dict:
    errors: dict[str, list[str]] = {}
    if (
        not username
        or len(username) > 100
        or not username.replace(".", "").replace("_", "").replace("-", "").isalnum()
    ):
        errors["username"] = ["Use letters, digits, '.', '_' or '-' (at most 100)."]
    if password is not None and len(password) < MIN_PASSWORD:
        errors["password"] = [f"Use at least {MIN_PASSWORD} characters."]
    if PARTNER_ROLE in roles and not (partner or "").strip():
        errors["partner"] = ["Name the partner institution of a partner user."]
    if PARTNER_ROLE in roles and len(roles) > 1:
        errors["roles"] = ["A partner user holds the partner role only."]
    return errors


def create_user(
    db: Database,
    username: str,
    password: str,
    roles,
    *,
    now: datetime,
    full_name: str = "",
    partner: str | None = None,
) -> int:
    """Create a user and return its id.

    :raise InvalidInput: the name is taken or malformed, the password is
        too short, or a partner user names no institution.
    """
    roles = sorted(set(roles))
    errors = _check(username, password, roles, partner)
    if not errors and find_user(db, username) is not None:
        errors["username"] = [f"The user name {username!r} is taken."]
    if errors:
        raise InvalidInput(f"Cannot create user {username!r}.", errors)
    with db.write() as connection:
        user_id = connection.execute(
            sa.insert(USERS).values(
                username=username,
                full_name=full_name,
                password_hash=generate_password_hash(password, method=PASSWORD_METHOD),
                roles=roles,
                partner=(partner or "").strip() or None,
                active=1,
                failed_logins=0,
                created_at=now,
            )
        ).inserted_primary_key[0]
    logger.info("User created: %s %s", username, roles)
    return user_id


def update_user(db: Database, user_id: int, roles, partner: str | None) -> None:
    """Replace a user's roles and partner institution.

    :raise InvalidInput: the roles and partner do not fit together.
    """
    roles = sorted(set(roles))
    user = get_user(db, user_id)
    errors = _check(user.username, None, roles, partner)
    if errors:
        raise InvalidInput(f"Cannot change user {user.username!r}.", errors)
    with db.write() as connection:
        connection.execute(
            sa.update(USERS)
            .where(USERS.c.id == user_id)
            .values(roles=roles, partner=(partner or "").strip() or None)
        )
    logger.info("User roles changed: %s %s", user.username, roles)


def find_user(db: Database, username: str) -> UserInfo | None:
    with db.read() as connection:
        row = connection.execute(
            sa.select(USERS).where(USERS.c.username == username)
        ).first()
    return None if row is None else _info(row)


def get_user(db: Database, user_id: int) -> UserInfo:
    """:raise NotFound: there is no such user."""
    with db.read() as connection:
        row = connection.execute(sa.select(USERS).where(USERS.c.id == user_id)).first()
    if row is None:
        raise NotFound(f"There is no user {user_id}.")
    return _info(row)


def list_users(db: Database) -> list[UserInfo]:
    with db.read() as connection:
        rows = connection.execute(sa.select(USERS).order_by(USERS.c.username))
        return [_info(row) for row in rows]


def authenticate(
    db: Database,
    username: str,
    password: str,
    *,
    now: datetime,
    attempts: int,
    lock: timedelta,
) -> tuple[UserInfo | None, bool]:
    """Check a login; return ``(user or None, locked)``.

    Each failure counts against the account; after ``attempts`` failures in
    a row it is locked for ``lock``, and even the right password fails.
    """
    with db.read() as connection:
        row = connection.execute(
            sa.select(USERS).where(USERS.c.username == username)
        ).first()
    if row is None or not row.active:
        check_password_hash(_DUMMY_HASH, password)
        return None, False
    if row.locked_until is not None and row.locked_until > now:
        return None, True
    if not check_password_hash(row.password_hash, password):
        failures = row.failed_logins + 1
        values: dict[str, Any] = {"failed_logins": failures}
        if failures >= attempts:
            values = {"failed_logins": 0, "locked_until": now + lock}
            logger.warning("Login locked: %s after %s failures", username, failures)
        with db.write() as connection:
            connection.execute(
                sa.update(USERS).where(USERS.c.id == row.id).values(**values)
            )
        return None, failures >= attempts
    if row.failed_logins or row.locked_until is not None:
        with db.write() as connection:
            connection.execute(
                sa.update(USERS)
                .where(USERS.c.id == row.id)
                .values(failed_logins=0, locked_until=None)
            )
    return _info(row), False


def load_users_file(
    db: Database, path: Path, *, now: datetime, password: str | None = None
) -> int:
    """Create the users listed in a JSON file; skip names that exist.

    The file holds a list of objects with ``username``, ``roles`` and
    optionally ``password``, ``full_name`` and ``partner``. Return how many
    users were created.

    :param password: the password of entries that give none.
    :raise InvalidInput: an entry has no password and ``password`` is None.
    """
    entries = json.loads(Path(path).read_text(encoding="utf-8"))
    if isinstance(entries, dict):
        entries = entries.get("users", [])
    created = 0
    for entry in entries:
        if find_user(db, entry["username"]) is not None:
            continue
        if not entry.get("password") and password is None:
            raise InvalidInput(
                f"User {entry['username']!r} in {str(path)!r} has no password.",
                {"password": ["Give a password for the users the file gives none."]},
            )
        create_user(
            db,
            entry["username"],
            entry.get("password") or password,
            entry.get("roles", []),
            now=now,
            full_name=entry.get("full_name") or entry.get("name", ""),
            partner=entry.get("partner"),
        )
        created += 1
    return created
