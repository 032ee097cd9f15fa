"""Query-string shapes for the list and aggregate endpoints."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.platform.bounds import MAX_INT
from app.schemas.common import AwareDateTime, Id, Int, StrictSchema, TimeZone, Whole
from app.schemas.invite import CustomerOutSchema, TicketOutSchema

SENTIMENTS = ["negative", "neutral", "positive", "unsupported_language", "empty"]


class RangeQuery(StrictSchema):
    survey_id = Id()
    since = AwareDateTime()
    until = AwareDateTime()


class ResponsesQuery(RangeQuery):
    score_min = Int(validate=validate.Range(min=-MAX_INT, max=MAX_INT))
    score_max = Int(validate=validate.Range(min=-MAX_INT, max=MAX_INT))
    sentiment = fields.String(validate=validate.OneOf(SENTIMENTS))
    theme = fields.String(validate=validate.Length(max=100))
    mismatch = fields.Boolean()
    agent = fields.String(validate=validate.Length(max=320))
    team = fields.String(validate=validate.Length(max=200))
    channel = fields.String(validate=validate.Length(max=50))
    priority = fields.String(validate=validate.Length(max=50))
    segment = fields.String(validate=validate.Length(max=100))
    tag = fields.String(validate=validate.Length(max=100))
    language = fields.String(validate=validate.Length(max=8))
    q = fields.String(validate=validate.Length(min=1, max=200), metadata={"description": "text in the comment"})
    limit = Int(load_default=50, validate=validate.Range(min=1, max=500))
    cursor = fields.String(validate=validate.Length(max=200))


class MetricsQuery(RangeQuery):
    interval = fields.String(validate=validate.OneOf(["day", "week", "month"]))
    # Filters (combine freely); `agent` matches the agent key groups show: id, else email, else name.
    agent = fields.String(validate=validate.Length(max=320))
    team = fields.String(validate=validate.Length(max=200))
    channel = fields.String(validate=validate.Length(max=50))
    priority = fields.String(validate=validate.Length(max=50))
    segment = fields.String(validate=validate.Length(max=100))
    tag = fields.String(validate=validate.Length(max=100))
    group_by = fields.String(validate=validate.OneOf(["agent", "team", "channel", "priority", "segment", "tag"]))
    tz = TimeZone()


class ResponseOutSchema(Schema):
    id = Int()
    survey_id = Int()
    invite_id = Int()
    score = Int()
    comment = fields.String(allow_none=True)
    answered_at = fields.DateTime()
    updated_at = fields.DateTime()
    sentiment = fields.Function(
        lambda r: (
            None
            if r.analysis_version is None
            else {
                "polarity": r.polarity,
                "subjectivity": r.subjectivity,
                "label": r.sentiment_label,
                "language": r.language,
            }
        ),
        allow_none=True,
        metadata={"type": "object", "description": "polarity, subjectivity, label, language; null until analysed"},
    )
    themes = fields.List(fields.String(), metadata={"description": "theme keys, the primary theme first"})
    theme_sentiment = fields.Function(
        lambda r: r.theme_sentiment or {},
        metadata={
            "type": "object",
            "additionalProperties": {"type": "number"},
            "description": "each theme's polarity (-1..1), from the clauses that mention it",
        },
    )
    mismatch = fields.Function(lambda r: r.mismatch_reason is not None, metadata={"type": "boolean"})
    mismatch_reason = fields.String(allow_none=True)
    analysis_version = Int(allow_none=True)
    # The ticket and customer of the answer's invite.
    ticket = Whole(TicketOutSchema, of="invite")
    customer = Whole(CustomerOutSchema, of="invite")
