"""A tenant: every other row belongs to exactly one workspace."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class Workspace(db.Model):
    __tablename__ = "workspaces"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Only a SHA-256 of the API key is kept; the key itself is shown once at creation.
    api_key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    api_key_prefix: Mapped[str] = mapped_column(String(16))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    brand_colour: Mapped[str] = mapped_column(String(7), default="#2f5bd3")
    logo_url: Mapped[str | None] = mapped_column(String(500))
    # Signs widget payloads ({survey_id, customer, ticket, exp}) on the host's server; kept in clear
    # because we must compute the same HMAC. Created on first read, replaced by a rotation.
    embed_secret: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
