"""What the people and API-key settings pages may send (the pages load these, then call services)."""

from __future__ import annotations

from marshmallow import fields, validate

from app.models.account import Role
from app.models.api_key import KeyScope
from app.schemas.common import StrictSchema

_required = {"required": "Fill this in."}


class ApiKeyInSchema(StrictSchema):
    name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=100, error="Use 1 to 100 characters."),
        error_messages=_required,
    )
    scope = fields.String(
        required=True,
        validate=validate.OneOf(list(KeyScope), error="Choose read or write."),
        error_messages={"required": "Choose read or write."},
    )


class InvitationInSchema(StrictSchema):
    email = fields.Email(
        required=True,
        validate=validate.Length(max=320),
        error_messages={**_required, "invalid": "Enter an email address, like ada@example.com."},
    )
    role = fields.String(
        required=True,
        validate=validate.OneOf(list(Role), error="Choose one of the roles."),
        error_messages={"required": "Choose a role."},
    )


class MembershipInSchema(StrictSchema):
    role = fields.String(validate=validate.OneOf(list(Role), error="Choose one of the roles."))
    # The helpdesk agent id or email an agent's ratings carry; empty clears it.
    agent_key = fields.String(allow_none=True, validate=validate.Length(max=320, error="Use at most 320 characters."))
    # A manager's teams, comma-separated as typed; empty: every team.
    teams = fields.String(allow_none=True, validate=validate.Length(max=2000, error="Use at most 2,000 characters."))
