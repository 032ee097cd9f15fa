"""The audit trail: services record who did what, when and from where; owners and admins read it.

Recording is the services' job, not the views': the same change made from a page, the API or
the CLI is recorded once, by the function that makes it, inside the transaction that makes it
(`record` adds the row; the caller's commit stores both or neither). Who acted is read from the
request (the signed-in person, or the API key) unless the caller names them, so service
signatures need not carry it. Rows are never changed or deleted (app/models/audit.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from flask import g, has_request_context, request
from sqlalchemy import and_, or_, select

from app.extensions import db
from app.models import AuditEvent, Membership, User
from app.models.audit import AuditAction
from app.services.accounts.permissions import Action, require
from app.services.pagination import Page, fetch_page


@dataclass(frozen=True)
class Actor:
    label: str
    user_id: int | None = None
    api_key_id: int | None = None


CLI = Actor("cli")
SYSTEM = Actor("system")


def person(user: User) -> Actor:
    return Actor(user.email, user_id=user.id)


def current_actor() -> Actor:
    """The signed-in person or the API key of this request; `cli` outside a request."""
    if not has_request_context():
        return CLI
    user = g.get("user")
    if user is not None:
        return person(user)
    key = g.get("api_key")
    if key is not None:
        return Actor(f"key '{key.name}' ({key.prefix}…)", api_key_id=key.id)
    return SYSTEM


def _address() -> str | None:
    return (request.remote_addr or None) if has_request_context() else None


def record(
    action: AuditAction,
    workspace_id: int | None,
    target: str | None = None,
    detail: dict | None = None,
    actor: Actor | None = None,
) -> AuditEvent:
    """Add one event to the session; the caller's commit stores it with the change it describes."""
    actor = actor or current_actor()
    row = AuditEvent(
        workspace_id=workspace_id,
        user_id=actor.user_id,
        api_key_id=actor.api_key_id,
        actor=actor.label[:320],
        action=action,
        target=target,
        # Plain JSON (dates as text): a filter's datetime must not fail the change it records.
        detail=json.loads(json.dumps(detail or {}, default=str)),
        ip=_address(),
    )
    db.session.add(row)
    return row


def record_now(
    action: AuditAction,
    workspace_id: int | None,
    target: str | None = None,
    detail: dict | None = None,
    actor: Actor | None = None,
) -> AuditEvent:
    """`record`, committed at once: for reads (exports, bulk reads) that have no transaction of their own."""
    row = record(action, workspace_id, target, detail, actor)
    db.session.commit()
    return row


@dataclass(frozen=True)
class AuditFilters:
    actor: str | None = None  # a substring of the actor's label
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def list_events(membership: Membership, filters: AuditFilters, limit: int, before_id: int | None) -> Page[AuditEvent]:
    """The workspace's events newest first (and its members' sign-ins), for an owner or admin."""
    require(membership, Action.MANAGE_PRIVACY)
    return events_page(membership.workspace_id, filters, limit, before_id)


def events_page(workspace_id: int, filters: AuditFilters, limit: int, before_id: int | None) -> Page[AuditEvent]:
    members = select(Membership.user_id).where(Membership.workspace_id == workspace_id)
    query = select(AuditEvent).where(
        or_(
            AuditEvent.workspace_id == workspace_id,
            and_(AuditEvent.workspace_id.is_(None), AuditEvent.user_id.in_(members)),
        )
    )
    if filters.actor:
        query = query.where(AuditEvent.actor.icontains(filters.actor.strip(), autoescape=True))
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.since is not None:
        query = query.where(AuditEvent.at >= filters.since)
    if filters.until is not None:
        query = query.where(AuditEvent.at < filters.until)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    return fetch_page(query.order_by(AuditEvent.id.desc()), limit)
