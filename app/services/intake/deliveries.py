"""Stored webhook deliveries read back: an integration's recent ones with status and reason."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Integration, WebhookDelivery
from app.models.integration import DeliveryStatus
from app.models.types import utcnow
from app.services.pagination import Page, fetch_page


def list_deliveries(
    integration: Integration, limit: int = 20, status: DeliveryStatus | None = None, before_id: int | None = None
) -> Page[WebhookDelivery]:
    """The integration's deliveries, newest first (keyset pages: ids below `before_id`)."""
    query = select(WebhookDelivery).where(WebhookDelivery.integration_id == integration.id)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    if before_id is not None:
        query = query.where(WebhookDelivery.id < before_id)
    return fetch_page(query.order_by(WebhookDelivery.id.desc()), limit)


def retry_delivery(delivery_id: int) -> WebhookDelivery | None:
    """Put a failed delivery back in the sweep (after fixing what failed it); None if not failed."""
    delivery = db.session.scalar(
        select(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == DeliveryStatus.FAILED)
        .with_for_update()
    )
    if delivery is None or delivery.payload is None:  # a finished delivery keeps no payload to redo
        db.session.rollback()
        return None
    delivery.status, delivery.attempts, delivery.next_attempt_at = DeliveryStatus.PENDING, 0, utcnow()
    db.session.commit()
    return delivery
