"""Signed-in sessions kept server-side: the browser holds a random token, the table its hash.

A session ends when idle for SESSION_IDLE_MINUTES, at SESSION_LIFETIME_HOURS whatever happens,
when its person signs out, signs out everywhere, or changes their password. Keeping them in a
table (not in a signed cookie) is what makes "sign out everywhere" and revocation real.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from app.extensions import db
from app.models import User, UserSession
from app.models.types import utcnow

# last_seen_at is written at most this often: a page view should not always cost a write.
TOUCH_EVERY = timedelta(minutes=1)


def _hash(token: str) -> str:
    # 256 random bits: a fast hash is enough, there is nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User, ip: str | None, user_agent: str | None) -> str:
    """A new session for `user`; returns the token for the cookie (never stored in clear)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    lifetime = timedelta(hours=current_app.config["SESSION_LIFETIME_HOURS"])
    db.session.add(
        UserSession(
            token_hash=_hash(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetime,
            ip=(ip or "")[:64] or None,
            user_agent=(user_agent or "")[:300] or None,
        )
    )
    db.session.commit()
    return token


def session_for(token: str | None) -> UserSession | None:
    """The live session a cookie's token names, touched; None if unknown, ended or expired."""
    if not token or len(token) > 100:
        return None
    found = db.session.scalar(select(UserSession).where(UserSession.token_hash == _hash(token)))
    now = utcnow()
    idle = timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])
    if found is None or found.revoked_at is not None or found.expires_at <= now or found.last_seen_at + idle <= now:
        return None
    if now - found.last_seen_at >= TOUCH_EVERY:
        found.last_seen_at = now
        db.session.commit()
    return found


def end_session(session: UserSession) -> None:
    session.revoked_at = utcnow()
    db.session.commit()


def end_every_session(user_id: int, commit: bool = True) -> int:
    """Sign a person out everywhere (every browser); returns how many sessions ended."""
    ended = db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    ).rowcount
    if commit:
        db.session.commit()
    return ended
