"""Invites: create one directly, or read one with its delivery history."""
from __future__ import annotations

from flask import jsonify

from app.api.auth import current_workspace
from app.api.blueprint import bp
from app.api.body import json_body
from app.schemas.invite import InviteInSchema, InviteOutSchema
from app.services import invites

out = InviteOutSchema()


@bp.post("/invites")
def create_invite():
    """Create an invite for a customer and ticket; the email follows from a worker."""
    invite = invites.create_invite(current_workspace().id, json_body(InviteInSchema()))
    return jsonify(out.dump(invite)), 201


@bp.get("/invites/<id:invite_id>")
def get_invite(invite_id: int):
    """An invite and its delivery history."""
    return jsonify(out.dump(invites.get_invite(current_workspace().id, invite_id)))
