"""An event-log entry (launch, outage, policy change) shown beside the trends."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class Annotation(db.Model):
    __tablename__ = "annotations"
    __table_args__ = (Index("ix_annotations_workspace_day", "workspace_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    # A calendar date in the workspace's own time zone: "the outage was on the 3rd".
    day: Mapped[date] = mapped_column(Date)
    label: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
