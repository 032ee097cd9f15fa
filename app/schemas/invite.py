"""Invite shapes: the customer and ticket a trigger carries, and the invite as the API shows it."""

from __future__ import annotations

from functools import cache

from marshmallow import Schema, fields, validate

from app.models.invite import InviteDelivery, InviteStatus
from app.platform.bounds import MAX_INT
from app.platform.links import survey_url
from app.schemas.common import AwareDateTime, Id, Int, StrictSchema, Text, Whole


class CustomerSchema(StrictSchema):
    email = fields.Email(required=True, validate=validate.Length(max=320))
    name = Text(200, allow_none=True)
    id = Text(200, allow_none=True)
    segment = Text(100, allow_none=True)
    locale = fields.String(allow_none=True, validate=validate.Regexp(r"^[A-Za-z]{2}([-_][A-Za-z]{2})?$"))


class AgentSchema(StrictSchema):
    id = Text(200, allow_none=True)
    name = Text(200, allow_none=True)
    email = fields.Email(allow_none=True)
    # Shown beside the agent's name on the survey page; https only (the page's CSP allows no other).
    photo_url = fields.Url(allow_none=True, schemes={"https"}, validate=validate.Length(max=500))


class TicketSchema(StrictSchema):
    id = Text(200, required=True)
    subject = Text(300, allow_none=True, metadata={"description": "shown to the customer on the survey page"})
    channel = Text(50, allow_none=True)
    priority = Text(50, allow_none=True)
    tags = fields.List(Text(100), validate=validate.Length(max=100))
    agent = fields.Nested(AgentSchema, allow_none=True)
    team = Text(200, allow_none=True)
    created_at = AwareDateTime(allow_none=True)
    first_response_at = AwareDateTime(allow_none=True)
    solved_at = AwareDateTime(allow_none=True)
    reopens = Int(strict=True, allow_none=True, validate=validate.Range(min=0, max=10_000))
    handle_seconds = Int(strict=True, allow_none=True, validate=validate.Range(min=0, max=MAX_INT))


class InviteInSchema(StrictSchema):
    survey_id = Id(strict=True, required=True)
    customer = fields.Nested(CustomerSchema, required=True)
    ticket = fields.Nested(TicketSchema, required=True)
    delivery = fields.String(
        load_default=InviteDelivery.EMAIL.value,
        validate=validate.OneOf([d.value for d in InviteDelivery]),
        metadata={"description": "email (the default): emailed, and the widget may show it too; widget: never emailed"},
    )


class HookInviteSchema(InviteInSchema):
    """The generic webhook body: our invite shape, the survey defaulting to the integration's."""

    survey_id = Id(strict=True)


@cache
def hook_invite_schema() -> HookInviteSchema:
    """One shared instance for every webhook: building the four nested schemas costs more than a
    load, and a marshmallow 4 schema keeps no state between loads."""
    return HookInviteSchema()


class InvitesQuery(StrictSchema):
    survey_id = Int()
    status = fields.String(validate=validate.OneOf([s.value for s in InviteStatus]))
    reason = fields.String(validate=validate.Length(max=100))
    ticket_id = fields.String(validate=validate.Length(max=200))
    email = fields.String(validate=validate.Length(max=320))
    since = AwareDateTime()
    until = AwareDateTime()
    limit = Int(load_default=50, validate=validate.Range(min=1, max=500))
    cursor = Int(validate=validate.Range(min=1))


class InviteEventSchema(Schema):
    at = fields.DateTime()
    status = fields.String()
    detail = fields.String(allow_none=True)


class CustomerOutSchema(Schema):
    email = fields.String(attribute="customer_email", allow_none=True)
    name = fields.String(attribute="customer_name", allow_none=True)
    id = fields.String(attribute="customer_id", allow_none=True)
    segment = fields.String(attribute="customer_segment", allow_none=True)


class AgentOutSchema(Schema):
    id = fields.String(attribute="agent_id", allow_none=True)
    name = fields.String(attribute="agent_name", allow_none=True)
    email = fields.String(attribute="agent_email", allow_none=True)
    photo_url = fields.String(attribute="agent_photo_url", allow_none=True)


class TicketOutSchema(Schema):
    """The ticket facts as every outbound view shows them, read from the invite's columns."""

    id = fields.String(attribute="ticket_id")
    subject = fields.String(attribute="ticket_subject", allow_none=True)
    channel = fields.String(allow_none=True)
    priority = fields.String(allow_none=True)
    tags = fields.Function(lambda invite: invite.tags or [], metadata={"type": "array", "items": {"type": "string"}})
    agent = Whole(AgentOutSchema)
    team = fields.String(allow_none=True)
    created_at = fields.DateTime(attribute="ticket_created_at", allow_none=True)
    first_response_at = fields.DateTime(allow_none=True)
    solved_at = fields.DateTime(allow_none=True)
    reopens = Int(allow_none=True)
    handle_seconds = Int(allow_none=True)


class InviteOutSchema(Schema):
    id = Int()
    survey_id = Int()
    token = fields.String()
    url = fields.Method("_url", metadata={"type": "string", "description": "the survey page"})
    status = fields.String()
    reason = fields.String(allow_none=True)
    locale = fields.String()
    delivery = fields.String(metadata={"description": "email, or widget (never emailed)"})
    due_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)
    expires_at = fields.DateTime(allow_none=True)
    answered_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    solve_number = Int()
    reopened_at = fields.DateTime(allow_none=True)
    reminder_due_at = fields.DateTime(allow_none=True)
    reminder_sent_at = fields.DateTime(allow_none=True)
    customer = Whole(CustomerOutSchema)
    ticket = Whole(TicketOutSchema)
    history = fields.List(fields.Nested(InviteEventSchema), attribute="events")

    def _url(self, invite) -> str:
        return survey_url(invite.token)
