"""A confirmed answer to an invite, with the analysis of its comment."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.invite import Invite
from app.models.types import UTCDateTime, utcnow


class Response(db.Model):
    __tablename__ = "responses"
    __table_args__ = (
        Index("ix_responses_workspace_answered", "workspace_id", "answered_at", "id"),
        # The overview's count and list of a period's tone–score mismatches (one answer in ~50).
        Index(
            "ix_responses_mismatches",
            "workspace_id",
            "answered_at",
            postgresql_where=text("mismatch_reason IS NOT NULL"),
            sqlite_where=text("mismatch_reason IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    # One response per invite, enforced by the database.
    invite_id: Mapped[int] = mapped_column(ForeignKey("invites.id", ondelete="CASCADE"), unique=True)
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When an erasure or the retention window replaced the comment by a placeholder. Its analysis
    # (polarity, themes) stays, so every figure stays as it was, and is never re-run on the placeholder.
    comment_removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Filled by the analysis task; `analysis_version` says which scorer wrote them.
    polarity: Mapped[float | None] = mapped_column(Float)
    subjectivity: Mapped[float | None] = mapped_column(Float)
    sentiment_label: Mapped[str | None] = mapped_column(String(32))
    language: Mapped[str | None] = mapped_column(String(8))
    themes: Mapped[list] = mapped_column(JSON, default=list)  # keys, the primary theme first
    # Theme key -> polarity (-1..1) of the clauses that mention it; NULL until analysed by version 3.
    theme_sentiment: Mapped[dict | None] = mapped_column(JSON)
    mismatch_reason: Mapped[str | None] = mapped_column(Text)
    analysis_version: Mapped[int | None] = mapped_column(Integer)
    analyzed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    invite: Mapped[Invite] = relationship()


class ResponseTheme(db.Model):
    """One theme of one response, as rows so answers can be filtered and counted by theme."""

    __tablename__ = "response_themes"
    __table_args__ = (UniqueConstraint("response_id", "theme"), Index("ix_response_themes_theme", "theme"))

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"))
    theme: Mapped[str] = mapped_column(String(100))
    polarity: Mapped[float | None] = mapped_column(Float)  # of the clauses that mention it
