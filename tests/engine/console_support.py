"""What the supervisor console, repair and digest tests share.

The ``console`` diagram (defs/console.bpmn) runs: draft (opd, due in 5
days) -> check (script) -> review (hukum, due in 3 days) -> reply (message
``partner_reply``) -> cool (timer, 2 days) -> settle (script) -> sign (opd,
undated). The two scripts call ``check_fee`` and ``settle_terms``, which
fail while a test says so.
"""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from engine import Actor
from engine.store.models import Agreement
from engine.store.models import Instance
from engine.store.models import User

CONSOLE = Path(__file__).parent / "defs" / "console.bpmn"
OPD = Actor("siti", {"opd"})
HUKUM = Actor("hana", {"hukum"})
KABAG = Actor("kabag", {"supervisor"})
#: Both lanes, to walk an instance along.
CLERK = Actor("clerk", {"opd", "hukum"})


class Services:
    """The script functions, with a switch to make each one fail."""

    def __init__(self) -> None:
        self.failing: set[str] = set()

    def functions(self) -> dict:
        return {"check_fee": self.check_fee, "settle_terms": self.settle_terms}

    def check_fee(self) -> bool:
        if "check_fee" in self.failing:
            raise RuntimeError("the fee service is down")
        return True

    def settle_terms(self) -> bool:
        if "settle_terms" in self.failing:
            raise RuntimeError("the settlement service is down")
        return True


def open_task(engine, instance_id: int, element: str | None = None):
    tasks = engine.list_tasks(instance_id=instance_id)
    if element is not None:
        tasks = [t for t in tasks if t.spec_name == element]
    assert len(tasks) == 1, tasks
    return tasks[0]


def walk_to(engine, instance_id: int, element: str) -> None:
    """Complete tasks and deliver the message until ``element`` waits."""
    for step in ("draft", "review", "reply"):
        if step == element:
            return
        if step == "reply":
            engine.send_message("partner_reply", actor=CLERK, instance_id=instance_id)
        else:
            task = open_task(engine, instance_id, step)
            engine.complete_task(task.id, {}, actor=CLERK)


def add_user(engine, username: str, roles, active: bool = True) -> None:
    with engine.db.write() as connection:
        connection.execute(
            sa.insert(User.__table__).values(
                username=username,
                full_name=username.title(),
                password_hash="-",
                roles=sorted(roles),
                active=int(active),
                failed_logins=0,
                created_at=datetime(2025, 1, 1, tzinfo=UTC),
            )
        )


def add_agreement(engine, instance_id: int, **values) -> None:
    """A register row, as the register would write it for a lifecycle."""
    row = {
        "instance_id": instance_id,
        "judul": "",
        "status": "usulan",
        "synced_version": 0,
        "updated_at": datetime(2025, 1, 1, tzinfo=UTC),
        "dokumen": [],
        **values,
    }
    with engine.db.write() as connection:
        connection.execute(sa.insert(Agreement.__table__).values(**row))
        connection.execute(
            sa.update(Instance.__table__)
            .where(Instance.id == instance_id)
            .values(opd=row.get("opd_pemrakarsa"), partner_kind=row.get("jenis_mitra"))
        )
