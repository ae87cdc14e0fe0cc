"""Settings only the web app reads, in the same shape as the engine's.

Each is read from the environment as ``EKERJASAMA_<NAME>``, like
:data:`engine.config.SETTINGS`; the README documents both tables.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from engine.config import ENV_PREFIX
from engine.config import Setting

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
    environ = os.environ if environ is None else environ
    config: dict[str, Any] = {}
    for setting in WEB_SETTINGS:
        raw = environ.get(ENV_PREFIX + setting.name)
        if raw is None:
            config[setting.name] = setting.default
        elif isinstance(setting.default, int):
            try:
                config[setting.name] = int(raw)
            except ValueError:
                raise ValueError(
                    f"{ENV_PREFIX}{setting.name} must be a whole number, got {raw!r}."
                ) from None
        else:
            config[setting.name] = raw
    return config
