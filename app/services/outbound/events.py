"""The outbox: an event is written in the same transaction as the fact it announces, with one
message for each endpoint subscribed to it, so a committed fact always has its messages and a
rolled-back one never does. Delivery (delivery.py) reads the messages; nothing is sent from here.

Nothing is written for a workspace with no enabled endpoint subscribed to the event type, so the
answers and invites of workspaces without webhooks cost one indexed query, and no rows.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import insert, select

from app.extensions import db
from app.models.outbound_webhook import EventType, MessageStatus, WebhookEndpoint, WebhookEvent, WebhookMessage
from app.models.types import utcnow
from app.platform.queue import DELIVER_WEBHOOKS, enqueue

log = logging.getLogger(__name__)

# Set on the session by record_events; deliver_soon (called after the commit) hands them to a worker.
_PENDING = "outbound_messages_pending"


def new_event_id() -> str:
    """The `webhook-id`: unique, and without dots (the signed content is "{id}.{timestamp}.{body}")."""
    return "msg_" + secrets.token_urlsafe(18)


def subscribers(executor, workspace_ids: Iterable[int], event_type: EventType) -> dict[int, list[int]]:
    """Workspace id -> the ids of its enabled endpoints subscribed to `event_type`."""
    return subscriptions(executor, workspace_ids, (event_type,))[event_type]


def subscriptions(
    executor, workspace_ids: Iterable[int], event_types: Iterable[EventType]
) -> dict[EventType, dict[int, list[int]]]:
    """subscribers() for several event types from one read of the endpoints (a batch of outcomes
    announces invite.sent and invite.failed: one round trip, not one per type)."""
    found: dict[EventType, dict[int, list[int]]] = {event_type: {} for event_type in event_types}
    ids = set(workspace_ids)
    if not ids:
        return found
    endpoints = WebhookEndpoint.__table__.c
    rows = executor.execute(
        select(endpoints.id, endpoints.workspace_id, endpoints.events).where(
            endpoints.workspace_id.in_(ids), endpoints.enabled.is_(True)
        )
    )
    for row in rows:
        for event_type, subscribed in found.items():
            if event_type in (row.events or []):
                subscribed.setdefault(row.workspace_id, []).append(row.id)
    return found


def event_body(event_type: EventType, data: dict, at: datetime) -> str:
    """The JSON sent, Standard Webhooks' envelope: {type, timestamp, data}."""
    return json.dumps(
        {"type": str(event_type), "timestamp": at.isoformat().replace("+00:00", "Z"), "data": data},
        separators=(",", ":"),
        ensure_ascii=False,
        default=_json_default,
    )


def _json_default(value):
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    raise TypeError(f"not JSON: {type(value).__name__}")


def record_events(
    executor, event_type: EventType, items: list[tuple[int, dict]], subscribed: dict[int, list[int]] | None = None
) -> int:
    """Write an event (and its messages) for each (workspace id, data) with subscribers; the caller
    commits. `subscribed` is subscribers()'s answer when the caller already asked. Returns how many
    messages were written."""
    if subscribed is None:
        subscribed = subscribers(executor, (workspace_id for workspace_id, _ in items), event_type)
    now = utcnow()
    messages = 0
    events = WebhookEvent.__table__
    for workspace_id, data in items:
        endpoint_ids = subscribed.get(workspace_id)
        if not endpoint_ids:
            continue
        event_id = executor.execute(
            insert(events).values(
                public_id=new_event_id(),
                workspace_id=workspace_id,
                type=str(event_type),
                body=event_body(event_type, data, now),
                created_at=now,
            )
        ).inserted_primary_key[0]
        executor.execute(
            insert(WebhookMessage.__table__),
            [
                {
                    "event_id": event_id,
                    "endpoint_id": endpoint_id,
                    "status": MessageStatus.PENDING,
                    "attempts": 0,
                    "retry_from": now,
                    "next_attempt_at": now,
                }
                for endpoint_id in endpoint_ids
            ],
        )
        messages += len(endpoint_ids)
    if messages and executor is db.session:
        messages_written()
    return messages


def messages_written() -> None:
    """Note that this transaction wrote messages, for deliver_soon after its commit."""
    db.session.info[_PENDING] = True


def emit(workspace_id: int, event_type: EventType, data: dict) -> int:
    """One event in the current session's transaction; the caller commits, then calls deliver_soon."""
    return record_events(db.session, event_type, [(workspace_id, data)])


def deliver_soon() -> None:
    """After the commit: hand the messages just written to a worker. A lost hand-off only delays
    them until the periodic sweep (every 15 s) finds them due."""
    if not db.session.info.pop(_PENDING, False):
        return
    try:
        enqueue(DELIVER_WEBHOOKS)
    except Exception:
        log.warning("could not hand webhook messages to a worker; the sweep will", exc_info=True)


def forget_pending() -> None:
    """After a rollback: the messages were never written."""
    db.session.info.pop(_PENDING, None)
