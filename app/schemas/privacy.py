"""Privacy shapes: erasure and export requests, the privacy policy, and audit events."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.models.audit import AuditAction
from app.schemas.common import AwareDateTime, Int, StrictSchema

# A window is at least a day (a purge runs hourly) and at most ten years.
_DAYS = {"allow_none": True, "validate": validate.Range(min=1, max=3650)}


class SubjectInSchema(StrictSchema):
    email = fields.Email(required=True, validate=validate.Length(max=320))


class ErasureOutSchema(Schema):
    erased = fields.Boolean()
    rows = fields.Dict(keys=fields.String(), values=fields.Integer())


class SubjectExportSchema(Schema):
    email = fields.String()
    invites = fields.List(fields.Dict())
    suppressions = fields.List(fields.Dict())
    webhook_deliveries = fields.List(fields.Dict())


class PrivacyPolicySchema(StrictSchema):
    """Redaction on intake, and each retention window in days (null: kept while the workspace is)."""

    redact_free_text = fields.Boolean()
    comment_text_days = Int(**_DAYS)
    respondent_identity_days = Int(**_DAYS)
    webhook_bodies_days = Int(**_DAYS)
    delivery_logs_days = Int(**_DAYS)
    webhook_logs_days = Int(**_DAYS)
    keep_completed_webhook_bodies = fields.Boolean(
        metadata={"description": "keep a raw body after its delivery completes, until webhook_bodies_days"}
    )


class AuditQuery(StrictSchema):
    actor = fields.String(validate=validate.Length(max=320))
    action = fields.String(validate=validate.OneOf([a.value for a in AuditAction]))
    since = AwareDateTime()
    until = AwareDateTime()
    limit = Int(load_default=50, validate=validate.Range(min=1, max=500))
    cursor = Int(strict=False, validate=validate.Range(min=1))


class AuditEventSchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    actor = fields.String()
    user_id = fields.Integer(allow_none=True)
    api_key_id = fields.Integer(allow_none=True)
    action = fields.String()
    target = fields.String(allow_none=True)
    detail = fields.Dict()
    ip = fields.String(allow_none=True)


class AuditPageQuery(StrictSchema):
    """The audit page's filters: days rather than instants, and the id to read before."""

    actor = fields.String(validate=validate.Length(max=320))
    action = fields.String(validate=validate.OneOf([a.value for a in AuditAction]))
    since = fields.Date()
    until = fields.Date()
    before = Int(strict=False, validate=validate.Range(min=1))
