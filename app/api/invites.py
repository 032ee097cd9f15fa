"""Invites: create one directly, list them, or read one with its delivery history."""

from __future__ import annotations

from app.api.auth import current_workspace
from app.api.blueprint import bp
from app.api.contract import accepts, paginated, responds
from app.schemas.invite import InviteInSchema, InviteOutSchema, InvitesQuery
from app.services.invites import creation as invites


@bp.post("/invites")
@accepts(InviteInSchema)
@responds(201, InviteOutSchema, description="Created")
@responds(200, InviteOutSchema, description="This ticket solve already has an invite: that one")
def create_invite(body: dict):
    """Create an invite for a customer and ticket (200 with the existing one if this solve has one)."""
    invite, created = invites.offer_api_invite(current_workspace().id, body)
    return invite, 201 if created else 200


@bp.get("/invites")
@accepts(InvitesQuery, location="query")
@paginated(InviteOutSchema)
def list_invites(query: dict):
    """Invites newest first, filtered by survey, status, reason, ticket, email or date; cursor pagination."""
    limit, cursor = query.pop("limit"), query.pop("cursor", None)
    return invites.list_invites(current_workspace().id, query, limit, cursor)


@bp.get("/invites/<id:invite_id>")
@responds(200, InviteOutSchema)
def get_invite(invite_id: int):
    """An invite and its delivery history (a skipped invite says why in `reason`)."""
    return invites.get_invite(current_workspace().id, invite_id)
