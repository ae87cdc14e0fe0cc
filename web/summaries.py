"""The agreement data the pages show: the register row, else the instance data.

An instance of a register process (:data:`engine.register.REGISTER_PROCESSES`)
has a row in the agreement register once :func:`engine.register.refresh`
has run; while that row is current (written at the instance's lock
counter), the summary is read from it (:data:`REGISTER_FIELDS`) and the
instance is not loaded. Any other instance, or one whose row lags behind,
is summarized from its data keys in :data:`FIELDS`. A summary is cached per
instance and lock counter, so a page that lists many agreements reads each
one once until it changes.

An agreement is public once it has been signed: its data holds
``tanggal_ttd``. Drafts, comments and documents never appear in a public
summary.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from typing import Any

import sqlalchemy as sa

from engine import Engine
from engine import InstanceInfo
from engine import register

#: Summary name -> the instance data keys it is read from, first found wins.
FIELDS = {
    "title": ("judul",),
    "number": ("nomor", "nomor_dokumen", "nomor_pemkab"),
    "kind": ("jenis",),
    "field": ("bidang",),
    "partner": ("mitra", "nama_mitra"),
    "opd": ("opd_pemrakarsa", "opd"),
    "scope": ("ruang_lingkup", "objek"),
    "signed_on": ("tanggal_ttd",),
    "ends_on": ("tanggal_berakhir",),
    "value": ("nilai_apbd", "nilai"),
}
#: Summary name -> register column.
REGISTER_FIELDS = {
    "title": "judul",
    "number": "nomor_pemkab",
    "kind": "jenis",
    "field": "bidang",
    "partner": "mitra",
    "opd": "opd_pemrakarsa",
    "scope": "ruang_lingkup",
    "signed_on": "tanggal_ttd",
    "ends_on": "tanggal_berakhir",
    "value": "nilai_apbd",
}
#: Keys shown to the public; the rest of the summary stays inside.
PUBLIC = (
    "id",
    "title",
    "number",
    "kind",
    "field",
    "partner",
    "scope",
    "signed_on",
    "ends_on",
    "status",
    "year",
)

#: Per engine (so per database): (instance id, lock counter) -> summary.
_caches: weakref.WeakKeyDictionary[
    Engine, OrderedDict[tuple[int, int], dict[str, Any]]
] = weakref.WeakKeyDictionary()
_lock = threading.Lock()
_CACHE_SIZE = 5000


def _pick(data: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = data.get(key)
        if isinstance(value, dict):
            value = value.get("nama") or value.get("name")
        if value not in (None, ""):
            return value
    return None


def summarize(info: InstanceInfo, data: dict[str, Any]) -> dict[str, Any]:
    """Return the summary of an instance from its data."""
    summary = {name: _pick(data, keys) for name, keys in FIELDS.items()}
    summary["stage"] = None
    return _complete(info, summary)


def summarize_row(info: InstanceInfo, row: dict[str, Any]) -> dict[str, Any]:
    """Return the summary of an instance from its register row."""
    summary = {name: row.get(column) for name, column in REGISTER_FIELDS.items()}
    for name in ("signed_on", "ends_on"):
        if summary[name] is not None:
            summary[name] = summary[name].isoformat()
    summary["stage"] = row.get("tahap")
    return _complete(info, summary)


def _complete(info: InstanceInfo, summary: dict[str, Any]) -> dict[str, Any]:
    summary["id"] = info.id
    summary["title"] = summary["title"] or info.business_key or f"#{info.id}"
    summary["number"] = summary["number"] or info.business_key
    summary["process_id"] = info.process_id
    summary["created_by"] = info.created_by
    summary["created_at"] = info.created_at
    summary["instance_status"] = info.status
    summary["status"] = _status(info, summary)
    signed = str(summary["signed_on"] or "")
    summary["year"] = int(signed[:4]) if signed[:4].isdigit() else None
    return summary


def _status(info: InstanceInfo, summary: dict[str, Any]) -> str:
    if info.status == "cancelled":
        return "cancelled"
    if summary["signed_on"]:
        return "ended" if info.status == "completed" else "signed"
    return "closed" if info.status == "completed" else "in-progress"


def get_summary(engine: Engine, instance_id: int) -> dict[str, Any]:
    """The summary of one agreement.

    :raise InstanceNotFound: there is no such instance.
    """
    return summary_of(engine, engine.get_instance(instance_id))


def summary_of(
    engine: Engine, info: InstanceInfo, rows: dict[int, dict] | None = None
) -> dict[str, Any]:
    """The summary of the instance ``info``.

    :param rows: register rows by instance id, when the caller read them
        already; otherwise the instance's row is looked up.
    """
    key = (info.id, info.lock_version)
    with _lock:
        cache = _caches.setdefault(engine, OrderedDict())
        found = cache.get(key)
    if found is not None:
        return found
    if rows is None:
        rows = register_rows(engine, [info.id])
    row = rows.get(info.id)
    if row is not None and row["synced_version"] == info.lock_version:
        summary = summarize_row(info, row)
    else:
        summary = summarize(info, engine.instance_data(info.id))
    with _lock:
        cache[key] = summary
        while len(cache) > _CACHE_SIZE:
            cache.popitem(last=False)
    return summary


def list_summaries(engine: Engine) -> list[dict[str, Any]]:
    """Summaries of every agreement, newest first.

    A called process runs inside its caller's instance, so each instance is
    one agreement.
    """
    rows = register_rows(engine)
    return [
        summary_of(engine, info, rows) for info in engine.list_instances(limit=None)
    ]


def register_rows(engine: Engine, instance_ids=None) -> dict[int, dict[str, Any]]:
    """The register rows by instance id (of ``instance_ids``, or all)."""
    table = register.AGREEMENTS
    query = sa.select(table)
    if instance_ids is not None:
        query = query.where(table.c.instance_id.in_(list(instance_ids)))
    with engine.db.read() as connection:
        return {
            row.instance_id: dict(row._mapping) for row in connection.execute(query)
        }


def public_summary(summary: dict[str, Any]) -> dict[str, Any]:
    return {key: summary.get(key) for key in PUBLIC}


def is_public(summary: dict[str, Any]) -> bool:
    return summary["status"] in ("signed", "ended")


def same_partner(summary: dict[str, Any], partner: str | None) -> bool:
    """Tell whether ``partner`` (a user's institution) is the agreement's."""
    theirs = summary.get("partner")
    if not partner or not theirs:
        return False
    return str(theirs).strip().casefold() == partner.strip().casefold()
