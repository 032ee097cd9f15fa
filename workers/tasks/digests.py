"""Digest emails."""

from __future__ import annotations

from celery import shared_task

from app.platform.queue import SEND_DIGESTS
from app.services.digests.sending import send_due_digests


@shared_task(name=SEND_DIGESTS)
def send_digests() -> int:
    """Send the digests whose time has come; each is claimed first, so two runs never send one twice."""
    return send_due_digests()
