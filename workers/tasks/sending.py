"""Sending invites and reminders, and the periodic sweep of everything due (stored webhook deliveries too)."""

from __future__ import annotations

from celery import shared_task

from app.platform.queue import (
    COMPLETE_DELIVERIES,
    SEND_INVITE_BATCH,
    SEND_INVITE_EMAIL,
    SEND_REMINDER,
    SWEEP_DUE_INVITES,
    enqueue,
)
from app.services.intake.enrichment import SWEEP_BATCH, due_delivery_ids
from app.services.sending.send import (
    due_invite_ids,
    due_reminder_ids,
    expire_unsent,
    mark_stale_claims,
    send_invite,
    send_invites,
    send_reminder,
    sent_count,
)

# Due invites per send task. Each task pays a fixed ~15 ms (Celery's hand-over and ack, the
# claim's committed UPDATE, the batch's reads) that 100 spreads half as thin as 50: measured
# with benchmarks/email/run.py, ~70 % of a raw smtplib loop with tasks of 50, ~74 % with 100.
# The price: a worker killed mid-batch leaves up to 99 claimed invites `sending` (never resent;
# flagged `send_unconfirmed` for an operator to release) instead of up to 49.
BATCH_SIZE = 100


@shared_task(name=SEND_INVITE_EMAIL, acks_late=True)
def send_invite_email(invite_id: int) -> str:
    """Send one invite's email; the database claim makes a second run send nothing."""
    return send_invite(invite_id)


@shared_task(name=SEND_INVITE_BATCH, acks_late=True, bind=True)
def send_invite_batch(self, invite_ids: list[int]) -> int:
    """Send due invites over one held SMTP connection; claims make a second run send nothing."""
    # A worker goes on to its next batch while this one's outcomes are written; run in place
    # (eager), the caller expects them recorded when this returns.
    return sent_count(send_invites(invite_ids, wait=self.request.is_eager))


@shared_task(name=SEND_REMINDER, acks_late=True)
def send_reminder_email(invite_id: int) -> str:
    """Send an invite's one reminder; the claim clears its due time, so it never goes twice."""
    return send_reminder(invite_id)


@shared_task(name=SWEEP_DUE_INVITES)
def sweep_due_invites() -> int:
    """Enqueue all due work from the database: sends, retries, reminders, stored deliveries."""
    expire_unsent()
    mark_stale_claims()
    ids = due_invite_ids()
    for start in range(0, len(ids), BATCH_SIZE):
        enqueue(SEND_INVITE_BATCH, ids[start : start + BATCH_SIZE])
    reminders = due_reminder_ids()
    for invite_id in reminders:
        enqueue(SEND_REMINDER, invite_id)
    deliveries = due_delivery_ids()
    for start in range(0, len(deliveries), SWEEP_BATCH):
        enqueue(COMPLETE_DELIVERIES, deliveries[start : start + SWEEP_BATCH])
    return len(ids) + len(reminders) + len(deliveries)
