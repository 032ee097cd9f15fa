"""API-key authentication: every API request acts for exactly one workspace."""

from __future__ import annotations

from flask import g, request
from sqlalchemy import select

from app.errors import APIError
from app.extensions import db
from app.models import Workspace
from app.services.workspaces import hash_api_key


def authenticate() -> None:
    """Resolve the bearer key to a workspace, stored on `g.workspace`, or refuse with 401."""
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise APIError(401, "unauthorized", "Send the API key as 'Authorization: Bearer <api_key>'.")
    workspace = db.session.scalar(select(Workspace).where(Workspace.api_key_hash == hash_api_key(key.strip())))
    if workspace is None:
        raise APIError(401, "unauthorized", "The API key is not valid.")
    g.workspace = workspace


def current_workspace() -> Workspace:
    return g.workspace
