"""Connecting helpdesks."""

from __future__ import annotations

from app.api.auth import current_workspace
from app.api.blueprint import bp
from app.api.contract import accepts, responds
from app.schemas.integration import IntegrationInSchema, IntegrationOutSchema, IntegrationUpdateSchema
from app.services.integrations import create_integration, get_integration, integration_view, update_integration


@bp.post("/integrations")
@accepts(IntegrationInSchema)
@responds(201, IntegrationOutSchema)
def create_integration_view(body: dict):
    """Connect a helpdesk: returns the webhook url, its secret and, where needed, a body template."""
    _, view = create_integration(current_workspace().id, body)
    return view


@bp.get("/integrations/<id:integration_id>")
@responds(200, IntegrationOutSchema)
def get_integration_view(integration_id: int):
    """One integration: its url, secret, body template and whether API credentials are set."""
    return integration_view(get_integration(current_workspace().id, integration_id))


@bp.patch("/integrations/<id:integration_id>")
@accepts(IntegrationUpdateSchema)
@responds(200, IntegrationOutSchema)
def update_integration_view(integration_id: int, body: dict):
    """Set the helpdesk's own signing secret, the survey, or the helpdesk API credentials."""
    return update_integration(current_workspace().id, integration_id, body)
