"""The agreement register (buku agenda kerja sama).

Each instance of the lifecycle process is one agreement. Its register row is
*derived* from the instance's data, the same way the task index is:

* service tasks ``register.update`` return the new register fields (with a
  ``status``) and the step keeps them in the result variable ``register``;
  ``register.compute_term`` and ``register.freeze`` return values the
  diagrams keep the same way. No operation writes to the database, so a
  step's writes stay one transaction and a step that fails leaves nothing.
* :func:`refresh` writes the rows of the instances that changed since their
  row was written (the instance's lock counter is kept in the row), each in
  its own short transaction. It is idempotent; the CLI calls it before it
  reads, and the web app and scheduler call it after their steps.
* the stage (``tahap``) of an active agreement names its open tasks, else
  the messages it waits for, else the day its next timer is due
  ("Menunggu jadwal 2025-12-15"). A message boundary event, such as P5's
  ``pemutusan_dini``, is not waited for: the work it is attached to is.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from calendar import monthrange
from datetime import date
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent

from .clock import current_time
from .process_settings import WIB
from .store.models import Agreement
from .store.models import Instance
from .store.models import Subscription
from .store.models import Timer

logger = logging.getLogger(__name__)

AGREEMENTS = Agreement.__table__
INSTANCES = Instance.__table__
SUBSCRIPTIONS = Subscription.__table__
TIMERS = Timer.__table__
#: The processes whose instances are agreements.
REGISTER_PROCESSES = ("kerjasama",)

#: Register column <- instance data key.
FIELDS = {
    "jenis": "jenis",
    "judul": "judul",
    "mitra": "nama_mitra",
    "jenis_mitra": "jenis_mitra",
    "opd_pemrakarsa": "opd_pemrakarsa",
    "bidang": "bidang",
    "ruang_lingkup": "ruang_lingkup",
    "nilai_apbd": "nilai_apbd",
    "dianggarkan_apbd": "dianggarkan_apbd",
    "beban_masyarakat": "beban_masyarakat",
    "rantai_dokumen": "rantai_dokumen",
    "dokumen_aktif": "dokumen_aktif",
    "nomor_induk": "nomor_induk",
}
DATES = ("tanggal_ttd", "tanggal_mulai", "tanggal_berakhir")


def record(data: dict[str, Any], status: str | None = None) -> dict[str, Any]:
    """Return the register fields that instance ``data`` holds."""
    row = {column: data.get(key) for column, key in FIELDS.items()}
    signed = list(data.get("dokumen_selesai") or [])
    row["dokumen"] = signed
    last = signed[-1] if signed else {}
    for key in ("nomor_pemkab", "nomor_mitra", "tanggal_ttd", "tempat_ttd"):
        row[key] = last.get(key) or data.get(key)
    row["tanggal_mulai"] = data.get("tanggal_mulai")
    row["tanggal_berakhir"] = data.get("tanggal_berakhir")
    row["status"] = status or (data.get("register") or {}).get("status") or "usulan"
    return row


def update(params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """``register.update``: the register fields with the new ``status``."""
    status = str(params.get("status") or "").strip()
    if not status:
        raise ValueError("register.update needs a 'status' parameter.")
    return record(data, status)


def add_months(start: date, months: int) -> date:
    """The day before the same day ``months`` later: a term's last day."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day = min(start.day, monthrange(year, month)[1])
    return date(year, month, day) - timedelta(days=1)


def compute_term(params: dict[str, Any], data: dict[str, Any]) -> dict[str, str]:
    """``register.compute_term``: the start and end dates of the term.

    The end date the signed text states wins; otherwise it is the start
    date plus ``jangka_waktu_bulan`` months, less one day.
    """
    start = date.fromisoformat(str(params["tanggal_mulai"]))
    stated = params.get("tanggal_berakhir")
    if stated:
        end = date.fromisoformat(str(stated))
    else:
        end = add_months(start, int(params["jangka_waktu_bulan"]))
    if end < start:
        raise ValueError(
            f"The end date {end} is before the start date {start}. Fix the "
            "dates in Penomoran dan Registrasi."
        )
    return {"tanggal_mulai": start.isoformat(), "tanggal_berakhir": end.isoformat()}


def freeze(params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """``register.freeze``: lock the agreed text by its fingerprint."""
    text = {k: params.get(k) for k in ("dokumen", "versi", "berkas")}
    digest = hashlib.sha256(json.dumps(text, sort_keys=True).encode()).hexdigest()
    return {**text, "sidik": digest, "dikunci": current_time().isoformat()}


# -- writing the rows ------------------------------------------------------


def _date(value: Any) -> date | None:
    if not value:
        return None
    return date.fromisoformat(str(value)[:10])


def _stage(engine, instance_id: int, ended: bool) -> str | None:
    if ended:
        return None
    titles = [t.title for t in engine.list_tasks(instance_id=instance_id)]
    if titles:
        return "; ".join(sorted(set(titles)))[:500]
    with engine.db.read() as connection:
        subscriptions = connection.execute(
            sa.select(SUBSCRIPTIONS.c.task_id, SUBSCRIPTIONS.c.message).where(
                SUBSCRIPTIONS.c.instance_id == instance_id
            )
        ).all()
        due = connection.scalar(
            sa.select(sa.func.min(TIMERS.c.due_at)).where(
                TIMERS.c.instance_id == instance_id
            )
        )
    awaited = _awaited(engine, instance_id, subscriptions)
    if awaited:
        return "Menunggu pesan: " + ", ".join(sorted(awaited))
    if due is not None:
        return "Menunggu jadwal " + due.astimezone(WIB).date().isoformat()
    return "Menunggu jadwal"


def _awaited(engine, instance_id: int, subscriptions) -> set[str]:
    """The messages the instance cannot go on without.

    A message boundary event (``pemutusan_dini`` on P5's monev) only
    listens while the work it is attached to goes on, so the stage names
    what the work waits for instead.
    """
    if not subscriptions:
        return set()
    loaded = engine.stepper.load(instance_id)
    try:
        workflow = loaded.workflow
        awaited = set()
        for task_id, message in subscriptions:
            task = workflow.get_task_from_id(uuid.UUID(task_id))
            if task is None or not isinstance(task.task_spec, BoundaryEvent):
                awaited.add(message)
        return awaited
    finally:
        engine.stepper.cache.put(loaded)


def latest_data(engine, instance_id: int) -> dict[str, Any]:
    """The data of the newest step, looking inside called processes too."""
    return engine.instance_data(instance_id)


def sync(engine, instance_id: int) -> None:
    """Write the register row of one instance from its data."""
    info = engine.get_instance(instance_id)
    data = latest_data(engine, instance_id)
    row = record(data)
    if info.status == "cancelled":
        row["status"] = "dibatalkan"
    for key in DATES:
        row[key] = _date(row[key])
    row["nilai_apbd"] = (
        int(row["nilai_apbd"]) if row["nilai_apbd"] is not None else None
    )
    row.update(
        instance_id=instance_id,
        business_key=info.business_key,
        judul=row["judul"] or "",
        tahap=_stage(engine, instance_id, info.status != "active"),
        synced_version=info.lock_version,
        updated_at=engine.clock.now(),
    )
    with engine.db.write() as connection:
        if row["nomor_induk"]:
            row["induk_id"] = connection.scalar(
                sa.select(AGREEMENTS.c.id).where(
                    AGREEMENTS.c.nomor_pemkab == row["nomor_induk"],
                    AGREEMENTS.c.instance_id != instance_id,
                )
            )
        done = connection.execute(
            sa.update(AGREEMENTS)
            .where(AGREEMENTS.c.instance_id == instance_id)
            .values(**row)
        )
        if done.rowcount == 0:
            connection.execute(sa.insert(AGREEMENTS).values(**row))
        # The console groups running instances by these two without
        # reading the register (see Instance.opd).
        connection.execute(
            sa.update(INSTANCES)
            .where(INSTANCES.c.id == instance_id)
            .values(opd=row["opd_pemrakarsa"], partner_kind=row["jenis_mitra"])
        )


def refresh(engine, processes=REGISTER_PROCESSES) -> int:
    """Sync every agreement whose instance changed; return how many."""
    query = (
        sa.select(INSTANCES.c.id)
        .select_from(
            INSTANCES.outerjoin(AGREEMENTS, AGREEMENTS.c.instance_id == INSTANCES.c.id)
        )
        .where(
            INSTANCES.c.process_id.in_(processes),
            sa.or_(
                AGREEMENTS.c.id.is_(None),
                AGREEMENTS.c.synced_version != INSTANCES.c.lock_version,
            ),
        )
        .order_by(INSTANCES.c.id)
    )
    with engine.db.read() as connection:
        changed = connection.scalars(query).all()
    for instance_id in changed:
        sync(engine, instance_id)
    if changed:
        logger.info("Register refreshed: %s agreement(s)", len(changed))
    return len(changed)


def list_agreements(engine, status: str | None = None) -> list[dict[str, Any]]:
    """The register rows, oldest first, after a refresh."""
    refresh(engine)
    query = sa.select(AGREEMENTS).order_by(AGREEMENTS.c.id)
    if status:
        query = query.where(AGREEMENTS.c.status == status)
    with engine.db.read() as connection:
        return [dict(row._mapping) for row in connection.execute(query)]


def setup(options, config) -> None:
    """Register the ``register.*`` service operations."""
    options.services.register("register.update", update)
    options.services.register("register.compute_term", compute_term)
    options.services.register("register.freeze", freeze)
