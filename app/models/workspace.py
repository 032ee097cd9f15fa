"""A tenant: every other row belongs to exactly one workspace."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Integer, String, false
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
    # The invite email's sender as customers see it: this name beside the server's MAIL_FROM address
    # (the address stays the operator's, so SPF and DKIM keep passing), and where replies go.
    mail_from_name: Mapped[str | None] = mapped_column(String(100))
    reply_to: Mapped[str | None] = mapped_column(String(320))
    # Signs widget payloads ({survey_id, customer, ticket, exp}) on the host's server; kept in clear
    # because we must compute the same HMAC. Created on first read, replaced by a rotation.
    embed_secret: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Owners and admins must use a second factor (TOTP) to manage the workspace; set by an owner.
    require_second_factor: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    # Fatigue rules across every survey of the workspace; each survey may only be stricter.
    send_delay_minutes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    cooldown_days: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    sample_percent: Mapped[int] = mapped_column(Integer, default=100, server_default="100")
    exclude_tags: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    daily_cap: Mapped[int | None] = mapped_column(Integer)
