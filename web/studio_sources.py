"""The files the studio works on: drafts, versions, uploads, blank diagrams.

A process is a *bundle* of files (its own diagram, the processes it calls,
its decision tables). The modeler edits the one file that holds the
process; the rest of the bundle travels with the draft unchanged.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from lxml import etree

from engine import InvalidInput
from engine import ProcessNotFound
from engine.lint_config import LINT_FILE
from engine.lint_config import ROLES_FILE
from engine.lint_config import load_roles

from .db import get_engine

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
#: What BPMN accepts as an id (an XML NCName, kept to ASCII).
PROCESS_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,79}$")
#: Process ids the studio's own URLs use.
RESERVED = frozenset({"new"})
#: Form keys name files in FORMS_PATH.
FORM_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$")

BLANK = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{bpmn}" \
xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" \
xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" \
xmlns:spiffworkflow="{spiff}" id="defs_{id}" \
targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{id}" name="{name}" isExecutable="true">
    <bpmn:startEvent id="start_{id}" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="diagram_{id}">
    <bpmndi:BPMNPlane id="plane_{id}" bpmnElement="{id}">
      <bpmndi:BPMNShape id="start_{id}_di" bpmnElement="start_{id}">
        <dc:Bounds x="180" y="160" width="36" height="36" />
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def process_name(versions, draft) -> str:
    if versions:
        return versions[-1].name or versions[-1].process_id
    return draft.key


def latest_files(process_id: str) -> tuple[dict[str, str], int]:
    """The files of the newest version of ``process_id`` and its number.

    :raise ProcessNotFound: the process was never deployed.
    """
    engine = get_engine()
    version = engine.list_versions(process_id)[-1].version
    return engine.version_sources(process_id, version), version


def working_files(process_id: str) -> dict[str, str]:
    """The draft's files, else the newest version's.

    :raise ProcessNotFound: there is neither a draft nor a version.
    """
    draft = get_engine().drafts.get_process(process_id)
    if draft is not None:
        return dict(draft.files)
    return latest_files(process_id)[0]


def main_file(files: dict[str, str], process_id: str) -> str:
    """The name of the file in ``files`` that defines ``process_id``.

    :raise ProcessNotFound: no file does.
    """
    pattern = re.compile(rf'<(\w+:)?process\b[^>]*\bid="{re.escape(process_id)}"')
    for name, text in sorted(files.items()):
        if name.endswith(".bpmn") and pattern.search(text):
            return name
    raise ProcessNotFound(f"No file defines the process {process_id!r}.")


def with_main(process_id: str, xml: str) -> dict[str, str]:
    """The working files of ``process_id`` with its own diagram replaced by ``xml``.

    A process never deployed nor drafted gets a bundle of one file.
    """
    try:
        files = working_files(process_id)
    except ProcessNotFound:
        return {f"{process_id}.bpmn": xml}
    try:
        name = main_file(files, process_id)
    except ProcessNotFound:
        name = f"{process_id}.bpmn"
    return {**files, name: xml}


def blank_diagram(process_id: str, name: str) -> str:
    """A diagram of ``process_id`` holding only a start event."""
    quoted = name.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return BLANK.format(bpmn=BPMN_NS, spiff=SPIFF_NS, id=process_id, name=quoted)


def check_new_id(process_id: str) -> None:
    """Refuse an id that is not a BPMN id or already names a process.

    :raise InvalidInput: with the message under ``process_id``.
    """
    if not PROCESS_ID.match(process_id) or process_id in RESERVED:
        message = _(
            "Use letters, digits and _ only, starting with a letter, e.g. usulan_hibah."
        )
        raise InvalidInput("The process id is not valid.", {"process_id": [message]})
    engine = get_engine()
    taken = {p.process_id for p in engine.list_processes()}
    taken |= {d.key for d in engine.drafts.list_processes()}
    if process_id in taken:
        message = _("A process with this id exists already. Open it instead.")
        raise InvalidInput("The process id is taken.", {"process_id": [message]})


def read_upload(data: bytes, field: str = "file") -> tuple[str, str]:
    """Return the process id and the text of an uploaded ``.bpmn`` file.

    :raise InvalidInput: the file is not BPMN XML or holds no process; the
        message is under ``field``.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as e:
        message = _(
            "The file is not valid XML (%(detail)s). Export the diagram again "
            "as BPMN 2.0 XML.",
            detail=str(e),
        )
        raise InvalidInput("The upload is not XML.", {field: [message]}) from None
    processes = root.findall(f"{{{BPMN_NS}}}process")
    executable = [p for p in processes if p.get("isExecutable") == "true"]
    chosen = (executable or processes or [None])[0]
    if (
        root.tag != f"{{{BPMN_NS}}}definitions"
        or chosen is None
        or not chosen.get("id")
    ):
        message = _(
            "The file holds no BPMN process. Upload a .bpmn file made by a "
            "BPMN modeler."
        )
        raise InvalidInput("The upload has no process.", {field: [message]})
    return chosen.get("id"), data.decode("utf-8")


def forms_used(files: dict[str, str]) -> set[str]:
    """The form keys the user tasks in ``files`` name."""
    keys = set()
    for text in files.values():
        keys.update(
            re.findall(r'name="formKey"\s+value="([^"]*)"', text)
            + re.findall(r'value="([^"]*)"\s+name="formKey"', text)
        )
    return keys


def form_keys() -> list[str]:
    """The forms in FORMS_PATH."""
    folder = Path(current_app.config["FORMS_PATH"])
    return sorted(p.stem for p in folder.glob("*.form"))


def draft_forms() -> dict[str, dict[str, Any]]:
    """The form drafts, by key: they count as forms for lint and test runs."""
    return get_engine().drafts.form_schemas()


def known_roles() -> list[str]:
    """The roles of ``roles.json`` in PROCESSES_PATH: lint checks lanes by them."""
    path = Path(current_app.config["PROCESSES_PATH"]) / ROLES_FILE
    return sorted(load_roles(path)) if path.is_file() else []


def canvas_lint_config() -> dict[str, Any] | None:
    """The bpmnlint configuration the server lints with, for the canvas.

    The canvas then marks errors and warnings as deploy does; without the
    file both use bpmnlint's recommended severities.
    """
    path = Path(current_app.config["PROCESSES_PATH"]) / LINT_FILE
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return None


def modeler_options() -> dict[str, Any]:
    """What the modeler's pickers offer (roles, forms, service operators,
    processes) and the lint configuration of the canvas."""
    return {
        "lint_config": canvas_lint_config(),
        "roles": known_roles(),
        "forms": sorted(set(form_keys()) | set(draft_forms())),
        "operators": get_engine().services.names(),
        "processes": [p.process_id for p in get_engine().list_processes()],
    }
