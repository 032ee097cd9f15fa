"""Ticket lifecycle: one invite per ticket per solve; a reopen cancels an unsent invite.

A ticket's invites are numbered by solve (`solve_number`), and the database refuses two invites
with the same (survey, ticket, solve number), so racing duplicates can never both win.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import Invite, InviteEvent, Survey, Workspace
from app.models.invite import InviteDelivery, InviteEventKind, InviteReason, InviteStatus
from app.models.types import utcnow
from app.services.invites.agents import resolve_agent
from app.services.invites.fatigue import Skip, counts_offers, is_erased, send_delay, skip_reason
from app.services.privacy.policy import clean_free_text


def latest_invite(survey_id: int, ticket_id: str) -> Invite | None:
    query = (
        select(Invite)
        .where(Invite.survey_id == survey_id, Invite.ticket_id == ticket_id)
        .order_by(Invite.solve_number.desc())
        .limit(1)
    )
    return db.session.scalar(query)


def solve_state(survey_id: int, ticket_id: str | None, reopen: bool) -> int:
    """A dedupe suffix for senders whose keys can't tell two solves of a ticket apart.

    For a solve: the number of reopens so far, so a replay matches but the solve after a reopen
    does not. For a reopen: that plus the number of solves, so only a reopen after a new solve
    counts as new (updates of a ticket still open collapse into one).
    """
    if not ticket_id:
        return 0
    invites, reopened = db.session.execute(
        select(func.count(), func.count(Invite.reopened_at)).where(
            Invite.survey_id == survey_id, Invite.ticket_id == ticket_id
        )
    ).one()
    return reopened + (invites if reopen else 0)


def offer_invite(survey: Survey, data: dict, integration_id: int | None = None) -> tuple[Invite, bool]:
    """The invite for this solve of the ticket: a new one (True), or the one it already has (False).

    A new solve is one after a reported reopen, or one solved later than the last invite's solve
    (senders that do not report reopens). The fatigue rules decide whether it is scheduled or
    skipped. Added to the session; the caller commits.
    """
    ticket = data["ticket"]
    latest = latest_invite(survey.id, ticket["id"])
    if latest is not None and not _is_new_solve(latest, ticket.get("solved_at")):
        return latest, False
    number = 1 if latest is None else latest.solve_number + 1
    workspace = db.session.get(Workspace, survey.workspace_id)
    if counts_offers(survey, workspace):
        # Caps and cooldowns count the invites already offered, then add one: two workers doing
        # that at once would both see room for one more. Offers in one workspace take turns on
        # its row (locked until the caller commits); without such a rule, nothing waits.
        db.session.execute(select(Workspace.id).where(Workspace.id == workspace.id).with_for_update())
    now = utcnow()
    skip = skip_reason(
        survey,
        workspace,
        data["customer"]["email"],
        ticket.get("tags") or [],
        f"{survey.id}:{ticket['id']}:{number}",
        now,
    )
    invite = build_invite(survey, workspace, data, integration_id, solve_number=number, now=now, skip=skip)
    return invite, True


def reopen_ticket(survey_id: int, ticket_id: str) -> Invite | None:
    """Mark the ticket's latest invite as reopened, cancelling it if it has not gone out yet."""
    invite = latest_invite(survey_id, ticket_id)
    if invite is None or invite.reopened_at is not None:
        return invite
    now = utcnow()
    invite.reopened_at = now
    if invite.status == InviteStatus.SCHEDULED:
        invite.status, invite.reason = InviteStatus.CANCELLED, InviteReason.REOPENED
        invite.events.append(
            InviteEvent(
                at=now, status=InviteEventKind.CANCELLED, detail="the ticket was reopened before the email went out"
            )
        )
    else:
        invite.events.append(
            InviteEvent(
                at=now,
                status=InviteEventKind.REOPENED,
                detail="the ticket was reopened; the next solve gets a new survey",
            )
        )
    return invite


def _is_new_solve(latest: Invite, solved_at: datetime | None) -> bool:
    if latest.reopened_at is not None:
        return True
    return solved_at is not None and latest.solved_at is not None and solved_at > latest.solved_at


def new_token() -> str:
    return secrets.token_urlsafe(24)  # 192 random bits


def build_invite(
    survey: Survey,
    workspace: Workspace,
    data: dict,
    integration_id: int | None,
    solve_number: int,
    now: datetime,
    skip: Skip | None,
) -> Invite:
    """An invite for `survey` from a validated trigger body; added to the session, not committed."""
    customer, ticket = data["customer"], data["ticket"]
    agent = resolve_agent(survey.workspace_id, ticket.get("agent") or {})
    due = now + send_delay(survey, workspace)
    invite = Invite(
        workspace_id=survey.workspace_id,
        survey_id=survey.id,
        integration_id=integration_id,
        token=new_token(),
        status=InviteStatus.SKIPPED if skip else InviteStatus.SCHEDULED,
        reason=skip.reason if skip else None,
        locale=_locale(customer.get("locale") or survey.locale),
        customer_email=customer["email"].lower(),
        customer_name=customer.get("name"),
        customer_id=customer.get("id"),
        customer_segment=customer.get("segment"),
        ticket_id=ticket["id"],
        # A subject can quote the customer: redacted like a comment (services/privacy/policy.py).
        ticket_subject=clean_free_text(survey.workspace_id, ticket.get("subject")),
        agent_id=agent.get("id"),
        agent_name=agent.get("name"),
        agent_email=agent.get("email"),
        agent_photo_url=agent.get("photo_url"),
        delivery=data.get("delivery") or InviteDelivery.EMAIL,
        team=ticket.get("team"),
        channel=ticket.get("channel"),
        priority=ticket.get("priority"),
        tags=ticket.get("tags") or [],
        ticket_created_at=ticket.get("created_at"),
        first_response_at=ticket.get("first_response_at"),
        solved_at=ticket.get("solved_at"),
        reopens=ticket.get("reopens"),
        handle_seconds=ticket.get("handle_seconds"),
        solve_number=solve_number,
        created_at=now,
        due_at=due,
        expires_at=due + timedelta(days=survey.expires_after_days),
    )
    if skip and skip.reason == InviteReason.SUPPRESSED and is_erased(survey.workspace_id, invite.customer_email):
        # A person who was erased comes back in a new ticket: skipped, and not named again.
        invite.customer_email = invite.customer_name = invite.customer_id = None
    if skip:
        invite.events.append(
            InviteEvent(at=now, status=InviteEventKind.SKIPPED, detail=f"{skip.reason}: {skip.detail}")
        )
    elif invite.delivery == InviteDelivery.WIDGET:
        # Never emailed: it is the host's page that asks, so there is nothing left to send or remind.
        invite.status, invite.sent_at, invite.due_at = InviteStatus.SENT, now, now
        invite.events.append(
            InviteEvent(at=now, status=InviteEventKind.SENT, detail="for the widget only: not emailed")
        )
    else:
        invite.events.append(InviteEvent(at=now, status=InviteEventKind.SCHEDULED, detail=f"due {due.isoformat()}"))
    db.session.add(invite)
    return invite


def _locale(value: str) -> str:
    return value.replace("_", "-").split("-")[0].lower()
