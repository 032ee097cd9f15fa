"""A workspace's API keys: each has a name and a scope, and can be revoked on its own."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, one_of, utcnow


class KeyScope(StrEnum):
    READ = "read"  # GET only: dashboards, exports, BI tools
    WRITE = "write"  # everything the API offers


class ApiKey(db.Model):
    __tablename__ = "api_keys"
    __table_args__ = (CheckConstraint(one_of("scope", KeyScope), name="scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # Only a SHA-256 of the key is kept; the key itself is shown once, when it is created.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # its first characters, to tell keys apart
    scope: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Updated at most once a minute (services/api_keys.py), not on every request.
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
