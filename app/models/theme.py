"""A workspace's theme catalogue: keys the analysis found, and themes a CX team defined."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow

THEME_SOURCES = ("auto", "custom")


class Theme(db.Model):
    """One theme of one workspace; answers carry its `key` (Response.themes, ResponseTheme.theme)."""

    __tablename__ = "themes"
    __table_args__ = (
        # Also the lookup index for "this workspace's catalogue".
        UniqueConstraint("workspace_id", "key"),
        CheckConstraint("source IN ('auto', 'custom')", name="source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(100))
    label: Mapped[str] = mapped_column(String(100))
    # "auto": found by the analysis (no keywords); "custom": defined by the workspace, matched first.
    source: Mapped[str] = mapped_column(String(8), default="auto")
    keywords: Mapped[list] = mapped_column(JSON, default=list)
    phrases: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
