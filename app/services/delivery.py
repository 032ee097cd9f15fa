"""Sending an invite exactly once: claim it in the database, send, record the outcome."""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select, update

from app.extensions import db
from app.models import Invite, InviteEvent, Survey, Workspace
from app.models.types import utcnow
from app.services.emails import build_invite_email
from app.services.mailer import PermanentFailure, TemporaryFailure, send_message

log = logging.getLogger(__name__)

# Temporary failures are retried after these waits; after the last one the invite fails.
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))


def claim_send(invite_id: int) -> bool:
    """Atomically move a due invite from scheduled to sending; False if another worker has it."""
    now = utcnow()
    result = db.session.execute(
        update(Invite)
        .where(Invite.id == invite_id, Invite.status == "scheduled", Invite.due_at <= now)
        .values(status="sending", send_claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def send_invite(invite_id: int) -> str:
    """Send one invite's email if it is due and unclaimed; returns what happened."""
    if not claim_send(invite_id):
        return "not_claimed"
    invite = db.session.get(Invite, invite_id)
    survey = db.session.get(Survey, invite.survey_id)
    workspace = db.session.get(Workspace, invite.workspace_id)
    now = utcnow()
    if invite.expires_at and invite.expires_at <= now:
        return _finish(invite, "cancelled", "expired before it could be sent")
    try:
        send_message(build_invite_email(invite, survey, workspace))
    except PermanentFailure as exc:
        return _finish(invite, "failed", str(exc))
    except TemporaryFailure as exc:
        return _defer(invite, str(exc))
    invite.sent_at = utcnow()
    return _finish(invite, "sent", None)


def _finish(invite: Invite, status: str, reason: str | None) -> str:
    invite.status = status
    invite.reason = reason
    invite.events.append(InviteEvent(at=utcnow(), status=status, detail=reason))
    db.session.commit()
    return status


def _defer(invite: Invite, reason: str) -> str:
    attempts = sum(1 for e in invite.events if e.status == "deferred")
    if attempts >= len(RETRY_DELAYS):
        return _finish(invite, "failed", f"gave up after {attempts + 1} attempts: {reason}")
    invite.status = "scheduled"
    invite.send_claimed_at = None
    invite.due_at = utcnow() + RETRY_DELAYS[attempts]
    invite.events.append(InviteEvent(at=utcnow(), status="deferred", detail=reason))
    db.session.commit()
    return "deferred"


def due_invite_ids(limit: int = 500) -> list[int]:
    """Scheduled invites whose time has come: the sweep's work list."""
    query = (
        select(Invite.id)
        .where(Invite.status == "scheduled", Invite.due_at <= utcnow())
        .order_by(Invite.due_at)
        .limit(limit)
    )
    return list(db.session.scalars(query))
