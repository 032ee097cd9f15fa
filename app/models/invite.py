"""An invite: one customer asked about one ticket, with the ticket's facts and a delivery history."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, one_of, utcnow


class InviteStatus(StrEnum):
    """Where an invite is: scheduled, claimed by a worker (sending), then one of the outcomes."""

    SCHEDULED = "scheduled"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


class InviteReason(StrEnum):
    """The codes `Invite.reason` holds; a failed invite holds the mail server's error text instead."""

    # Skipped by the fatigue rules (services/invites/fatigue.py) or the suppression list.
    SUPPRESSED = "suppressed"
    EXCLUDED_TAG = "excluded_tag"
    SAMPLED_OUT = "sampled_out"
    COOLDOWN = "cooldown"
    DAILY_CAP = "daily_cap"
    # Cancelled before it was sent.
    EXPIRED = "expired"
    REOPENED = "reopened"
    # Still `sending` long after its claim: an operator decides (see services/sending/send.py).
    SEND_UNCONFIRMED = "send_unconfirmed"


class InviteDelivery(StrEnum):
    """How the customer is asked: by email (and the widget, if the host shows it), or only in the widget."""

    EMAIL = "email"
    WIDGET = "widget"


class InviteEventKind(StrEnum):
    """What an `InviteEvent` records: the status an invite moved to, or another step of its history."""

    SCHEDULED = "scheduled"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
    DEFERRED = "deferred"
    SEND_UNCONFIRMED = "send_unconfirmed"
    RELEASED = "released"
    REOPENED = "reopened"
    REMINDER_SENT = "reminder_sent"
    REMINDER_SKIPPED = "reminder_skipped"
    REMINDER_FAILED = "reminder_failed"
    REMINDER_DEFERRED = "reminder_deferred"
    ANSWERED = "answered"
    ANSWER_CHANGED = "answer_changed"
    IMPORTED = "imported"


class Invite(db.Model):
    __tablename__ = "invites"
    __table_args__ = (
        CheckConstraint(one_of("status", InviteStatus), name="status"),
        CheckConstraint(one_of("delivery", InviteDelivery), name="delivery"),
        Index("ix_invites_due", "status", "due_at"),
        Index("ix_invites_reminder_due", "reminder_due_at"),
        Index("ix_invites_customer", "workspace_id", "customer_email", "created_at"),
        # One agent per id or email (services/invites/agents.py) looks agents up by each of these.
        Index("ix_invites_agent_id", "workspace_id", "agent_id", "id"),
        Index("ix_invites_agent_email", "workspace_id", "agent_email", "id"),
        Index("ix_invites_agent_name", "workspace_id", "agent_name"),
        # The tickets created in a range (drivers): migration 0014.
        Index("ix_invites_workspace_created", "workspace_id", "created_at"),
        # One survey per ticket per solve: a reopen and a new solve make the next number.
        UniqueConstraint("survey_id", "ticket_id", "solve_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    integration_id: Mapped[int | None] = mapped_column(ForeignKey("integrations.id", ondelete="SET NULL"))
    # The survey link's secret: 192 random bits, URL-safe.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=InviteStatus.SCHEDULED)
    reason: Mapped[str | None] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(String(16), default="en")
    delivery: Mapped[str] = mapped_column(String(16), default=InviteDelivery.EMAIL, server_default="email")

    customer_email: Mapped[str | None] = mapped_column(String(320))
    customer_name: Mapped[str | None] = mapped_column(String(200))
    customer_id: Mapped[str | None] = mapped_column(String(200))
    customer_segment: Mapped[str | None] = mapped_column(String(100))

    ticket_id: Mapped[str | None] = mapped_column(String(200))
    # Shown to the customer on the survey page, so they know which conversation is meant.
    ticket_subject: Mapped[str | None] = mapped_column(String(300))
    agent_id: Mapped[str | None] = mapped_column(String(200))
    agent_name: Mapped[str | None] = mapped_column(String(200))
    agent_email: Mapped[str | None] = mapped_column(String(320))
    agent_photo_url: Mapped[str | None] = mapped_column(String(500))
    team: Mapped[str | None] = mapped_column(String(200))
    channel: Mapped[str | None] = mapped_column(String(50))
    priority: Mapped[str | None] = mapped_column(String(50))
    tags: Mapped[list] = mapped_column(JSON, default=list)
    ticket_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    solved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopens: Mapped[int | None] = mapped_column(Integer)
    handle_seconds: Mapped[int | None] = mapped_column(Integer)
    # 1 for the ticket's first solve, 2 after a reopen and a new solve, ...
    solve_number: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set by the worker that claims the send; a second worker finds it taken and sends nothing.
    send_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the first email is sent; cleared by the worker that claims the reminder.
    reminder_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    events: Mapped[list[InviteEvent]] = relationship(
        back_populates="invite", order_by="InviteEvent.id", cascade="all, delete-orphan"
    )


class InviteEvent(db.Model):
    """The status history: what happened to an invite and why, in order."""

    __tablename__ = "invite_events"
    # The retention purge finds old history by date (services/privacy/retention.py).
    __table_args__ = (Index("ix_invite_events_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invite_id: Mapped[int] = mapped_column(ForeignKey("invites.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(Text)

    invite: Mapped[Invite] = relationship(back_populates="events")
