"""Forms: form-js definitions in ``forms/`` and the schemas that check answers.

A user task names its form with the ``formKey`` property; the form is
``forms/<key>.form``, a bpmn.io form-js schema that designers edit in the
browser. :class:`FormLibrary` builds a marshmallow schema from each form once
and checks submitted data against it. Invalid data raises
:class:`~engine.errors.InvalidInput` with field-level messages in Bahasa
Indonesia, and fields the form does not have are rejected, so nothing reaches
the instance that the form did not ask for.

Component types and what they accept::

    textfield, textarea    text, with validate.minLength/maxLength/pattern
    number                 a whole number (decimalDigits 0) or a decimal,
                           with validate.min/max
    datetime (date)        an ISO date "2025-06-12", kept as that string
    select, radio          one of ``values``
    checkbox               true or false (default: defaultValue or false)
    checklist              a list of ``values``
    filepicker             a file reference (the upload's id or path)
    text, spacer, ...      display only; no data
"""

from __future__ import annotations

import json
import threading
from datetime import date
from pathlib import Path
from typing import Any

from marshmallow import RAISE
from marshmallow import Schema
from marshmallow import ValidationError
from marshmallow import fields
from marshmallow import validate

from .errors import InvalidInput

SUFFIX = ".form"
#: Component types that show something but hold no data.
DISPLAY_TYPES = frozenset({"text", "spacer", "separator", "image", "html", "button"})

MESSAGES = {
    "required": "Wajib diisi.",
    "null": "Wajib diisi.",
    "unknown": "Kolom ini tidak ada di formulir.",
}


class FormSchema(Schema):
    """Base of every built schema: unknown fields are errors, in Indonesian."""

    class Meta:
        unknown = RAISE

    error_messages = {
        "unknown": MESSAGES["unknown"],
        "type": "Isian harus berupa objek.",
    }


class IsoDate(fields.Date):
    """A date given and kept as an ISO string, so instance data stays JSON."""

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        if isinstance(value, date):
            return value.isoformat()
        return super()._deserialize(value, attr, data, **kwargs).isoformat()


def _choices(component: dict[str, Any]) -> list[Any]:
    return [v.get("value") for v in component.get("values") or []]


def _length(rules: dict[str, Any], required: bool) -> list:
    low = rules.get("minLength") or (1 if required else None)
    high = rules.get("maxLength")
    if low is None and high is None:
        return []
    if low == 1 and high and required:
        error = f"Wajib diisi, paling banyak {high} karakter."
    elif low and high:
        error = f"Panjang isian harus {low} sampai {high} karakter."
    elif low:
        error = "Wajib diisi." if low == 1 else f"Isian paling sedikit {low} karakter."
    else:
        error = f"Isian paling banyak {high} karakter."
    return [validate.Length(min=low, max=high, error=error)]


def _range(rules: dict[str, Any]) -> list:
    low, high = rules.get("min"), rules.get("max")
    if low is None and high is None:
        return []
    if low is not None and high is not None:
        error = f"Nilai harus antara {low} dan {high}."
    elif low is not None:
        error = f"Nilai paling kecil {low}."
    else:
        error = f"Nilai paling besar {high}."
    return [validate.Range(min=low, max=high, error=error)]


def build_field(component: dict[str, Any]) -> fields.Field:
    """Return the marshmallow field for one form-js component."""
    kind = component["type"]
    rules = component.get("validate") or {}
    required = bool(rules.get("required"))
    common: dict[str, Any] = {
        "required": required,
        "allow_none": not required,
        "error_messages": {"required": MESSAGES["required"], "null": MESSAGES["null"]},
    }
    if not required:
        # Every field of the form is in the cleaned data, so diagrams can
        # read optional answers without checking that they exist.
        common["load_default"] = None
    if kind in ("textfield", "textarea"):
        checks = _length(rules, required)
        if rules.get("pattern"):
            checks.append(
                validate.Regexp(rules["pattern"], error="Format isian tidak sesuai.")
            )
        return fields.String(validate=checks, **common)
    if kind == "number":
        if component.get("decimalDigits", 0) == 0:
            common["error_messages"]["invalid"] = "Isian harus bilangan bulat."
            return fields.Integer(strict=False, validate=_range(rules), **common)
        common["error_messages"]["invalid"] = "Isian harus angka."
        return fields.Float(validate=_range(rules), **common)
    if kind == "datetime":
        common["error_messages"]["invalid"] = "Isian harus tanggal (TTTT-BB-HH)."
        return IsoDate(**common)
    if kind in ("select", "radio"):
        choices = _choices(component)
        error = "Pilih salah satu dari: " + ", ".join(map(str, choices)) + "."
        return fields.Raw(validate=validate.OneOf(choices, error=error), **common)
    if kind == "checkbox":
        common["error_messages"]["invalid"] = "Isian harus ya atau tidak."
        if not required:
            common["load_default"] = bool(component.get("defaultValue", False))
            common["allow_none"] = False
        return fields.Boolean(**common)
    if kind == "checklist":
        choices = _choices(component)
        item = fields.Raw(
            validate=validate.OneOf(
                choices, error="Pilih dari: " + ", ".join(map(str, choices)) + "."
            )
        )
        checks = [validate.Length(min=1, error="Pilih paling sedikit satu.")]
        common["error_messages"]["invalid"] = "Isian harus daftar pilihan."
        return fields.List(item, validate=checks if required else [], **common)
    if kind == "filepicker":
        common["error_messages"]["invalid"] = "Isian harus rujukan berkas."
        return fields.String(validate=_length({}, required), **common)
    raise ValueError(
        f"Form component {component.get('id')!r} has type {kind!r}, which the "
        "engine cannot validate. Use one of the documented component types."
    )


def data_components(form: dict[str, Any]) -> list[dict[str, Any]]:
    """The components of ``form`` that hold data, groups flattened."""
    found = []
    for component in form.get("components", []):
        if component.get("components"):
            found.extend(data_components(component))
        elif component.get("type") not in DISPLAY_TYPES and component.get("key"):
            found.append(component)
    return found


def build_schema(key: str, form: dict[str, Any]) -> Schema:
    """Return a marshmallow schema instance for the form definition ``form``."""
    declared = {c["key"]: build_field(c) for c in data_components(form)}
    return FormSchema.from_dict(declared, name=f"Form_{key}")()


class FormLibrary:
    """The forms of one folder, with a schema built once per form.

    Usage::

        library = FormLibrary("forms/")
        clean = library.validate("telaah_hukum", submitted)
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._schemas: dict[str, tuple[float, Schema]] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<FormLibrary {str(self.path)!r}>"

    def file(self, key: str) -> Path:
        return self.path / f"{key}{SUFFIX}"

    def exists(self, key: str) -> bool:
        """Tell whether ``key`` names a form in the folder."""
        return bool(key) and "/" not in key and self.file(key).is_file()

    def keys(self) -> list[str]:
        return sorted(p.stem for p in self.path.glob(f"*{SUFFIX}"))

    def load(self, key: str) -> dict[str, Any]:
        """Return the form definition of ``key``.

        :raise InvalidInput: there is no such form.
        """
        if not self.exists(key):
            raise InvalidInput(
                f"Formulir {key!r} tidak ada. Periksa formKey tugas ini.",
                {"form": [f"Formulir {key!r} tidak ditemukan."]},
            )
        return json.loads(self.file(key).read_text(encoding="utf-8"))

    def schema(self, key: str) -> Schema:
        """The schema of form ``key``, rebuilt only when its file changes."""
        mtime = self.file(key).stat().st_mtime if self.exists(key) else 0.0
        cached = self._schemas.get(key)
        if cached is not None and cached[0] == mtime:
            return cached[1]
        schema = build_schema(key, self.load(key))
        with self._lock:
            self._schemas[key] = (mtime, schema)
        return schema

    def validate(self, key: str, data: dict[str, Any]) -> dict[str, Any]:
        """Return ``data`` cleaned by form ``key``.

        :raise InvalidInput: with ``errors`` mapping field keys to messages.
        """
        try:
            return self.schema(key).load(data)
        except ValidationError as e:
            errors = {
                field: messages if isinstance(messages, list) else [str(messages)]
                for field, messages in _flatten(e.messages).items()
            }
            raise InvalidInput(
                "Isian formulir belum benar. Perbaiki kolom yang ditandai.", errors
            ) from None


def _flatten(messages: Any) -> dict[str, Any]:
    if not isinstance(messages, dict):
        return {"_schema": messages}
    flat: dict[str, Any] = {}
    for field, value in messages.items():
        if isinstance(value, dict):
            flat[field] = [
                m for v in value.values() for m in (v if isinstance(v, list) else [v])
            ]
        else:
            flat[field] = value
    return flat


def setup(options, config) -> None:
    """Validate user task submissions against the forms folder."""
    library = FormLibrary(
        config.get("FORMS_PATH") or Path(__file__).resolve().parents[1] / "forms"
    )
    options.form_validator = library.validate
    options.form_exists = library.exists
