"""Alert rules: which answers someone should hear about at once, who hears, and how often; one
row per answer a rule is weighing (debounced), and one per message sent to a destination."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, one_of, utcnow


class MatchStatus(StrEnum):
    PENDING = "pending"  # waiting for the debounce (and the analysis) before it is weighed
    MATCHED = "matched"  # the final value matches: waiting to be sent (quiet hours, batching)
    NOT_MATCHING = "not_matching"  # the final value does not match (an edit may make it pending again)
    ALERTED = "alerted"  # included in a sent alert: never alerted twice
    SUPPRESSED = "suppressed"  # matched during the rule's cooldown: no alert


class NotificationStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class Channel(StrEnum):
    EMAIL = "email"
    SLACK = "slack"
    TEAMS = "teams"


class AlertRule(db.Model):
    __tablename__ = "alert_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Every condition given must hold (services/alerts/matching.py): survey_ids, score_at_most,
    # score_at_least, groups, sentiments, themes, mismatch, agents, teams, channels, segments.
    conditions: Mapped[dict] = mapped_column(JSON, default=dict)
    # Destinations: people (user ids) and roles by email; Slack and Teams incoming-webhook URLs,
    # encrypted (such a URL is itself the credential that lets anyone post to the channel).
    email_user_ids: Mapped[list] = mapped_column(JSON, default=list)
    email_roles: Mapped[list] = mapped_column(JSON, default=list)
    slack_url: Mapped[str | None] = mapped_column(Text)
    teams_url: Mapped[str | None] = mapped_column(Text)
    # An answer is weighed this long after its last change, so an edit within it alerts once.
    debounce_minutes: Mapped[int] = mapped_column(Integer, default=10, server_default="10")
    # After an alert, matches within this long are suppressed (0: none).
    cooldown_minutes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # "HH:MM" in the workspace's time zone; matches meanwhile are sent together when they end.
    quiet_start: Mapped[str | None] = mapped_column(String(5))
    quiet_end: Mapped[str | None] = mapped_column(String(5))
    # When set, matches are gathered for this long from the first and sent as one message.
    batch_minutes: Mapped[int | None] = mapped_column(Integer)
    # Follow-up cases (services/cases): opened for each matching answer when set.
    open_case: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # person (case_user_id), team_manager (the ticket's team's manager), round_robin (case_user_ids)
    case_assign: Mapped[str | None] = mapped_column(String(16))
    case_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    case_user_ids: Mapped[list] = mapped_column(JSON, default=list)
    case_due_hours: Mapped[int] = mapped_column(Integer, default=24, server_default="24")
    # Round robin: how many cases the rule has handed out, so the next goes to the next person.
    case_turn: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # "Did we put it right?": a survey offered (under the usual fatigue rules) when a case is
    # resolved or won back; a survey of its own, as a ticket has one invite per survey and solve.
    case_resurvey_survey_id: Mapped[int | None] = mapped_column(ForeignKey("surveys.id", ondelete="SET NULL"))
    last_alert_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AlertMatch(db.Model):
    """One answer weighed by one rule: at most one alert per rule and answer, ever."""

    __tablename__ = "alert_matches"
    __table_args__ = (
        UniqueConstraint("rule_id", "response_id"),
        CheckConstraint(one_of("status", MatchStatus), name="status"),
        Index("ix_alert_matches_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("alert_rules.id", ondelete="CASCADE"))
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), index=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=MatchStatus.PENDING)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AlertNotification(db.Model):
    """One alert message to one destination, retried a few times if it could not be delivered."""

    __tablename__ = "alert_notifications"
    __table_args__ = (
        CheckConstraint(one_of("status", NotificationStatus), name="status"),
        CheckConstraint(one_of("channel", Channel), name="channel"),
        Index("ix_alert_notifications_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("alert_rules.id", ondelete="CASCADE"), index=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(8))
    recipient: Mapped[str | None] = mapped_column(String(320))  # the email address; None for chat
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)  # the text as sent (email body; chat JSON)
    answers: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(8), default=NotificationStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
