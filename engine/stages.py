"""The stages an agreement goes through, read from ``processes/stages.json``.

The supervisor console counts instances per stage (proposal, legal review,
negotiation, signing, M&E). Which element belongs to which stage is data,
kept next to the diagrams so that a designer who adds a task also says
where it belongs::

    {
      "stages": [{"code": "usulan", "id": "Usulan", "en": "Proposal"}, ...],
      "processes": {
        "p2_naskah": {
          "stage": "negosiasi",
          "elements": {"telaah_hukum": "telaah"}
        }
      }
    }

An element takes the stage its own entry names, else the stage of the
process that holds it (a called process's elements belong to the called
process, not to the one calling it). Elements of processes the file does
not name have no stage (``""``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask

#: The file the engine reads when it is given none.
DEFAULT_PATH = Path(__file__).resolve().parents[1] / "processes" / "stages.json"


@dataclass(frozen=True)
class Stage:
    code: str
    #: The stage's name in Indonesian and in English.
    names: dict[str, str]


@dataclass(frozen=True)
class StageMap:
    """Stages in their order, and which process or element is in which."""

    stages: tuple[Stage, ...] = ()
    #: ``{process id: stage code}``.
    processes: dict[str, str] = field(default_factory=dict)
    #: ``{(process id, element id): stage code}``.
    elements: dict[tuple[str, str], str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path | None = None) -> StageMap:
        """Read a stages file.

        :raise ValueError: the file is not valid JSON or names a stage it
            does not declare; the message says where.
        """
        path = Path(path or DEFAULT_PATH)
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise ValueError(f"Cannot read the stages file {str(path)!r}: {e}") from e
        return cls.from_dict(raw, str(path))

    @classmethod
    def from_dict(cls, raw: dict, source: str = "<stages>") -> StageMap:
        stages = tuple(
            Stage(s["code"], {"id": s.get("id", s["code"]), "en": s.get("en", "")})
            for s in raw.get("stages", [])
        )
        codes = {s.code for s in stages}
        processes, elements = {}, {}
        for process_id, entry in raw.get("processes", {}).items():
            named = {(process_id, e): s for e, s in entry.get("elements", {}).items()}
            for where, code in [(process_id, entry.get("stage")), *named.items()]:
                if code is not None and code not in codes:
                    raise ValueError(
                        f"{source}: {where!r} names stage {code!r}, which is not "
                        f"one of {sorted(codes)}. Declare it under 'stages'."
                    )
            if entry.get("stage"):
                processes[process_id] = entry["stage"]
            elements.update(named)
        return cls(stages, processes, elements)

    @property
    def codes(self) -> list[str]:
        return [s.code for s in self.stages]

    def name(self, code: str, lang: str = "id") -> str:
        """The stage's name in ``lang``; its code when it has none."""
        for stage in self.stages:
            if stage.code == code:
                return stage.names.get(lang) or stage.code
        return code

    def stage_of(self, owner: str, element: str) -> str:
        """The stage of ``element`` of process ``owner``; ``""`` if none."""
        found = self.elements.get((owner, element))
        if found is not None:
            return found
        return self.processes.get(owner, "")


@dataclass
class ElementIndex:
    """Every element a top-level process can reach, with its owner and name.

    Built from the deployed versions' parsed specs, so elements of called
    processes are found under the process that holds them.
    """

    #: ``{element id: (owning process id, element name)}``.
    elements: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: ``{called or embedded process id: the element that runs it}``.
    calls: dict[str, str] = field(default_factory=dict)

    def add_specs(self, spec, subprocess_specs: dict) -> None:
        for process in [spec, *subprocess_specs.values()]:
            for task_spec in process.task_specs.values():
                element = getattr(task_spec, "bpmn_id", None)
                if element and element not in self.elements:
                    name = getattr(task_spec, "bpmn_name", None) or element
                    self.elements[element] = (process.name, name)
                if isinstance(task_spec, SubWorkflowTask):
                    self.calls.setdefault(task_spec.spec, element)

    def shown_in(self, element: str, process_id: str, top: str) -> str | None:
        """The element of ``process_id``'s diagram where work at ``element``
        shows: itself, or the call activity that leads to it; None if the
        diagram does not lead there."""
        seen = set()
        while element not in seen:
            seen.add(element)
            owner = self.owner(element, top)
            if owner == process_id:
                return element
            caller = self.calls.get(owner)
            if caller is None:
                return None
            element = caller
        return None

    def owner(self, element: str, default: str) -> str:
        return self.elements.get(element, (default, ""))[0]

    def name(self, element: str) -> str:
        return self.elements.get(element, ("", element))[1] or element
