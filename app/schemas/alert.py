"""Alert rule shapes."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.models.account import Role
from app.schemas.common import Id, Int, StrictSchema, Text

SENTIMENTS = ["negative", "neutral", "positive", "mixed"]
GROUPS = ["detractor", "passive", "promoter"]
ASSIGN = ["person", "team_manager", "round_robin"]
HHMM = validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="Use HH:MM, 24-hour.")


def _names(max_items: int = 50):
    return fields.List(Text(200, validate=validate.Length(min=1, max=200)), validate=validate.Length(max=max_items))


class ConditionsSchema(StrictSchema):
    survey_ids = fields.List(Id(strict=True), validate=validate.Length(max=50))
    score_at_most = Int(strict=True, allow_none=True)
    score_at_least = Int(strict=True, allow_none=True)
    groups = fields.List(
        fields.String(validate=validate.OneOf(GROUPS)),
        metadata={"description": "NPS detractor/passive/promoter; the low/middle/high answers of other scales"},
    )
    sentiments = fields.List(fields.String(validate=validate.OneOf(SENTIMENTS)))
    themes = _names()
    mismatch = fields.Boolean(
        allow_none=True, metadata={"description": "true: only answers whose comment contradicts the score"}
    )
    agents = _names()  # ids, emails or names
    teams = _names()
    channels = _names()
    segments = _names()


class EmailDestinationSchema(StrictSchema):
    user_ids = fields.List(Id(strict=True), validate=validate.Length(max=100))
    roles = fields.List(fields.String(validate=validate.OneOf([r.value for r in Role])))


class QuietHoursSchema(StrictSchema):
    start = fields.String(required=True, validate=HHMM)
    end = fields.String(required=True, validate=HHMM)


class RuleCaseSettingsSchema(StrictSchema):
    open = fields.Boolean(required=True)
    assign = fields.String(validate=validate.OneOf(ASSIGN), load_default="person")
    user_id = Id(strict=True, allow_none=True)
    user_ids = fields.List(Id(strict=True), validate=validate.Length(max=100))
    due_hours = Int(strict=True, validate=validate.Range(min=1, max=24 * 60), load_default=24)
    resurvey_survey_id = Id(
        strict=True, allow_none=True, metadata={"description": "offered when a case is resolved or won back"}
    )


class AlertRuleInSchema(StrictSchema):
    name = Text(200, required=True, validate=validate.Length(min=1, max=200))
    enabled = fields.Boolean()
    conditions = fields.Nested(ConditionsSchema, load_default=dict)
    email = fields.Nested(EmailDestinationSchema)
    slack_webhook_url = Text(2000, allow_none=True)
    teams_webhook_url = Text(2000, allow_none=True)
    debounce_minutes = Int(strict=True, validate=validate.Range(min=0, max=24 * 60))
    cooldown_minutes = Int(strict=True, validate=validate.Range(min=0, max=7 * 24 * 60))
    quiet_hours = fields.Nested(QuietHoursSchema, allow_none=True)
    batch_minutes = Int(strict=True, allow_none=True, validate=validate.Range(min=1, max=7 * 24 * 60))
    case = fields.Nested(RuleCaseSettingsSchema)

    @validates_schema
    def _score_range(self, data, **kwargs):
        c = data.get("conditions") or {}
        low, high = c.get("score_at_least"), c.get("score_at_most")
        if low is not None and high is not None and low > high:
            raise ValidationError("score_at_least is above score_at_most: nothing could match.", "conditions")


class EmailOutSchema(Schema):
    user_ids = fields.List(Int())
    roles = fields.List(fields.String())


class RuleCaseOutSchema(Schema):
    open = fields.Boolean()
    assign = fields.String(allow_none=True)
    user_id = Int(allow_none=True)
    user_ids = fields.List(Int())
    due_hours = Int()
    resurvey_survey_id = Int(allow_none=True)


class AlertRuleOutSchema(Schema):
    id = Int()
    name = fields.String()
    enabled = fields.Boolean()
    conditions = fields.Dict()
    email = fields.Nested(EmailOutSchema)
    slack = fields.Boolean(metadata={"description": "a Slack webhook URL is set (it is never shown again)"})
    teams = fields.Boolean(metadata={"description": "a Teams webhook URL is set (it is never shown again)"})
    debounce_minutes = Int()
    cooldown_minutes = Int()
    quiet_hours = fields.Dict(allow_none=True)
    batch_minutes = Int(allow_none=True)
    case = fields.Nested(RuleCaseOutSchema)
    last_alert_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class NotificationsQuery(StrictSchema):
    limit = Int(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = Int(strict=False, validate=validate.Range(min=1))


class NotificationOutSchema(Schema):
    id = Int()
    rule_id = Int()
    channel = fields.String(metadata={"enum": ["email", "slack", "teams"]})
    recipient = fields.String(allow_none=True)
    subject = fields.String()
    answers = Int(metadata={"description": "answers the message speaks of"})
    status = fields.String(metadata={"enum": ["pending", "sent", "failed"]})
    attempts = Int()
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)
    error = fields.String(allow_none=True)
