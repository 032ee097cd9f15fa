"""Fatigue rules: whether a new invite should be skipped, and why.

The survey's rules and the workspace's rules both apply (the stricter wins). Each skip keeps a
stable `reason` code on the invite and a human explanation in its history.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select

from app.extensions import db
from app.models import Invite, Suppression, Survey, Workspace
from app.models.invite import InviteReason, InviteStatus
from app.models.suppression import address_hash

# Invites that count towards caps and cooldowns: offered, not skipped or cancelled.
LIVE = (InviteStatus.SCHEDULED, InviteStatus.SENDING, InviteStatus.SENT)


@dataclass(frozen=True)
class Skip:
    reason: InviteReason
    detail: str


def send_delay(survey: Survey, workspace: Workspace) -> timedelta:
    return timedelta(minutes=max(survey.send_delay_minutes or 0, workspace.send_delay_minutes or 0))


def counts_offers(survey: Survey, workspace: Workspace) -> bool:
    """Whether a rule here depends on how many invites were already offered (caps, cooldown)."""
    return (
        survey.daily_cap is not None
        or workspace.daily_cap is not None
        or bool(survey.cooldown_days)
        or bool(workspace.cooldown_days)
    )


def is_suppressed(workspace_id: int, email: str) -> bool:
    """On the list by its address, or by its hash (an erased person's)."""
    email = email.lower()
    query = select(Suppression.id).where(
        Suppression.workspace_id == workspace_id,
        Suppression.email.in_((email, address_hash(workspace_id, email))),
    )
    return db.session.scalar(query) is not None


def is_erased(workspace_id: int, email: str) -> bool:
    """The person asked to be erased: their address is on the list by its hash only."""
    query = select(Suppression.id).where(
        Suppression.workspace_id == workspace_id, Suppression.email == address_hash(workspace_id, email)
    )
    return db.session.scalar(query) is not None


def skip_reason(
    survey: Survey, workspace: Workspace, email: str, tags: list[str], sample_key: str, now: datetime
) -> Skip | None:
    """The first fatigue rule that stops this invite, or None to send it. Reads only; no writes."""
    email = email.lower()
    if is_suppressed(workspace.id, email):
        # The address stays out of the text: the invite's history must not repeat who it was.
        return Skip(InviteReason.SUPPRESSED, "the address is on the workspace's suppression list")
    excluded = {t.lower() for t in (survey.exclude_tags or []) + (workspace.exclude_tags or [])}
    hit = sorted(excluded & {t.lower() for t in tags or []})
    if hit:
        return Skip(InviteReason.EXCLUDED_TAG, f"ticket tagged {', '.join(hit)}")
    percent = min(
        survey.sample_percent if survey.sample_percent is not None else 100,
        workspace.sample_percent if workspace.sample_percent is not None else 100,
    )
    if percent < 100 and _bucket(sample_key) >= percent:
        return Skip(InviteReason.SAMPLED_OUT, f"not in the {percent} % sample")
    cooldown = max(survey.cooldown_days or 0, workspace.cooldown_days or 0)
    if cooldown:
        last = db.session.scalar(
            select(func.max(Invite.created_at)).where(
                Invite.workspace_id == workspace.id,
                Invite.customer_email == email,
                Invite.status.in_(LIVE),
                Invite.created_at > now - timedelta(days=cooldown),
            )
        )
        if last is not None:
            return Skip(
                InviteReason.COOLDOWN,
                f"surveyed {last.date().isoformat()}; cooldown is {cooldown} days across all surveys",
            )
    day_start = _day_start(workspace, now)
    if survey.daily_cap is not None and _offered_since(day_start, survey_id=survey.id) >= survey.daily_cap:
        return Skip(InviteReason.DAILY_CAP, f"the survey's daily cap of {survey.daily_cap} is reached")
    if workspace.daily_cap is not None and _offered_since(day_start, workspace_id=workspace.id) >= workspace.daily_cap:
        return Skip(InviteReason.DAILY_CAP, f"the workspace's daily cap of {workspace.daily_cap} is reached")
    return None


def _bucket(key: str) -> int:
    """0..99, stable for a key: a replay or a retry lands in the same sample bucket."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") % 100


def _day_start(workspace: Workspace, now: datetime) -> datetime:
    try:
        zone = ZoneInfo(workspace.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = now.astimezone(zone)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _offered_since(start: datetime, survey_id: int | None = None, workspace_id: int | None = None) -> int:
    query = select(func.count()).select_from(Invite).where(Invite.status.in_(LIVE), Invite.created_at >= start)
    if survey_id is not None:
        query = query.where(Invite.survey_id == survey_id)
    if workspace_id is not None:
        query = query.where(Invite.workspace_id == workspace_id)
    return db.session.scalar(query) or 0
