"""A finding's reason as a sentence, in Indonesian or English.

The console shows these sentences and the weekly digest mails them, so
they live with the engine rather than in the web app's translations.
"""

from __future__ import annotations

from datetime import datetime
from datetime import tzinfo
from typing import TYPE_CHECKING

from .process_settings import WIB

if TYPE_CHECKING:
    from .supervision import Finding

LANGS = ("id", "en")

_SENTENCES = {
    "incident": {
        "id": "Langkah {element} gagal: {message}{attempts}.",
        "en": "Step {element} failed: {message}{attempts}.",
    },
    "task-overdue": {
        "id": "Tugas {element} untuk {who} terlambat {late} (tenggat {due}).",
        "en": "Task {element} for {who} is {late} overdue (due {due}).",
    },
    "due-soon": {
        "id": "Tugas {element} untuk {who} jatuh tempo dalam {left} ({due}).",
        "en": "Task {element} for {who} falls due in {left} ({due}).",
    },
    "unclaimed": {
        "id": "Tugas {element} belum diambil siapa pun di {who} selama {idle}.",
        "en": "Nobody in {who} has claimed task {element} for {idle}.",
    },
    "task-in-sla": {
        "id": "Menunggu tugas {element} oleh {who}, tenggat {due}.",
        "en": "Waiting for task {element} by {who}, due {due}.",
    },
    "task-open": {
        "id": "Menunggu tugas {element} oleh {who}.",
        "en": "Waiting for task {element} by {who}.",
    },
    "message": {
        "id": "Menunggu pesan {message} ({element}).",
        "en": "Waiting for message {message} ({element}).",
    },
    "timer": {
        "id": "Menunggu jadwal {element} pada {timer_due}.",
        "en": "Waiting for timer {element}, due {timer_due}.",
    },
    "suspended": {
        "id": "Ditangguhkan oleh supervisor sejak {since}.",
        "en": "Suspended by a supervisor since {since}.",
    },
    "idle": {
        "id": "Tidak menunggu tugas, pesan, maupun jadwal apa pun.",
        "en": "Not waiting for any task, message or timer.",
    },
}
_UNITS = {
    "id": (("hari", "hari"), ("jam", "jam"), ("menit", "menit")),
    "en": (("day", "days"), ("hour", "hours"), ("minute", "minutes")),
}
_ROLE = {"id": "peran {lane}", "en": "the {lane} role"}
_ATTEMPTS = {"id": " (setelah {n} kali percobaan)", "en": " (after {n} attempts)"}


def describe(finding: Finding, lang: str = "id", zone: tzinfo = WIB) -> str:
    """Say why the instance of ``finding`` is where it is, in ``lang``.

    Times are shown in ``zone`` (the office's, WIB, by default).

    :raise ValueError: ``lang`` is neither ``"id"`` nor ``"en"``.
    """
    if lang not in LANGS:
        raise ValueError(f"No sentences in language {lang!r}; use 'id' or 'en'.")
    d = finding.details
    values = {
        "element": finding.element_name or finding.element,
        "message": d.get("message", ""),
        "who": _who(d, lang),
        "due": _time(d.get("due_at"), zone),
        "timer_due": _time(d.get("timer_due_at"), zone),
        "late": duration(d.get("late_seconds", 0), lang),
        "left": duration(d.get("seconds_left", 0), lang),
        "idle": duration(d.get("unclaimed_seconds", 0), lang),
        "since": _time(finding.since.isoformat(), zone),
        "attempts": (
            _ATTEMPTS[lang].format(n=d["attempts"]) if d.get("attempts") else ""
        ),
    }
    sentences = _SENTENCES.get(finding.reason, _SENTENCES["idle"])
    return sentences[lang].format(**values)


def duration(seconds: float, lang: str = "id") -> str:
    """``200000`` -> ``"2 hari 7 jam"``; the two largest units, at least minutes."""
    seconds = max(int(seconds), 0)
    parts = []
    for size, (one, many) in zip((86400, 3600, 60), _UNITS[lang], strict=True):
        n, seconds = divmod(seconds, size)
        if n:
            parts.append(f"{n} {one if n == 1 else many}")
    if not parts:
        return f"0 {_UNITS[lang][2][1]}"
    return " ".join(parts[:2])


def _who(details: dict, lang: str) -> str:
    if details.get("assignee"):
        return details["assignee"]
    if details.get("lane"):
        return _ROLE[lang].format(lane=details["lane"])
    return "-"


def _time(value: str | None, zone: tzinfo) -> str:
    if not value:
        return "-"
    return datetime.fromisoformat(value).astimezone(zone).strftime("%Y-%m-%d %H:%M")
