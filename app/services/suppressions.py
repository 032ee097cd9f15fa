"""The suppression list: addresses a workspace never emails again."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from app.errors import APIError
from app.extensions import db
from app.models import Invite, InviteEvent, Suppression
from app.models.audit import AuditAction
from app.models.invite import InviteEventKind, InviteReason, InviteStatus
from app.models.suppression import SuppressionReason, address_hash
from app.models.types import utcnow
from app.services import audit
from app.services.pagination import Page, fetch_page


def suppress(workspace_id: int, email: str, reason: SuppressionReason) -> Suppression:
    """Add an address (idempotent) and stop its unsent invites and pending reminders, in one transaction."""
    email = email.strip().lower()
    existing = _find(workspace_id, email)
    if existing is not None:
        return existing
    now = utcnow()
    row = Suppression(workspace_id=workspace_id, email=email, reason=reason, created_at=now)
    db.session.add(row)
    if reason == SuppressionReason.MANUAL:  # an admin's change (an unsubscribe is the customer's own)
        # By the address's hash: the trail is never erased, so it must never hold a customer's address.
        detail = {"added": reason}
        audit.record(AuditAction.SUPPRESSION_CHANGED, workspace_id, address_hash(workspace_id, email), detail)
    waiting = db.session.scalars(
        select(Invite).where(
            Invite.workspace_id == workspace_id,
            Invite.customer_email == email,
            (Invite.status == InviteStatus.SCHEDULED) | Invite.reminder_due_at.is_not(None),
        )
    )
    for invite in waiting:
        invite.reminder_due_at = None
        if invite.status == InviteStatus.SCHEDULED:
            invite.status, invite.reason = InviteStatus.SKIPPED, InviteReason.SUPPRESSED
            invite.events.append(InviteEvent(at=now, status=InviteEventKind.SKIPPED, detail=f"suppressed: {reason}"))
    try:
        db.session.commit()
    except IntegrityError:  # a concurrent unsubscribe got there first
        db.session.rollback()
        return _find(workspace_id, email)
    return row


def unsubscribe(token: str) -> Invite | None:
    """One-click unsubscribe from an email's link: suppress the invite's address."""
    invite = db.session.scalar(select(Invite).where(Invite.token == token)) if len(token) <= 64 else None
    if invite is None or not invite.customer_email:
        return None
    suppress(invite.workspace_id, invite.customer_email, SuppressionReason.UNSUBSCRIBED)
    return invite


def resubscribe(token: str) -> bool:
    """Undo the customer's own unsubscribe from this email's link (True if undone).

    Only a suppression the customer made themselves is lifted: a bounce, a complaint or one the
    team added stays. Invites skipped meanwhile stay skipped; the next ones are sent as usual.
    """
    invite = db.session.scalar(select(Invite).where(Invite.token == token)) if len(token) <= 64 else None
    if invite is None or not invite.customer_email:
        return False
    result = db.session.execute(
        delete(Suppression).where(
            Suppression.workspace_id == invite.workspace_id,
            Suppression.email == invite.customer_email,
            Suppression.reason == SuppressionReason.UNSUBSCRIBED,
        )
    )
    db.session.commit()
    return result.rowcount > 0


def is_unsubscribed(invite: Invite) -> bool:
    email = invite.customer_email or ""
    return (
        _find(invite.workspace_id, email) is not None
        or _find(invite.workspace_id, address_hash(invite.workspace_id, email)) is not None
    )


def list_suppressions(workspace_id: int, limit: int, before_id: int | None) -> Page[Suppression]:
    """The suppression list newest first, `limit` at a time before the row id `before_id`."""
    query = select(Suppression).where(Suppression.workspace_id == workspace_id)
    if before_id is not None:
        query = query.where(Suppression.id < before_id)
    return fetch_page(query.order_by(Suppression.id.desc()), limit)


def remove_suppression(workspace_id: int, email: str) -> None:
    result = db.session.execute(
        delete(Suppression).where(Suppression.workspace_id == workspace_id, Suppression.email == email.strip().lower())
    )
    if result.rowcount:
        target = address_hash(workspace_id, email)
        audit.record(AuditAction.SUPPRESSION_CHANGED, workspace_id, target, {"removed": True})
    db.session.commit()
    if result.rowcount == 0:
        raise APIError(404, "not_found", "That address is not on the suppression list.")


def _find(workspace_id: int, email: str) -> Suppression | None:
    return db.session.scalar(
        select(Suppression).where(Suppression.workspace_id == workspace_id, Suppression.email == email)
    )
