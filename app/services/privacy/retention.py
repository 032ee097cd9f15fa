"""Retention: each workspace's data older than its window is removed, in batches, by a periodic task.

Each kind of data (models/privacy.py `DataKind`) has its own window per workspace. Removal follows
the erasure's rules (services/privacy/erasure.py), so the figures never move: a comment becomes a
placeholder with its analysis kept, an invite loses the customer's identity but keeps its ticket
facts, and nothing a rollup trigger reads is changed. Logs (invite events, webhook deliveries, and
what was sent out about answers: events to the workspace's webhook endpoints with their attempts,
alert notifications) are deleted: no figure is computed from them.

Each batch is one short transaction (`BATCH` rows), so a first purge of years of data never holds
locks for long; a run stops after `MAX_BATCHES` per workspace and kind and the next run goes on.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Text, cast, delete, null, select, update

from app.extensions import db
from app.models import Integration, Invite, InviteEvent, PrivacyPolicy, Response, WebhookDelivery, Workspace
from app.models.alert import AlertNotification, NotificationStatus
from app.models.audit import AuditAction
from app.models.integration import DeliveryStatus
from app.models.invite import InviteStatus
from app.models.outbound_webhook import MessageStatus, WebhookAttempt, WebhookEvent, WebhookMessage
from app.models.privacy import DEFAULT_RETENTION, DataKind
from app.models.types import utcnow
from app.services import audit
from app.services.privacy.erasure import forget_identities, remove_comments

BATCH = 500
MAX_BATCHES = 20
REMOVED = "[removed]"  # what stands where a comment past its window was


def _old_comments(workspace_id: int, cutoff: datetime) -> int:
    ids = list(
        db.session.scalars(
            select(Response.id)
            .where(
                Response.workspace_id == workspace_id,
                Response.answered_at < cutoff,
                Response.comment.is_not(None),
                Response.comment_removed_at.is_(None),
            )
            .limit(BATCH)
        )
    )
    return remove_comments(ids, REMOVED) if ids else 0


def _old_identities(workspace_id: int, cutoff: datetime) -> int:
    # Invites still waiting to be sent or answered keep the address they are sent to.
    ids = list(
        db.session.scalars(
            select(Invite.id)
            .where(
                Invite.workspace_id == workspace_id,
                Invite.created_at < cutoff,
                Invite.customer_email.is_not(None),
                Invite.status.not_in((InviteStatus.SCHEDULED, InviteStatus.SENDING)),
            )
            .limit(BATCH)
        )
    )
    return forget_identities(ids) if ids else 0


def _integrations(workspace_id: int):
    return select(Integration.id).where(Integration.workspace_id == workspace_id)


def _old_webhook_bodies(workspace_id: int, cutoff: datetime) -> int:
    # A pending delivery still needs its body to make its invite; every other one is finished.
    ids = list(
        db.session.scalars(
            select(WebhookDelivery.id)
            .where(
                WebhookDelivery.integration_id.in_(_integrations(workspace_id)),
                WebhookDelivery.received_at < cutoff,
                WebhookDelivery.payload.is_not(None),
                # A JSON column stores Python's None as JSON null unless told otherwise (enrichment
                # does so when a delivery completes): that is no body either.
                cast(WebhookDelivery.payload, Text) != "null",
                WebhookDelivery.status != DeliveryStatus.PENDING,
            )
            .limit(BATCH)
        )
    )
    if not ids:
        return 0
    db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id.in_(ids))
        .values(payload=null())  # SQL NULL, not JSON null
        .execution_options(synchronize_session=False)
    )
    return len(ids)


def _old_delivery_logs(workspace_id: int, cutoff: datetime) -> int:
    # Each part removes at most a batch, so a round that removed a whole batch of any is run again.
    return sum(part(workspace_id, cutoff) for part in (_old_invite_events, _old_outbound_events, _old_notifications))


def _old_invite_events(workspace_id: int, cutoff: datetime) -> int:
    invites = select(Invite.id).where(Invite.workspace_id == workspace_id)
    ids = list(
        db.session.scalars(
            select(InviteEvent.id).where(InviteEvent.invite_id.in_(invites), InviteEvent.at < cutoff).limit(BATCH)
        )
    )
    if ids:
        db.session.execute(
            delete(InviteEvent).where(InviteEvent.id.in_(ids)).execution_options(synchronize_session=False)
        )
    return len(ids)


def _old_outbound_events(workspace_id: int, cutoff: datetime) -> int:
    # An event's body carries the answer (comment, customer); one still being retried is kept.
    pending = select(WebhookMessage.id).where(
        WebhookMessage.event_id == WebhookEvent.id, WebhookMessage.status == MessageStatus.PENDING
    )
    ids = list(
        db.session.scalars(
            select(WebhookEvent.id)
            .where(WebhookEvent.workspace_id == workspace_id, WebhookEvent.created_at < cutoff, ~pending.exists())
            .limit(BATCH)
        )
    )
    if ids:
        # Spelled out rather than left to ON DELETE CASCADE, which SQLite applies only when asked.
        messages = select(WebhookMessage.id).where(WebhookMessage.event_id.in_(ids))
        db.session.execute(delete(WebhookAttempt).where(WebhookAttempt.message_id.in_(messages)))
        db.session.execute(delete(WebhookMessage).where(WebhookMessage.event_id.in_(ids)))
        db.session.execute(delete(WebhookEvent).where(WebhookEvent.id.in_(ids)))
    return len(ids)


def _old_notifications(workspace_id: int, cutoff: datetime) -> int:
    # A notification's body quotes the answers it alerted about; one still being retried is kept.
    ids = list(
        db.session.scalars(
            select(AlertNotification.id)
            .where(
                AlertNotification.workspace_id == workspace_id,
                AlertNotification.created_at < cutoff,
                AlertNotification.status != NotificationStatus.PENDING,
            )
            .limit(BATCH)
        )
    )
    if ids:
        db.session.execute(delete(AlertNotification).where(AlertNotification.id.in_(ids)))
    return len(ids)


def _old_webhook_logs(workspace_id: int, cutoff: datetime) -> int:
    # Their unique key is what turns a helpdesk's retry into a duplicate; past the window, no
    # helpdesk retries any more.
    ids = list(
        db.session.scalars(
            select(WebhookDelivery.id)
            .where(
                WebhookDelivery.integration_id.in_(_integrations(workspace_id)),
                WebhookDelivery.received_at < cutoff,
                WebhookDelivery.status != DeliveryStatus.PENDING,
            )
            .limit(BATCH)
        )
    )
    if ids:
        db.session.execute(
            delete(WebhookDelivery).where(WebhookDelivery.id.in_(ids)).execution_options(synchronize_session=False)
        )
    return len(ids)


PURGES = {
    DataKind.COMMENT_TEXT: _old_comments,
    DataKind.RESPONDENT_IDENTITY: _old_identities,
    DataKind.WEBHOOK_BODIES: _old_webhook_bodies,
    DataKind.DELIVERY_LOGS: _old_delivery_logs,
    DataKind.WEBHOOK_LOGS: _old_webhook_logs,
}


def windows(workspace_id: int) -> dict[DataKind, int | None]:
    row = db.session.get(PrivacyPolicy, workspace_id)
    return {kind: (row.days(kind) if row is not None else DEFAULT_RETENTION[kind]) for kind in DataKind}


def purge_workspace(workspace_id: int, now: datetime | None = None) -> dict[str, int]:
    """Remove the workspace's data past each window; rows removed per kind (recorded if any)."""
    now = now or utcnow()
    removed: dict[str, int] = {}
    for kind, days in windows(workspace_id).items():
        if days is None:
            continue
        cutoff = now - timedelta(days=days)
        total = 0
        for _ in range(MAX_BATCHES):
            count = PURGES[kind](workspace_id, cutoff)
            db.session.commit()
            total += count
            if count < BATCH:
                break
        if total:
            removed[kind.value] = total
    if removed:
        audit.record_now(
            AuditAction.RETENTION_PURGED, workspace_id, target="retention", detail={"rows": removed}, actor=audit.SYSTEM
        )
    return removed


def purge_all(now: datetime | None = None) -> dict[int, dict[str, int]]:
    """Every workspace's purge, one after another; what each removed."""
    results = {}
    for workspace_id in list(db.session.scalars(select(Workspace.id).order_by(Workspace.id))):
        removed = purge_workspace(workspace_id, now)
        if removed:
            results[workspace_id] = removed
    return results
