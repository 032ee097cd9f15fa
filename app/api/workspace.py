"""The caller's workspace: brand, fatigue rules, suppression list, and the widget's embed secret."""

from __future__ import annotations

from app.api.auth import current_workspace
from app.api.blueprint import bp
from app.api.contract import accepts, paginated, responds
from app.schemas.workspace import (
    EmbedSecretSchema,
    PageQuery,
    SuppressionInSchema,
    SuppressionOutSchema,
    WorkspaceInSchema,
    WorkspaceOutSchema,
)
from app.services.invites.embeds import embed_secret, rotate_embed_secret
from app.services.suppressions import list_suppressions, remove_suppression, suppress
from app.services.workspaces import update_workspace, workspace_view


@bp.get("/workspace")
@responds(200, WorkspaceOutSchema)
def get_workspace():
    """The workspace's brand, fatigue rules, time zone, score thresholds, targets and SLA targets."""
    return workspace_view(current_workspace())


@bp.patch("/workspace")
@accepts(WorkspaceInSchema, partial=True)
@responds(200, WorkspaceOutSchema)
def update_workspace_view(body: dict):
    """Change the brand, fatigue rules, time zone, thresholds, targets or SLA targets."""
    return workspace_view(update_workspace(current_workspace(), body))


@bp.get("/suppressions")
@accepts(PageQuery, location="query")
@paginated(SuppressionOutSchema)
def list_suppressions_view(query: dict):
    """Addresses never emailed again, newest first, with cursor pagination."""
    return list_suppressions(current_workspace().id, query["limit"], query.get("cursor"))


@bp.post("/suppressions")
@accepts(SuppressionInSchema)
@responds(201, SuppressionOutSchema)
def add_suppression(body: dict):
    """Add an address to the suppression list (its unsent invites are skipped)."""
    return suppress(current_workspace().id, body["email"], "manual")


@bp.delete("/suppressions/<path:email>")
@responds(204)
def delete_suppression(email: str):
    """Remove an address from the suppression list."""
    remove_suppression(current_workspace().id, email)


@bp.get("/workspace/embed-secret")
@responds(200, EmbedSecretSchema)
def get_embed_secret():
    """The secret a host's server signs widget payloads with (created on first read)."""
    workspace = current_workspace()
    embed_secret(workspace)
    return workspace


@bp.post("/workspace/embed-secret")
@responds(200, EmbedSecretSchema)
def rotate_embed_secret_view():
    """Rotate the embed secret; payloads signed with the old one stop working at once."""
    workspace = current_workspace()
    rotate_embed_secret(workspace)
    return workspace
