"""Invite shapes: the customer and ticket a trigger carries, and the invite as the API shows it."""

from __future__ import annotations

from functools import cache

from marshmallow import Schema, fields, validate

from app.models.invite import InviteStatus
from app.platform.bounds import MAX_INT
from app.platform.links import survey_url
from app.schemas.common import AwareDateTime, Id, StrictSchema, Text


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


class TicketSchema(StrictSchema):
    id = Text(200, required=True)
    channel = Text(50, allow_none=True)
    priority = Text(50, allow_none=True)
    tags = fields.List(Text(100), validate=validate.Length(max=100))
    agent = fields.Nested(AgentSchema, allow_none=True)
    team = Text(200, allow_none=True)
    created_at = AwareDateTime(allow_none=True)
    first_response_at = AwareDateTime(allow_none=True)
    solved_at = AwareDateTime(allow_none=True)
    reopens = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=0, max=10_000))
    handle_seconds = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=0, max=MAX_INT))


class InviteInSchema(StrictSchema):
    survey_id = Id(strict=True, required=True)
    customer = fields.Nested(CustomerSchema, required=True)
    ticket = fields.Nested(TicketSchema, required=True)


class HookInviteSchema(InviteInSchema):
    """The generic webhook body: our invite shape, the survey defaulting to the integration's."""

    survey_id = Id(strict=True)


@cache
def hook_invite_schema() -> HookInviteSchema:
    """One shared instance for every webhook: building the four nested schemas costs more than a
    load, and a marshmallow 4 schema keeps no state between loads."""
    return HookInviteSchema()


class InvitesQuery(StrictSchema):
    survey_id = fields.Integer()
    status = fields.String(validate=validate.OneOf([s.value for s in InviteStatus]))
    reason = fields.String(validate=validate.Length(max=100))
    ticket_id = fields.String(validate=validate.Length(max=200))
    email = fields.String(validate=validate.Length(max=320))
    since = AwareDateTime()
    until = AwareDateTime()
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    cursor = fields.Integer(validate=validate.Range(min=1))


class InviteEventSchema(Schema):
    at = fields.DateTime()
    status = fields.String()
    detail = fields.String(allow_none=True)


class InviteOutSchema(Schema):
    id = fields.Integer()
    survey_id = fields.Integer()
    token = fields.String()
    url = fields.Method("_url")
    status = fields.String()
    reason = fields.String(allow_none=True)
    locale = fields.String()
    due_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)
    expires_at = fields.DateTime(allow_none=True)
    answered_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    solve_number = fields.Integer()
    reopened_at = fields.DateTime(allow_none=True)
    reminder_due_at = fields.DateTime(allow_none=True)
    reminder_sent_at = fields.DateTime(allow_none=True)
    customer = fields.Function(
        lambda i: {
            "email": i.customer_email,
            "name": i.customer_name,
            "id": i.customer_id,
            "segment": i.customer_segment,
        }
    )
    ticket = fields.Function(lambda i: ticket_view(i))
    history = fields.List(fields.Nested(InviteEventSchema), attribute="events")

    def _url(self, invite) -> str:
        return survey_url(invite.token)


def ticket_view(invite) -> dict:
    """The ticket facts as every outbound view shows them."""
    iso = lambda d: d.isoformat() if d else None
    return {
        "id": invite.ticket_id,
        "channel": invite.channel,
        "priority": invite.priority,
        "tags": invite.tags or [],
        "agent": {"id": invite.agent_id, "name": invite.agent_name, "email": invite.agent_email},
        "team": invite.team,
        "created_at": iso(invite.ticket_created_at),
        "first_response_at": iso(invite.first_response_at),
        "solved_at": iso(invite.solved_at),
        "reopens": invite.reopens,
        "handle_seconds": invite.handle_seconds,
    }
