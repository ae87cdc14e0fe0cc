"""An app and diagrams for the studio tests.

The studio writes published forms into FORMS_PATH, so its app works on a
copy of ``forms/`` in the test's folder, never on the files of the tree.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import webtools
from webtools import close_app  # noqa: F401 (the studio tests import it from here)

from engine import Actor
from web.db import get_engine

HERE = Path(__file__).parent
PROCESS = "usulan_uji"
DIAGRAM = (HERE / "defs" / "proposal.bpmn").read_text(encoding="utf-8")

DESIGNER = Actor("designer", {"designer"})

#: A form the test process does not have yet.
NEW_FORM = {
    "type": "default",
    "id": "arsip_uji",
    "components": [
        {"type": "textfield", "key": "nomor_arsip", "label": "Nomor arsip"},
    ],
}


def make_app(database_url: str, folder: Path):
    """The app on ``usulan_uji`` v1, with every test user and its own forms."""
    forms = folder / "forms"
    shutil.copytree(HERE / "forms", forms)
    return webtools.make_app(database_url, folder / "instance", forms)


def with_archive_task(xml: str = DIAGRAM, form: str = "arsip_uji") -> str:
    """The test diagram with a user task ``arsip`` (form ``form``) before its end."""
    task = (
        '<bpmn:userTask id="arsip" name="Arsipkan Naskah"><bpmn:extensionElements>'
        "<spiffworkflow:properties>"
        f'<spiffworkflow:property name="formKey" value="{form}"/>'
        "</spiffworkflow:properties></bpmn:extensionElements>"
        "<bpmn:incoming>f5</bpmn:incoming><bpmn:outgoing>f6</bpmn:outgoing>"
        "</bpmn:userTask>"
    )
    shape = (
        '<bpmndi:BPMNShape id="s_arsip" bpmnElement="arsip">'
        '<dc:Bounds x="520" y="170" width="100" height="80"/></bpmndi:BPMNShape>'
        '<bpmndi:BPMNEdge id="e6" bpmnElement="f6"><di:waypoint x="620" y="210"/>'
        '<di:waypoint x="678" y="210"/><di:waypoint x="678" y="98"/>'
        "</bpmndi:BPMNEdge>"
    )
    replacements = [
        (
            r'(<bpmn:endEvent id="end"[^>]*>)<bpmn:incoming>f5<',
            rf"{task}\1<bpmn:incoming>f6<",
        ),
        (
            r'<bpmn:sequenceFlow id="f5" sourceRef="tandatangani" targetRef="end"\s*/>',
            '<bpmn:sequenceFlow id="f5" sourceRef="tandatangani" targetRef="arsip"/>'
            '<bpmn:sequenceFlow id="f6" sourceRef="arsip" targetRef="end"/>',
        ),
        (r'<bpmndi:BPMNShape id="s_end"', f'{shape}<bpmndi:BPMNShape id="s_end"'),
        (
            r"<bpmn:flowNodeRef>end</bpmn:flowNodeRef>",
            "<bpmn:flowNodeRef>arsip</bpmn:flowNodeRef>"
            "<bpmn:flowNodeRef>end</bpmn:flowNodeRef>",
        ),
    ]
    for pattern, replacement in replacements:
        xml, found = re.subn(pattern, replacement, xml)
        assert found == 1, pattern
    return xml


def deploy_v2(app) -> None:
    """Deploy ``usulan_uji`` v2, with the archive task and its new form."""
    with app.app_context():
        engine = get_engine()
        engine.drafts.save_form("arsip_uji", NEW_FORM, actor=DESIGNER)
        forms = app.config["FORMS_PATH"]
        engine.drafts.publish_form("arsip_uji", forms, actor=DESIGNER)
        engine.deploy_files({"proposal.bpmn": with_archive_task()}, actor=DESIGNER)
