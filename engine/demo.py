"""Demo data: sixteen agreements brought to their stages by running the processes.

:file:`demo/agreements.json` lists the agreements (the six signed on 12 June
2025 and ten invented ones, each with ``"fiktif"``) and the answers officers
give. :func:`load_demo` starts each agreement that is not there yet (by its
business key) and answers whatever task is open, as the user of
:file:`demo/users.json` holding the task's lane, with a
:class:`~engine.clock.MovableClock` placed at a plausible date for every step:

* a task is answered ``jeda_hari`` days after the previous step, except the
  Bupati's signature, which waits for the document's ``tanggal_ttd``, and the
  steps the signing day also holds;
* with nothing open, the partner's awaited message is sent, or else the clock
  moves to the next due timer, until ``tanggal_demo``;
* an agreement stops at ``berhenti_di`` (after ``putaran`` openings of it), at
  a task the answers do not cover, or at ``tanggal_demo``.

Nothing is written to the tables directly; every row comes from a step.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from datetime import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from . import register
from .forms import FormLibrary
from .process_settings import WIB
from .records import Actor
from .store.models import Subscription
from .store.models import Timer

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "demo"
PROCESS = "kerjasama"
#: Steps done on the day of the signature, an hour apart.
SIGNING_DAY = {
    "naskah_ditandatangani_mitra",
    "penomoran_registrasi",
    "unggah_naskah",
    "validasi_naskah",
}


#: Tasks whose answers come from the agreement itself.
_BUILT = {"penomoran_registrasi", "lengkapi_usulan"}


def at(day: str, hour: int = 9) -> datetime:
    """``day`` (ISO date) at ``hour`` WIB."""
    return datetime.combine(datetime.fromisoformat(day).date(), time(hour, tzinfo=WIB))


def _fill(answers: dict[str, Any], when: datetime) -> dict[str, Any]:
    """Put the step's date in for ``{tanggal}`` and last year for ``{tahun_lalu}``."""
    day = when.astimezone(WIB).date()
    values = {"{tanggal}": day.isoformat(), "{tahun_lalu}": day.year - 1}
    return {
        k: values.get(v, v) if isinstance(v, str) else v for k, v in answers.items()
    }


class DemoAgreement:
    """Runs one agreement of the demo file to its stage."""

    def __init__(self, engine, spec: dict, demo: dict, users: dict, forms) -> None:
        self.engine = engine
        self.spec = spec
        self.answers = {**demo["jawaban"], **spec.get("jawaban", {})}
        self.messages = demo["pesan"]
        self.end = at(demo["tanggal_demo"], 17)
        self.users = users
        self.forms = forms
        self.done: dict[str, int] = {}
        self.instance_id = 0

    def run(self) -> None:
        clock = self.engine.clock
        clock.set(at(self.spec["tanggal_usulan"]))
        start = self.forms.validate("mulai_kerjasama", self.spec["mulai"])
        self.instance_id = self.engine.start(
            PROCESS,
            actor=self._actor("Bagian Pemerintahan"),
            business_key=self.spec["kunci"],
            data=start,
        )
        while self._step():
            pass
        self._catch_up(self.end)

    def _step(self) -> bool:
        tasks = self.engine.list_tasks(instance_id=self.instance_id)
        if tasks:
            return self._answer(tasks[0])
        waiting = self._waiting_messages()
        if waiting:
            name = waiting[0]
            self.engine.clock.set(self.engine.clock.now() + timedelta(hours=1))
            self.engine.send_message(
                name,
                actor=self._actor("Mitra"),
                data=self.messages[name],
                instance_id=self.instance_id,
            )
            return True
        due = self._next_timer()
        if due is None or due > self.end:
            return False
        self._catch_up(due)
        return True

    def _answer(self, task) -> bool:
        name = task.spec_name
        count = self.done.get(name, 0)
        stop = self.spec.get("berhenti_di")
        if name == stop and count + 1 >= self.spec.get("putaran", 1):
            return False
        if name not in self.answers and name not in _BUILT:
            return False
        when = self._when(name, count)
        if when > self.end:
            return False
        if self._catch_up(when):
            return True
        data = self._data(name, count, when)
        self.engine.complete_task(task.id, data, actor=self._actor(task.lane))
        self.done[name] = count + 1
        return True

    def _when(self, name: str, count: int) -> datetime:
        now = self.engine.clock.now()
        if name == "ttd_bupati":
            return max(now, at(self._document()["tanggal_ttd"]))
        if name in SIGNING_DAY:
            return now + timedelta(hours=1)
        planned = self.spec.get("jadwal", {}).get(name)
        if planned and count == 0:
            return max(now, at(planned))
        return now + timedelta(days=self.spec.get("jeda_hari", 7))

    def _data(self, name: str, count: int, when: datetime) -> dict[str, Any]:
        if name == "penomoran_registrasi":
            document = self._document()
            answers = {
                "nomor_pemkab": document["nomor_pemkab"],
                "nomor_mitra": document["nomor_mitra"],
                "tanggal_ttd": document["tanggal_ttd"],
                "tempat_ttd": document["tempat_ttd"],
                "tanggal_mulai": document["tanggal_ttd"],
                "tanggal_berakhir_naskah": document.get("tanggal_berakhir"),
            }
        elif name == "lengkapi_usulan":
            start = self.spec["mulai"]
            answers = {
                "judul": start["judul"],
                "nama_mitra": start["nama_mitra"],
                **self.spec["usulan"],
            }
        elif name == "pembahasan_bersama":
            rounds = self.spec.get("ronde_negosiasi", 1)
            agreed = (count + 1) % rounds == 0
            answers = self.answers[name if agreed else "pembahasan_belum_sepakat"]
        else:
            answers = self.answers[name]
        return _fill(answers, when)

    def _document(self) -> dict:
        signed = self.done.get("penomoran_registrasi", 0)
        return self.spec["dokumen"][signed]

    def _catch_up(self, when: datetime) -> int:
        """Move the clock to ``when`` firing every timer due until then."""
        fired = 0
        while True:
            due = self._next_timer()
            if due is None or due > when:
                break
            self.engine.clock.set(max(due, self.engine.clock.now()))
            fired += self.engine.fire_due_timers()
        self.engine.clock.set(max(when, self.engine.clock.now()))
        return fired

    def _next_timer(self) -> datetime | None:
        query = sa.select(sa.func.min(Timer.__table__.c.due_at)).where(
            Timer.__table__.c.instance_id == self.instance_id
        )
        with self.engine.db.read() as connection:
            return connection.scalar(query)

    def _waiting_messages(self) -> list[str]:
        table = Subscription.__table__
        query = sa.select(table.c.message).where(
            table.c.instance_id == self.instance_id
        )
        with self.engine.db.read() as connection:
            return [m for m in connection.scalars(query) if m in self.messages]

    def _actor(self, lane: str | None) -> Actor:
        return Actor(self.users.get(lane, "demo"), {lane} if lane else set())


def read_demo(folder: Path = DEMO) -> tuple[dict, list[dict]]:
    """The agreements file and the users file of ``folder``."""
    demo = json.loads((folder / "agreements.json").read_text(encoding="utf-8"))
    users = json.loads((folder / "users.json").read_text(encoding="utf-8"))
    return demo, users


def lane_users(users: list[dict]) -> dict[str, str]:
    """The first demo user holding each role, by role."""
    chosen: dict[str, str] = {}
    for user in users:
        for role in user["roles"]:
            chosen.setdefault(role, user["username"])
    return chosen


def load_demo(engine, processes: Path, forms: Path, folder: Path = DEMO) -> int:
    """Deploy ``processes`` and run the demo agreements that are missing.

    Return how many agreements were started; the register is refreshed.
    """
    demo, users = read_demo(folder)
    engine.init_db()
    engine.deploy([processes])
    library = FormLibrary(forms)
    created = 0
    for spec in demo["kerja_sama"]:
        if engine.list_instances(business_key=spec["kunci"]):
            continue
        DemoAgreement(engine, spec, demo, lane_users(users), library).run()
        created += 1
        logger.info("Demo agreement loaded: %s", spec["kunci"])
    register.refresh(engine)
    return created
