"""The forms a test run checks answers with: form drafts first, then a folder.

A designer test-runs a process before its new forms are published, so a
form draft overrides the file of the same key. Without a folder (an engine
built without the forms extension), forms that are not drafts are checked
by the engine's own validator, if it has one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .drafts import check_form_definition
from .errors import InvalidInput
from .errors import Problem
from .forms import FormLibrary


class _DraftLibrary(FormLibrary):
    def __init__(self, path: Path, drafts: dict[str, Any]) -> None:
        super().__init__(path)
        self.drafts = drafts

    def exists(self, key: str) -> bool:
        return key in self.drafts or super().exists(key)

    def schema(self, key: str):
        if key in self.drafts:
            return self.drafts[key]
        return super().schema(key)


class TrialForms:
    """Form lookups and answer checks for one sandbox.

    ``problems`` lists the form drafts that cannot check answers.
    """

    def __init__(self, engine, forms_path, drafts: dict[str, dict]) -> None:
        self.problems: list[Problem] = []
        schemas = {}
        for key, definition in drafts.items():
            try:
                schemas[key] = check_form_definition(key, definition)
            except InvalidInput as e:
                for message in e.errors.get("schema", [e.message]):
                    self.problems.append(Problem(message, file=f"{key}.form"))
        folder = Path(forms_path) if forms_path is not None else _folder(engine)
        self.library = _DraftLibrary(folder or Path(), schemas)
        self._known = folder is not None
        self._validate = engine.form_validator
        self._exists = engine.versions.form_exists

    def exists(self, key: str) -> bool:
        """Tell whether ``key`` names a form draft or an existing form."""
        if key in self.library.drafts or self._known:
            return self.library.exists(key)
        return self._exists is None or self._exists(key)

    def validate(self, key: str, data: dict[str, Any]) -> dict[str, Any]:
        """Return ``data`` cleaned by form ``key``.

        :raise InvalidInput: the data does not pass the form.
        """
        if key in self.library.drafts or self._known:
            return self.library.validate(key, data)
        if self._validate is not None:
            return self._validate(key, data)
        return data


def _folder(engine) -> Path | None:
    """The forms folder of ``engine``'s validator, when it is a FormLibrary."""
    library = getattr(engine.form_validator, "__self__", None)
    return library.path if isinstance(library, FormLibrary) else None
