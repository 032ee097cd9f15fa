"""Creating invites from a trigger, and handing due ones to the mail worker."""
from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from sqlalchemy import select

from app.errors import APIError
from app.extensions import db
from app.models import Invite, InviteEvent, Survey
from app.models.types import utcnow
from app.queue import SEND_INVITE_EMAIL, enqueue

log = logging.getLogger(__name__)


def new_token() -> str:
    return secrets.token_urlsafe(24)  # 192 random bits


def build_invite(survey: Survey, data: dict, integration_id: int | None = None) -> Invite:
    """An invite for `survey` from a validated trigger body; added to the session, not committed."""
    customer, ticket = data["customer"], data["ticket"]
    agent = ticket.get("agent") or {}
    now = utcnow()
    due = now + timedelta(minutes=survey.send_delay_minutes)
    invite = Invite(
        workspace_id=survey.workspace_id,
        survey_id=survey.id,
        integration_id=integration_id,
        token=new_token(),
        status="scheduled",
        locale=_locale(customer.get("locale") or survey.locale),
        customer_email=customer["email"].lower(),
        customer_name=customer.get("name"),
        customer_id=customer.get("id"),
        customer_segment=customer.get("segment"),
        ticket_id=ticket["id"],
        agent_id=agent.get("id"),
        agent_name=agent.get("name"),
        agent_email=agent.get("email"),
        team=ticket.get("team"),
        channel=ticket.get("channel"),
        priority=ticket.get("priority"),
        tags=ticket.get("tags") or [],
        ticket_created_at=ticket.get("created_at"),
        first_response_at=ticket.get("first_response_at"),
        solved_at=ticket.get("solved_at"),
        reopens=ticket.get("reopens"),
        handle_seconds=ticket.get("handle_seconds"),
        created_at=now,
        due_at=due,
        expires_at=due + timedelta(days=survey.expires_after_days),
    )
    invite.events.append(InviteEvent(at=now, status="scheduled", detail=f"due {due.isoformat()}"))
    db.session.add(invite)
    return invite


def create_invite(workspace_id: int, data: dict) -> Invite:
    """Create an invite through the API (one transaction), then enqueue its email if due now."""
    survey = db.session.scalar(
        select(Survey).where(
            Survey.id == data["survey_id"], Survey.workspace_id == workspace_id, Survey.archived.is_(False)
        )
    )
    if survey is None:
        raise APIError(422, "validation_error", "Unknown survey.", {"survey_id": ["No such survey in this workspace."]})
    invite = build_invite(survey, data)
    db.session.commit()
    dispatch_if_due(invite)
    return invite


def get_invite(workspace_id: int, invite_id: int) -> Invite:
    invite = db.session.scalar(select(Invite).where(Invite.id == invite_id, Invite.workspace_id == workspace_id))
    if invite is None:
        raise APIError(404, "not_found", f"No invite {invite_id} in this workspace.")
    return invite


def dispatch_if_due(invite: Invite) -> None:
    """Enqueue the send for an invite already committed; a broker outage leaves it to the sweep."""
    if invite.status != "scheduled" or invite.due_at > utcnow():
        return
    try:
        enqueue(SEND_INVITE_EMAIL, invite.id)
    except Exception:  # the periodic sweep sends whatever could not be enqueued
        log.warning("could not enqueue invite %s; the sweep will send it", invite.id, exc_info=True)


def _locale(value: str) -> str:
    return value.replace("_", "-").split("-")[0].lower()
