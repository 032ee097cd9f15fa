"""Delivering alert messages: email through the mail layer, Slack and Teams through their
incoming webhooks. A failure is retried after 1, 5 and 30 minutes and 2 hours, then kept as failed."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models.alert import AlertNotification, AlertRule, Channel, NotificationStatus
from app.platform.crypto import decrypt_text
from app.platform.mail import PermanentFailure, TemporaryFailure
from app.platform.outbound_http import UnsafeURL, post
from app.services.staff_email import send_staff_email

RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
CHAT_URL_PURPOSE = b"alert-chat-webhook"


class _Refused(Exception):
    def __init__(self, message: str, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


def deliver_notifications(now: datetime) -> int:
    due = list(
        db.session.scalars(
            select(AlertNotification)
            .where(AlertNotification.status == NotificationStatus.PENDING, AlertNotification.next_attempt_at <= now)
            .order_by(AlertNotification.id)
            .limit(200)
        )
    )
    sent = 0
    for notification in due:
        # Claimed first (pushed ahead), so a second sweep running meanwhile does not send it too.
        notification.next_attempt_at = now + RETRY_DELAYS[0]
    db.session.commit()
    for notification in due:
        notification.attempts += 1
        try:
            _send(notification)
        except _Refused as exc:
            notification.error = str(exc)[:1000]
            if exc.permanent or notification.attempts > len(RETRY_DELAYS):
                notification.status, notification.next_attempt_at = NotificationStatus.FAILED, None
            else:
                notification.next_attempt_at = now + RETRY_DELAYS[notification.attempts - 1]
        else:
            notification.status, notification.sent_at, notification.next_attempt_at = NotificationStatus.SENT, now, None
            notification.error = None
            sent += 1
        db.session.commit()
    return sent


def _send(notification: AlertNotification) -> None:
    if notification.channel == Channel.EMAIL:
        try:
            send_staff_email(notification.recipient, notification.subject, notification.body)
        except TemporaryFailure as exc:
            raise _Refused(str(exc)) from None
        except PermanentFailure as exc:
            raise _Refused(str(exc), permanent=True) from None
        return
    rule = db.session.get(AlertRule, notification.rule_id)
    stored = rule.slack_url if notification.channel == Channel.SLACK else rule.teams_url
    url = decrypt_text(stored, CHAT_URL_PURPOSE)
    if not url:
        raise _Refused("The rule has no readable webhook URL for this channel any more.", permanent=True)
    config = current_app.config
    try:
        reply = post(
            url,
            notification.body.encode(),
            {"content-type": "application/json"},
            timeout=config["OUTBOUND_TIMEOUT_SECONDS"],
            allow_local=config["OUTBOUND_ALLOW_LOCAL"],
        )
    except UnsafeURL as exc:
        raise _Refused(f"refused: {exc}", permanent=True) from None
    except OSError as exc:
        raise _Refused(str(exc) or exc.__class__.__name__) from None
    if not 200 <= reply.status < 300:
        head = reply.head.decode("utf-8", errors="replace")[:200]
        raise _Refused(f"{reply.status} {head}", permanent=reply.status in (400, 403, 404, 410))
