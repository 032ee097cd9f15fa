"""One agent per id or email, carrying the latest name; a name-only event finds its known agent."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Invite


def _agents(workspace_id: int) -> list[tuple]:
    db.session.expire_all()
    rows = db.session.execute(
        select(Invite.ticket_id, Invite.agent_id, Invite.agent_email, Invite.agent_name)
        .where(Invite.workspace_id == workspace_id)
        .order_by(Invite.id)
    )
    return [tuple(row) for row in rows]


def test_a_name_only_event_is_matched_to_the_known_agent_by_exact_name(make, workspace):
    survey = make.survey(workspace)
    make.invite(survey, id="T-1", agent={"id": "7", "name": "Sam Cole", "email": "sam@acme.example"})
    make.invite(survey, id="T-2", agent={"name": "Sam Cole"})
    make.invite(survey, id="T-3", agent={"name": "sam cole"})  # exact names only: not the same person
    assert _agents(workspace.id) == [
        ("T-1", "7", "sam@acme.example", "Sam Cole"),
        ("T-2", "7", "sam@acme.example", "Sam Cole"),
        ("T-3", None, None, "sam cole"),
    ]


def test_two_known_agents_with_one_name_leave_a_name_only_event_alone(make, workspace):
    survey = make.survey(workspace)
    make.invite(survey, id="T-1", agent={"id": "7", "name": "Alex Kim"})
    make.invite(survey, id="T-2", agent={"id": "9", "name": "Alex Kim"})
    make.invite(survey, id="T-3", agent={"name": "Alex Kim"})
    assert _agents(workspace.id)[-1] == ("T-3", None, None, "Alex Kim")


def test_an_email_only_event_takes_the_id_and_a_rename_is_carried_back(make, workspace):
    survey = make.survey(workspace)
    make.invite(survey, id="T-1", agent={"id": "7", "name": "Sam", "email": "sam@acme.example"})
    make.invite(survey, id="T-2", agent={"email": "sam@acme.example"})
    make.invite(survey, id="T-3", agent={"id": "7", "name": "Sam Cole"})
    assert _agents(workspace.id) == [
        ("T-1", "7", "sam@acme.example", "Sam Cole"),
        ("T-2", "7", "sam@acme.example", "Sam Cole"),
        ("T-3", "7", None, "Sam Cole"),
    ]


def test_agents_are_matched_within_their_own_workspace_only(make, workspace):
    other = make.workspace("Other")
    make.invite(make.survey(other), id="T-1", agent={"id": "7", "name": "Sam Cole"})
    make.invite(make.survey(workspace), id="T-2", agent={"name": "Sam Cole"})
    assert _agents(workspace.id) == [("T-2", None, None, "Sam Cole")]
    assert _agents(other.id) == [("T-1", "7", None, "Sam Cole")]


def test_metrics_group_one_agent_under_the_latest_name(client, auth, make, workspace):
    survey = make.survey(workspace)
    for ticket, agent in (
        ("T-1", {"id": "7", "name": "Sam"}),
        ("T-2", {"name": "Sam"}),
        ("T-3", {"id": "7", "name": "Sam Cole"}),
    ):
        invite = make.invite(survey, id=ticket, agent=agent)
        client.post(f"/s/{invite.token}", data={"score": "5"})
    groups = client.get(f"/api/v1/metrics?survey_id={survey.id}&group_by=agent", headers=auth).json["groups"]
    assert [(g["key"], g["label"], g["n"]) for g in groups] == [("7", "Sam Cole", 3)]
