"""Reading form-js definitions and turning posted fields into form data.

The server renders every component as plain HTML inputs (see
``templates/tasks/_form.html``); the engine's form validator stays the
authority on what is valid. Components that hold no answer (``text``,
``separator``, ``spacer``, ``button``) only show.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Flask
from markupsafe import Markup
from markupsafe import escape

from engine import NotFound

#: Component types whose answer is a list of values.
MULTIPLE = frozenset({"checklist", "taglist"})
#: Component types that show something and hold no answer.
DISPLAY = frozenset({"text", "html", "separator", "spacer", "button", "image"})
#: Component types that hold other components.
CONTAINERS = frozenset({"group", "dynamiclist"})


def load_form(folder: str | Path, key: str) -> dict[str, Any]:
    """The form definition named ``key`` in ``folder``.

    :raise NotFound: no such form file exists.
    """
    if not key or "/" in key or "\\" in key or key.startswith("."):
        raise NotFound(f"There is no form {key!r}.")
    for suffix in (".form", ".json"):
        path = Path(folder) / f"{key}{suffix}"
        if path.exists():
            return _parse(str(path), path.stat().st_mtime_ns)
    raise NotFound(f"There is no form {key!r} in {str(folder)!r}.")


@lru_cache(maxsize=256)
def _parse(path: str, mtime: int) -> dict[str, Any]:
    # Keyed by modification time: a designer's edit shows on the next load.
    return json.loads(Path(path).read_text(encoding="utf-8"))


def fields(form: dict[str, Any]) -> list[dict[str, Any]]:
    """The components that hold an answer, groups flattened."""
    found = []
    for component in form.get("components", []):
        kind = component.get("type")
        if kind in CONTAINERS:
            found.extend(fields(component))
        elif kind not in DISPLAY and component.get("key"):
            found.append(component)
    return found


def read_submission(form: dict[str, Any], posted) -> dict[str, Any]:
    """Turn posted fields into form data, one value per component key.

    Empty inputs are left out so that the validator reports what is
    required; numbers stay text when they do not parse, for the same reason.
    """
    data: dict[str, Any] = {}
    for component in fields(form):
        key, kind = component["key"], component.get("type")
        if kind == "checkbox":
            data[key] = posted.get(key) in ("on", "true", "1")
        elif kind in MULTIPLE:
            data[key] = [v for v in posted.getlist(key) if v != ""]
        else:
            value = posted.get(key, "").strip()
            if value == "":
                continue
            data[key] = _number(value) if kind == "number" else value
    return data


def _number(value: str) -> Any:
    # Indonesians write 1.250.000,50; the browser's number input sends 1250000.5.
    text = value.replace(" ", "")
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return value


def options(component: dict[str, Any]) -> list[dict[str, Any]]:
    """The choices of a select, radio, checklist or taglist component."""
    values = component.get("values") or []
    return [
        {"label": v.get("label", v.get("value")), "value": str(v.get("value"))}
        for v in values
    ]


def text_html(text: str | None) -> Markup:
    """Render a ``text`` component: ``#`` lines as headings, the rest as paragraphs.

    form-js writes these texts in Markdown; only headings and paragraphs are
    used in our forms, so nothing else is interpreted and all text is escaped.
    """
    parts = []
    for block in (text or "").split("\n\n"):
        block = block.strip()
        heading = len(block) - len(block.lstrip("#"))
        if 0 < heading <= 6:
            level = min(heading + 1, 6)
            content = escape(block[heading:].strip())
            parts.append(Markup(f"<h{level}>{content}</h{level}>"))
        elif block:
            parts.append(Markup("<p>%s</p>") % block)
    return Markup("").join(parts)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["form_text"] = text_html
