"""Invites: create one directly, list them, or read one with its delivery history."""

from __future__ import annotations

from flask import jsonify

from app.api.auth import current_workspace
from app.api.blueprint import bp
from app.api.body import json_body, query_args
from app.schemas.invite import InviteInSchema, InviteOutSchema, InvitesQuery
from app.services.invites import creation as invites

out = InviteOutSchema()


@bp.post("/invites")
def create_invite():
    """Create an invite for a customer and ticket (200 with the existing one if this solve has one)."""
    invite, created = invites.offer_api_invite(current_workspace().id, json_body(InviteInSchema()))
    return jsonify(out.dump(invite)), 201 if created else 200


@bp.get("/invites")
def list_invites():
    """Invites newest first, filtered by survey, status, reason, ticket, email or date; cursor pagination."""
    args = query_args(InvitesQuery())
    limit, cursor = args.pop("limit"), args.pop("cursor", None)
    rows = invites.list_invites(current_workspace().id, args, limit, cursor)
    next_cursor = str(rows[limit - 1].id) if len(rows) > limit else None
    return jsonify({"items": out.dump(rows[:limit], many=True), "next_cursor": next_cursor})


@bp.get("/invites/<id:invite_id>")
def get_invite(invite_id: int):
    """An invite and its delivery history (a skipped invite says why in `reason`)."""
    return jsonify(out.dump(invites.get_invite(current_workspace().id, invite_id)))
