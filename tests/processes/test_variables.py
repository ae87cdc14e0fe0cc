"""Every name a diagram's code reads is provided before it is read.

Code is what the engine evaluates over the task data: gateway conditions,
scripts, timer expressions, service parameters, message payloads and the
input expressions of the decisions a process calls. The names it reads
(found with :mod:`ast`, less the sandbox's builtins and functions) must be
provided by:

* an element of the same process that can run before the reader: a user
  task's or start event's form (its component keys), a decision's outputs,
  a service task's result variable, a message event's variable, a script's
  assignments, or a called process (everything that process provides);
* or, for a called process, any process of its family (its callers and
  what they call), since the caller's data is copied into it.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import drive
import pytest
from lxml import etree

from engine.forms import FormLibrary
from engine.forms import data_components
from engine.sandbox import SAFE_BUILTINS
from engine.sandbox import SAFE_MODULES

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
SPIFF = "{http://spiffworkflow.org/bpmn/schema/1.0/core}"
DMN = "{https://www.omg.org/spec/DMN/20191111/MODEL/}"
TIMERS = {BPMN + "timeDate", BPMN + "timeDuration", BPMN + "timeCycle"}
SANDBOX = set(SAFE_BUILTINS) | set(SAFE_MODULES) | set(drive.engine_options().functions)


def _local_names(tree: ast.AST) -> set[str]:
    """Names bound inside comprehensions and lambdas, not in the task data."""
    local = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.comprehension):
            local |= {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
        elif isinstance(node, ast.Lambda):
            local |= {a.arg for a in node.args.args}
    return local


def code_names(source: str, mode: str = "eval") -> tuple[set[str], set[str]]:
    """``(read, assigned)``: the data names ``source`` reads and assigns.

    A script's statement reads a name unless an earlier statement assigned
    it (``x = x + 1`` reads ``x``).
    """
    tree = ast.parse(source.strip(), mode=mode)
    local = _local_names(tree)
    statements = tree.body if mode == "exec" else [tree.body]
    read: set[str] = set()
    assigned: set[str] = set()
    for statement in statements:
        names = [n for n in ast.walk(statement) if isinstance(n, ast.Name)]
        loads = {n.id for n in names if isinstance(n.ctx, ast.Load)}
        read |= loads - assigned - local - SANDBOX
        assigned |= {n.id for n in names if isinstance(n.ctx, ast.Store)} - local
    return read, assigned


def read_decisions(folder: Path) -> dict[str, tuple[list[str], list[str]]]:
    """``{decision id: (input expressions, output names)}`` of the .dmn files."""
    decisions = {}
    for path in sorted(folder.glob("*.dmn")):
        for decision in etree.parse(str(path)).getroot().iter(DMN + "decision"):
            inputs = [
                e.findtext(DMN + "text") for e in decision.iter(DMN + "inputExpression")
            ]
            outputs = [o.get("name") for o in decision.iter(DMN + "output")]
            decisions[decision.get("id")] = (inputs, outputs)
    return decisions


class Process:
    """Who provides and who reads which names in one process."""

    def __init__(self, element, forms: FormLibrary, decisions: dict) -> None:
        self.id = element.get("id")
        self.forms = forms
        self.decisions = decisions
        self.calls: dict[str, str] = {}
        self.provides: dict[str, set[str]] = defaultdict(set)
        self.reads: list[tuple[str, str, set[str]]] = []
        self.before: dict[str, set[str]] = defaultdict(set)
        self._read_flows(element)
        self._read_nodes(element)

    def _read_flows(self, element) -> None:
        for flow in element.iter(BPMN + "sequenceFlow"):
            source, target = flow.get("sourceRef"), flow.get("targetRef")
            self.before[target].add(source)
            self.before[flow.get("id")].add(source)
        # A boundary event fires while its activity runs: what ran before
        # the activity ran before the event; the activity's own form did not.
        for event in element.iter(BPMN + "boundaryEvent"):
            attached = event.get("attachedToRef")
            self.before[event.get("id")] |= self.before[attached]

    def _read_nodes(self, container) -> None:
        for node in container:
            element = node.get("id")
            if node.tag == BPMN + "subProcess":
                self._read_nodes(node)
            if node.tag == BPMN + "callActivity":
                self.calls[element] = node.get("calledElement")
            self._read_form(element, node)
            self._read_service(element, node)
            self._read_decision(element, node)
            self._read_code(element, node)

    def _read_form(self, element: str, node) -> None:
        for prop in node.iterfind(f"{BPMN}extensionElements/{SPIFF}properties/*"):
            if prop.get("name") == "formKey":
                form = self.forms.load(prop.get("value"))
                self.provides[element] |= {c["key"] for c in data_components(form)}
        for variable in node.iterfind(f".//{SPIFF}messageVariable"):
            self.provides[element].add(variable.text.strip())

    def _read_service(self, element: str, node) -> None:
        operator = node.find(f"{BPMN}extensionElements/{SPIFF}serviceTaskOperator")
        if operator is None:
            return
        self.provides[element].add(operator.get("resultVariable"))
        for parameter in operator.iter(SPIFF + "parameter"):
            self._read(element, "service parameter", parameter.get("value"))

    def _read_decision(self, element: str, node) -> None:
        decision = node.findtext(f"{BPMN}extensionElements/{SPIFF}calledDecisionId")
        if not decision:
            return
        inputs, outputs = self.decisions[decision.strip()]
        self.provides[element] |= set(outputs)
        for source in inputs:
            self._read(element, "decision input", source)

    def _read_code(self, element: str, node) -> None:
        script = node.findtext(BPMN + "script")
        if script:
            read, assigned = code_names(script, "exec")
            self.reads.append((element, "script", read))
            self.provides[element] |= assigned
        condition = node.findtext(BPMN + "conditionExpression")
        if condition:
            self._read(element, "conditionExpression", condition)
        for part in node.iterfind(f"{BPMN}timerEventDefinition/*"):
            if part.tag in TIMERS:
                self._read(element, part.tag.removeprefix(BPMN), part.text)
        payload = node.findtext(f".//{SPIFF}messagePayload")
        if payload:
            self._read(element, "message payload", payload)

    def _read(self, element: str, what: str, source: str) -> None:
        self.reads.append((element, what, code_names(source)[0]))

    def upstream(self, element: str) -> set[str]:
        """The elements that can run before ``element`` (and it, in a loop)."""
        seen: set[str] = set()
        todo = list(self.before[element])
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.add(current)
                todo.extend(self.before[current])
        return seen


class Bundle:
    """The processes of a folder and what each provides, calls included."""

    def __init__(self, folder: Path, forms: Path = drive.FORMS) -> None:
        library, decisions = FormLibrary(forms), read_decisions(folder)
        self.processes = {}
        for path in sorted(folder.glob("*.bpmn")):
            for element in etree.parse(str(path)).getroot().iter(BPMN + "process"):
                process = Process(element, library, decisions)
                self.processes[process.id] = process

    def provided(self, process_id: str, seen: frozenset = frozenset()) -> set[str]:
        """Everything a process and the processes it calls provide."""
        process = self.processes[process_id]
        names = set().union(*process.provides.values())
        for called in set(process.calls.values()) - seen - {process_id}:
            names |= self.provided(called, seen | {process_id})
        return names

    def from_callers(self, process_id: str) -> set[str]:
        """What the processes that call ``process_id`` (and theirs) provide."""
        callers = {
            p.id for p in self.processes.values() if process_id in p.calls.values()
        }
        names: set[str] = set()
        for caller in callers:
            names |= self.provided(caller, frozenset({process_id}))
            names |= self.from_callers(caller)
        return names

    def missing(self) -> list[tuple[str, str, str, str]]:
        """``(process, element, what, name)`` for each name read unprovided."""
        found = []
        for process in self.processes.values():
            outside = self.from_callers(process.id)
            for element, what, names in process.reads:
                available = set(outside)
                for earlier in process.upstream(element):
                    available |= process.provides[earlier]
                    if earlier in process.calls:
                        available |= self.provided(process.calls[earlier])
                for name in sorted(names - available):
                    found.append((process.id, element, what, name))
        return found


@pytest.fixture(scope="module")
def bundle():
    return Bundle(drive.PROCESSES)


def test_variables_every_name_read_is_provided_before(bundle):
    assert bundle.missing() == []


def test_variables_the_scan_sees_each_kind_of_code(bundle):
    kinds = {what for p in bundle.processes.values() for _, what, _ in p.reads}

    assert kinds >= {
        "conditionExpression",
        "script",
        "timeDate",
        "timeDuration",
        "service parameter",
        "decision input",
        "message payload",
    }
    p5 = bundle.processes["p5_pelaksanaan"]
    assert ("masa_berakhir", "timeDate", {"tanggal_berakhir"}) in p5.reads


@pytest.mark.parametrize(
    ("source", "mode", "read", "assigned"),
    [
        ('keputusan == "adendum"', "eval", {"keputusan"}, set()),
        ("monev_ke = monev_ke + 1", "exec", {"monev_ke"}, {"monev_ke"}),
        ("n = 1\nm = n + len(daftar)", "exec", {"daftar"}, {"n", "m"}),
        ("[d for d in daftar if d != aktif]", "eval", {"daftar", "aktif"}, set()),
        ('setting("SLA") + str(date.today())', "eval", set(), set()),
    ],
    ids=["condition", "self-update", "earlier-statement", "comprehension", "sandbox"],
)
def test_variables_code_names(source, mode, read, assigned):
    assert code_names(source, mode) == (read, assigned)


SMALL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    id="defs_uji" targetNamespace="https://ekerjasama.grobogan.go.id/bpmn">
  <bpmn:process id="uji" isExecutable="true">
    <bpmn:startEvent id="mulai"/>
    <bpmn:scriptTask id="awal"><bpmn:script>{first}</bpmn:script></bpmn:scriptTask>
    <bpmn:exclusiveGateway id="gw" default="f_lain"/>
    <bpmn:scriptTask id="akhir"><bpmn:script>{last}</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="selesai"/>
    <bpmn:endEvent id="selesai_lain"/>
    <bpmn:sequenceFlow id="f1" sourceRef="mulai" targetRef="awal"/>
    <bpmn:sequenceFlow id="f2" sourceRef="awal" targetRef="gw"/>
    <bpmn:sequenceFlow id="f_ya" sourceRef="gw" targetRef="akhir">
      <bpmn:conditionExpression>{condition}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_lain" sourceRef="gw" targetRef="selesai_lain"/>
    <bpmn:sequenceFlow id="f3" sourceRef="akhir" targetRef="selesai"/>
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.mark.parametrize(
    ("first", "condition", "last", "missing"),
    [
        ("hasil = 1", "hasil == 1", "catatan = hasil", []),
        (
            "hasil = 1",
            "nilai_tidak_ada > 0",
            "catatan = hasil",
            [("uji", "f_ya", "conditionExpression", "nilai_tidak_ada")],
        ),
        (
            "hasil = 1",
            "hasil == 1",
            "catatan = tidak_ada + hasil",
            [("uji", "akhir", "script", "tidak_ada")],
        ),
        (
            "hasil = nanti",
            "hasil == 1",
            "nanti = 2",
            [("uji", "awal", "script", "nanti")],
        ),
    ],
    ids=["all-provided", "nothing-provides", "script-reads-unknown", "provided-later"],
)
def test_variables_small_diagram(tmp_path, first, condition, last, missing):
    diagram = SMALL.format(first=first, condition=condition, last=last)
    (tmp_path / "uji.bpmn").write_text(diagram, encoding="utf-8")

    assert Bundle(tmp_path).missing() == missing
