"""The score back in the helpdesk: an integration's write-back settings, and one note per answer
version written (or to be written) to its ticket."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, one_of, utcnow


class NoteStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    SUPERSEDED = "superseded"  # the customer changed the answer before this version was written


class HelpdeskWriteback(db.Model):
    __tablename__ = "helpdesk_writebacks"

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = mapped_column(ForeignKey("integrations.id", ondelete="CASCADE"), unique=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The helpdesk's API address (per account for Zendesk, Freshdesk, Gorgias); None: the
    # integration's own api_base_url, or the vendor's one address (integrations/notes.py).
    base_url: Mapped[str | None] = mapped_column(String(500))
    # Fernet token of {email, api_token, oauth_token} (platform/crypto.py); None: the
    # integration's own API credentials.
    credentials: Mapped[str | None] = mapped_column(Text)
    tag: Mapped[str | None] = mapped_column(String(100))
    field_id: Mapped[str | None] = mapped_column(String(100))
    admin_id: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HelpdeskNote(db.Model):
    __tablename__ = "helpdesk_notes"
    __table_args__ = (
        UniqueConstraint("response_id", "version"),
        CheckConstraint(one_of("status", NoteStatus), name="status"),
        Index("ix_helpdesk_notes_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = mapped_column(ForeignKey("integrations.id", ondelete="CASCADE"), index=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), index=True)
    ticket_id: Mapped[str] = mapped_column(String(200))
    # The answer's updated_at when this note was queued: one note per version of the answer.
    version: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default=NoteStatus.PENDING)
    body: Mapped[str | None] = mapped_column(Text)  # the note as written (score, comment, link)
    steps_done: Mapped[int] = mapped_column(Integer, default=0)  # calls that succeeded (a retry resumes)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
