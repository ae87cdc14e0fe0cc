"""The JSON shapes of the supervisor console's pages."""

from __future__ import annotations

from marshmallow import Schema
from marshmallow import fields

from .schemas import AgreementPageSchema
from .schemas import Counts
from .schemas import Errors
from .schemas import Filters

CountsBy = fields.Dict(keys=fields.String(), values=Counts)


class SummarySchema(Schema):
    categories = Counts
    suspended = fields.Integer()
    stages = CountsBy
    opd = CountsBy
    partner_kinds = CountsBy
    total = fields.Integer()


class MonthSchema(Schema):
    month = fields.String()
    count = fields.Integer()


class StageTimeSchema(Schema):
    median_days = fields.Float(allow_none=True)
    p90_days = fields.Float(allow_none=True)
    count = fields.Integer()


class ProcessChoiceSchema(Schema):
    process_id = fields.String()
    name = fields.String()


class DashboardSchema(Schema):
    summary = fields.Nested(SummarySchema)
    finished_per_month = fields.List(fields.Nested(MonthSchema))
    stage_times = fields.Dict(
        keys=fields.String(), values=fields.Nested(StageTimeSchema)
    )
    #: When the time per stage was computed from history.
    figures_computed_at = fields.AwareDateTime()
    processes = fields.List(fields.Nested(ProcessChoiceSchema))


class FindingSchema(Schema):
    instance_id = fields.Integer()
    process_id = fields.String()
    business_key = fields.String(allow_none=True)
    title = fields.String(allow_none=True)
    opd = fields.String(allow_none=True)
    partner = fields.String(allow_none=True)
    partner_kind = fields.String(allow_none=True)
    stage = fields.String(allow_none=True)
    category = fields.String()
    element = fields.String(allow_none=True)
    element_name = fields.String(allow_none=True)
    reason = fields.String()
    #: The reason in words, in the page's language.
    description = fields.String()
    details = fields.Dict()
    since = fields.AwareDateTime(allow_none=True)


class PageSchema(Schema):
    number = fields.Integer()
    size = fields.Integer()
    has_next = fields.Boolean()


class FindingListSchema(Schema):
    filters = Filters
    page = fields.Nested(PageSchema)
    findings = fields.List(fields.Nested(FindingSchema))


class OpenTaskSchema(Schema):
    id = fields.String()
    title = fields.String()
    instance_id = fields.Integer()
    agreement = fields.String(allow_none=True)
    lane = fields.String(allow_none=True)
    assignee = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    due_at = fields.AwareDateTime(allow_none=True)
    age_seconds = fields.Float()
    overdue = fields.Boolean()


class TaskListSchema(Schema):
    filters = Filters
    page = fields.Nested(PageSchema)
    tasks = fields.List(fields.Nested(OpenTaskSchema))


class HeatSchema(Schema):
    name = fields.String()
    waiting = fields.Integer()
    median_seconds = fields.Float(allow_none=True)


class ProcessPageSchema(Schema):
    process = fields.Nested(ProcessChoiceSchema)
    diagram_url = fields.String()
    heat = fields.Dict(keys=fields.String(), values=fields.Nested(HeatSchema))
    #: When the median times were computed from history.
    figures_computed_at = fields.AwareDateTime()


class ItemSchema(Schema):
    #: How the item is sent back in the form's ``items`` field.
    value = fields.String()
    instance_id = fields.Integer()
    task_id = fields.String(allow_none=True)
    title = fields.String(allow_none=True)
    task_title = fields.String(allow_none=True)


class ElementSchema(Schema):
    element = fields.String()
    name = fields.String()


class RepairFormSchema(Schema):
    action = fields.String(allow_none=True)
    items = fields.List(fields.Nested(ItemSchema))
    actions = fields.List(fields.String())
    targets = fields.List(fields.Nested(ElementSchema))
    users = fields.List(fields.String())
    roles = fields.List(fields.String())
    errors = Errors


class ResultSchema(Schema):
    instance_id = fields.Integer()
    task_id = fields.String(allow_none=True)
    ok = fields.Boolean()
    #: Why the item was refused, in the page's language.
    error = fields.String(allow_none=True)
    #: The engine's own message, for scripts and logs.
    detail = fields.String(allow_none=True)


class RepairResultSchema(Schema):
    ok = fields.Boolean()
    action = fields.String()
    results = fields.List(fields.Nested(ResultSchema))


class OperationSchema(Schema):
    id = fields.Integer()
    instance_id = fields.Integer()
    task_id = fields.String(allow_none=True)
    action = fields.String()
    actor = fields.String()
    created_at = fields.AwareDateTime()
    old = fields.Dict(allow_none=True)
    new = fields.Dict(allow_none=True)
    reason = fields.String()


class StaffAgreementPageSchema(AgreementPageSchema):
    """The agreement page as staff see it: with the operation log."""

    operations = fields.List(fields.Nested(OperationSchema))
