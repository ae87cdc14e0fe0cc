"""Reading, checking and parsing BPMN and DMN definition files.

A *bundle* is a set of files, named by their base names. :func:`check_bundle`
finds every problem in a bundle at once (XML syntax, the BPMN schema,
SpiffWorkflow's own parsing, bpmnlint's rules from :mod:`engine.lint_rules`
when a rule set is given, and the engine's rules: start events, lanes that
are known roles, forms that exist, scripts and conditions that compile in the
sandbox, timers, multi-instance cardinality, known service operators, called
processes, addressable messages) and returns, for each executable process,
the files it needs and a hash of their content, which is what a version is.
Every problem names the rule that found it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser import VALIDATOR
from SpiffWorkflow.spiff.parser import SpiffBpmnParser

from .errors import DefinitionError
from .errors import Problem
from .lint_engine import check_messages
from .lint_engine import check_timer
from .lint_model import FLOW_NODES
from .lint_model import describe
from .lint_model import local
from .lint_rules import RuleSet
from .sandbox import UnsafeScript
from .sandbox import check_source
from .sla import PROPERTIES as SLA_PROPERTIES
from .sla import check_properties

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
DEFINITION_SUFFIXES = (".bpmn", ".dmn")
#: The user task property that names its form in ``forms/``.
FORM_PROPERTY = "formKey"
_OWNERS = FLOW_NODES | {"sequenceFlow", "process", "lane", "participant"}


def _b(tag: str) -> str:
    return f"{{{BPMN_NS}}}{tag}"


def _s(tag: str) -> str:
    return f"{{{SPIFF_NS}}}{tag}"


@dataclass
class ProcessSource:
    """What one version of a process is made of."""

    process_id: str
    name: str
    file: str
    #: ``{file name: text}``: its own file, called processes, decisions.
    files: dict[str, str]
    content_hash: str
    lanes: list[str]
    forms: dict[str, str]


@dataclass
class _ProcessInfo:
    process_id: str
    name: str
    file: str
    executable: bool
    calls: set[str] = field(default_factory=set)
    decisions: set[str] = field(default_factory=set)
    lanes: list[str] = field(default_factory=list)
    forms: dict[str, str] = field(default_factory=dict)


def read_paths(paths: Iterable[str | Path]) -> dict[str, str]:
    """Read the .bpmn and .dmn files at ``paths`` (files or folders).

    :raise DefinitionError: a path is missing or two files share a name.
    """
    files: dict[str, str] = {}
    origin: dict[str, Path] = {}
    problems = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.suffix in DEFINITION_SUFFIXES
            )
        elif path.is_file():
            found = [path]
        else:
            problems.append(
                Problem(f"No such file or folder: {str(path)!r}.", rule="files")
            )
            continue
        for item in found:
            if item.name in files and origin[item.name] != item:
                problems.append(
                    Problem(
                        f"Two files are named {item.name!r} ({origin[item.name]} and "
                        f"{item}). Rename one; versions keep files by name.",
                        file=item.name,
                        rule="files",
                    )
                )
                continue
            files[item.name] = item.read_text(encoding="utf-8")
            origin[item.name] = item
    if problems:
        raise DefinitionError(problems)
    return files


def _line(node) -> int | None:
    return getattr(node, "sourceline", None)


def _owner(node):
    """The nearest element a designer sees at or above ``node``.

    Event definitions, loop characteristics and expressions may carry ids
    of their own; problems are told on the task, event or flow holding them.
    """
    fallback = None
    while node is not None:
        if node.get("id") and str(node.tag).startswith(f"{{{BPMN_NS}}}"):
            if local(node) in _OWNERS:
                return node
            fallback = fallback if fallback is not None else node
        node = node.getparent()
    return fallback


def _owner_id(node) -> str:
    owner = _owner(node)
    return "" if owner is None else owner.get("id")


def _named(node) -> str:
    """The element that holds ``node``, named for a message."""
    owner = _owner(node)
    return "The definitions" if owner is None else describe(owner)


class _Checker:
    """Collects problems for one bundle."""

    def __init__(
        self,
        operators: Callable[[str], bool] | None,
        forms: Callable[[str], bool] | None = None,
        roles: Callable[[str], bool] | None = None,
    ) -> None:
        self.operators = operators
        self.forms = forms
        self.roles = roles
        self.problems: list[Problem] = []
        self.processes: dict[str, _ProcessInfo] = {}
        self.decisions: dict[str, str] = {}

    def add(self, rule: str, message: str, file: str, node=None) -> None:
        self.problems.append(
            Problem(
                message,
                file=file,
                element=_owner_id(node) if node is not None else "",
                line=_line(node) if node is not None else None,
                rule=rule,
            )
        )

    def parse_xml(self, name: str, text: str):
        try:
            return etree.fromstring(text.encode("utf-8"))
        except etree.XMLSyntaxError as e:
            self.problems.append(
                Problem(
                    f"The XML does not parse: {e.msg}.",
                    file=name,
                    line=e.lineno,
                    rule="xml",
                )
            )
            return None

    def scan_dmn(self, name: str, root) -> None:
        for decision in root.iter("{*}decision"):
            self.decisions[decision.get("id")] = name

    def scan_bpmn(self, name: str, root) -> None:
        for proc in root.iter(_b("process")):
            pid = proc.get("id")
            info = _ProcessInfo(
                process_id=pid,
                name=proc.get("name") or pid,
                file=name,
                executable=proc.get("isExecutable", "false") == "true",
            )
            if pid in self.processes:
                other = self.processes[pid].file
                self.add(
                    "process-id",
                    f"Process id {pid!r} is defined in {other!r} too. "
                    "Give each process its own id.",
                    name,
                    proc,
                )
            self.processes[pid] = info
            self.scan_process(name, proc, info)

    def scan_process(self, name: str, proc, info: _ProcessInfo) -> None:
        if info.executable and proc.find(_b("startEvent")) is None:
            self.add(
                "start-event-required",
                f"{describe(proc)} has no start event. Add one.",
                name,
                proc,
            )
        for lane in proc.iter(_b("lane")):
            lane_name = (lane.get("name") or "").strip()
            if not lane_name:
                self.add(
                    "lane-role",
                    f"{describe(lane)} has no name; its name is the role.",
                    name,
                    lane,
                )
                continue
            if self.roles is not None and not self.roles(lane_name):
                self.add(
                    "lane-role",
                    f"{describe(lane)} is not a known role. "
                    "Rename it to a role of roles.json or add the role there.",
                    name,
                    lane,
                )
            if lane_name not in info.lanes:
                info.lanes.append(lane_name)
        for call in proc.iter(_b("callActivity")):
            if call.get("calledElement"):
                info.calls.add(call.get("calledElement"))
        for ref in proc.iter(_s("calledDecisionId")):
            if ref.text:
                info.decisions.add(ref.text.strip())
        for task in proc.iter(_b("userTask")):
            for prop in task.iter(_s("property")):
                if prop.get("name") == FORM_PROPERTY and prop.get("value"):
                    info.forms[task.get("id")] = prop.get("value")
                    self.check_form(name, prop)
            self.check_due(name, task)
        self.scan_code(name, proc)

    def scan_code(self, name: str, proc) -> None:
        code = [
            (_b("script"), "exec", "script"),
            (_s("preScript"), "exec", "pre-script"),
            (_s("postScript"), "exec", "post-script"),
            (_b("conditionExpression"), "eval", "condition"),
            (_b("timeDuration"), "eval", "timer duration"),
            (_b("timeDate"), "eval", "timer date"),
            (_b("timeCycle"), "eval", "timer cycle"),
            (_b("loopCardinality"), "eval", "loop cardinality"),
            (_b("completionCondition"), "eval", "completion condition"),
            (_b("loopCondition"), "eval", "loop condition"),
        ]
        for tag, mode, what in code:
            for node in proc.iter(tag):
                source = (node.text or "").strip()
                if self.check_code(name, node, source, mode, what) and (
                    what.startswith("timer")
                ):
                    problem = check_timer(source, what)
                    if problem:
                        message = f"{_named(node)}: {problem}"
                        self.add("timer-parses", message, name, node)
        for mi in proc.iter(_b("multiInstanceLoopCharacteristics")):
            if (
                mi.find(_b("loopCardinality")) is None
                and mi.find(_b("loopDataInputRef")) is None
            ):
                self.add(
                    "multi-instance",
                    f"{_named(mi.getparent())} is multi-instance but has neither "
                    "a loop cardinality nor an input collection. Set one of them.",
                    name,
                    mi.getparent(),
                )
        for op in proc.iter(_s("serviceTaskOperator")):
            self.check_operator(name, op)

    def check_code(self, name: str, node, source: str, mode: str, what: str) -> bool:
        """Add a problem unless ``source`` compiles; tell whether it did."""
        rule = "timer-parses" if what.startswith("timer") else "script-compiles"
        where = _named(node)
        if not source:
            if mode == "exec":
                return True
            message = f"{where}: the {what} is empty. Write an expression."
            self.add(rule, message, name, node)
            return False
        try:
            check_source(source, mode)
        except SyntaxError as e:
            self.add(
                rule,
                f"{where}: the {what} does not compile: {e.msg} (line {e.lineno} of "
                f"the {what}). Fix the Python expression.",
                name,
                node,
            )
        except UnsafeScript as e:
            self.add(rule, f"{where}: the {what} is not allowed: {e}", name, node)
        else:
            return True
        return False

    def check_form(self, name: str, prop) -> None:
        key = prop.get("value")
        if self.forms is not None and not self.forms(key):
            self.add(
                "user-task-form",
                f"{_named(prop)} names form {key!r}, which does not exist. "
                "Create the form or fix the formKey property.",
                name,
                prop,
            )

    def check_due(self, name: str, task) -> None:
        props = {
            prop.get("name"): prop.get("value")
            for prop in task.iter(_s("property"))
            if prop.get("name") in SLA_PROPERTIES and prop.get("value")
        }
        for problem in check_properties(props):
            self.add(
                "task-due",
                f"The due date of {describe(task)} is wrong: {problem}",
                name,
                task,
            )

    def check_operator(self, name: str, op) -> None:
        operator = op.get("id") or ""
        if self.operators is not None and not self.operators(operator):
            self.add(
                "service-operator",
                f"Unknown service operator {operator!r} in {_named(op)}. "
                "Register it in the "
                "engine's service registry or fix the name.",
                name,
                op,
            )
        for param in op.iter(_s("parameter")):
            self.check_code(
                name, param, param.get("value") or "", "eval", "service parameter"
            )


def _spiff_problem(e: Exception, fallback_file: str = "") -> Problem:
    if isinstance(e, ValidationException):
        return Problem(
            str(e.args[0]) if e.args else str(e),
            file=e.file_name or fallback_file,
            element=getattr(e, "id", "") or "",
            line=int(e.line_number) if str(e.line_number).isdigit() else None,
            rule="bpmn-parse",
        )
    element = ""
    task_spec = getattr(e, "task_spec", None)
    if task_spec is not None:
        element = task_spec.name
    return Problem(str(e), file=fallback_file, element=element, rule="bpmn-parse")


def new_parser(validate: bool = True) -> SpiffBpmnParser:
    return SpiffBpmnParser(validator=VALIDATOR if validate else None)


def parse_specs(files: dict[str, str], process_id: str):
    """Return ``(spec, subprocess_specs)`` for ``process_id`` from ``files``."""
    parser = new_parser(validate=False)
    for name, text in files.items():
        root = etree.fromstring(text.encode("utf-8"))
        if name.endswith(".dmn"):
            parser.add_dmn_xml(root, filename=name)
        else:
            parser.add_bpmn_xml(root, filename=name)
    return parser.get_spec(process_id), parser.get_subprocess_specs(process_id)


def check_bundle(
    files: dict[str, str],
    operators: Callable[[str], bool] | None = None,
    deployed: dict[str, str] | None = None,
    forms: Callable[[str], bool] | None = None,
    roles: Callable[[str], bool] | None = None,
    rules: RuleSet | None = None,
) -> tuple[list[ProcessSource], list[Problem]]:
    """Check ``files`` and describe the executable processes they define.

    :param operators: tells whether a service operator name is known.
    :param deployed: files of already deployed processes, used to resolve
        call activities and decisions that the bundle does not define.
    :param forms: tells whether a form key names an existing form.
    :param roles: tells whether a lane name is a known role.
    :param rules: the bpmnlint rules to apply; none when not given.
    :return: the processes (empty when there are errors) and every problem,
        each named once per rule and element.
    """
    checker = _Checker(operators, forms, roles)
    roots = {}
    for name, text in files.items():
        root = checker.parse_xml(name, text)
        if root is None:
            continue
        roots[name] = root
        if name.endswith(".dmn"):
            checker.scan_dmn(name, root)
        else:
            checker.scan_bpmn(name, root)
            for node, message in check_messages(root):
                checker.add("message-correlation", message, name, node)
            if rules is not None:
                checker.problems.extend(rules.check(name, root))
    if _has_errors(checker.problems):
        return [], _unique(checker.problems)

    all_files = dict(deployed or {})
    all_files.update(files)
    parser = _parse_all(checker, all_files, roots)
    if parser is None or _has_errors(checker.problems):
        return [], _unique(checker.problems)

    for name, text in all_files.items():
        if name in roots:
            continue
        root = etree.fromstring(text.encode("utf-8"))
        (checker.scan_dmn if name.endswith(".dmn") else checker.scan_bpmn)(name, root)
    sources = []
    for info in checker.processes.values():
        if info.file not in files or not info.executable:
            continue
        if not _calls_exist(checker, info, roots.get(info.file)):
            continue
        called = _closure(checker, info)
        needed = _needed_files(checker, called)
        try:
            parser.get_spec(info.process_id)
            parser.get_subprocess_specs(info.process_id)
        except (SpiffWorkflowException, ValueError) as e:
            checker.problems.append(_spiff_problem(e, info.file))
            continue
        chosen = {name: all_files[name] for name in sorted(needed)}
        sources.append(
            ProcessSource(
                process_id=info.process_id,
                name=info.name,
                file=info.file,
                files=chosen,
                content_hash=_hash(chosen),
                lanes=_merged_lanes(called),
                forms={k: v for proc in called for k, v in proc.forms.items()},
            )
        )
    if _has_errors(checker.problems):
        return [], _unique(checker.problems)
    return sources, _unique(checker.problems)


def _has_errors(problems: list[Problem]) -> bool:
    return any(p.severity == "error" for p in problems)


def _unique(problems: list[Problem]) -> list[Problem]:
    # The engine's own start event check and bpmnlint's can both fire.
    return list(dict.fromkeys(problems))


def _calls_exist(checker: _Checker, info: _ProcessInfo, root) -> bool:
    """Add a problem for each process ``info`` calls that is nowhere defined."""
    missing = [pid for pid in sorted(info.calls) if pid not in checker.processes]
    for pid in missing:
        calls = [] if root is None else root.iter(_b("callActivity"))
        node = next((c for c in calls if c.get("calledElement") == pid), None)
        checker.add(
            "called-process",
            f"{_named(node)} calls process {pid!r}, which is neither in these "
            "files nor deployed. Deploy it with them or fix the called element.",
            info.file,
            node,
        )
    return not missing


def _parse_all(checker: _Checker, all_files: dict[str, str], roots: dict):
    parser = new_parser()
    for name, text in all_files.items():
        root = roots.get(name)
        if root is None:
            root = etree.fromstring(text.encode("utf-8"))
        try:
            if name.endswith(".dmn"):
                parser.add_dmn_xml(root, filename=name)
            else:
                parser.add_bpmn_xml(root, filename=name)
        except (SpiffWorkflowException, ValueError, etree.LxmlError) as e:
            checker.problems.append(_spiff_problem(e, name))
    return parser


def _closure(checker: _Checker, info: _ProcessInfo) -> list[_ProcessInfo]:
    """The process and every process it calls, directly or not."""
    found, todo = {}, [info.process_id]
    while todo:
        pid = todo.pop()
        if pid in found or pid not in checker.processes:
            continue
        found[pid] = checker.processes[pid]
        todo.extend(found[pid].calls)
    return list(found.values())


def _needed_files(checker: _Checker, called: list[_ProcessInfo]) -> set[str]:
    needed = set()
    for proc in called:
        needed.add(proc.file)
        needed.update(
            checker.decisions[d] for d in proc.decisions if d in checker.decisions
        )
    return needed


def _merged_lanes(called: list[_ProcessInfo]) -> list[str]:
    lanes: list[str] = []
    for proc in called:
        lanes.extend(lane for lane in proc.lanes if lane not in lanes)
    return lanes


def _hash(files: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name].encode() + b"\0")
    return digest.hexdigest()
