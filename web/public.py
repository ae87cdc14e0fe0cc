"""Public pages, no login: the register of signed agreements and statistics.

Only summaries of signed agreements, cut down to
:data:`summaries.PUBLIC`, reach these pages: never drafts, comments or
documents.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask import Blueprint
from flask import abort
from flask import request
from flask_babel import gettext as _

from . import schemas
from . import summaries
from .db import get_engine
from .pages import paginate
from .pages import render_page

bp = Blueprint("public", __name__, url_prefix="/public")

FILTERS = ("q", "kind", "field", "partner", "year", "status")


def signed_agreements() -> list[dict[str, Any]]:
    return [
        summaries.public_summary(s)
        for s in summaries.list_summaries(get_engine())
        if summaries.is_public(s)
    ]


def _matches(row: dict[str, Any], args: dict[str, str]) -> bool:
    for name in ("kind", "field", "status"):
        if args[name] and str(row.get(name) or "") != args[name]:
            return False
    if args["year"] and str(row.get("year") or "") != args["year"]:
        return False
    if (
        args["partner"]
        and args["partner"].casefold() not in str(row.get("partner") or "").casefold()
    ):
        return False
    if args["q"]:
        text = f"{row.get('title') or ''} {row.get('number') or ''}"
        return args["q"].casefold() in text.casefold()
    return True


def index():
    """The landing page: what this is, the latest agreements, links."""
    rows = signed_agreements()
    data = {"agreements": rows[:5], "counts": _count(rows, "status")}
    return render_page("public/index.html", schemas.LandingSchema(), data)


@bp.route("/register", endpoint="register")
@bp.route("/register.json", endpoint="register_json")
def register():
    args = {name: request.args.get(name, "").strip() for name in FILTERS}
    rows = signed_agreements()
    choices = {name: _choices(rows, name) for name in ("kind", "field", "year")}
    page = paginate([row for row in rows if _matches(row, args)])
    return render_page(
        "public/register.html",
        schemas.RegisterSchema(),
        {"agreements": page.pop("rows"), "filters": args, **page},
        choices=choices,
    )


@bp.route("/register/<int:instance_id>", endpoint="agreement")
@bp.route("/register/<int:instance_id>.json", endpoint="agreement_json")
def agreement(instance_id: int):
    summary = summaries.get_summary(get_engine(), instance_id)
    if not summaries.is_public(summary):
        abort(404)
    return render_page(
        "public/agreement.html",
        schemas.PublicAgreementPageSchema(),
        {"agreement": summaries.public_summary(summary)},
    )


@bp.route("/statistics", endpoint="statistics")
@bp.route("/statistics.json", endpoint="statistics_json")
def statistics():
    rows = signed_agreements()
    data = {
        "total": len(rows),
        "by_status": _count(rows, "status"),
        "by_kind": _count(rows, "kind"),
        "by_field": _count(rows, "field"),
        "by_year": _count(rows, "year"),
    }
    return render_page("public/statistics.html", schemas.StatisticsSchema(), data)


def _count(rows: list[dict[str, Any]], name: str) -> dict[str, int]:
    counts = Counter(str(row.get(name) or _("unknown")) for row in rows)
    return dict(sorted(counts.items()))


def _choices(rows: list[dict[str, Any]], name: str) -> list[str]:
    return sorted({str(row[name]) for row in rows if row.get(name)})
