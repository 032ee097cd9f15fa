"""Delivering outbound webhook messages: at least once, signed the Standard Webhooks way, the same
`webhook-id` on every attempt, retried with exponential backoff for WEBHOOK_RETRY_FOR_HOURS.

A worker claims a message by pushing its next_attempt_at a lease ahead (committed before the
POST), so no other worker sends it meanwhile; a worker killed mid-delivery leaves the claim to
expire and the sweep sends the message again, under the same id. Receivers dedupe on the id.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from app.extensions import db
from app.integrations import generic
from app.models.account import Role
from app.models.outbound_webhook import MessageStatus, WebhookAttempt, WebhookEndpoint, WebhookEvent, WebhookMessage
from app.models.types import utcnow
from app.platform.crypto import decrypt_text
from app.platform.mail import PermanentFailure, TemporaryFailure
from app.platform.outbound_http import UnsafeURL, post
from app.services.staff_email import addresses_of_roles, send_staff_email

log = logging.getLogger(__name__)

SECRET_PURPOSE = b"webhook-endpoint-secret"
USER_AGENT = "Afterword-Webhooks/1"


def lease() -> timedelta:
    """How long a worker's claim holds (WEBHOOK_LEASE_SECONDS: longer than a POST may take)."""
    return timedelta(seconds=current_app.config["WEBHOOK_LEASE_SECONDS"])


def retry_delay(attempts: int) -> timedelta:
    """How long after its `attempts`-th failed attempt a message is tried again."""
    config = current_app.config
    seconds = config["WEBHOOK_RETRY_BASE_SECONDS"] * config["WEBHOOK_RETRY_FACTOR"] ** (attempts - 1)
    return timedelta(seconds=min(seconds, config["WEBHOOK_RETRY_MAX_SECONDS"]))


def deliver_due(limit: int = 200) -> int:
    """Try every message due now (each once); returns how many were delivered."""
    ids = list(
        db.session.scalars(
            select(WebhookMessage.id)
            .where(WebhookMessage.status == MessageStatus.PENDING, WebhookMessage.next_attempt_at <= utcnow())
            .order_by(WebhookMessage.next_attempt_at, WebhookMessage.id)
            .limit(limit)
        )
    )
    db.session.commit()  # no transaction held open across the POSTs
    return sum(1 for message_id in ids if deliver_message(message_id))


def deliver_message(message_id: int) -> bool:
    """Claim one due message and POST it; True if the endpoint took it (2xx)."""
    now = utcnow()
    claimed = db.session.execute(
        update(WebhookMessage)
        .where(
            WebhookMessage.id == message_id,
            WebhookMessage.status == MessageStatus.PENDING,
            WebhookMessage.next_attempt_at <= now,
        )
        .values(next_attempt_at=now + lease())
    ).rowcount
    db.session.commit()
    if not claimed:
        return False  # another worker has it, or it was delivered meanwhile
    message = db.session.get(WebhookMessage, message_id)
    endpoint = db.session.get(WebhookEndpoint, message.endpoint_id)
    event = db.session.get(WebhookEvent, message.event_id)
    if not endpoint.enabled:
        # Parked until the endpoint is enabled again (endpoints.update_endpoint re-queues it).
        message.next_attempt_at = None
        db.session.commit()
        return False
    attempt = _attempt(endpoint, event, message)
    db.session.add(attempt)
    message.attempts += 1
    if attempt.status_code is not None and 200 <= attempt.status_code < 300:
        message.status, message.delivered_at, message.next_attempt_at = MessageStatus.DELIVERED, utcnow(), None
        db.session.commit()
        return True
    retry_at = attempt.attempted_at + retry_delay(message.attempts)
    if retry_at > message.retry_from + timedelta(hours=current_app.config["WEBHOOK_RETRY_FOR_HOURS"]):
        message.status, message.next_attempt_at = MessageStatus.FAILED, None
        db.session.commit()
        _after_giving_up(endpoint, message)
    else:
        message.next_attempt_at = retry_at
        db.session.commit()
    return False


def signature_header(endpoint: WebhookEndpoint, msg_id: str, timestamp: int, body: bytes, now: datetime) -> str:
    """`v1,<sig>`, and during a rotation's overlap a second one with the previous secret."""
    secrets = [decrypt_text(endpoint.secret, SECRET_PURPOSE)]
    if endpoint.previous_secret and endpoint.previous_until and endpoint.previous_until > now:
        secrets.append(decrypt_text(endpoint.previous_secret, SECRET_PURPOSE))
    return " ".join(generic.sign(secret, msg_id, timestamp, body) for secret in secrets if secret)


def _attempt(endpoint: WebhookEndpoint, event: WebhookEvent, message: WebhookMessage) -> WebhookAttempt:
    now = utcnow()
    body = event.body.encode()
    timestamp = int(now.timestamp())
    attempt = WebhookAttempt(message_id=message.id, endpoint_id=endpoint.id, attempted_at=now)
    signature = signature_header(endpoint, event.public_id, timestamp, body, now)
    if not signature:  # never send unsigned: the receiver could not tell it from a forgery
        attempt.error = "The signing secret cannot be read (was SECRET_KEY changed?): rotate it."
        return attempt
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": event.public_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature,
    }
    config = current_app.config
    try:
        reply = post(
            endpoint.url,
            body,
            headers,
            timeout=config["OUTBOUND_TIMEOUT_SECONDS"],
            allow_local=config["OUTBOUND_ALLOW_LOCAL"],
        )
    except UnsafeURL as exc:
        attempt.error = f"refused: {exc}"
    except OSError as exc:  # refused, reset, timed out, TLS: no HTTP answer
        attempt.error = (str(exc) or exc.__class__.__name__)[:500]
    else:
        attempt.status_code = reply.status
        attempt.duration_ms = reply.elapsed_ms
        attempt.response_head = reply.head.decode("utf-8", errors="replace").replace("\x00", "")
    return attempt


def _after_giving_up(endpoint: WebhookEndpoint, message: WebhookMessage) -> None:
    """A message failed for the whole retry period: unless the endpoint took another message since
    this one was first due (it is up, and this one alone is refused), disable it and tell the
    workspace's owners and admins."""
    took_another = db.session.scalar(
        select(WebhookMessage.id)
        .where(
            WebhookMessage.endpoint_id == endpoint.id,
            WebhookMessage.status == MessageStatus.DELIVERED,
            WebhookMessage.delivered_at >= message.retry_from,
        )
        .limit(1)
    )
    if took_another is not None or not endpoint.enabled:
        return
    hours = current_app.config["WEBHOOK_RETRY_FOR_HOURS"]
    endpoint.enabled = False
    endpoint.disabled_at = utcnow()
    endpoint.disabled_reason = f"No delivery succeeded for {hours:g} hours."
    db.session.commit()
    for address in addresses_of_roles(endpoint.workspace_id, {Role.OWNER, Role.ADMIN}):
        try:
            send_staff_email(
                address,
                "A webhook endpoint was disabled",
                f"Afterword could not deliver to the webhook endpoint {endpoint.url} for {hours:g} hours, "
                f"so it was disabled and stopped receiving events.\n\n"
                f"Its attempts are listed at GET /api/v1/webhook-endpoints/{endpoint.id}/attempts. Once the "
                f'receiver is fixed, enable it again (PATCH with {{"enabled": true}}): the events it missed '
                f"are delivered then, and older ones can be replayed.\n",
            )
        except (TemporaryFailure, PermanentFailure):
            log.warning("could not email %s that endpoint %s was disabled", address, endpoint.id, exc_info=True)
