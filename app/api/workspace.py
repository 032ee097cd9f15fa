"""The key's own workspace: its branding, and the embed secret that signs widget payloads."""
from __future__ import annotations

from flask import jsonify

from app.api.auth import current_workspace
from app.api.blueprint import bp
from app.api.body import json_body
from app.schemas.workspace import WorkspaceInSchema, WorkspaceOutSchema
from app.services.embeds import embed_secret, rotate_embed_secret
from app.services.workspaces import update_workspace

out = WorkspaceOutSchema()


@bp.get("/workspace")
def get_workspace():
    """This key's workspace and its branding."""
    return jsonify(out.dump(current_workspace()))


@bp.patch("/workspace")
def patch_workspace():
    """Change the workspace's name, brand colour or logo (shown on the widget and survey pages)."""
    return jsonify(out.dump(update_workspace(current_workspace(), json_body(WorkspaceInSchema(), partial=True))))


@bp.get("/workspace/embed-secret")
def get_embed_secret():
    """The secret a host's server signs widget payloads with (created on first read)."""
    return jsonify({"embed_secret": embed_secret(current_workspace())})


@bp.post("/workspace/embed-secret")
def rotate_embed_secret_view():
    """Rotate the embed secret; payloads signed with the old one stop working at once."""
    return jsonify({"embed_secret": rotate_embed_secret(current_workspace())})
