"""Delivering outbound webhook messages."""

from __future__ import annotations

from celery import shared_task

from app.platform.queue import DELIVER_WEBHOOKS
from app.services.outbound.delivery import deliver_due


@shared_task(name=DELIVER_WEBHOOKS)
def deliver_webhooks() -> int:
    """POST every message due (new ones, and retries whose time has come); safe to run twice at
    once: each message is claimed before it is sent."""
    return deliver_due()
