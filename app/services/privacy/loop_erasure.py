"""Erasure's step for what closing the loop keeps (outbound webhooks, alerts, helpdesk notes, case
notes): copies of a person's answers, address and name, sent or about to be sent elsewhere.

Runs before the comments step (services/privacy/erasure.py STEPS), while the person's comments
are still there to be found in the texts that quote them.
"""

from __future__ import annotations

import json

from sqlalchemy import delete, or_, select, update

from app.extensions import db
from app.models import Response
from app.models.alert import AlertNotification
from app.models.case import Case, CaseEvent, CaseEventKind
from app.models.outbound_webhook import WebhookAttempt, WebhookEvent, WebhookMessage
from app.models.writeback import HelpdeskNote

ERASED = "[erased]"


def erase_follow_ups(subject) -> int:
    """Outbound events about them are deleted with their deliveries and attempts (a pending one is
    then never sent); alert texts, helpdesk notes' copies and case notes lose every quote of them."""
    responses = db.session.execute(
        select(Response.id, Response.comment).where(Response.invite_id.in_(subject.invite_ids))
    ).all()
    response_ids = [row.id for row in responses]
    # A comment appears as written in an email, and JSON-escaped in a webhook or chat body.
    quotes = {c for row in responses if row.comment for c in (row.comment, json.dumps(row.comment)[1:-1])}
    count = _outbound_events(subject, quotes)
    count += _alert_texts(subject, quotes)
    if response_ids:
        count += db.session.execute(
            update(HelpdeskNote)
            .where(HelpdeskNote.response_id.in_(response_ids))
            .values(body=None, error=None)
            .execution_options(synchronize_session=False)
        ).rowcount
        cases = select(Case.id).where(Case.response_id.in_(response_ids))
        count += db.session.execute(
            update(CaseEvent)
            .where(CaseEvent.case_id.in_(cases), CaseEvent.kind == CaseEventKind.NOTE)
            .values(detail=ERASED)
            .execution_options(synchronize_session=False)
        ).rowcount
    return count


def _mentions(subject, quotes: set[str], *columns):
    needles = [subject.mentioned_in(column) for column in columns]
    needles += [column.contains(quote, autoescape=True) for quote in quotes for column in columns]
    return or_(*needles)


def _outbound_events(subject, quotes: set[str]) -> int:
    ids = list(
        db.session.scalars(
            select(WebhookEvent.id).where(
                WebhookEvent.workspace_id == subject.workspace_id, _mentions(subject, quotes, WebhookEvent.body)
            )
        )
    )
    if not ids:
        return 0
    # Explicit, child first: SQLite enforces no cascade unless told to.
    messages = select(WebhookMessage.id).where(WebhookMessage.event_id.in_(ids))
    db.session.execute(delete(WebhookAttempt).where(WebhookAttempt.message_id.in_(messages)))
    db.session.execute(delete(WebhookMessage).where(WebhookMessage.event_id.in_(ids)))
    db.session.execute(delete(WebhookEvent).where(WebhookEvent.id.in_(ids)))
    return len(ids)


def _alert_texts(subject, quotes: set[str]) -> int:
    rows = list(
        db.session.scalars(
            select(AlertNotification).where(
                AlertNotification.workspace_id == subject.workspace_id,
                _mentions(subject, quotes, AlertNotification.body, AlertNotification.subject),
            )
        )
    )
    for row in rows:
        body, title = row.body, row.subject
        for quote in sorted(quotes, key=len, reverse=True):
            body, title = body.replace(quote, ERASED), title.replace(quote, ERASED)
        row.body, row.subject = subject.scrub(body), subject.scrub(title)
        row.error = subject.scrub(row.error)
    return len(rows)
