"""One view, two formats: HTML for people, JSON for scripts.

A view builds a plain mapping of its page's data and hands it to
:func:`render_page` with the marshmallow schema that describes it. The same
URL answers JSON when it ends in ``.json`` or the client asks for
``application/json``.
"""

from __future__ import annotations

from typing import Any

from flask import Response
from flask import jsonify
from flask import render_template
from flask import request
from marshmallow import Schema


def wants_json() -> bool:
    """Tell whether the request asked for JSON rather than HTML."""
    if request.view_args and request.view_args.get("format") == "json":
        return True
    if request.path.endswith(".json"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > (request.accept_mimetypes["text/html"])
    )


#: Rows on one page of a long list.
PER_PAGE = 50


def paginate(rows: list[Any]) -> dict[str, Any]:
    """The page of ``rows`` that the ``page`` argument asks for (from 1).

    A page past the end answers the last page; one that is not a number
    answers the first.
    """
    pages = max(1, -(-len(rows) // PER_PAGE))
    try:
        page = min(max(1, int(request.args.get("page", 1))), pages)
    except ValueError:
        page = 1
    start = (page - 1) * PER_PAGE
    return {
        "rows": rows[start : start + PER_PAGE],
        "page": page,
        "pages": pages,
        "total": len(rows),
    }


def render_page(
    template: str, schema: Schema, data: dict[str, Any], **context: Any
) -> Response | str:
    """Render ``data`` with ``template``, or dump it with ``schema`` as JSON.

    ``context`` only reaches the template: it holds what the HTML needs
    beyond the page's data (forms, navigation).
    """
    if wants_json():
        return jsonify(schema.dump(data))
    return render_template(template, **data, **context)
