"""Turning stored webhook deliveries into invites, in a worker.

Every solve is stored at intake (`pending`) with the parsed invite, or, for senders that carry
ids only (Zendesk event webhooks), the raw event. Here a worker fetches any missing facts from
the helpdesk's API outside any transaction, then makes the invite in one transaction that
re-checks the delivery under a row lock, so a reopen that arrived meanwhile (which supersedes
it) or a second worker wins cleanly. Failures that may pass are retried from the database by the
periodic sweep.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.integrations import get_provider
from app.models import Integration, Survey, WebhookDelivery
from app.models.integration import DeliveryStatus
from app.models.types import utcnow
from app.platform.crypto import decrypt_json
from app.schemas.direct_load import load_direct
from app.schemas.invite import hook_invite_schema
from app.services.invites.creation import dispatch_if_due
from app.services.invites.tickets import offer_invite
from app.services.privacy.policy import policy_for

log = logging.getLogger(__name__)

FETCH_RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)


# How many due deliveries one sweep hands to the workers, and in batches of how many. Fresh
# deliveries come first and a delivery that failed waits out its backoff, so rows that cannot be
# processed never hold a good one back for more than one sweep.
SWEEP_LIMIT = 2000
SWEEP_BATCH = 100


def complete_delivery(delivery_id: int) -> str:
    """Fetch what a stored delivery lacks and make its invite; returns what happened.

    Whatever goes wrong (a bug, data no code path expected) counts as a failed attempt with its
    reason: the delivery is retried on the backoff schedule, then marked failed, so it can
    never sit at the head of the sweep forever.
    """
    try:
        return _complete(delivery_id)
    except Exception as exc:
        db.session.rollback()
        log.exception("completing delivery %s failed", delivery_id)
        return _retry_or_fail(delivery_id, f"{type(exc).__name__}: {exc}", retry=True)


def _complete(delivery_id: int) -> str:
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return "not_pending"
    integration = db.session.get(Integration, delivery.integration_id)
    survey = db.session.get(Survey, (delivery.payload.get("invite") or {}).get("survey_id") or integration.survey_id)
    if survey is None or survey.archived:
        _finish(delivery_id, DeliveryStatus.FAILED, "the survey was deleted")
        return DeliveryStatus.FAILED
    provider = get_provider(integration.provider)
    payload, base_url, credentials = (
        delivery.payload,
        integration.api_base_url,
        decrypt_json(integration.api_credentials),
    )
    keep_body = policy_for(integration.workspace_id).keep_completed_webhook_bodies
    db.session.commit()  # no transaction stays open during the HTTP calls
    if "invite" in payload:
        try:
            data = load_direct(hook_invite_schema(), payload["invite"])
        except ValidationError as exc:  # parsed once already: only a changed schema gets here
            return _retry_or_fail(delivery_id, f"invalid invite: {exc.messages}", retry=False)
    else:
        try:
            data = provider.fetch_invite(base_url, credentials, payload, survey.id)
        except provider.FetchError as exc:
            return _retry_or_fail(delivery_id, str(exc), exc.retry)
    locked = _lock_pending(delivery_id)
    if locked is None:
        return "not_pending"
    try:
        invite, created = offer_invite(survey, data, integration.id)
        db.session.flush()
        # The raw body has served its purpose: dropped now, unless the workspace keeps it (retention).
        locked.invite_id, locked.status, locked.error = invite.id, DeliveryStatus.DONE, None
        locked.payload = locked.payload if keep_body else None
        db.session.commit()
    except IntegrityError:  # another delivery of the same solve made the invite first
        db.session.rollback()
        _finish(delivery_id, DeliveryStatus.DONE, "duplicate of an earlier delivery of this solve")
        return "duplicate"
    if created:
        dispatch_if_due(invite)
    return DeliveryStatus.DONE if created else "duplicate"


def due_delivery_ids(limit: int = SWEEP_LIMIT) -> list[int]:
    """Pending deliveries whose time has come: never tried first, then by when they fell due."""
    query = (
        select(WebhookDelivery.id)
        .where(WebhookDelivery.status == DeliveryStatus.PENDING, WebhookDelivery.next_attempt_at <= utcnow())
        .order_by(WebhookDelivery.attempts, WebhookDelivery.next_attempt_at)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def readable(error: str, limit: int = 1000) -> str:
    """An error text every database stores: NUL and lone surrogates as escapes, bounded."""
    return error.replace("\x00", "\\x00").encode("utf-8", "backslashreplace").decode("utf-8")[:limit]


def _lock_pending(delivery_id: int) -> WebhookDelivery | None:
    """The delivery, locked until the commit, if it is still pending (a reopen or another worker
    may have finished it meanwhile); None, with the transaction ended, if not."""
    delivery = db.session.scalar(
        select(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == DeliveryStatus.PENDING)
        .with_for_update()
    )
    if delivery is None:
        db.session.rollback()
    return delivery


def _retry_or_fail(delivery_id: int, error: str, retry: bool) -> str:
    delivery = _lock_pending(delivery_id)
    if delivery is None:
        return "not_pending"
    delivery.attempts += 1
    delivery.error = readable(error)
    if not retry or delivery.attempts > len(FETCH_RETRY_DELAYS):
        delivery.status = DeliveryStatus.FAILED
        db.session.commit()
        log.warning("delivery %s failed: %s", delivery_id, error)
        return DeliveryStatus.FAILED
    delivery.next_attempt_at = utcnow() + FETCH_RETRY_DELAYS[delivery.attempts - 1]
    db.session.commit()
    return "retry"


def _finish(delivery_id: int, status: DeliveryStatus, error: str | None) -> None:
    delivery = db.session.get(WebhookDelivery, delivery_id)
    delivery.status, delivery.error, delivery.payload = status, error, None
    db.session.commit()
