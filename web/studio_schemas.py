"""The JSON shapes of the studio's pages, as marshmallow schemas."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema
from marshmallow import fields

from .schemas import Errors


def problem_data(problem) -> dict[str, Any]:
    """A lint :class:`~engine.Problem` as the modeler and the pages show it."""
    return {
        "message": problem.message,
        "file": problem.file,
        "element": problem.element,
        "line": problem.line,
        "severity": problem.severity,
        "rule": getattr(problem, "rule", ""),
    }


def diff_data(diff) -> dict[str, Any]:
    """A :class:`~engine.diff.VersionDiff` as lists of plain mappings."""

    def element(e) -> dict[str, Any]:
        return {"id": e.id, "type": e.type, "name": e.name}

    return {
        "added": [element(e) for e in diff.added],
        "removed": [element(e) for e in diff.removed],
        "changed": [
            {**element(e), "fields": {k: list(v) for k, v in e.fields.items()}}
            for e in diff.changed
        ],
    }


class ProblemSchema(Schema):
    message = fields.String()
    file = fields.String()
    element = fields.String()
    line = fields.Integer(allow_none=True)
    severity = fields.String()
    rule = fields.String()


class VersionSchema(Schema):
    process_id = fields.String()
    version = fields.Integer()
    name = fields.String()
    deployed_by = fields.String()
    deployed_at = fields.AwareDateTime()
    content_hash = fields.String()
    active_instances = fields.Integer()
    total_instances = fields.Integer()


class DraftSchema(Schema):
    kind = fields.String()
    key = fields.String()
    #: File names only: the texts are served by the export URLs.
    files = fields.Method("file_names")
    base_version = fields.Integer(allow_none=True)
    created_by = fields.String()
    created_at = fields.AwareDateTime(allow_none=True)
    saved_by = fields.String()
    saved_at = fields.AwareDateTime(allow_none=True)

    def file_names(self, draft) -> list[str]:
        return sorted(draft.files)


class FormDraftSchema(DraftSchema):
    schema = fields.Dict(allow_none=True)


class ScenarioSchema(Schema):
    id = fields.Integer()
    process_id = fields.String()
    name = fields.String()
    start_data = fields.Dict()
    steps = fields.List(fields.Dict())
    expected = fields.List(fields.Dict())
    saved_by = fields.String()
    saved_at = fields.AwareDateTime()


class ProcessRowSchema(Schema):
    id = fields.String()
    name = fields.String()
    versions = fields.List(fields.Nested(VersionSchema))
    draft = fields.Nested(DraftSchema, allow_none=True)


class StudioIndexSchema(Schema):
    processes = fields.List(fields.Nested(ProcessRowSchema))
    new_drafts = fields.List(fields.Nested(DraftSchema))


class StudioProcessSchema(ProcessRowSchema):
    scenarios = fields.List(fields.Nested(ScenarioSchema))


class VersionPageSchema(Schema):
    id = fields.String()
    version = fields.Nested(VersionSchema)
    main_file = fields.String()
    files = fields.List(fields.String())


class ElementSchema(Schema):
    id = fields.String()
    type = fields.String()
    name = fields.String()


class ChangeSchema(ElementSchema):
    #: ``{field: [old, new]}``; named ``fields`` in JSON (a Schema attribute here).
    changes = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.Raw()),
        attribute="fields",
        data_key="fields",
    )


class DiffSchema(Schema):
    added = fields.List(fields.Nested(ElementSchema))
    removed = fields.List(fields.Nested(ElementSchema))
    changed = fields.List(fields.Nested(ChangeSchema))


class DiffPageSchema(Schema):
    id = fields.String()
    old = fields.Integer()
    new = fields.String()
    versions = fields.List(fields.Integer())
    has_draft = fields.Boolean()
    diff = fields.Nested(DiffSchema)


class ModelerSchema(Schema):
    id = fields.String()
    draft = fields.Nested(DraftSchema, allow_none=True)
    base_version = fields.Integer(allow_none=True)
    newest_version = fields.Integer(allow_none=True)
    main_file = fields.String()
    problems = fields.List(fields.Nested(ProblemSchema))
    #: Lists of choices by name, and ``lint_config`` (bpmnlint's, or null).
    options = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True))


class NewProcessSchema(Schema):
    answers = fields.Dict(keys=fields.String(), values=fields.String())
    errors = Errors


class ImportSchema(Schema):
    errors = Errors


class DeploymentSchema(Schema):
    process_id = fields.String()
    version = fields.Integer()
    created = fields.Boolean()


class DeploySchema(Schema):
    id = fields.String()
    problems = fields.List(fields.Nested(ProblemSchema))
    deployed = fields.List(fields.Nested(DeploymentSchema))


class FormRowSchema(Schema):
    key = fields.String()
    published = fields.Boolean()
    draft = fields.Nested(DraftSchema, allow_none=True)


class FormListSchema(Schema):
    forms = fields.List(fields.Nested(FormRowSchema))
    errors = Errors


class FormPageSchema(Schema):
    key = fields.String()
    schema = fields.Dict()
    draft = fields.Nested(DraftSchema, allow_none=True)
    published = fields.Boolean()
    errors = Errors


class TrialPageSchema(Schema):
    id = fields.String()
    source = fields.String()
    start_data = fields.Dict()
    steps = fields.List(fields.Dict())
    #: :meth:`engine.trial.TrialResult.as_dict`, or None before a run.
    result = fields.Dict(allow_none=True)
    scenarios = fields.List(fields.Nested(ScenarioSchema))
    errors = Errors


class ScenarioRunSchema(Schema):
    scenario_id = fields.Integer()
    name = fields.String()
    status = fields.String()
    error = fields.String(allow_none=True)
    matches = fields.Boolean()


Visits = fields.Dict(keys=fields.String(), values=fields.Integer())


class CoverageSchema(Schema):
    nodes = Visits
    flows = Visits
    all_nodes = fields.List(fields.String())
    all_flows = fields.List(fields.String())
    node_percent = fields.Float()
    flow_percent = fields.Float()
    runs = fields.List(fields.Nested(ScenarioRunSchema))


class CoveragePageSchema(Schema):
    id = fields.String()
    source = fields.String()
    coverage = fields.Nested(CoverageSchema)
    scenarios = fields.List(fields.Nested(ScenarioSchema))


class MigrationCheckSchema(Schema):
    instance_id = fields.Integer()
    business_key = fields.String(allow_none=True)
    can_move = fields.Boolean()
    reasons = fields.List(fields.String())
    elements = fields.List(fields.String())


class MigrationResultSchema(Schema):
    instance_id = fields.Integer()
    moved = fields.Boolean()
    reason_not_moved = fields.String(allow_none=True)


class MigratePageSchema(Schema):
    id = fields.String()
    versions = fields.List(fields.Integer())
    from_version = fields.Integer(allow_none=True)
    to_version = fields.Integer(allow_none=True)
    instances = fields.String()
    business_key = fields.String()
    reason = fields.String()
    checks = fields.List(fields.Nested(MigrationCheckSchema))
    results = fields.List(fields.Nested(MigrationResultSchema))
    errors = Errors
