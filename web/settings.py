"""Settings only the web app reads, in the same shape as the engine's.

Each is read from the environment as ``EKERJASAMA_<NAME>``, like
:data:`engine.config.SETTINGS`; the README documents both tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.config import Setting
from engine.config import read_settings

WEB_SETTINGS = (
    Setting(
        "SECRET_KEY",
        None,
        "Key that signs session cookies. Default: a random key kept in the "
        "instance folder's secret_key file.",
    ),
    Setting(
        "MAX_UPLOAD_MB",
        20,
        "Largest attachment, in megabytes, that one upload may carry.",
    ),
    Setting(
        "UPLOAD_EXTENSIONS",
        "pdf,doc,docx,odt,xls,xlsx,ods,jpg,jpeg,png",
        "Comma-separated file extensions that attachments may have.",
    ),
    Setting(
        "LOGIN_ATTEMPTS",
        5,
        "Failed logins in a row after which an account is locked for a while.",
    ),
    Setting(
        "LOGIN_LOCK_MINUTES",
        15,
        "How long an account stays locked after too many failed logins.",
    ),
    Setting(
        "SECURE_COOKIES",
        1,
        "1 sends the session cookie over HTTPS only; set 0 for plain-HTTP "
        "development on localhost.",
    ),
    Setting(
        "PROPOSAL_PROCESS",
        "kerjasama",
        "Process that the new-proposal page starts.",
    ),
    Setting(
        "PROPOSAL_FORM",
        "mulai_kerjasama",
        "Form (in FORMS_PATH) that the new-proposal page shows and checks.",
    ),
    Setting(
        "OFFER_ACCEPTED_MESSAGE",
        "penawaran_disetujui",
        "Message a partner sends by accepting an offer on the agreement page.",
    ),
    Setting(
        "OFFER_DECLINED_MESSAGE",
        "penawaran_ditolak",
        "Message a partner sends by declining an offer on the agreement page.",
    ),
)


def load_web_config(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Return every web setting's value from ``environ`` or its default."""
    return read_settings(WEB_SETTINGS, environ)
