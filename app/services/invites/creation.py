"""Creating invites through the API, reading them back, and handing due ones to the mail worker."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.errors import APIError
from app.extensions import db
from app.models import Invite
from app.models.invite import InviteStatus
from app.models.types import utcnow
from app.platform.queue import SEND_INVITE_EMAIL, enqueue
from app.services.invites.tickets import latest_invite, offer_invite
from app.services.pagination import Page, fetch_page
from app.services.surveys import live_survey

log = logging.getLogger(__name__)


def create_invite(workspace_id: int, data: dict) -> Invite:
    """Offer an invite for a solved ticket; the ticket's existing invite if this solve has one."""
    return offer_api_invite(workspace_id, data)[0]


def offer_api_invite(workspace_id: int, data: dict) -> tuple[Invite, bool]:
    """Offer an invite for a solved ticket (one transaction); (invite, created). Enqueues it if due."""
    survey = live_survey(workspace_id, data["survey_id"])
    invite, created = offer_invite(survey, data)
    try:
        db.session.commit()
    except IntegrityError:  # a concurrent request offered the same solve first
        db.session.rollback()
        invite, created = latest_invite(survey.id, data["ticket"]["id"]), False
    if created:
        dispatch_if_due(invite)
    return invite, created


def get_invite(workspace_id: int, invite_id: int) -> Invite:
    invite = db.session.scalar(select(Invite).where(Invite.id == invite_id, Invite.workspace_id == workspace_id))
    if invite is None:
        raise APIError(404, "not_found", f"No invite {invite_id} in this workspace.")
    return invite


def list_invites(workspace_id: int, filters: dict, limit: int, before_id: int | None) -> Page[Invite]:
    """Invites newest first, filtered, `limit` at a time before the invite id `before_id`."""
    query = select(Invite).where(Invite.workspace_id == workspace_id)
    for name in ("survey_id", "status", "reason", "ticket_id"):
        if filters.get(name) is not None:
            query = query.where(getattr(Invite, name) == filters[name])
    if filters.get("email"):
        query = query.where(Invite.customer_email == filters["email"].lower())
    if filters.get("since"):
        query = query.where(Invite.created_at >= filters["since"])
    if filters.get("until"):
        query = query.where(Invite.created_at < filters["until"])
    if before_id is not None:
        query = query.where(Invite.id < before_id)
    return fetch_page(query.order_by(Invite.id.desc()), limit)


def dispatch_if_due(invite: Invite) -> None:
    """Enqueue the send for an invite already committed; a broker outage leaves it to the sweep."""
    if invite.status != InviteStatus.SCHEDULED or invite.due_at > utcnow():
        return
    try:
        enqueue(SEND_INVITE_EMAIL, invite.id)
    except Exception:  # the periodic sweep sends whatever could not be enqueued
        log.warning("could not enqueue invite %s; the sweep will send it", invite.id, exc_info=True)
