"""People who sign in: their account, their role in each workspace, their signed-in sessions, and
the single-use links emailed to them (password resets, invitations)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, one_of, utcnow


class Role(StrEnum):
    """A person's role in one workspace, most powerful first (docs/architecture.md has the matrix)."""

    OWNER = "owner"  # everything, and who else is owner
    ADMIN = "admin"  # settings, people, keys
    MANAGER = "manager"  # every report and verbatim, follow-ups; optionally only some teams
    ANALYST = "analyst"  # reports and verbatims, no settings
    VIEWER = "viewer"  # aggregates only: no comment text, no respondent identity
    AGENT = "agent"  # only their own ratings and comments


class TokenPurpose(StrEnum):
    RESET = "reset"  # set a new password
    INVITE = "invite"  # join a workspace with a role


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased: one account per address, however it is typed.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    # argon2id (argon2-cffi, RFC 9106 parameters); None until the person sets one.
    password_hash: Mapped[str | None] = mapped_column(String(200))
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A TOTP secret encrypted like the helpdesk credentials (platform/crypto.py); None: no second factor.
    totp_secret: Mapped[str | None] = mapped_column(Text)
    # The time step (30 s) of the last code accepted: a code of that step or an earlier one is
    # refused, so an overheard code cannot be replayed within its window (RFC 6238, 5.2).
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Membership(db.Model):
    """One person's role in one workspace; a person may belong to several."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("user_id", "workspace_id"),
        CheckConstraint(one_of("role", Role), name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    # A manager limited to some teams (empty: every team).
    teams: Mapped[list] = mapped_column(JSON, default=list)
    # An agent's own ratings are those whose agent id or email the helpdesk sent equals this.
    agent_key: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class UserSession(db.Model):
    """A signed-in browser: the cookie holds a random token, only its SHA-256 is stored."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the absolute lifetime's end
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))


class AccountToken(db.Model):
    """A single-use emailed link: a password reset (valid an hour) or an invitation to a workspace."""

    __tablename__ = "account_tokens"
    __table_args__ = (
        CheckConstraint(one_of("purpose", TokenPurpose), name="purpose"),
        Index("ix_account_tokens_email", "email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(16))
    email: Mapped[str] = mapped_column(String(320))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    workspace_id: Mapped[int | None] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    role: Mapped[str | None] = mapped_column(String(16))
    invited_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
