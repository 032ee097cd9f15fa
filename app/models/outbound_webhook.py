"""Outbound webhooks: the endpoints a workspace registers, the events written beside the facts they
announce (the outbox), one message per event and endpoint, and every attempt to deliver one."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, one_of, utcnow


class EventType(StrEnum):
    """The events an endpoint may subscribe to; docs/webhooks.md shows a payload of each."""

    RESPONSE_CREATED = "response.created"
    RESPONSE_UPDATED = "response.updated"
    RESPONSE_ANALYZED = "response.analyzed"
    INVITE_SENT = "invite.sent"
    INVITE_FAILED = "invite.failed"
    CASE_OPENED = "case.opened"
    CASE_UPDATED = "case.updated"


class MessageStatus(StrEnum):
    PENDING = "pending"  # due at next_attempt_at (a worker's claim pushes that forward)
    DELIVERED = "delivered"  # the endpoint answered 2xx
    FAILED = "failed"  # retried for the whole retry period without a 2xx


class WebhookEndpoint(db.Model):
    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list] = mapped_column(JSON, default=list)  # EventType values
    description: Mapped[str | None] = mapped_column(String(200))
    # The whsec_ signing secret, encrypted (platform/crypto.py); shown in clear once, at creation
    # or rotation. During a rotation's overlap the previous one signs too, until previous_until.
    secret: Mapped[str] = mapped_column(Text)
    previous_secret: Mapped[str | None] = mapped_column(Text)
    previous_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookEvent(db.Model):
    """One fact for other systems, written in the transaction that commits the fact itself.

    `body` is the exact JSON sent, serialised once, so every attempt and replay sends the same
    bytes under the same `webhook-id` (`public_id`)."""

    __tablename__ = "webhook_events"
    __table_args__ = (
        CheckConstraint(one_of("type", EventType), name="type"),
        Index("ix_webhook_events_workspace_created", "workspace_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(40), unique=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookMessage(db.Model):
    """One event owed to one endpoint: pending until a 2xx, retried with backoff meanwhile."""

    __tablename__ = "webhook_messages"
    __table_args__ = (
        UniqueConstraint("event_id", "endpoint_id"),
        CheckConstraint(one_of("status", MessageStatus), name="status"),
        Index("ix_webhook_messages_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("webhook_events.id", ondelete="CASCADE"))
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=MessageStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When this round of delivery began (creation, or a replay): retries stop 3 days after it.
    retry_from: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebhookAttempt(db.Model):
    """One try at delivering a message, as the endpoint answered it (or why it could not)."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (Index("ix_webhook_attempts_endpoint", "endpoint_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("webhook_messages.id", ondelete="CASCADE"), index=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status_code: Mapped[int | None] = mapped_column(Integer)  # None: no HTTP answer at all
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)  # connection refused, timeout, refused address
    response_head: Mapped[str | None] = mapped_column(Text)  # the first 1 KB of the reply
