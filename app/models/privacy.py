"""A workspace's privacy policy: redaction on intake, and how long each kind of data is kept."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class DataKind(StrEnum):
    """What a retention window applies to; each is a column of `PrivacyPolicy` (`<kind>_days`)."""

    COMMENT_TEXT = "comment_text"  # what customers typed; the score and its analysis stay
    RESPONDENT_IDENTITY = "respondent_identity"  # the customer's address, name and id on invites
    WEBHOOK_BODIES = "webhook_bodies"  # raw bodies of deliveries that never completed
    DELIVERY_LOGS = "delivery_logs"  # invites' event history; outbound webhook events; alert notifications
    WEBHOOK_LOGS = "webhook_logs"  # the webhook deliveries themselves (dedupe keys, errors)


# Days; None keeps the data for as long as the workspace exists.
DEFAULT_RETENTION: dict[DataKind, int | None] = {
    DataKind.COMMENT_TEXT: None,
    DataKind.RESPONDENT_IDENTITY: None,
    DataKind.WEBHOOK_BODIES: 30,
    DataKind.DELIVERY_LOGS: 90,
    DataKind.WEBHOOK_LOGS: 90,
}


class PrivacyPolicy(db.Model):
    """One row per workspace that changed a default; absent means every default applies."""

    __tablename__ = "privacy_policies"

    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True)
    # Replace emails, phone numbers, cards, IBANs in customers' free text before it is stored.
    redact_free_text: Mapped[bool] = mapped_column(Boolean, default=True)
    # Retention windows in days; NULL keeps for as long as the workspace exists.
    comment_text_days: Mapped[int | None] = mapped_column(Integer)
    respondent_identity_days: Mapped[int | None] = mapped_column(Integer)
    # No column defaults: NULL is a choice ("keep"), and services/privacy/policy.py fills a new
    # row from DEFAULT_RETENTION.
    webhook_bodies_days: Mapped[int | None] = mapped_column(Integer)
    delivery_logs_days: Mapped[int | None] = mapped_column(Integer)
    webhook_logs_days: Mapped[int | None] = mapped_column(Integer)
    # A webhook's raw body is dropped once its delivery completes, unless this keeps it (to debug
    # an integration) until the webhook_bodies window passes.
    keep_completed_webhook_bodies: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def days(self, kind: DataKind) -> int | None:
        return getattr(self, f"{kind.value}_days")
