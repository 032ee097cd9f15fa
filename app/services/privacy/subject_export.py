"""A data-subject access request: everything the workspace holds about one email address."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select

from app.errors import APIError
from app.extensions import db
from app.models import Integration, Invite, Response, Suppression, WebhookDelivery
from app.models.audit import AuditAction
from app.models.suppression import address_hash
from app.services import audit
from app.services.accounts.permissions import Action, require
from app.services.privacy.erasure import find_subject

_INVITE_FIELDS = (
    "id",
    "survey_id",
    "status",
    "reason",
    "locale",
    "customer_email",
    "customer_name",
    "customer_id",
    "customer_segment",
    "ticket_id",
    "ticket_subject",
    "agent_name",
    "team",
    "channel",
    "priority",
    "tags",
    "ticket_created_at",
    "solved_at",
    "created_at",
    "sent_at",
    "answered_at",
    "reminder_sent_at",
)
_RESPONSE_FIELDS = ("id", "score", "comment", "answered_at", "updated_at", "sentiment_label", "language", "themes")


def export_person(workspace_id: int, email: str, membership=None) -> dict:
    """Every invite (with its history and answer), suppression and stored webhook body for `email`.

    The request is recorded in the audit trail by the address's hash, never the address."""
    if membership is not None:
        require(membership, Action.MANAGE_PRIVACY)
    email = (email or "").strip().lower()
    if "@" not in email or len(email) > 320:
        raise APIError(422, "validation_error", "Give the person's email address.", {"email": ["Not an address."]})
    subject = find_subject(workspace_id, email)
    invites = db.session.scalars(select(Invite).where(Invite.id.in_(subject.invite_ids)).order_by(Invite.id)).all()
    responses = {
        r.invite_id: r for r in db.session.scalars(select(Response).where(Response.invite_id.in_(subject.invite_ids)))
    }
    integrations = select(Integration.id).where(Integration.workspace_id == workspace_id)
    deliveries = db.session.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.integration_id.in_(integrations), subject.mentioned_in(WebhookDelivery.payload))
        .order_by(WebhookDelivery.id)
    ).all()
    suppressions = db.session.scalars(
        select(Suppression).where(
            Suppression.workspace_id == workspace_id, Suppression.email.in_((email, address_hash(workspace_id, email)))
        )
    ).all()
    audit.record(AuditAction.SUBJECT_EXPORTED, workspace_id, subject.hash, {"invites": len(invites)})
    result = {
        "email": email,
        "invites": [
            {
                **_fields(invite, _INVITE_FIELDS),
                "events": [{"at": e.at, "status": e.status, "detail": e.detail} for e in invite.events],
                "response": _fields(responses[invite.id], _RESPONSE_FIELDS) if invite.id in responses else None,
            }
            for invite in invites
        ],
        "suppressions": [{"reason": s.reason, "created_at": s.created_at} for s in suppressions],
        "webhook_deliveries": [
            {"id": d.id, "received_at": d.received_at, "status": d.status, "payload": d.payload} for d in deliveries
        ],
    }
    db.session.commit()
    # Plain JSON values, dates as ISO 8601, whoever serialises it next (the API, a download, the CLI).
    return json.loads(json.dumps(result, default=_iso))


def _iso(value):
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


def _fields(row, names: tuple[str, ...]) -> dict:
    return {name: getattr(row, name) for name in names}
