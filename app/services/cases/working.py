"""Working a case: the queue, its status, owner and due time, notes, and the history of each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.errors import APIError
from app.extensions import db
from app.models import Invite, Membership, Response, Survey, User
from app.models.alert import AlertRule
from app.models.case import CLOSED, Case, CaseEvent, CaseEventKind, CaseStatus
from app.models.outbound_webhook import EventType
from app.models.types import utcnow
from app.services.cases.payloads import case_data
from app.services.invites.creation import offer_api_invite
from app.services.outbound.events import deliver_soon, emit
from app.services.pagination import Page, fetch_page

MAX_NOTE = 5000


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    kind: str
    detail: str | None
    by: str | None  # the person's email; None for a rule or an API key


@dataclass(frozen=True)
class CaseView:
    """A case with what its owner needs to act: the answer, the customer, the ticket."""

    id: int
    status: str
    response_id: int
    rule_id: int | None
    assignee_id: int | None
    assignee: str | None
    due_at: datetime
    overdue: bool
    opened_at: datetime
    closed_at: datetime | None
    updated_at: datetime
    score: int
    scale_max: int
    comment: str | None
    customer_email: str | None
    customer_name: str | None
    ticket_id: str | None
    history: list[HistoryEntry] | None = None


def get_case(workspace_id: int, case_id: int, teams: tuple[str, ...] | None = None) -> Case:
    """The case, or 404; with `teams` (a manager limited to some teams), only a case of one of them."""
    stmt = _in_teams(select(Case).where(Case.id == case_id, Case.workspace_id == workspace_id), teams)
    case = db.session.scalar(stmt)
    if case is None:
        raise APIError(404, "not_found", f"No case {case_id} in this workspace.")
    return case


def case_for_response(workspace_id: int, response_id: int) -> Case | None:
    return db.session.scalar(select(Case).where(Case.response_id == response_id, Case.workspace_id == workspace_id))


def case_view(case: Case, with_history: bool = False) -> CaseView:
    response = db.session.get(Response, case.response_id)
    invite = db.session.get(Invite, response.invite_id)
    survey = db.session.get(Survey, response.survey_id)
    assignee = db.session.get(User, case.assignee_id) if case.assignee_id else None
    history = None
    if with_history:
        rows = db.session.execute(
            select(CaseEvent, User.email)
            .outerjoin(User, User.id == CaseEvent.user_id)
            .where(CaseEvent.case_id == case.id)
            .order_by(CaseEvent.id)
        )
        history = [HistoryEntry(e.at, e.kind, e.detail, email) for e, email in rows]
    return CaseView(
        case.id,
        case.status,
        case.response_id,
        case.rule_id,
        case.assignee_id,
        assignee.email if assignee else None,
        case.due_at,
        case.status not in CLOSED and case.due_at < utcnow(),
        case.opened_at,
        case.closed_at,
        case.updated_at,
        response.score,
        survey.scale_max,
        response.comment,
        invite.customer_email,
        invite.customer_name,
        invite.ticket_id,
        history,
    )


def list_cases(workspace_id: int, query: dict) -> Page[CaseView]:
    """Open cases first by due time would need a composite cursor; the queue is newest first, by id."""
    stmt = select(Case).where(Case.workspace_id == workspace_id).order_by(Case.id.desc())
    if query.get("status"):
        stmt = stmt.where(Case.status == query["status"])
    if query.get("open"):
        stmt = stmt.where(Case.status.not_in([str(s) for s in CLOSED]))
    if query.get("assignee_id"):
        stmt = stmt.where(Case.assignee_id == query["assignee_id"])
    if query.get("cursor"):
        stmt = stmt.where(Case.id < query["cursor"])
    page = fetch_page(stmt, query.get("limit", 50))
    return Page([case_view(c) for c in page.items], page.next_cursor)


def queue_of(workspace_id: int, user_id: int | None, teams: tuple[str, ...] | None = None) -> list[CaseView]:
    """A person's open cases (None: the unassigned ones), the most urgent first; with `teams` (a
    manager limited to some teams), only the cases of those teams' tickets."""
    owner = Case.assignee_id.is_(None) if user_id is None else Case.assignee_id == user_id
    stmt = select(Case).where(Case.workspace_id == workspace_id, owner, Case.status.not_in([str(s) for s in CLOSED]))
    cases = db.session.scalars(_in_teams(stmt, teams).order_by(Case.due_at, Case.id).limit(200))
    return [case_view(c) for c in cases]


def _in_teams(stmt, teams: tuple[str, ...] | None):
    """A manager limited to some teams reads and works only the cases of those teams' tickets, as
    they read only those teams' answers (permissions.team_limit)."""
    if teams is None:
        return stmt
    return (
        stmt.join(Response, Response.id == Case.response_id)
        .join(Invite, Invite.id == Response.invite_id)
        .where(Invite.team.in_(teams))
    )


def change_case(case: Case, data: dict, user_id: int | None = None) -> CaseView:
    """Change the status, the owner or the due time (each change in the history), and add a note."""
    now = utcnow()
    changes: dict[str, list] = {}
    events: list[CaseEvent] = []
    if "status" in data and data["status"] != case.status:
        changes["status"] = [case.status, data["status"]]
        case.status = data["status"]
        case.closed_at = now if case.status in CLOSED else None
        events.append(CaseEvent(kind=CaseEventKind.STATUS, detail=case.status))
    if "assignee_id" in data and data["assignee_id"] != case.assignee_id:
        assignee = data["assignee_id"]
        if assignee is not None and not _member(case.workspace_id, assignee):
            raise APIError(
                422,
                "validation_error",
                "Not a person of this workspace.",
                {"assignee_id": ["Not a person of this workspace."]},
            )
        changes["assignee_id"] = [case.assignee_id, assignee]
        case.assignee_id = assignee
        user = db.session.get(User, assignee) if assignee else None
        events.append(CaseEvent(kind=CaseEventKind.ASSIGNED, detail=user.email if user else None))
    if "due_at" in data and data["due_at"] != case.due_at:
        changes["due_at"] = [case.due_at, data["due_at"]]
        case.due_at = data["due_at"]
        events.append(CaseEvent(kind=CaseEventKind.DUE, detail=case.due_at.isoformat()))
    note = (data.get("note") or "").strip()
    if note:
        if len(note) > MAX_NOTE:
            raise APIError(
                422, "validation_error", "The note is too long.", {"note": [f"At most {MAX_NOTE} characters."]}
            )
        events.append(CaseEvent(kind=CaseEventKind.NOTE, detail=note))
    if not events:
        return case_view(case, with_history=True)
    for event in events:
        event.case_id, event.at, event.user_id = case.id, now, user_id
        db.session.add(event)
    case.updated_at = now
    if changes:  # a note alone is not announced: its text stays inside Afterword
        emit(case.workspace_id, EventType.CASE_UPDATED, case_data(case, changes))
    db.session.commit()
    deliver_soon()
    if changes.get("status", [None, None])[1] in (CaseStatus.RESOLVED, CaseStatus.WON_BACK):
        resurvey(case, user_id)
    return case_view(case, with_history=True)


def resurvey(case: Case, user_id: int | None) -> None:
    """Offer the rule's "did we put it right?" survey to the customer, under the usual rules (a
    cooldown may skip it: the history says so). Once per case: the survey has one invite per ticket."""
    rule = db.session.get(AlertRule, case.rule_id) if case.rule_id else None
    if rule is None or rule.case_resurvey_survey_id is None:
        return
    response = db.session.get(Response, case.response_id)
    invite = db.session.get(Invite, response.invite_id)
    if not invite.customer_email or not invite.ticket_id:
        return
    data = {
        "survey_id": rule.case_resurvey_survey_id,
        "customer": {"email": invite.customer_email, "name": invite.customer_name, "segment": invite.customer_segment},
        "ticket": {"id": invite.ticket_id, "channel": invite.channel, "team": invite.team},
    }
    try:
        offered, created = offer_api_invite(case.workspace_id, data)
    except APIError:  # the survey was archived since
        return
    if created:
        detail = f"invite {offered.id}: {offered.status}" + (f" ({offered.reason})" if offered.reason else "")
        db.session.add(
            CaseEvent(case_id=case.id, at=utcnow(), user_id=user_id, kind=CaseEventKind.RESURVEY, detail=detail)
        )
        db.session.commit()


def _member(workspace_id: int, user_id: int) -> bool:
    return (
        db.session.scalar(
            select(Membership.id).where(Membership.workspace_id == workspace_id, Membership.user_id == user_id)
        )
        is not None
    )
