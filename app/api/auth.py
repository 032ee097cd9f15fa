"""API-key authentication: every API request acts for exactly one workspace, within its key's scope."""

from __future__ import annotations

from flask import g, request

from app.errors import APIError
from app.extensions import db
from app.models import Workspace
from app.models.api_key import KeyScope
from app.services.api_keys import key_for

READ_METHODS = {"GET", "HEAD", "OPTIONS"}


def authenticate() -> None:
    """Resolve the bearer key to a workspace, stored on `g.workspace`, or refuse with 401; a read
    key may only read (403 otherwise)."""
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise APIError(401, "unauthorized", "Send the API key as 'Authorization: Bearer <api_key>'.")
    api_key = key_for(key.strip())
    if api_key is None:
        raise APIError(401, "unauthorized", "The API key is not valid.")
    if api_key.scope == KeyScope.READ and request.method not in READ_METHODS:
        raise APIError(
            403, "forbidden", "This API key is read-only: it may only GET. Use a key with write scope to make changes."
        )
    g.api_key = api_key
    g.workspace = db.session.get(Workspace, api_key.workspace_id)


def current_workspace() -> Workspace:
    return g.workspace
