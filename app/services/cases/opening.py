"""Opening a follow-up case for an answer, and choosing who owns it: a named person, the manager of
the ticket's team, or each person of a group in turn."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.errors import APIError
from app.extensions import db
from app.models import Invite, Membership, Response, User
from app.models.account import Role
from app.models.alert import AlertRule
from app.models.case import Case, CaseEvent, CaseEventKind, CaseStatus
from app.models.outbound_webhook import EventType
from app.models.types import utcnow
from app.services.cases.payloads import case_data
from app.services.outbound.events import emit


def team_manager(workspace_id: int, team: str | None) -> int | None:
    """The manager whose teams include the ticket's team (the earliest to join, if several)."""
    if not team:
        return None
    wanted = team.strip().casefold()
    managers = db.session.scalars(
        select(Membership)
        .where(Membership.workspace_id == workspace_id, Membership.role == Role.MANAGER)
        .order_by(Membership.id)
    )
    return next((m.user_id for m in managers if wanted in {t.strip().casefold() for t in m.teams or []}), None)


def _still_members(workspace_id: int, user_ids: list[int]) -> list[int]:
    present = set(
        db.session.scalars(
            select(Membership.user_id).where(Membership.workspace_id == workspace_id, Membership.user_id.in_(user_ids))
        )
    )
    return [uid for uid in user_ids if uid in present]


def assignee_for(rule: AlertRule, invite: Invite) -> int | None:
    """Who the rule gives a new case to (None: nobody fits; the case waits in the shared queue)."""
    if rule.case_assign == "team_manager":
        return team_manager(rule.workspace_id, invite.team)
    if rule.case_assign == "round_robin":
        group = _still_members(rule.workspace_id, list(rule.case_user_ids or []))
        if not group:
            return None
        chosen = group[rule.case_turn % len(group)]
        rule.case_turn += 1
        return chosen
    if rule.case_user_id and _still_members(rule.workspace_id, [rule.case_user_id]):
        return rule.case_user_id
    return None


def open_case_for_match(rule: AlertRule, response: Response, invite: Invite) -> Case | None:
    """In the caller's transaction: a case for an answer a rule matched, unless it has one."""
    if db.session.scalar(select(Case.id).where(Case.response_id == response.id)) is not None:
        return None
    now = utcnow()
    return _open(response, rule.id, assignee_for(rule, invite), now + timedelta(hours=rule.case_due_hours), now)


def open_case(workspace_id: int, data: dict, user_id: int | None = None) -> Case:
    """A case opened by hand (the API), for an answer of the workspace."""
    response = db.session.scalar(
        select(Response).where(Response.id == data["response_id"], Response.workspace_id == workspace_id)
    )
    if response is None:
        raise APIError(404, "not_found", f"No answer {data['response_id']} in this workspace.")
    if db.session.scalar(select(Case.id).where(Case.response_id == response.id)) is not None:
        raise APIError(409, "conflict", "This answer already has a case.")
    assignee = data.get("assignee_id")
    if assignee is not None and not _still_members(workspace_id, [assignee]):
        raise APIError(
            422,
            "validation_error",
            "Not a person of this workspace.",
            {"assignee_id": ["Not a person of this workspace."]},
        )
    now = utcnow()
    case = _open(response, None, assignee, data.get("due_at") or now + timedelta(hours=24), now, user_id)
    db.session.commit()
    return case


def _open(response: Response, rule_id: int | None, assignee: int | None, due, now, user_id: int | None = None) -> Case:
    case = Case(
        workspace_id=response.workspace_id,
        response_id=response.id,
        rule_id=rule_id,
        assignee_id=assignee,
        status=CaseStatus.OPEN,
        due_at=due,
        opened_at=now,
        updated_at=now,
    )
    db.session.add(case)
    db.session.flush()
    detail = f"by rule {rule_id}" if rule_id else None
    db.session.add(CaseEvent(case_id=case.id, at=now, user_id=user_id, kind=CaseEventKind.OPENED, detail=detail))
    if assignee is not None:
        db.session.add(
            CaseEvent(case_id=case.id, at=now, user_id=user_id, kind=CaseEventKind.ASSIGNED, detail=_who(assignee))
        )
    emit(case.workspace_id, EventType.CASE_OPENED, case_data(case))
    return case


def _who(user_id: int) -> str:
    user = db.session.get(User, user_id)
    return user.email if user else f"user {user_id}"
