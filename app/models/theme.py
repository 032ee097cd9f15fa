"""A workspace's theme catalogue: the shipped defaults, keys the analysis discovered, and themes a
CX team defined."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, one_of, utcnow


class ThemeSource(StrEnum):
    AUTO = "auto"  # discovered in the workspace's comments (no keywords)
    CUSTOM = "custom"  # defined by the workspace, matched first
    DEFAULT = "default"  # from the shipped catalogue (app/analysis/data/themes.txt)


THEME_SOURCES = tuple(source.value for source in ThemeSource)


class Theme(db.Model):
    """One theme of one workspace; answers carry its `key` (Response.themes, ResponseTheme.theme)."""

    __tablename__ = "themes"
    __table_args__ = (
        # Also the lookup index for "this workspace's catalogue".
        UniqueConstraint("workspace_id", "key"),
        CheckConstraint(one_of("source", ThemeSource), name="source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(100))
    label: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(8), default=ThemeSource.AUTO)
    keywords: Mapped[list] = mapped_column(JSON, default=list)
    phrases: Mapped[list] = mapped_column(JSON, default=list)
    # A default or discovered theme the workspace switched off is no longer given to answers.
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
