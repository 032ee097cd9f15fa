"""Connecting helpdesks."""

from __future__ import annotations

from app.api.auth import current_workspace
from app.api.blueprint import bp
from app.api.contract import accepts, paginated, responds
from app.models.integration import DeliveryStatus
from app.schemas.integration import (
    DeliveriesQuery,
    DeliveryOutSchema,
    IntegrationInSchema,
    IntegrationOutSchema,
    IntegrationUpdateSchema,
)
from app.services.intake.deliveries import list_deliveries
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


@bp.get("/integrations/<id:integration_id>/deliveries")
@accepts(DeliveriesQuery, location="query")
@paginated(DeliveryOutSchema)
def list_deliveries_view(integration_id: int, query: dict):
    """The integration's webhook deliveries, newest first: status, attempts and why any failed."""
    integration = get_integration(current_workspace().id, integration_id)
    status = DeliveryStatus(query["status"]) if "status" in query else None
    return list_deliveries(integration, query["limit"], status, query.get("cursor"))
