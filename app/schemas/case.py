"""Follow-up case shapes."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.models.case import CaseStatus
from app.schemas.common import AwareDateTime, Id, Int, StrictSchema, Text

STATUSES = [s.value for s in CaseStatus]


class CaseInSchema(StrictSchema):
    response_id = Id(strict=True, required=True)
    assignee_id = Id(strict=True, allow_none=True)
    due_at = AwareDateTime()


class CaseUpdateSchema(StrictSchema):
    status = fields.String(validate=validate.OneOf(STATUSES))
    assignee_id = Id(strict=True, allow_none=True)
    due_at = AwareDateTime()
    note = Text(5000, metadata={"description": "added to the history; never sent in an event"})


class NoteInSchema(StrictSchema):
    text = Text(5000, required=True, validate=validate.Length(min=1, max=5000))


class CasesQuery(StrictSchema):
    status = fields.String(validate=validate.OneOf(STATUSES))
    open = fields.Boolean(metadata={"description": "only cases not yet closed"})
    assignee_id = Id()
    limit = Int(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = Int(strict=False, validate=validate.Range(min=1))


class FiguresQuery(StrictSchema):
    since = AwareDateTime(required=True)
    until = AwareDateTime(required=True)


class HistoryEntrySchema(Schema):
    at = fields.DateTime()
    kind = fields.String(metadata={"enum": ["opened", "assigned", "status", "due", "note", "resurvey"]})
    detail = fields.String(allow_none=True)
    by = fields.String(
        allow_none=True, metadata={"description": "who: a person's email; null for a rule or an API key"}
    )


class CaseOutSchema(Schema):
    id = Int()
    status = fields.String(metadata={"enum": STATUSES})
    response_id = Int()
    rule_id = Int(allow_none=True)
    assignee_id = Int(allow_none=True)
    assignee = fields.String(allow_none=True, metadata={"description": "the owner's email"})
    due_at = fields.DateTime()
    overdue = fields.Boolean()
    opened_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime()
    score = Int()
    scale_max = Int()
    comment = fields.String(allow_none=True)
    customer_email = fields.String(allow_none=True)
    customer_name = fields.String(allow_none=True)
    ticket_id = fields.String(allow_none=True)


class CaseDetailSchema(CaseOutSchema):
    history = fields.List(fields.Nested(HistoryEntrySchema))


class CaseFiguresSchema(Schema):
    opened = Int()
    closed = Int()
    closed_in_time = Int()
    open_overdue = Int()
    median_hours_to_close = fields.Float(allow_none=True)
    recovery_rate = fields.Float(allow_none=True, metadata={"description": "won back ÷ closed"})
