"""What happened to an endpoint's messages (every attempt), and replays of past events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.errors import APIError
from app.extensions import db
from app.models.outbound_webhook import MessageStatus, WebhookAttempt, WebhookEndpoint, WebhookEvent, WebhookMessage
from app.models.types import utcnow
from app.services.outbound.events import deliver_soon, messages_written
from app.services.pagination import Page, keyset_page

MAX_REPLAY = 10_000  # events per replay request; a longer range is replayed in several requests


@dataclass(frozen=True)
class AttemptRow:
    id: int
    event_id: str
    event_type: str
    attempted_at: datetime
    status_code: int | None
    duration_ms: int
    error: str | None
    response_head: str | None
    message_status: str


def list_attempts(endpoint: WebhookEndpoint, limit: int, cursor: int | None = None) -> Page[AttemptRow]:
    """The endpoint's attempts, newest first."""
    query = (
        select(WebhookAttempt, WebhookEvent.public_id, WebhookEvent.type, WebhookMessage.status)
        .join(WebhookMessage, WebhookMessage.id == WebhookAttempt.message_id)
        .join(WebhookEvent, WebhookEvent.id == WebhookMessage.event_id)
        .where(WebhookAttempt.endpoint_id == endpoint.id)
        .order_by(WebhookAttempt.id.desc())
        .limit(limit + 1)
    )
    if cursor is not None:
        query = query.where(WebhookAttempt.id < cursor)
    rows = [
        AttemptRow(
            a.id, public_id, type_, a.attempted_at, a.status_code, a.duration_ms, a.error, a.response_head, status
        )
        for a, public_id, type_, status in db.session.execute(query)
    ]
    return keyset_page(rows, limit, lambda row: str(row.id))


def replay(endpoint: WebhookEndpoint, data: dict) -> int:
    """Send again one event (`event_id`) or every event of the endpoint's types created in
    [`since`, `until`): under their original `webhook-id`, so a receiver that has one already
    can tell. Returns how many were queued."""
    if not endpoint.enabled:
        raise APIError(409, "conflict", "The endpoint is disabled; enable it first.")
    query = select(WebhookEvent.id).where(WebhookEvent.workspace_id == endpoint.workspace_id)
    if "event_id" in data:
        event_ids = list(db.session.scalars(query.where(WebhookEvent.public_id == data["event_id"])))
        if not event_ids:
            raise APIError(404, "not_found", f"No event {data['event_id']} in this workspace.")
    else:
        query = query.where(WebhookEvent.type.in_(endpoint.events), WebhookEvent.created_at >= data["since"])
        if data.get("until"):
            query = query.where(WebhookEvent.created_at < data["until"])
        event_ids = list(db.session.scalars(query.order_by(WebhookEvent.id).limit(MAX_REPLAY + 1)))
        if len(event_ids) > MAX_REPLAY:
            raise APIError(422, "validation_error", f"More than {MAX_REPLAY} events: replay a shorter range.")
    now = utcnow()
    existing = {
        m.event_id: m
        for m in db.session.scalars(
            select(WebhookMessage).where(
                WebhookMessage.endpoint_id == endpoint.id, WebhookMessage.event_id.in_(event_ids)
            )
        )
    }
    for event_id in event_ids:
        message = existing.get(event_id)
        if message is None:
            message = WebhookMessage(event_id=event_id, endpoint_id=endpoint.id)
            db.session.add(message)
        message.status, message.attempts, message.retry_from, message.next_attempt_at = (
            MessageStatus.PENDING,
            0,
            now,
            now,
        )
        message.delivered_at = None
    if event_ids:
        messages_written()
    db.session.commit()
    deliver_soon()
    return len(event_ids)
