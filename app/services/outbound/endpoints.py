"""A workspace's webhook endpoints: register one (its secret shown once), change, rotate, remove."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select, update

from app.errors import APIError
from app.extensions import db
from app.integrations import generic
from app.models.outbound_webhook import MessageStatus, WebhookAttempt, WebhookEndpoint, WebhookMessage
from app.models.types import utcnow
from app.platform.crypto import encrypt_text
from app.platform.outbound_http import UnsafeURL, check_url
from app.services.outbound.delivery import SECRET_PURPOSE

MAX_ENDPOINTS = 20  # per workspace: each event is one POST per endpoint


@dataclass(frozen=True)
class EndpointView:
    id: int
    url: str
    events: list[str]
    description: str | None
    enabled: bool
    disabled_at: datetime | None
    disabled_reason: str | None
    created_at: datetime
    previous_secret_until: datetime | None
    secret: str | None = None  # only in the answer that created or rotated it


def endpoint_view(endpoint: WebhookEndpoint, secret: str | None = None) -> EndpointView:
    now = utcnow()
    overlap = endpoint.previous_until if endpoint.previous_until and endpoint.previous_until > now else None
    return EndpointView(
        endpoint.id,
        endpoint.url,
        list(endpoint.events),
        endpoint.description,
        endpoint.enabled,
        endpoint.disabled_at,
        endpoint.disabled_reason,
        endpoint.created_at,
        overlap,
        secret,
    )


def _checked_url(url: str) -> str:
    try:
        check_url(url, current_app.config["OUTBOUND_ALLOW_LOCAL"])
    except UnsafeURL as exc:
        raise APIError(422, "validation_error", str(exc), {"url": [str(exc)]}) from None
    return url


def create_endpoint(workspace_id: int, data: dict) -> EndpointView:
    count = len(list_endpoints(workspace_id))
    if count >= MAX_ENDPOINTS:
        raise APIError(409, "conflict", f"A workspace may have at most {MAX_ENDPOINTS} webhook endpoints.")
    secret = generic.new_secret()
    endpoint = WebhookEndpoint(
        workspace_id=workspace_id,
        url=_checked_url(data["url"]),
        events=sorted(set(data["events"])),
        description=data.get("description"),
        secret=encrypt_text(secret, SECRET_PURPOSE),
        enabled=True,
    )
    db.session.add(endpoint)
    db.session.commit()
    return endpoint_view(endpoint, secret)


def list_endpoints(workspace_id: int) -> list[WebhookEndpoint]:
    return list(
        db.session.scalars(
            select(WebhookEndpoint).where(WebhookEndpoint.workspace_id == workspace_id).order_by(WebhookEndpoint.id)
        )
    )


def get_endpoint(workspace_id: int, endpoint_id: int) -> WebhookEndpoint:
    endpoint = db.session.scalar(
        select(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.workspace_id == workspace_id)
    )
    if endpoint is None:
        raise APIError(404, "not_found", f"No webhook endpoint {endpoint_id} in this workspace.")
    return endpoint


def update_endpoint(endpoint: WebhookEndpoint, data: dict) -> EndpointView:
    """Change the URL, events or description, or enable (or disable) the endpoint. Enabling it
    sends the messages that waited while it was disabled, with a fresh retry period."""
    if "url" in data:
        endpoint.url = _checked_url(data["url"])
    if "events" in data:
        endpoint.events = sorted(set(data["events"]))
    if "description" in data:
        endpoint.description = data["description"]
    if "enabled" in data and data["enabled"] != endpoint.enabled:
        now = utcnow()
        endpoint.enabled = data["enabled"]
        endpoint.disabled_at = None if endpoint.enabled else now
        endpoint.disabled_reason = None if endpoint.enabled else "Disabled through the API."
        if endpoint.enabled:
            db.session.execute(
                update(WebhookMessage)
                .where(WebhookMessage.endpoint_id == endpoint.id, WebhookMessage.status == MessageStatus.PENDING)
                .values(next_attempt_at=now, retry_from=now, attempts=0)
            )
    db.session.commit()
    return endpoint_view(endpoint)


def rotate_secret(endpoint: WebhookEndpoint, overlap_hours: float | None = None) -> EndpointView:
    """A new secret, shown once; the current one keeps signing beside it for the overlap, so the
    receiver can switch without missing a message."""
    hours = current_app.config["WEBHOOK_SECRET_OVERLAP_HOURS"] if overlap_hours is None else overlap_hours
    secret = generic.new_secret()
    endpoint.previous_secret = endpoint.secret if hours > 0 else None
    endpoint.previous_until = utcnow() + timedelta(hours=hours) if hours > 0 else None
    endpoint.secret = encrypt_text(secret, SECRET_PURPOSE)
    db.session.commit()
    return endpoint_view(endpoint, secret)


def delete_endpoint(endpoint: WebhookEndpoint) -> None:
    """Remove it, its messages and its attempt log (the events stay, for other endpoints)."""
    # Spelled out rather than left to ON DELETE CASCADE, which SQLite applies only when asked.
    db.session.execute(delete(WebhookAttempt).where(WebhookAttempt.endpoint_id == endpoint.id))
    db.session.execute(delete(WebhookMessage).where(WebhookMessage.endpoint_id == endpoint.id))
    db.session.delete(endpoint)
    db.session.commit()
