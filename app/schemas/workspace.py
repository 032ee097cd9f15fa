"""Workspace settings: the brand shown in emails and the fatigue rules across every survey."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.schemas.common import Int, StrictSchema, Text, TimeZone
from app.schemas.insights import RankingSchema, SlaSchema, TargetsSchema, ThresholdsSchema


class WorkspaceInSchema(StrictSchema):
    name = Text(200, validate=validate.Length(min=1, max=200))
    # Strict hex: the colour lands inside an inline style attribute of every email.
    brand_colour = fields.String(validate=validate.Regexp(r"^#[0-9a-fA-F]{6}$", error="Use #rrggbb."))
    logo_url = fields.Url(allow_none=True, schemes={"https"}, validate=validate.Length(max=500))
    timezone = TimeZone(validate=validate.Length(max=64))
    # The sender's name on invite emails (the address stays MAIL_FROM's) and where replies go; no
    # line breaks or control characters, as both end up in a header.
    mail_from_name = Text(
        100,
        allow_none=True,
        validate=validate.Regexp(r"^[^\x00-\x1f\x7f]*$", error="One line of text, without control characters."),
    )
    reply_to = fields.Email(allow_none=True, validate=validate.Length(max=320))
    send_delay_minutes = Int(strict=True, validate=validate.Range(min=0, max=60 * 24 * 30))
    cooldown_days = Int(strict=True, validate=validate.Range(min=0, max=365))
    sample_percent = Int(strict=True, validate=validate.Range(min=0, max=100))
    exclude_tags = fields.List(Text(100), validate=validate.Length(max=100))
    daily_cap = Int(strict=True, allow_none=True, validate=validate.Range(min=0, max=10_000_000))
    # Reporting settings (docs/insights.md): what counts as good, targets beside scores, SLA targets.
    thresholds = fields.Nested(ThresholdsSchema)
    targets = fields.Nested(TargetsSchema)
    sla = fields.Nested(SlaSchema)
    # The fewest answers an agent or team needs to be ranked on the dashboard.
    ranking = fields.Nested(RankingSchema)


class WorkspaceOutSchema(Schema):
    id = Int()
    name = fields.String()
    brand_colour = fields.String()
    logo_url = fields.String(allow_none=True)
    timezone = fields.String()
    mail_from_name = fields.String(allow_none=True, metadata={"description": "the invite emails' sender name"})
    reply_to = fields.String(allow_none=True, metadata={"description": "where customers' replies go"})
    send_delay_minutes = Int()
    cooldown_days = Int()
    sample_percent = Int()
    exclude_tags = fields.List(fields.String())
    daily_cap = Int(allow_none=True)
    # The effective reporting settings: the workspace's own, defaults where it set none.
    thresholds = fields.Nested(ThresholdsSchema)
    targets = fields.Nested(TargetsSchema)
    sla = fields.Nested(SlaSchema)
    # The fewest answers an agent or team needs to be ranked on the dashboard.
    ranking = fields.Nested(RankingSchema)


class EmbedSecretSchema(Schema):
    embed_secret = fields.String(metadata={"description": "signs widget payloads (HMAC-SHA256)"})


class SuppressionInSchema(StrictSchema):
    email = fields.Email(required=True, validate=validate.Length(max=320))


class SuppressionOutSchema(Schema):
    email = fields.String()
    reason = fields.String()
    created_at = fields.DateTime()


class PageQuery(StrictSchema):
    limit = Int(load_default=50, validate=validate.Range(min=1, max=500))
    cursor = Int(strict=False, validate=validate.Range(min=1))
