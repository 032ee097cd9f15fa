"""The caller's workspace: brand, fatigue rules, suppression list, and the widget's embed secret."""

from __future__ import annotations

from flask import jsonify

from app.api.auth import current_workspace
from app.api.blueprint import bp
from app.api.body import json_body, query_args
from app.schemas.workspace import (
    PageQuery,
    SuppressionInSchema,
    SuppressionOutSchema,
    WorkspaceInSchema,
    WorkspaceOutSchema,
)
from app.services.insights.settings import load_settings
from app.services.invites.embeds import embed_secret, rotate_embed_secret
from app.services.suppressions import list_suppressions, remove_suppression, suppress
from app.services.workspaces import update_workspace

out = WorkspaceOutSchema()
suppression_out = SuppressionOutSchema()


def workspace_view(workspace) -> dict:
    """The workspace's own fields with its effective reporting settings (defaults filled in)."""
    return {**out.dump(workspace), **load_settings(workspace.id)}


@bp.get("/workspace")
def get_workspace():
    """The workspace's brand, fatigue rules, time zone, score thresholds, targets and SLA targets."""
    return jsonify(workspace_view(current_workspace()))


@bp.patch("/workspace")
def update_workspace_view():
    """Change the brand, fatigue rules, time zone, thresholds, targets or SLA targets."""
    workspace = update_workspace(current_workspace(), json_body(WorkspaceInSchema(), partial=True))
    return jsonify(workspace_view(workspace))


@bp.get("/suppressions")
def list_suppressions_view():
    """Addresses never emailed again, newest first, with cursor pagination."""
    args = query_args(PageQuery())
    rows = list_suppressions(current_workspace().id, args["limit"], args.get("cursor"))
    limit = args["limit"]
    next_cursor = str(rows[limit - 1].id) if len(rows) > limit else None
    return jsonify({"items": suppression_out.dump(rows[:limit], many=True), "next_cursor": next_cursor})


@bp.post("/suppressions")
def add_suppression():
    """Add an address to the suppression list (its unsent invites are skipped)."""
    row = suppress(current_workspace().id, json_body(SuppressionInSchema())["email"], "manual")
    return jsonify(suppression_out.dump(row)), 201


@bp.delete("/suppressions/<path:email>")
def delete_suppression(email: str):
    """Remove an address from the suppression list."""
    remove_suppression(current_workspace().id, email)
    return "", 204


@bp.get("/workspace/embed-secret")
def get_embed_secret():
    """The secret a host's server signs widget payloads with (created on first read)."""
    return jsonify({"embed_secret": embed_secret(current_workspace())})


@bp.post("/workspace/embed-secret")
def rotate_embed_secret_view():
    """Rotate the embed secret; payloads signed with the old one stop working at once."""
    return jsonify({"embed_secret": rotate_embed_secret(current_workspace())})
