"""A survey: what is asked, on which scale, and the timing rules for its invites."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class Survey(db.Model):
    __tablename__ = "surveys"
    __table_args__ = (
        CheckConstraint("kind IN ('csat', 'nps', 'ces')", name="kind"),
        CheckConstraint("scale_min < scale_max", name="scale"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(8))
    question: Mapped[str] = mapped_column(Text)
    scale_min: Mapped[int] = mapped_column(Integer)
    scale_max: Mapped[int] = mapped_column(Integer)
    # {"default": ..., "low": ..., "high": ...}: the follow-up wording by score band.
    follow_up: Mapped[dict] = mapped_column(JSON, default=dict)
    locale: Mapped[str] = mapped_column(String(16), default="en")
    send_delay_minutes: Mapped[int] = mapped_column(Integer, default=0)
    cooldown_days: Mapped[int] = mapped_column(Integer, default=0)
    sample_percent: Mapped[int] = mapped_column(Integer, default=100)
    exclude_tags: Mapped[list] = mapped_column(JSON, default=list)
    reminder_after_hours: Mapped[int | None] = mapped_column(Integer)
    expires_after_days: Mapped[int] = mapped_column(Integer, default=14)
    # At most this many invites of this survey offered per day (the workspace's day); None = no cap.
    daily_cap: Mapped[int | None] = mapped_column(Integer)
    # After an answer: the survey's own thank-you text, or an https address the customer is sent on to.
    thank_you_message: Mapped[str | None] = mapped_column(Text)
    redirect_url: Mapped[str | None] = mapped_column(String(500))
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
