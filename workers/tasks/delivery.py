"""Sending invites."""
from __future__ import annotations

from celery import shared_task

from app.queue import SEND_INVITE_EMAIL, SWEEP_DUE_INVITES, enqueue
from app.services.delivery import due_invite_ids, send_invite


@shared_task(name=SEND_INVITE_EMAIL, acks_late=True)
def send_invite_email(invite_id: int) -> str:
    """Send one invite's email; the database claim makes a second run send nothing."""
    return send_invite(invite_id)


@shared_task(name=SWEEP_DUE_INVITES)
def sweep_due_invites() -> int:
    """Enqueue every due, unsent invite: delays, retries, and anything the broker missed."""
    ids = due_invite_ids()
    for invite_id in ids:
        enqueue(SEND_INVITE_EMAIL, invite_id)
    return len(ids)
