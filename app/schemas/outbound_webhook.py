"""Outbound webhook shapes: endpoints, their attempt log, replays."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.models.outbound_webhook import EventType
from app.schemas.common import AwareDateTime, Int, StrictSchema, Text

EVENT_TYPES = [e.value for e in EventType]


class EndpointInSchema(StrictSchema):
    url = Text(2000, required=True, validate=validate.Length(min=1, max=2000))
    events = fields.List(
        fields.String(validate=validate.OneOf(EVENT_TYPES)),
        required=True,
        validate=validate.Length(min=1, max=len(EVENT_TYPES)),
        metadata={"items": {"type": "string", "enum": EVENT_TYPES}},
    )
    description = Text(200, allow_none=True)


class EndpointUpdateSchema(EndpointInSchema):
    enabled = fields.Boolean()


class RotateSchema(StrictSchema):
    overlap_hours = fields.Float(
        validate=validate.Range(min=0, max=24 * 7),
        metadata={"description": "how long the previous secret keeps signing too (default 24)"},
    )


class EndpointOutSchema(Schema):
    id = Int()
    url = fields.String()
    events = fields.List(fields.String(), metadata={"items": {"type": "string", "enum": EVENT_TYPES}})
    description = fields.String(allow_none=True)
    enabled = fields.Boolean()
    disabled_at = fields.DateTime(allow_none=True)
    disabled_reason = fields.String(allow_none=True)
    created_at = fields.DateTime()
    previous_secret_until = fields.DateTime(
        allow_none=True, metadata={"description": "until when the previous secret signs too (after a rotation)"}
    )


class EndpointWithSecretSchema(EndpointOutSchema):
    secret = fields.String(metadata={"description": "whsec_…: shown only in this answer; keep it"})


class AttemptsQuery(StrictSchema):
    limit = Int(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = Int(strict=False, validate=validate.Range(min=1))


class AttemptOutSchema(Schema):
    id = Int()
    event_id = fields.String(metadata={"description": "the webhook-id header"})
    event_type = fields.String(metadata={"enum": EVENT_TYPES})
    attempted_at = fields.DateTime()
    status_code = Int(allow_none=True, metadata={"description": "null when no HTTP answer came"})
    duration_ms = Int()
    error = fields.String(allow_none=True)
    response_head = fields.String(allow_none=True, metadata={"description": "the first 1 KB of the reply"})
    message_status = fields.String(metadata={"enum": ["pending", "delivered", "failed"]})


class ReplaySchema(StrictSchema):
    event_id = Text(40)
    since = AwareDateTime()
    until = AwareDateTime()

    @validates_schema
    def _one_or_range(self, data, **kwargs):
        if ("event_id" in data) == ("since" in data):
            raise ValidationError("Give either event_id or since (and optionally until).")
        if "until" in data and "since" not in data:
            raise ValidationError("until goes with since.", "until")


class ReplayOutSchema(Schema):
    replayed = Int(metadata={"description": "messages queued"})
