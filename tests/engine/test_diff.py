"""Versions of a process: their list, their files and what changed."""

import pytest

from engine import Actor
from engine import DefinitionError
from engine import PermissionDenied
from engine import ProcessNotFound
from engine.diff import ElementInfo
from engine.diff import diff_files

DESIGNER = Actor("dina", {"designer", "staff"})
OFFICER = Actor("odi", {"staff"})

V1 = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="defs" targetNamespace="http://example.org/diff">
  <bpmn:process id="fee" name="Fee" isExecutable="true">
    <bpmn:laneSet id="lanes">
      <bpmn:lane id="lane_staff" name="staff">
        <bpmn:flowNodeRef>enter</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="enter" name="Enter value">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="fee_form"/>
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:scriptTask id="compute" name="Compute">
      <bpmn:script>fee = value * 2</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:exclusiveGateway id="gw" default="f_small"/>
    <bpmn:endEvent id="end"/>
    <bpmn:endEvent id="big_end" name="Big"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="enter"/>
    <bpmn:sequenceFlow id="f2" sourceRef="enter" targetRef="compute"/>
    <bpmn:sequenceFlow id="f3" sourceRef="compute" targetRef="gw"/>
    <bpmn:sequenceFlow id="f_small" sourceRef="gw" targetRef="end"/>
    <bpmn:sequenceFlow id="f_big" sourceRef="gw" targetRef="big_end">
      <bpmn:conditionExpression>fee &gt; 100</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
  </bpmn:process>
</bpmn:definitions>
"""


def changed_v2() -> str:
    """V1 with a renamed task, another script and condition, and a new timer."""
    return (
        V1.replace('name="Enter value"', 'name="Enter the value"')
        .replace("fee = value * 2", "fee = value * 3")
        .replace("fee &gt; 100", "fee &gt; 500")
        .replace('value="fee_form"', 'value="fee_form_2"')
        .replace(
            '<bpmn:endEvent id="big_end" name="Big"/>',
            '<bpmn:intermediateCatchEvent id="cool_off" name="Cool off">'
            '<bpmn:timerEventDefinition id="t"><bpmn:timeDuration>"P2D"'
            "</bpmn:timeDuration></bpmn:timerEventDefinition>"
            "</bpmn:intermediateCatchEvent>"
            '<bpmn:endEvent id="big_end" name="Big"/>',
        )
        .replace(
            'targetRef="big_end">',
            'targetRef="cool_off">',
        )
        .replace(
            "</bpmn:process>",
            '<bpmn:sequenceFlow id="f_cool" sourceRef="cool_off" '
            'targetRef="big_end"/></bpmn:process>',
        )
    )


def test_diff_lists_added_removed_and_changed_elements():
    new = (
        changed_v2()
        .replace('<bpmn:endEvent id="end"/>', "")
        .replace('targetRef="end"', 'targetRef="big_end"')
    )

    diff = diff_files({"fee.bpmn": V1}, {"fee.bpmn": new}, "fee")

    assert set(diff.added) == {
        ElementInfo("cool_off", "intermediateCatchEvent", "Cool off"),
        ElementInfo("f_cool", "sequenceFlow", ""),
    }
    assert diff.removed == [ElementInfo("end", "endEvent", "")]
    changes = {c.id: c.fields for c in diff.changed}
    assert changes["enter"]["name"] == ("Enter value", "Enter the value")
    assert changes["enter"]["form"] == ("fee_form", "fee_form_2")
    assert changes["compute"] == {"script": ("fee = value * 2", "fee = value * 3")}
    assert changes["f_big"] == {
        "condition": ("fee > 100", "fee > 500"),
        "target": ("big_end", "cool_off"),
    }
    assert changes["f_small"] == {"target": ("end", "big_end")}
    assert changes["big_end"]["incoming"] == (["f_big"], ["f_cool", "f_small"])


@pytest.mark.parametrize(
    ("old", "new", "field", "values"),
    [
        (
            'name="staff"',
            'name="legal"',
            "lane",
            ("staff", "legal"),
        ),
        (
            '<bpmn:scriptTask id="compute" name="Compute">',
            '<bpmn:serviceTask id="compute" name="Compute">',
            "type",
            ("scriptTask", "serviceTask"),
        ),
        (
            'default="f_small"',
            'default="f_big"',
            "default",
            ("f_small", "f_big"),
        ),
    ],
    ids=["lane", "type", "default"],
)
def test_diff_reports_each_field(old, new, field, values):
    changed = V1.replace(old, new)
    if field == "type":
        changed = changed.replace("</bpmn:scriptTask>", "</bpmn:serviceTask>")

    diff = diff_files({"fee.bpmn": V1}, {"fee.bpmn": changed}, "fee")

    assert [c.fields[field] for c in diff.changed if field in c.fields] == [values]


def test_diff_of_timers_and_operators():
    timed = changed_v2()
    later = timed.replace('"P2D"', '"P5D"').replace(
        "<bpmn:script>fee = value * 3</bpmn:script>",
        '<bpmn:extensionElements><spiffworkflow:serviceTaskOperator id="notify">'
        '<spiffworkflow:parameters><spiffworkflow:parameter id="to" value="x"/>'
        "</spiffworkflow:parameters></spiffworkflow:serviceTaskOperator>"
        "</bpmn:extensionElements>",
    )

    diff = diff_files({"f.bpmn": timed}, {"f.bpmn": later}, "fee")

    changes = {c.id: c.fields for c in diff.changed}
    assert changes["cool_off"] == {
        "timer": ('timeDuration: "P2D"', 'timeDuration: "P5D"')
    }
    assert changes["compute"]["operator"] == (None, "notify(to=x)")


def test_same_files_have_an_empty_diff():
    assert diff_files({"a.bpmn": V1}, {"b.bpmn": V1}, "fee").is_empty


def test_diff_of_unparsable_draft_names_the_file():
    with pytest.raises(DefinitionError, match="does not parse") as caught:
        diff_files({"fee.bpmn": V1}, {"draft.bpmn": "<bpmn:definitions"}, "fee")

    assert caught.value.problems[0].file == "draft.bpmn"


def test_diff_of_unknown_process_says_so():
    with pytest.raises(DefinitionError, match="Neither version defines"):
        diff_files({"fee.bpmn": V1}, {"fee.bpmn": V1}, "other")


@pytest.fixture
def deployed(engine):
    engine.deploy_files({"fee.bpmn": V1}, DESIGNER)
    engine.start("fee", actor=OFFICER)
    engine.deploy_files({"fee.bpmn": changed_v2()}, DESIGNER)
    engine.start("fee", actor=OFFICER)
    engine.start("fee", actor=OFFICER)
    return engine


def test_list_versions_counts_instances_per_version(deployed):
    first, second = deployed.list_versions("fee")

    assert (first.version, first.active_instances, first.total_instances) == (1, 1, 1)
    assert (second.version, second.active_instances, second.total_instances) == (
        2,
        2,
        2,
    )
    assert second.deployed_by == "dina"
    assert first.content_hash != second.content_hash


def test_list_versions_counts_only_running_instances_as_active(deployed):
    (instance, *_) = deployed.list_instances(process_id="fee")
    deployed.cancel_instance(instance.id, "Entered twice", actor=Actor("sv", {"admin"}))

    counts = [
        (v.active_instances, v.total_instances) for v in deployed.list_versions("fee")
    ]

    assert counts == [(1, 1), (1, 2)]


def test_version_sources_and_diff_between_versions(deployed):
    assert deployed.version_sources("fee", 1) == {"fee.bpmn": V1}

    diff = deployed.diff_versions("fee", 1, 2)
    draft = deployed.diff_versions("fee", 2, {"fee.bpmn": V1})

    assert [e.id for e in diff.added] == ["cool_off", "f_cool"]
    assert [e.id for e in draft.removed] == ["cool_off", "f_cool"]


def test_unknown_process_or_version_is_not_found(deployed):
    with pytest.raises(ProcessNotFound, match="no version 9"):
        deployed.version_sources("fee", 9)
    with pytest.raises(ProcessNotFound, match="No process 'nope'"):
        deployed.list_versions("nope")


def test_deploy_files_needs_a_designer(engine):
    with pytest.raises(PermissionDenied, match="designer or an admin"):
        engine.deploy_files({"fee.bpmn": V1}, OFFICER)

    assert engine.list_processes() == []
    assert engine.is_designer(Actor("ani", {"admin"}))
