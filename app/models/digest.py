"""Digest emails: who asked for a summary of a workspace, how often, in which language."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, one_of, utcnow


class DigestFrequency(StrEnum):
    WEEKLY = "weekly"  # Mondays, 08:00 in the workspace's time zone
    DAILY = "daily"  # every day, 08:00 there


class DigestSubscription(db.Model):
    __tablename__ = "digest_subscriptions"
    __table_args__ = (
        UniqueConstraint("user_id", "workspace_id"),
        CheckConstraint(one_of("frequency", DigestFrequency), name="frequency"),
        Index("ix_digest_subscriptions_due", "next_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    frequency: Mapped[str] = mapped_column(String(8))
    locale: Mapped[str] = mapped_column(String(8), default="en")
    # The one-click opt-out link's secret (192 random bits), as the customers' unsubscribe links.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    next_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
