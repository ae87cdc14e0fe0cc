"""The JSON shapes of the pages, as marshmallow schemas.

Each page view dumps its data with one of these when JSON is asked for.
"""

from __future__ import annotations

from marshmallow import Schema
from marshmallow import fields


class TaskSchema(Schema):
    id = fields.String()
    instance_id = fields.Integer()
    process_id = fields.String()
    spec_name = fields.String()
    title = fields.String()
    lane = fields.String(allow_none=True)
    form = fields.String(allow_none=True)
    state = fields.String()
    assignee = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    due_at = fields.AwareDateTime(allow_none=True)
    completed_at = fields.AwareDateTime(allow_none=True)
    completed_by = fields.String(allow_none=True)


class PublicAgreementSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    number = fields.String(allow_none=True)
    kind = fields.String(allow_none=True)
    field = fields.String(allow_none=True)
    partner = fields.String(allow_none=True)
    scope = fields.String(allow_none=True)
    signed_on = fields.String(allow_none=True)
    ends_on = fields.String(allow_none=True)
    status = fields.String()
    year = fields.Integer(allow_none=True)


class AgreementSchema(PublicAgreementSchema):
    opd = fields.String(allow_none=True)
    value = fields.Raw(allow_none=True)
    process_id = fields.String()
    created_by = fields.String()
    created_at = fields.AwareDateTime()
    instance_status = fields.String()
    #: What the agreement waits for now, from the register.
    stage = fields.String(allow_none=True)


Filters = fields.Dict(keys=fields.String(), values=fields.String())


class InboxRowSchema(Schema):
    task = fields.Nested(TaskSchema)
    agreement = fields.Nested(AgreementSchema)
    stage = fields.String()
    overdue = fields.Boolean()


class InboxSchema(Schema):
    view = fields.String()
    filters = Filters
    rows = fields.List(fields.Nested(InboxRowSchema))


class DocumentSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    version = fields.Integer()
    sha256 = fields.String()
    size = fields.Integer()
    content_type = fields.String()
    uploaded_by = fields.String()
    uploaded_at = fields.AwareDateTime()
    task_id = fields.String(allow_none=True)


class CommentSchema(Schema):
    id = fields.Integer()
    task_id = fields.String(allow_none=True)
    author = fields.String()
    body = fields.String()
    created_at = fields.AwareDateTime()


class NotificationSchema(Schema):
    id = fields.Integer()
    text = fields.String()
    link = fields.String(allow_none=True)
    instance_id = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime()
    read_at = fields.AwareDateTime(allow_none=True)


class NotificationListSchema(Schema):
    notifications = fields.List(fields.Nested(NotificationSchema))
    unread = fields.Integer()


class EventSchema(Schema):
    id = fields.Integer()
    task_id = fields.String(allow_none=True)
    name = fields.String()
    actor = fields.String()
    created_at = fields.AwareDateTime()
    details = fields.Dict()


Errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class TaskPageSchema(Schema):
    task = fields.Nested(TaskSchema)
    agreement = fields.Nested(AgreementSchema)
    form = fields.Dict(allow_none=True)
    answers = fields.Dict()
    errors = Errors
    documents = fields.List(fields.Nested(DocumentSchema))
    comments = fields.List(fields.Nested(CommentSchema))


class DiagramSchema(Schema):
    url = fields.String()
    current = fields.List(fields.String())
    completed = fields.List(fields.String())


class AgreementPageSchema(Schema):
    agreement = fields.Nested(AgreementSchema)
    open_tasks = fields.List(fields.Nested(TaskSchema))
    timeline = fields.List(fields.Nested(EventSchema))
    documents = fields.List(fields.Nested(DocumentSchema))
    comments = fields.List(fields.Nested(CommentSchema))
    diagram = fields.Nested(DiagramSchema)
    offer = fields.Boolean()


class PagedSchema(Schema):
    """A page of a long list: which page, of how many, of how many rows."""

    page = fields.Integer()
    pages = fields.Integer()
    total = fields.Integer()


class AgreementListSchema(PagedSchema):
    agreements = fields.List(fields.Nested(AgreementSchema))


class ProposalSchema(Schema):
    form = fields.Dict()
    answers = fields.Dict()
    errors = Errors


class PublicAgreementPageSchema(Schema):
    agreement = fields.Nested(PublicAgreementSchema)


class RegisterSchema(PagedSchema):
    agreements = fields.List(fields.Nested(PublicAgreementSchema))
    filters = Filters


Counts = fields.Dict(keys=fields.String(), values=fields.Integer())


class LandingSchema(Schema):
    agreements = fields.List(fields.Nested(PublicAgreementSchema))
    counts = Counts


class StatisticsSchema(Schema):
    total = fields.Integer()
    by_status = Counts
    by_kind = Counts
    by_field = Counts
    by_year = Counts


class UserSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    full_name = fields.String()
    roles = fields.List(fields.String())
    partner = fields.String(allow_none=True)
    active = fields.Boolean()


class UserListSchema(Schema):
    users = fields.List(fields.Nested(UserSchema))
    roles = fields.List(fields.String())
    errors = Errors
