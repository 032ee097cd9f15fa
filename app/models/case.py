"""Follow-up cases: an unhappy answer with an owner, a status, a due time, notes and a history."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, one_of, utcnow


class CaseStatus(StrEnum):
    OPEN = "open"
    CONTACTED = "contacted"  # someone reached the customer; not settled yet
    RESOLVED = "resolved"  # put right
    WON_BACK = "won_back"  # put right, and the customer says so (the recovery rate counts these)
    NOT_RECOVERABLE = "not_recoverable"


CLOSED = frozenset({CaseStatus.RESOLVED, CaseStatus.WON_BACK, CaseStatus.NOT_RECOVERABLE})


class CaseEventKind(StrEnum):
    OPENED = "opened"
    ASSIGNED = "assigned"
    STATUS = "status"
    DUE = "due"
    NOTE = "note"
    RESURVEY = "resurvey"  # "did we put it right?" offered: the invite's id and status


class Case(db.Model):
    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(one_of("status", CaseStatus), name="status"),
        Index("ix_cases_workspace_status", "workspace_id", "status"),
        Index("ix_cases_assignee", "assignee_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    # One case per answer, whichever rule (or person) opened it.
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), unique=True)
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("alert_rules.id", ondelete="SET NULL"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default=CaseStatus.OPEN)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CaseEvent(db.Model):
    """The history of a case, notes included: who did what, when."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))  # None: a rule, the API
    kind: Mapped[str] = mapped_column(String(16))
    # A status or assignment change: what it became ("won_back", "user 7"); a note: its text.
    detail: Mapped[str | None] = mapped_column(Text)
