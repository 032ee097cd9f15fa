"""Integration shapes."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.models.integration import DeliveryKind, DeliveryStatus, Provider
from app.schemas.common import Id, Int, StrictSchema, Text


class ApiCredentialsSchema(StrictSchema):
    """The helpdesk's API, for senders whose webhooks carry ids only (Zendesk event webhooks)."""

    base_url = fields.Url(schemes={"https", "http"}, require_tld=False, validate=validate.Length(max=500))
    email = fields.Email(validate=validate.Length(max=320))
    api_token = Text(200, validate=validate.Length(min=1, max=200))
    oauth_token = Text(500, validate=validate.Length(min=1, max=500))


class IntegrationInSchema(StrictSchema):
    provider = fields.String(required=True, validate=validate.OneOf(sorted(Provider)))
    survey_id = Id(strict=True, required=True)
    secret = Text(200, validate=validate.Length(min=16, max=200))
    api = fields.Nested(ApiCredentialsSchema)


class IntegrationUpdateSchema(StrictSchema):
    survey_id = Int(strict=True)
    secret = Text(200, validate=validate.Length(min=16, max=200))
    api = fields.Nested(ApiCredentialsSchema)


class IntegrationOutSchema(Schema):
    """An integration as its admin needs it: where to send webhooks, the secret, what body to send."""

    id = Int()
    provider = fields.String(metadata={"enum": sorted(Provider)})
    survey_id = Int()
    url = fields.String(metadata={"description": "the webhook URL to paste into the helpdesk"})
    secret = fields.String()
    body_template = fields.String(
        allow_none=True, metadata={"description": "the JSON body to paste, for helpdesks that need one"}
    )
    api_base_url = fields.String(allow_none=True)
    api_credentials_set = fields.Boolean()


class DeliveriesQuery(StrictSchema):
    status = fields.String(validate=validate.OneOf([s.value for s in DeliveryStatus]))
    limit = Int(load_default=20, validate=validate.Range(min=1, max=200))
    cursor = Int(strict=False, validate=validate.Range(min=1))


class DeliveryOutSchema(Schema):
    """One webhook delivery as received: what it meant, what became of it, and why it failed."""

    id = Int()
    received_at = fields.DateTime()
    kind = fields.String(metadata={"enum": [k.value for k in DeliveryKind]})
    external_id = fields.String(metadata={"description": "the sender's id for the delivery (replays share it)"})
    ticket_id = fields.String(allow_none=True)
    status = fields.String(metadata={"enum": [s.value for s in DeliveryStatus]})
    attempts = Int(metadata={"description": "attempts to complete it in a worker"})
    next_attempt_at = fields.DateTime(allow_none=True, metadata={"description": "when a pending one is retried"})
    reason = fields.String(attribute="error", allow_none=True, metadata={"description": "why it failed, or a note"})
    invite_id = Int(allow_none=True)


class WritebackInSchema(StrictSchema):
    """Writing each answer back to its ticket as an internal note."""

    enabled = fields.Boolean(required=True)
    base_url = fields.String(allow_none=True, validate=validate.Length(max=500))
    email = fields.Email(validate=validate.Length(max=320))
    api_token = Text(200, validate=validate.Length(min=1, max=200))
    oauth_token = Text(500, validate=validate.Length(min=1, max=500))
    tag = Text(100, allow_none=True, metadata={"description": "added to the ticket (Zendesk)"})
    field_id = Text(
        100, allow_none=True, metadata={"description": "custom field for the score: Zendesk id, Freshdesk name"}
    )
    admin_id = Text(100, allow_none=True, metadata={"description": "Intercom: the admin notes are written as"})


class WritebackOutSchema(Schema):
    integration_id = Int()
    provider = fields.String()
    enabled = fields.Boolean()
    base_url = fields.String(allow_none=True)
    credentials_set = fields.Boolean()
    tag = fields.String(allow_none=True)
    field_id = fields.String(allow_none=True)
    admin_id = fields.String(allow_none=True)


class NotesQuery(StrictSchema):
    limit = Int(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = Int(strict=False, validate=validate.Range(min=1))


class HelpdeskNoteOutSchema(Schema):
    id = Int()
    response_id = Int()
    ticket_id = fields.String()
    version = fields.DateTime(metadata={"description": "the answer's updated_at this note is for"})
    status = fields.String(metadata={"enum": ["pending", "sent", "failed", "superseded"]})
    attempts = Int()
    next_attempt_at = fields.DateTime(allow_none=True)
    sent_at = fields.DateTime(allow_none=True)
    error = fields.String(allow_none=True)
