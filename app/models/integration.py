"""A helpdesk connection: where it posts, and the secret its signatures are checked with."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, one_of, utcnow


class Provider(StrEnum):
    """The helpdesks we take webhooks from; app/integrations holds one module for each."""

    GENERIC = "generic"
    ZENDESK = "zendesk"
    FRESHDESK = "freshdesk"
    HELPSCOUT = "helpscout"
    INTERCOM = "intercom"
    FRONT = "front"
    GORGIAS = "gorgias"


class DeliveryStatus(StrEnum):
    """Where a webhook delivery is; only `pending` ones are worked on (and retried by the sweep)."""

    PENDING = "pending"  # a solve waiting for a worker to make its invite
    DONE = "done"  # its invite made, or nothing to make (a reopen, a duplicate)
    FAILED = "failed"
    SUPERSEDED = "superseded"  # a solve still pending when its ticket was reopened


class DeliveryKind(StrEnum):
    """What a delivery meant for its ticket."""

    SOLVE = "solve"
    REOPEN = "reopen"


class Integration(db.Model):
    __tablename__ = "integrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(32))
    secret: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The helpdesk's own API, for senders whose webhooks carry ids only (Zendesk event webhooks).
    api_base_url: Mapped[str | None] = mapped_column(String(500))
    # Fernet token of the JSON credentials, keyed from SECRET_KEY (see platform/crypto.py).
    api_credentials: Mapped[str | None] = mapped_column(Text)


class WebhookDelivery(db.Model):
    """One accepted delivery; the unique key turns a helpdesk's retry into a 200 duplicate.

    Deliveries that need more data before they make an invite (`pending`) keep their payload
    and are retried from the database (`next_attempt_at`) by the periodic sweep.
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("integration_id", "external_id"),
        CheckConstraint(one_of("status", DeliveryStatus), name="status"),
        Index("ix_webhook_deliveries_pending", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_ticket", "integration_id", "ticket_id"),
        # The retention purge finds old deliveries (and bodies) by date.
        Index("ix_webhook_deliveries_received", "integration_id", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = mapped_column(ForeignKey("integrations.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(200))
    invite_id: Mapped[int | None] = mapped_column(ForeignKey("invites.id", ondelete="SET NULL"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(16), default=DeliveryKind.SOLVE, server_default=DeliveryKind.SOLVE.value)
    ticket_id: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(
        String(16), default=DeliveryStatus.DONE, server_default=DeliveryStatus.DONE.value
    )
    payload: Mapped[dict | None] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)
