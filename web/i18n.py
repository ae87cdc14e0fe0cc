"""Languages: Bahasa Indonesia by default, English on request.

The chosen language lives in the session; ``?lang=en`` on any page or the
switch in the navigation sets it. Dates are shown in Western Indonesian
Time and amounts as rupiah, the Indonesian way (``Rp 1.250.000``).
"""

from __future__ import annotations

from datetime import date
from datetime import datetime

from babel.numbers import format_decimal
from flask import Blueprint
from flask import Flask
from flask import abort
from flask import redirect
from flask import request
from flask import session
from flask import url_for
from flask_babel import Babel
from flask_babel import format_date
from flask_babel import format_datetime
from flask_babel import get_locale
from flask_babel import gettext as _

LANGUAGES = ("id", "en")
DEFAULT = "id"

bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        session["lang"] = asked
    return session.get("lang", DEFAULT)


@bp.route("/lang/<code>")
def switch(code: str):
    """Remember ``code`` as the visitor's language and go back."""
    if code not in LANGUAGES:
        abort(404)
    session["lang"] = code
    target = request.args.get("next", "")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("index")
    return redirect(target)


def rupiah(value) -> str:
    """Format an amount as rupiah: ``Rp 1.250.000``."""
    if value in (None, ""):
        return "–"
    try:
        amount = float(value)
    except (TypeError, ValueError):
        return str(value)
    return "Rp " + format_decimal(round(amount), format="#,##0", locale="id")


def day(value) -> str:
    """Format a date as ``12 Juni 2025`` (or ``12 June 2025``)."""
    if value in (None, ""):
        return "–"
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    return format_date(value, "d MMMM y")


def moment(value) -> str:
    """Format a time as ``12 Jun 2025 08.00`` in the local time zone."""
    if value in (None, ""):
        return "–"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return format_datetime(value, "d MMM y HH.mm")


def status_label(code: str) -> str:
    """The words for an agreement status code."""
    labels = {
        "in-progress": _("In progress"),
        "signed": _("In force"),
        "ended": _("Ended"),
        "closed": _("Closed without signing"),
        "cancelled": _("Cancelled"),
    }
    return labels.get(code, code)


def event_label(name: str) -> str:
    """The words for an audit event name."""
    labels = {
        "instance-started": _("started the agreement"),
        "instance-completed": _("finished the process"),
        "instance-cancelled": _("cancelled the agreement"),
        "task-completed": _("completed"),
        "task-claimed": _("claimed a task"),
        "task-unclaimed": _("gave a task back"),
        "task-assigned": _("assigned a task"),
        "message-delivered": _("delivered a message"),
        "timer-fired": _("a timer fired"),
        "incident-raised": _("an error stopped a step"),
        "timer-failed": _("a timer failed"),
        "escalation-failed": _("an escalation failed"),
        "task-reminded": _("sent a reminder"),
        "task-overdue": _("marked a task overdue"),
        "task-reassigned": _("reassigned a task"),
        "token-moved": _("moved the process to another step"),
        "instance-suspended": _("suspended the agreement"),
        "instance-resumed": _("resumed the agreement"),
        "instance-retried": _("retried the failed step"),
        "instance-migrated": _("moved the agreement to a new process version"),
    }
    return labels.get(name, name)


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Jakarta")
    Babel(app, locale_selector=select_locale)
    app.register_blueprint(bp)
    app.jinja_env.filters.update(
        rupiah=rupiah, day=day, moment=moment, status_label=status_label
    )
    app.jinja_env.globals.update(
        get_locale=get_locale,
        LANGUAGES=LANGUAGES,
        status_label=status_label,
        event_label=event_label,
    )
