"""Sending invites and reminders exactly once: claim in the database, send, record the outcome.

The claim is the guarantee. A worker moves an invite from `scheduled` to `sending` in one
committed UPDATE before it talks to the mail server; nobody else can claim it after that. If the
worker dies between the claim and recording the outcome, the invite stays `sending`: we cannot
know whether the server took the message, so it is never sent again automatically. After
STALE_CLAIM_MINUTES the sweep marks such invites with reason `send_unconfirmed` (visible in the
API); an operator who has checked the mail server's log can release one with
`flask --app app invites release ID`. Reminders use the same rule: the claim clears
`reminder_due_at`, so a lost reminder is lost, never doubled.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, func, select, update

from app.extensions import db
from app.models import Invite, InviteEvent, Survey, Workspace
from app.models.types import utcnow
from app.services.emails import build_invite_email
from app.services.fatigue import is_suppressed
from app.services.mailer import PermanentFailure, TemporaryFailure, send_message

log = logging.getLogger(__name__)

# Temporary failures are retried after these waits; after the last one the invite fails.
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
STALE_CLAIM_MINUTES = 15


def retry_delays() -> tuple[timedelta, ...]:
    seconds = current_app.config.get("SEND_RETRY_DELAYS_SECONDS")
    return tuple(timedelta(seconds=s) for s in seconds) if seconds else RETRY_DELAYS


def claim_send(invite_id: int) -> bool:
    """Atomically move a due invite from scheduled to sending; False if another worker has it."""
    return invite_id in claim_sends([invite_id])


def claim_sends(invite_ids: list[int]) -> list[int]:
    """Claim every due, unclaimed invite among `invite_ids` in one committed UPDATE."""
    if not invite_ids:
        return []
    now = utcnow()
    rows = db.session.execute(
        update(Invite)
        .where(Invite.id.in_(invite_ids), Invite.status == "scheduled", Invite.due_at <= now)
        .values(status="sending", send_claimed_at=now)
        .returning(Invite.id)
        .execution_options(synchronize_session=False)
    ).scalars().all()
    db.session.commit()
    return sorted(rows)


def send_invite(invite_id: int) -> str:
    """Send one invite's email if it is due and unclaimed; returns what happened."""
    return send_invites([invite_id]).get(invite_id, "not_claimed")


def send_invites(invite_ids: list[int]) -> dict[int, str]:
    """Send a batch over the worker's one SMTP connection; each outcome is committed on its own."""
    outcomes: dict[int, str] = {}
    cache: dict[tuple, object] = {}
    claimed = claim_sends(invite_ids)
    # One read for the batch. The per-email commits must not expire and reload it, so expiry on
    # commit is off meanwhile (outcomes are written by UPDATE, never through these objects).
    invites = list(db.session.scalars(select(Invite).where(Invite.id.in_(claimed)).order_by(Invite.id))) if claimed else []
    session = db.session()
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    try:
        for invite in invites:
            survey = _cached(cache, Survey, invite.survey_id)
            workspace = _cached(cache, Workspace, invite.workspace_id)
            outcomes[invite.id] = _send_claimed(invite, survey, workspace)
    finally:
        session.expire_on_commit = expire_on_commit
        for invite in invites:
            session.expire(invite)  # their rows changed by UPDATE: the next read must reload them
    return outcomes


def _send_claimed(invite: Invite, survey: Survey, workspace: Workspace) -> str:
    now = utcnow()
    if invite.expires_at and invite.expires_at <= now:
        return _finish(invite, "cancelled", "expired", "expired before it could be sent")
    if is_suppressed(invite.workspace_id, invite.customer_email):
        return _finish(invite, "skipped", "suppressed", f"{invite.customer_email} unsubscribed before the send")
    try:
        send_message(build_invite_email(invite, survey, workspace))
    except PermanentFailure as exc:
        return _finish(invite, "failed", str(exc), str(exc))
    except TemporaryFailure as exc:
        return _defer(invite, str(exc))
    sent_at = utcnow()
    reminder_due = None
    if survey.reminder_after_hours:
        reminder_due = sent_at + timedelta(hours=survey.reminder_after_hours)
        if invite.expires_at is not None and reminder_due >= invite.expires_at:
            reminder_due = None
    return _finish(invite, "sent", None, None, sent_at=sent_at, reminder_due_at=reminder_due)


def _finish(invite: Invite, status: str, reason: str | None, detail: str | None, event: str | None = None,
            **values) -> str:
    """Record a claimed send's outcome: one UPDATE and one history row, committed together."""
    now = utcnow()
    db.session.execute(
        update(Invite).where(Invite.id == invite.id, Invite.status == "sending")
        .values(status=status, reason=reason, **values).execution_options(synchronize_session=False)
    )
    db.session.add(InviteEvent(invite_id=invite.id, at=now, status=event or status, detail=detail))
    db.session.commit()
    return event or status


def _defer(invite: Invite, reason: str) -> str:
    delays = retry_delays()
    attempts = db.session.scalar(
        select(func.count()).select_from(InviteEvent).where(InviteEvent.invite_id == invite.id, InviteEvent.status == "deferred")
    )
    if attempts >= len(delays):
        return _finish(invite, "failed", f"gave up after {attempts + 1} attempts: {reason}", reason)
    due = utcnow() + delays[attempts]
    return _finish(invite, "scheduled", None, f"{reason}; retry at {due.isoformat()}", event="deferred",
                   send_claimed_at=None, due_at=due)


def send_reminder(invite_id: int) -> str:
    """Send the one reminder of a sent, unanswered, unexpired invite whose reminder is due."""
    now = utcnow()
    claimed = db.session.execute(
        update(Invite)
        .where(Invite.id == invite_id, Invite.status == "sent", Invite.answered_at.is_(None),
               Invite.reminder_sent_at.is_(None), Invite.reminder_due_at <= now,
               (Invite.expires_at.is_(None)) | (Invite.expires_at > now))
        .values(reminder_due_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if claimed != 1:
        return "not_claimed"
    invite = db.session.get(Invite, invite_id)
    if is_suppressed(invite.workspace_id, invite.customer_email):
        return _note(invite, "reminder_skipped", "suppressed")
    survey, workspace = db.session.get(Survey, invite.survey_id), db.session.get(Workspace, invite.workspace_id)
    try:
        send_message(build_invite_email(invite, survey, workspace, reminder=True))
    except PermanentFailure as exc:
        return _note(invite, "reminder_failed", str(exc))
    except TemporaryFailure as exc:
        delays = retry_delays()
        attempts = sum(1 for e in invite.events if e.status == "reminder_deferred")
        if attempts >= len(delays):
            return _note(invite, "reminder_failed", f"gave up: {exc}")
        invite.reminder_due_at = utcnow() + delays[attempts]
        return _note(invite, "reminder_deferred", str(exc))
    invite.reminder_sent_at = utcnow()
    return _note(invite, "reminder_sent", None)


def _note(invite: Invite, status: str, detail: str | None) -> str:
    invite.events.append(InviteEvent(at=utcnow(), status=status, detail=detail))
    db.session.commit()
    return status


def due_invite_ids(limit: int = 500) -> list[int]:
    """Scheduled invites whose time has come: the sweep's work list."""
    query = (
        select(Invite.id)
        .where(Invite.status == "scheduled", Invite.due_at <= utcnow())
        .order_by(Invite.due_at)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def due_reminder_ids(limit: int = 500) -> list[int]:
    now = utcnow()
    query = (
        select(Invite.id)
        .where(Invite.reminder_due_at <= now, Invite.status == "sent", Invite.answered_at.is_(None),
               Invite.reminder_sent_at.is_(None))
        .order_by(Invite.reminder_due_at)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def mark_stale_claims() -> int:
    """Flag sends claimed long ago with no outcome; never resend them (see the module docstring)."""
    cutoff = utcnow() - timedelta(minutes=STALE_CLAIM_MINUTES)
    stale = list(db.session.scalars(
        select(Invite).where(and_(Invite.status == "sending", Invite.send_claimed_at < cutoff, Invite.reason.is_(None)))
        .limit(500)
    ))
    for invite in stale:
        invite.reason = "send_unconfirmed"
        invite.events.append(InviteEvent(
            at=utcnow(), status="send_unconfirmed",
            detail="the worker stopped mid-send; not resent automatically, as the email may have gone out",
        ))
    db.session.commit()
    return len(stale)


def release_claim(invite_id: int) -> bool:
    """Operator action: put a stale `sending` invite back in the queue (after checking the mail log)."""
    invite = db.session.get(Invite, invite_id)
    if invite is None or invite.status != "sending":
        return False
    invite.status, invite.reason, invite.send_claimed_at, invite.due_at = "scheduled", None, None, utcnow()
    invite.events.append(InviteEvent(at=utcnow(), status="released", detail="released by an operator for another send"))
    db.session.commit()
    return True


def expire_unsent(limit: int = 500) -> int:
    """Scheduled invites past their expiry (e.g. after long retries) are cancelled, not sent late."""
    now = utcnow()
    expired = list(db.session.scalars(
        select(Invite).where(Invite.status == "scheduled", Invite.expires_at <= now).limit(limit)
    ))
    for invite in expired:
        invite.status, invite.reason = "cancelled", "expired"
        invite.events.append(InviteEvent(at=now, status="cancelled", detail="expired before it could be sent"))
    db.session.commit()
    return len(expired)


def _cached(cache: dict, model, key: int):
    """Surveys and workspaces read once per batch."""
    if (model, key) not in cache:
        cache[(model, key)] = db.session.get(model, key)
    return cache[(model, key)]
