"""Completing stored webhook deliveries: the invite a solve asks for, made after intake answered."""

from __future__ import annotations

import logging

from celery import shared_task

from app.extensions import db
from app.platform.queue import COMPLETE_DELIVERIES, COMPLETE_DELIVERY
from app.services.intake.enrichment import complete_delivery

log = logging.getLogger(__name__)


@shared_task(name=COMPLETE_DELIVERY, acks_late=True)
def complete_webhook_delivery(delivery_id: int) -> str:
    """Fetch what a stored delivery lacks from the helpdesk's API and make its invite."""
    return complete_delivery(delivery_id)


@shared_task(name=COMPLETE_DELIVERIES, acks_late=True)
def complete_webhook_deliveries(delivery_ids: list[int]) -> dict[str, int]:
    """Complete a batch of stored deliveries (as intake's write-behind publisher sends them).

    One failing delivery does not hold up the others: it stays pending and the sweep retries it.
    """
    outcomes: dict[str, int] = {}
    for delivery_id in delivery_ids:
        try:
            outcome = complete_delivery(delivery_id)
        except Exception:
            db.session.rollback()
            log.exception("completing delivery %s failed; the sweep will retry it", delivery_id)
            outcome = "error"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes
