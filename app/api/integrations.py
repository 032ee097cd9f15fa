"""Connecting helpdesks."""

from __future__ import annotations

from flask import jsonify

from app.api.auth import current_workspace
from app.api.blueprint import bp
from app.api.body import json_body
from app.schemas.integration import IntegrationInSchema, IntegrationUpdateSchema
from app.services.integrations import create_integration, get_integration, integration_view, update_integration


@bp.post("/integrations")
def create_integration_view():
    """Connect a helpdesk: returns the webhook url, its secret and, where needed, a body template."""
    _, view = create_integration(current_workspace().id, json_body(IntegrationInSchema()))
    return jsonify(view), 201


@bp.get("/integrations/<int:integration_id>")
def get_integration_view(integration_id: int):
    """One integration: its url, secret, body template and whether API credentials are set."""
    return jsonify(integration_view(get_integration(current_workspace().id, integration_id)))


@bp.patch("/integrations/<int:integration_id>")
def update_integration_view(integration_id: int):
    """Set the helpdesk's own signing secret, the survey, or the helpdesk API credentials."""
    data = json_body(IntegrationUpdateSchema())
    return jsonify(update_integration(current_workspace().id, integration_id, data))
