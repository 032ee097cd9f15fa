"""Addresses a workspace must never email again (unsubscribed, bounced, or added by an admin)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class SuppressionReason(StrEnum):
    UNSUBSCRIBED = "unsubscribed"  # the customer, from an email's link
    BOUNCED = "bounced"
    MANUAL = "manual"  # added by an admin
    ERASED = "erased"  # a data-subject erasure: the row holds a hash of the address, not the address


def address_hash(workspace_id: int, email: str) -> str:
    """What an erased address is remembered by: enough to refuse it again, not to read it back.

    Salted with the workspace so the same address has a different hash in each workspace."""
    digest = hashlib.sha256(f"afterword-erasure:{workspace_id}:{email.strip().lower()}".encode()).hexdigest()
    return f"sha256:{digest}"


class Suppression(db.Model):
    __tablename__ = "suppressions"
    __table_args__ = (UniqueConstraint("workspace_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    # Stored lower-cased, as invites store the customer's address; an erased one as its address_hash.
    email: Mapped[str] = mapped_column(String(320))
    # A SuppressionReason.
    reason: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
