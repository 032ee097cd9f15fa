"""Connecting helpdesks."""
from __future__ import annotations

from flask import jsonify

from app.api.auth import current_workspace
from app.api.blueprint import bp
from app.api.body import json_body
from app.schemas.integration import IntegrationInSchema
from app.services.hooks import create_integration


@bp.post("/integrations")
def create_integration_view():
    """Connect a helpdesk: returns the webhook url, its secret and, where needed, a body template."""
    _, view = create_integration(current_workspace().id, json_body(IntegrationInSchema()))
    return jsonify(view), 201
