"""The lint rules: one failing diagram per rule, and one gate for all callers."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from engine import Actor
from engine import DefinitionError
from engine.cli import cli
from engine.lint_config import load_roles
from engine.lint_rules import RULES
from engine.lint_rules import RuleSet
from engine.lint_rules import load_config

CASES = Path(__file__).parent / "lint_cases"
DESIGNER = Actor("dina", {"designer"})

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"'
    ' xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"'
    ' id="defs" targetNamespace="http://example.org/lint">\n'
)


def bundle(body: str, top: str = "") -> dict[str, str]:
    """One file with process ``p`` holding ``body``."""
    return {
        "case.bpmn": f'{HEAD}{top}<bpmn:process id="p" name="Case" isExecutable="true">'
        f"\n{body}\n</bpmn:process>\n</bpmn:definitions>\n"
    }


def flow(source: str, target: str, extra: str = "", name: str = "") -> str:
    label = f' name="{name}"' if name else ""
    return (
        f'<bpmn:sequenceFlow id="{source}_{target}" sourceRef="{source}" '
        f'targetRef="{target}"{label}>{extra}</bpmn:sequenceFlow>'
    )


def when(expression: str) -> str:
    return f"<bpmn:conditionExpression>{expression}</bpmn:conditionExpression>"


START = '<bpmn:startEvent id="start" name="Start"/>'
END = '<bpmn:endEvent id="end" name="End"/>'


def task(element: str, kind: str = "task", inner: str = "") -> str:
    return f'<bpmn:{kind} id="{element}" name="{element.title()}">{inner}</bpmn:{kind}>'


def line(*elements: str) -> str:
    """Start, ``elements`` and end, one after another."""
    chain = ["start", *elements, "end"]
    return "".join(flow(a, b) for a, b in zip(chain, chain[1:], strict=False))


def file_case(name: str) -> dict[str, str]:
    return {f"{name}.bpmn": (CASES / f"{name}.bpmn").read_text()}


BPMNLINT_CASES = {
    "ad-hoc-sub-process": (
        bundle(
            START
            + '<bpmn:adHocSubProcess id="adhoc" name="Adhoc">'
            + '<bpmn:startEvent id="adhoc_start" name="Inner"/>'
            + "</bpmn:adHocSubProcess>"
            + END
            + line("adhoc")
        ),
        "adhoc_start",
    ),
    "conditional-flows": (
        bundle(
            START
            + '<bpmn:exclusiveGateway id="gw" name="Big?"/>'
            + task("a")
            + task("b")
            + END
            + flow("start", "gw")
            + flow("gw", "a", when("x &gt; 1"), "Yes")
            + flow("gw", "b")
            + flow("a", "end")
            + flow("b", "end")
        ),
        "gw_b",
    ),
    "end-event-required": (bundle(START + task("a") + flow("start", "a")), "p"),
    "event-based-gateway": (
        bundle(
            START
            + '<bpmn:eventBasedGateway id="ebg" name="Wait"/>'
            + END
            + flow("start", "ebg")
            + flow("ebg", "end")
        ),
        "ebg",
    ),
    "event-sub-process-typed-start-event": (
        bundle(
            START
            + END
            + flow("start", "end")
            + '<bpmn:subProcess id="esp" name="On event" triggeredByEvent="true">'
            + '<bpmn:startEvent id="esp_start" name="Blank"/>'
            + '<bpmn:endEvent id="esp_end" name="Done"/>'
            + flow("esp_start", "esp_end")
            + "</bpmn:subProcess>"
        ),
        "esp_start",
    ),
    "fake-join": (
        bundle(
            START
            + '<bpmn:exclusiveGateway id="gw" name="Check first?" default="gw_a"/>'
            + task("a")
            + task("b")
            + END
            + flow("start", "gw")
            + flow("gw", "a")
            + flow("gw", "b", when("check"), "Yes")
            + flow("b", "a")
            + flow("a", "end")
        ),
        "a",
    ),
    "global": (
        bundle(START + END + flow("start", "end"), '<bpmn:message id="m" name="m"/>'),
        "m",
    ),
    "label-required": (
        bundle(START + '<bpmn:task id="nameless"/>' + END + line("nameless")),
        "nameless",
    ),
    "link-event": (
        bundle(
            START
            + '<bpmn:intermediateThrowEvent id="go" name="Go">'
            + '<bpmn:linkEventDefinition id="go_link" name="jump"/>'
            + "</bpmn:intermediateThrowEvent>"
            + END
            + flow("start", "go")
        ),
        "go",
    ),
    "no-bpmndi": (file_case("no_bpmndi"), "undrawn"),
    "no-complex-gateway": (
        bundle(
            START + '<bpmn:complexGateway id="cx" name="Complex"/>' + END + line("cx")
        ),
        "cx",
    ),
    "no-disconnected": (
        bundle(START + END + flow("start", "end") + task("alone")),
        "alone",
    ),
    "no-duplicate-sequence-flows": (
        bundle(
            START
            + END
            + flow("start", "end")
            + '<bpmn:sequenceFlow id="again" sourceRef="start" targetRef="end"/>'
        ),
        "again",
    ),
    "no-gateway-join-fork": (
        bundle(
            START
            + task("a")
            + '<bpmn:parallelGateway id="both"/>'
            + task("b")
            + task("c")
            + '<bpmn:parallelGateway id="join"/>'
            + END
            + flow("start", "a")
            + flow("start", "both")
            + flow("a", "both")
            + flow("both", "b")
            + flow("both", "c")
            + flow("b", "join")
            + flow("c", "join")
            + flow("join", "end")
        ),
        "both",
    ),
    "no-implicit-split": (
        bundle(
            START
            + task("a")
            + task("b")
            + END
            + flow("start", "a")
            + flow("start", "b")
            + flow("a", "end")
            + flow("b", "end")
        ),
        "start",
    ),
    "no-implicit-end": (
        bundle(START + task("dead_end") + END + flow("start", "dead_end")),
        "dead_end",
    ),
    "no-implicit-start": (
        bundle(
            START + task("orphan") + END + flow("start", "end") + flow("orphan", "end")
        ),
        "orphan",
    ),
    "no-inclusive-gateway": (
        bundle(
            START
            + '<bpmn:inclusiveGateway id="incl" name="Which?"/>'
            + END
            + line("incl")
        ),
        "incl",
    ),
    "no-overlapping-elements": (file_case("overlapping"), "second"),
    "single-blank-start-event": (
        bundle(
            START
            + '<bpmn:startEvent id="start2" name="Other start"/>'
            + END
            + flow("start", "end")
            + flow("start2", "end")
        ),
        "p",
    ),
    "single-event-definition": (
        bundle(
            START
            + '<bpmn:intermediateCatchEvent id="both_kinds" name="Wait">'
            + '<bpmn:timerEventDefinition id="t"><bpmn:timeDuration>"P1D"'
            + "</bpmn:timeDuration></bpmn:timerEventDefinition>"
            + '<bpmn:signalEventDefinition id="s"/>'
            + "</bpmn:intermediateCatchEvent>"
            + END
            + line("both_kinds")
        ),
        "both_kinds",
    ),
    "start-event-required": (
        bundle(
            START
            + '<bpmn:subProcess id="sub" name="Sub">'
            + '<bpmn:endEvent id="sub_end" name="Sub end"/></bpmn:subProcess>'
            + END
            + line("sub")
        ),
        "sub",
    ),
    "sub-process-blank-start-event": (
        bundle(
            START
            + '<bpmn:subProcess id="sub" name="Sub">'
            + '<bpmn:startEvent id="timed" name="Timed">'
            + '<bpmn:timerEventDefinition id="t"><bpmn:timeDuration>"P1D"'
            + "</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:startEvent>"
            + '<bpmn:endEvent id="sub_end" name="Sub end"/>'
            + flow("timed", "sub_end")
            + "</bpmn:subProcess>"
            + END
            + line("sub")
        ),
        "timed",
    ),
    "superfluous-gateway": (
        bundle(START + '<bpmn:exclusiveGateway id="gw"/>' + END + line("gw")),
        "gw",
    ),
    "superfluous-label": (
        bundle(START + END + flow("start", "end", name="Then")),
        "start_end",
    ),
    "superfluous-termination": (
        bundle(
            START
            + '<bpmn:endEvent id="stop" name="Stop">'
            + '<bpmn:terminateEventDefinition id="term"/></bpmn:endEvent>'
            + flow("start", "stop")
        ),
        "stop",
    ),
}


def test_every_recommended_rule_has_a_case():
    assert set(BPMNLINT_CASES) == set(RULES)


@pytest.fixture
def linted(make_engine):
    return make_engine(lint_rules=RuleSet())


@pytest.mark.parametrize("rule", sorted(BPMNLINT_CASES))
def test_bpmnlint_rule_names_the_element(linted, rule):
    files, element = BPMNLINT_CASES[rule]

    problems = [p for p in linted.lint_files(files) if p.rule == rule]

    assert element in {p.element for p in problems}
    problem = next(p for p in problems if p.element == element)
    assert problem.severity == RULES[rule]
    assert repr(element) in problem.message
    assert problem.line is not None


VALID = START + END + flow("start", "end")
LANE = (
    '<bpmn:laneSet id="lanes"><bpmn:lane id="lane_x" name="Nobody">'
    "<bpmn:flowNodeRef>start</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>"
)
SPIFF_PROPS = (
    "<bpmn:extensionElements><spiffworkflow:properties>{}"
    "</spiffworkflow:properties></bpmn:extensionElements>"
)


def prop(name: str, value: str) -> str:
    return f'<spiffworkflow:property name="{name}" value="{value}"/>'


ENGINE_CASES = {
    "lane-role": (bundle(LANE + VALID), "lane_x"),
    "user-task-form": (
        bundle(
            START
            + task("fill", "userTask", SPIFF_PROPS.format(prop("formKey", "missing")))
            + END
            + line("fill")
        ),
        "fill",
    ),
    "task-due": (
        bundle(
            START
            + task("fill", "userTask", SPIFF_PROPS.format(prop("dueIn", "soon")))
            + END
            + line("fill")
        ),
        "fill",
    ),
    "script-compiles": (
        bundle(
            START
            + task("calc", "scriptTask", "<bpmn:script>x = (</bpmn:script>")
            + END
            + line("calc")
        ),
        "calc",
    ),
    "service-operator": (
        bundle(
            START
            + task(
                "call_out",
                "serviceTask",
                "<bpmn:extensionElements>"
                '<spiffworkflow:serviceTaskOperator id="nope"/>'
                "</bpmn:extensionElements>",
            )
            + END
            + line("call_out")
        ),
        "call_out",
    ),
    "timer-parses": (
        bundle(
            START
            + '<bpmn:intermediateCatchEvent id="pause" name="Pause">'
            + '<bpmn:timerEventDefinition id="t"><bpmn:timeDuration>"P3X"'
            + "</bpmn:timeDuration></bpmn:timerEventDefinition>"
            + "</bpmn:intermediateCatchEvent>"
            + END
            + line("pause")
        ),
        "pause",
    ),
    "called-process": (
        bundle(
            START
            + '<bpmn:callActivity id="sub_call" name="Sub" calledElement="elsewhere"/>'
            + END
            + line("sub_call")
        ),
        "sub_call",
    ),
    "message-correlation": (
        bundle(
            START
            + '<bpmn:intermediateCatchEvent id="wait" name="Wait">'
            + '<bpmn:messageEventDefinition id="md" messageRef="unknown"/>'
            + "</bpmn:intermediateCatchEvent>"
            + END
            + line("wait")
        ),
        "wait",
    ),
    "multi-instance": (
        bundle(
            START
            + task(
                "each",
                inner='<bpmn:multiInstanceLoopCharacteristics id="mi"/>',
            )
            + END
            + line("each")
        ),
        "each",
    ),
    "start-event-required": (bundle(END), "p"),
    "xml": ({"broken.bpmn": "<bpmn:definitions"}, ""),
}


@pytest.fixture
def strict(make_engine):
    """An engine with known roles and forms, and no bpmnlint rules."""
    return make_engine(role_exists={"Staff"}.__contains__, form_exists=lambda k: False)


@pytest.mark.parametrize("rule", sorted(ENGINE_CASES))
def test_engine_rule_names_the_element(strict, rule):
    files, element = ENGINE_CASES[rule]

    problems = [p for p in strict.lint_files(files) if p.rule == rule]

    assert [p.element for p in problems] == [element]
    assert problems[0].severity == "error"
    if element:
        assert repr(element) in problems[0].message


def test_known_calls_messages_and_timers_pass(strict):
    files = bundle(
        START
        + '<bpmn:callActivity id="sub_call" name="Sub" calledElement="q"/>'
        + '<bpmn:intermediateCatchEvent id="wait" name="Wait">'
        + '<bpmn:messageEventDefinition id="md" messageRef="m"/>'
        + "</bpmn:intermediateCatchEvent>"
        + '<bpmn:intermediateCatchEvent id="pause" name="Pause">'
        + '<bpmn:timerEventDefinition id="t"><bpmn:timeDuration>"P3D"'
        + "</bpmn:timeDuration></bpmn:timerEventDefinition>"
        + "</bpmn:intermediateCatchEvent>"
        + END
        + line("sub_call", "wait", "pause"),
        '<bpmn:message id="m" name="answer"/>'
        '<bpmn:process id="q" isExecutable="true">'
        '<bpmn:startEvent id="q_start"/><bpmn:endEvent id="q_end"/>'
        '<bpmn:sequenceFlow id="q_f" sourceRef="q_start" targetRef="q_end"/>'
        "</bpmn:process>",
    )

    assert strict.lint_files(files) == []


def test_extra_forms_count_as_existing(strict):
    files, _ = ENGINE_CASES["user-task-form"]

    assert strict.lint_files(files, extra_forms={"missing"}) == []


def test_warnings_do_not_block_deploy(linted):
    files = file_case("overlapping")

    problems = linted.lint_files(files)
    (deployment,) = linted.deploy_files(files, DESIGNER)

    assert {p.severity for p in problems} == {"warning"}
    assert deployment.created


def test_rule_set_takes_bpmnlintrc_severities(tmp_path):
    config = tmp_path / ".bpmnlintrc"
    config.write_text(
        '{"extends": "bpmnlint:recommended", "rules": '
        '{"label-required": "warn", "no-bpmndi": "off", "fake-join": 2}}'
    )

    rules = load_config(config)

    assert rules.severities["label-required"] == "warning"
    assert "no-bpmndi" not in rules.severities
    assert rules.severities["fake-join"] == "error"


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ({"no-such-rule": "warn"}, "Unknown lint rule 'no-such-rule'"),
        ({"fake-join": "loud"}, "severity 'loud'"),
    ],
)
def test_rule_set_rejects_unknown_rules_and_severities(rules, message):
    with pytest.raises(ValueError, match=message):
        RuleSet(rules)


def test_cli_lint_and_deploy_report_the_same_problems(
    database_url, monkeypatch, tmp_path
):
    processes = tmp_path / "processes"
    processes.mkdir()
    (processes / "roles.json").write_text('[{"name": "Staff", "description": "-"}]')
    (processes / ".bpmnlintrc").write_text('{"extends": "bpmnlint:recommended"}')
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "case.bpmn").write_text(
        bundle(LANE + START + '<bpmn:task id="nameless"/>' + line("nameless"))[
            "case.bpmn"
        ]
    )
    monkeypatch.setenv("EKERJASAMA_DATABASE_URL", database_url)
    monkeypatch.setenv("EKERJASAMA_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("EKERJASAMA_PROCESSES_PATH", str(processes))
    from engine.config import build_engine

    engine = build_engine()
    engine.init_db()
    try:
        linted = engine.lint([broken])
        from_files = engine.lint_files(
            {"case.bpmn": (broken / "case.bpmn").read_text()}
        )
        with pytest.raises(DefinitionError) as caught:
            engine.deploy([broken])
    finally:
        engine.close()
    result = CliRunner().invoke(cli, ["lint", str(broken)])

    rules = {p.rule for p in linted}
    assert {"lane-role", "label-required", "end-event-required"} <= rules
    assert linted == from_files == caught.value.problems
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:-1] == [str(p) for p in linted]


def test_roles_file_must_list_named_roles(tmp_path):
    roles = tmp_path / "roles.json"
    roles.write_text('[{"name": "Staff"}, {"description": "no name"}]')

    with pytest.raises(ValueError, match="a 'name' each"):
        load_roles(roles)


def test_missing_start_event_is_told_once(linted):
    files = bundle(END)

    found = [p for p in linted.lint_files(files) if p.rule == "start-event-required"]

    assert [p.element for p in found] == ["p"]


def test_one_rule_may_find_several_things_on_one_element(linted):
    files = bundle(VALID, '<bpmn:message id="m" name=" "/>')

    found = [p.message for p in linted.lint_files(files) if p.rule == "global"]

    assert len(found) == 2
    assert "has no name" in found[0] and "is not used" in found[1]


def test_deploy_without_an_executable_process_says_so(strict):
    files = bundle(VALID)
    files["case.bpmn"] = files["case.bpmn"].replace('isExecutable="true"', "")

    with pytest.raises(DefinitionError, match="no executable process") as caught:
        strict.deploy_files(files, DESIGNER)

    assert [p.rule for p in caught.value.problems] == ["executable-process"]
