"""Follow-up cases: opened by a matching rule, assigned by its rule, worked, and counted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Invite
from app.models.account import Role
from app.models.case import Case, CaseEvent
from app.models.types import utcnow
from app.services.accounts.people import create_user, set_membership
from app.services.alerts.rules import create_rule
from app.services.alerts.sweep import run_alerts
from app.services.answers.record import load_invite_state, record_answer
from app.services.cases.figures import case_figures
from app.services.cases.working import change_case
from app.services.outbound.endpoints import create_endpoint
from tests.support.receiver import Receiver


def _person(workspace, email, role=Role.MANAGER, teams=()):
    user = create_user(email, "a long enough password")
    membership = set_membership(user, workspace.id, role)
    membership.teams = list(teams)
    db.session.commit()
    return user


def _answer(make, survey, score, **ticket):
    invite = make.invite(survey, **ticket)
    return record_answer(load_invite_state(invite.token), score, "Not good")


def _weigh():
    run_alerts(utcnow() + timedelta(minutes=11))


def _rule(workspace, **case):
    return create_rule(
        workspace.id, {"name": "Low", "conditions": {"score_at_most": 2}, "case": {"open": True, **case}}
    )


@pytest.fixture
def survey(make, workspace):
    return make.survey(workspace)


def test_a_matching_rule_opens_one_case_for_the_named_person(make, workspace, survey):
    sam = _person(workspace, "sam@example.com")
    _rule(workspace, assign="person", user_id=sam.id, due_hours=8)
    _rule(workspace, assign="person", user_id=sam.id)  # a second rule: still one case per answer
    response = _answer(make, survey, 1)
    _answer(make, survey, 5)  # does not match
    _weigh()
    [case] = db.session.scalars(select(Case)).all()
    assert case.response_id == response.id and case.assignee_id == sam.id and case.status == "open"
    assert timedelta(hours=7, minutes=59) < case.due_at - case.opened_at <= timedelta(hours=8)
    kinds = [e.kind for e in db.session.scalars(select(CaseEvent).order_by(CaseEvent.id))]
    assert kinds == ["opened", "assigned"]


def test_the_team_manager_gets_the_case_of_their_team(make, workspace, survey):
    _person(workspace, "other@example.com", teams=["Shipping"])
    billing = _person(workspace, "billing@example.com", teams=["Billing", "Refunds"])
    _rule(workspace, assign="team_manager")
    _answer(make, survey, 1, team="billing")
    _answer(make, survey, 1, team="Support")  # no manager: waits unassigned
    _weigh()
    owners = [c.assignee_id for c in db.session.scalars(select(Case).order_by(Case.id))]
    assert owners == [billing.id, None]


def test_round_robin_hands_cases_out_in_turn(make, workspace, survey):
    a, b = _person(workspace, "a@example.com"), _person(workspace, "b@example.com")
    _rule(workspace, assign="round_robin", user_ids=[a.id, b.id])
    for _ in range(5):
        _answer(make, survey, 2)
    _weigh()
    owners = [c.assignee_id for c in db.session.scalars(select(Case).order_by(Case.id))]
    assert owners == [a.id, b.id, a.id, b.id, a.id]


def test_working_a_case_keeps_its_history_and_announces_changes_not_notes(make, workspace, survey):
    receiver = Receiver()
    try:
        view = create_endpoint(workspace.id, {"url": receiver.url, "events": ["case.opened", "case.updated"]})
        sam = _person(workspace, "sam@example.com")
        _rule(workspace, assign="person", user_id=sam.id)
        _answer(make, survey, 1)
        _weigh()
        case = db.session.scalars(select(Case)).one()
        change_case(case, {"note": "Called, no answer"}, sam.id)
        change_case(case, {"status": "contacted"}, sam.id)
        done = change_case(case, {"status": "won_back", "note": "Refunded, happy again"}, sam.id)
        assert done.status == "won_back" and done.closed_at is not None
        assert [(h.kind, h.detail, h.by) for h in done.history][2:] == [
            ("note", "Called, no answer", "sam@example.com"),
            ("status", "contacted", "sam@example.com"),
            ("status", "won_back", "sam@example.com"),
            ("note", "Refunded, happy again", "sam@example.com"),
        ]
        events = [r.json() for r in receiver.received]
        assert [e["type"] for e in events] == ["case.opened", "case.updated", "case.updated"]
        assert events[0]["data"]["case"]["assignee"]["email"] == "sam@example.com"
        assert events[2]["data"]["changes"] == {"status": ["contacted", "won_back"]}
        assert "Refunded" not in receiver.received[-1].body.decode()  # notes stay inside
        assert view.id
    finally:
        receiver.close()


def test_the_figures(make, workspace, survey):
    sam = _person(workspace, "sam@example.com")
    _rule(workspace, assign="person", user_id=sam.id, due_hours=24)
    for _ in range(5):
        _answer(make, survey, 1)
    _weigh()
    cases = db.session.scalars(select(Case).order_by(Case.id)).all()
    start = cases[0].opened_at
    closings = [("won_back", 2), ("resolved", 10), ("not_recoverable", 30), ("won_back", 6)]
    for case, (status, hours) in zip(cases, closings, strict=False):
        change_case(case, {"status": status})
        case.closed_at = case.opened_at + timedelta(hours=hours)
    cases[4].due_at = start - timedelta(hours=1)  # the fifth is open and overdue
    db.session.commit()
    figures = case_figures(workspace.id, start - timedelta(days=1), start + timedelta(days=1), utcnow())
    assert figures.opened == 5 and figures.closed == 4
    assert figures.closed_in_time == 3  # 30 h is past the 24 h due time
    assert figures.open_overdue == 1
    assert figures.median_hours_to_close == 8.0  # of 2, 6, 10, 30
    assert figures.recovery_rate == 0.5  # 2 won back of 4 closed


def test_a_resolved_case_offers_the_did_we_put_it_right_survey_once(make, workspace, survey):
    sam = _person(workspace, "sam@example.com")
    again = make.survey(workspace, name="Did we put it right?")
    _rule(workspace, assign="person", user_id=sam.id, resurvey_survey_id=again.id)
    response = _answer(make, survey, 1, team="Billing")
    _weigh()
    case = db.session.scalars(select(Case)).one()
    change_case(case, {"status": "contacted"}, sam.id)
    assert db.session.scalars(select(Invite).where(Invite.survey_id == again.id)).all() == []
    done = change_case(case, {"status": "resolved"}, sam.id)
    [offered] = db.session.scalars(select(Invite).where(Invite.survey_id == again.id)).all()
    original = db.session.get(Invite, response.invite_id)
    assert (offered.customer_email, offered.ticket_id, offered.team) == (
        original.customer_email,
        original.ticket_id,
        "Billing",
    )
    history = change_case(case, {}, sam.id).history
    assert history[-1].kind == "resurvey" and f"invite {offered.id}" in history[-1].detail
    assert done.status == "resolved"
    change_case(case, {"status": "open"}, sam.id)
    change_case(case, {"status": "won_back"}, sam.id)  # resolved again: no second survey
    assert len(db.session.scalars(select(Invite).where(Invite.survey_id == again.id)).all()) == 1
