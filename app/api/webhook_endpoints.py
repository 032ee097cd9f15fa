"""Outbound webhook endpoints: where Afterword POSTs its events, signed the Standard Webhooks way."""

from __future__ import annotations

from app.api.auth import current_workspace
from app.api.blueprint import bp
from app.api.contract import accepts, paginated, responds
from app.models.outbound_webhook import WebhookEndpoint
from app.schemas.common import list_schema
from app.schemas.outbound_webhook import (
    AttemptOutSchema,
    AttemptsQuery,
    EndpointInSchema,
    EndpointOutSchema,
    EndpointUpdateSchema,
    EndpointWithSecretSchema,
    ReplayOutSchema,
    ReplaySchema,
    RotateSchema,
)
from app.services.outbound import endpoints, log


def own_endpoint(endpoint_id: int) -> WebhookEndpoint:
    return endpoints.get_endpoint(current_workspace().id, endpoint_id)


@bp.post("/webhook-endpoints")
@accepts(EndpointInSchema)
@responds(201, EndpointWithSecretSchema)
def create_webhook_endpoint(body: dict):
    """Register an endpoint for some events; the answer holds its signing secret, shown only here."""
    return endpoints.create_endpoint(current_workspace().id, body)


@bp.get("/webhook-endpoints")
@responds(200, list_schema(EndpointOutSchema))
def list_webhook_endpoints():
    """The workspace's endpoints (never their secrets)."""
    return {"items": [endpoints.endpoint_view(e) for e in endpoints.list_endpoints(current_workspace().id)]}


@bp.get("/webhook-endpoints/<id:endpoint_id>")
@responds(200, EndpointOutSchema)
def get_webhook_endpoint(endpoint_id: int):
    """One endpoint: its URL, events, and whether it is enabled (and why not)."""
    return endpoints.endpoint_view(own_endpoint(endpoint_id))


@bp.patch("/webhook-endpoints/<id:endpoint_id>")
@accepts(EndpointUpdateSchema, partial=True, lookup=own_endpoint)
@responds(200, EndpointOutSchema)
def update_webhook_endpoint(endpoint_id: int, body: dict, found: WebhookEndpoint):
    """Change the URL, events or description; `enabled: true` re-enables a disabled endpoint and
    sends what waited meanwhile."""
    return endpoints.update_endpoint(found, body)


@bp.delete("/webhook-endpoints/<id:endpoint_id>")
@responds(204)
def delete_webhook_endpoint(endpoint_id: int):
    """Remove the endpoint, its pending messages and its attempt log."""
    endpoints.delete_endpoint(own_endpoint(endpoint_id))


@bp.post("/webhook-endpoints/<id:endpoint_id>/rotate-secret")
@accepts(RotateSchema, lookup=own_endpoint)
@responds(200, EndpointWithSecretSchema)
def rotate_webhook_secret(endpoint_id: int, body: dict, found: WebhookEndpoint):
    """A new secret, shown once; the previous one keeps signing beside it for `overlap_hours`."""
    return endpoints.rotate_secret(found, body.get("overlap_hours"))


@bp.get("/webhook-endpoints/<id:endpoint_id>/attempts")
@accepts(AttemptsQuery, location="query")
@paginated(AttemptOutSchema, description="Every delivery attempt, newest first")
def list_webhook_attempts(endpoint_id: int, query: dict):
    """The attempt log: status, time, and the first 1 KB of each reply."""
    return log.list_attempts(own_endpoint(endpoint_id), query["limit"], query.get("cursor"))


@bp.post("/webhook-endpoints/<id:endpoint_id>/replay")
@accepts(ReplaySchema, lookup=own_endpoint)
@responds(202, ReplayOutSchema)
def replay_webhook_events(endpoint_id: int, body: dict, found: WebhookEndpoint):
    """Send again one event (`event_id`) or every event of its types in [`since`, `until`)."""
    return {"replayed": log.replay(found, body)}
