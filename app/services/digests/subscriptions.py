"""Opting in to a workspace's digest (weekly or daily), and out of it with one click."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.errors import APIError
from app.extensions import db
from app.models import Membership, Workspace
from app.models.account import Role
from app.models.digest import DigestFrequency, DigestSubscription
from app.models.types import utcnow
from app.platform.i18n import LANGUAGES

SEND_HOUR = 8  # local time in the workspace's zone


def next_due(frequency: str, zone: str, after: datetime) -> datetime:
    """The next 08:00 in the workspace's zone after `after` (a Monday's, for weekly)."""
    local = after.astimezone(ZoneInfo(zone or "UTC"))
    due = local.replace(hour=SEND_HOUR, minute=0, second=0, microsecond=0)
    if due <= local:
        due += timedelta(days=1)
    if frequency == DigestFrequency.WEEKLY:
        due += timedelta(days=(7 - due.weekday()) % 7)
    return due.astimezone(UTC)


def subscription_of(user_id: int, workspace_id: int) -> DigestSubscription | None:
    return db.session.scalar(
        select(DigestSubscription).where(
            DigestSubscription.user_id == user_id, DigestSubscription.workspace_id == workspace_id
        )
    )


def subscribe(membership: Membership, frequency: str | None, locale: str = "en") -> DigestSubscription | None:
    """Opt in (or change frequency or language); None for `frequency` opts out."""
    if Role(membership.role) == Role.AGENT:
        # An agent reads only their own ratings; a digest is the workspace's.
        raise APIError(403, "forbidden", "Digests summarise the whole workspace; an agent's role does not allow it.")
    subscription = subscription_of(membership.user_id, membership.workspace_id)
    if frequency is None:
        if subscription is not None:
            db.session.delete(subscription)
            db.session.commit()
        return None
    frequency = DigestFrequency(frequency)
    workspace = db.session.get(Workspace, membership.workspace_id)
    if subscription is None:
        subscription = DigestSubscription(
            user_id=membership.user_id, workspace_id=membership.workspace_id, token=secrets.token_urlsafe(24)
        )
        db.session.add(subscription)
    if subscription.frequency != frequency:
        subscription.frequency = frequency
        subscription.next_due_at = next_due(frequency, workspace.timezone, utcnow())
    subscription.locale = locale if locale in LANGUAGES else "en"
    db.session.commit()
    return subscription


def by_token(token: str) -> DigestSubscription | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(DigestSubscription).where(DigestSubscription.token == token))


def opt_out(token: str) -> bool:
    """One click from the email: no more digests of that workspace. True if there was one."""
    subscription = by_token(token)
    if subscription is None:
        return False
    db.session.delete(subscription)
    db.session.commit()
    return True
