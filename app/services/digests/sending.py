"""Sending the digests that are due: each claimed (its next time moved on) before it is sent, so a
digest goes at most once a period even with two workers; rendered in the reader's language."""

from __future__ import annotations

import logging
from datetime import datetime

from flask import render_template
from sqlalchemy import select, update

from app.extensions import db
from app.models import User, Workspace
from app.models.digest import DigestFrequency, DigestSubscription
from app.models.types import utcnow
from app.platform.i18n import force_locale_for
from app.platform.links import public_url
from app.platform.mail import PermanentFailure, TemporaryFailure
from app.services.accounts.people import membership_of
from app.services.digests.content import build_digest
from app.services.digests.subscriptions import next_due
from app.services.staff_email import send_staff_email

log = logging.getLogger(__name__)


def send_due_digests(now: datetime | None = None) -> int:
    now = now or utcnow()
    due = list(
        db.session.scalars(
            select(DigestSubscription).where(DigestSubscription.next_due_at <= now).order_by(DigestSubscription.id)
        )
    )
    sent = 0
    for row in due:
        workspace = db.session.get(Workspace, row.workspace_id)
        claimed = db.session.execute(
            update(DigestSubscription)
            .where(DigestSubscription.id == row.id, DigestSubscription.next_due_at == row.next_due_at)
            .values(next_due_at=next_due(row.frequency, workspace.timezone, now), last_sent_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        if claimed and send_digest(row, workspace, now):
            sent += 1
    return sent


def send_digest(subscription: DigestSubscription, workspace: Workspace, now: datetime) -> bool:
    user = db.session.get(User, subscription.user_id)
    membership = membership_of(subscription.user_id, subscription.workspace_id)
    if user is None or membership is None:  # left the workspace: no more digests of it
        db.session.delete(subscription)
        db.session.commit()
        return False
    days = 7 if subscription.frequency == DigestFrequency.WEEKLY else 1
    digest = build_digest(membership, workspace.name, now, days)
    opt_out = public_url(f"/digest/stop/{subscription.token}")
    with force_locale_for(subscription.locale):
        context = {"digest": digest, "opt_out": opt_out, "colour": workspace.brand_colour, "days": days}
        html = render_template("email/digest.html", **context)
        text = render_template("email/digest.txt", **context)
        subject = render_template("email/digest_subject.txt", **context).strip()
    headers = {"List-Unsubscribe": f"<{opt_out}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    try:
        send_staff_email(user.email, subject, text, html, headers)
    except (TemporaryFailure, PermanentFailure):
        # Not retried: the next period's digest covers it; a missed summary is not worth a double.
        log.warning("digest %s to %s was not sent", subscription.id, user.email, exc_info=True)
        return False
    return True
