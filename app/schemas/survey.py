"""Survey shapes: what a client may send, and what it gets back."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.schemas.common import Int, StrictSchema, Text, list_schema
from app.scoring.kinds import KINDS


class FollowUpSchema(StrictSchema):
    default = Text(500)
    low = Text(500)
    high = Text(500)


class SurveyInSchema(StrictSchema):
    name = Text(200, required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=validate.OneOf(list(KINDS)))
    question = Text(500)
    scale = fields.List(Int(strict=True), validate=validate.Length(equal=2))
    follow_up = fields.Nested(FollowUpSchema)
    locale = fields.String(validate=validate.Regexp(r"^[a-z]{2}(-[A-Za-z]{2})?$"))
    send_delay_minutes = Int(strict=True, validate=validate.Range(min=0, max=60 * 24 * 30))
    cooldown_days = Int(strict=True, validate=validate.Range(min=0, max=365))
    sample_percent = Int(strict=True, validate=validate.Range(min=0, max=100))
    exclude_tags = fields.List(Text(100), validate=validate.Length(max=100))
    reminder_after_hours = Int(strict=True, allow_none=True, validate=validate.Range(min=1, max=24 * 30))
    expires_after_days = Int(strict=True, validate=validate.Range(min=1, max=365))
    daily_cap = Int(strict=True, allow_none=True, validate=validate.Range(min=0, max=10_000_000))
    # After an answer: this text on the thanks page, or the customer sent on to this https address.
    thank_you_message = Text(1000, allow_none=True)
    redirect_url = fields.Url(allow_none=True, schemes={"https"}, validate=validate.Length(max=500))

    @validates_schema
    def _scale_fits_kind(self, data, partial=False, **kwargs):
        if "scale" not in data:
            return
        kind = data.get("kind")
        if kind and tuple(data["scale"]) not in KINDS[kind].scales:
            allowed = ", ".join(f"[{a}, {b}]" for a, b in KINDS[kind].scales)
            raise ValidationError(f"A {kind} survey takes one of these scales: {allowed}.", "scale")


class SurveyOutSchema(Schema):
    id = Int()
    name = fields.String()
    kind = fields.String()
    question = fields.String()
    scale = fields.Function(
        lambda s: [s.scale_min, s.scale_max], metadata={"type": "array", "items": {"type": "integer"}}
    )
    follow_up = fields.Dict()
    locale = fields.String()
    send_delay_minutes = Int()
    cooldown_days = Int()
    sample_percent = Int()
    exclude_tags = fields.List(fields.String())
    reminder_after_hours = Int(allow_none=True)
    expires_after_days = Int()
    daily_cap = Int(allow_none=True)
    thank_you_message = fields.String(allow_none=True)
    redirect_url = fields.String(allow_none=True, metadata={"description": "where customers go after answering"})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


SurveyListSchema = list_schema(SurveyOutSchema)
