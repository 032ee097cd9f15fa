"""A manager limited to some teams (issue: roles): the feed, its CSV, an answer's page and the
dashboard read only those teams, whatever the URL asks for; owners set the teams on the people page
and from the CLI."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest

from app.extensions import db
from app.models import Membership
from app.models.account import Role
from app.services.accounts import people
from tests.support.api import answer

PASSWORD = "correct horse battery"
BASE = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
MARCH = "from=2026-03-01&to=2026-03-31"


def _said(team: str) -> str:
    """A comment naming its team by a code (no theme word: the feed marks those)."""
    return f"note {team.lower()[:4]}xyz"


def _sign_in(app, email: str):
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 303
    return client


def _member(workspace_id: int, role: Role, email: str, teams: list[str] | None = None) -> Membership:
    user = people.find_user(email) or people.create_user(email, PASSWORD)
    membership = people.set_membership(user, workspace_id, role)
    membership.teams = teams or []
    db.session.commit()
    return membership


@pytest.fixture
def answers(make, workspace):
    survey = make.survey(workspace, "csat")
    return {
        team: answer(make, survey, score, _said(team), BASE + timedelta(hours=i), team=team)
        for i, (team, score) in enumerate([("Billing", 1), ("Technical", 5), ("Billing", 4), ("Onboarding", 2)])
    }


def test_a_limited_manager_reads_only_their_teams(app, workspace, answers):
    _member(workspace.id, Role.MANAGER, "lead@acme.test", ["Billing", "Onboarding"])
    client = _sign_in(app, "lead@acme.test")

    feed = client.get(f"/w/{workspace.id}/responses?{MARCH}").get_data(as_text=True)
    assert _said("Billing") in feed and _said("Technical") not in feed and _said("Onboarding") not in feed
    # Another team by URL: one of theirs instead, never every team.
    asked = client.get(f"/w/{workspace.id}/responses?team=Technical&{MARCH}").get_data(as_text=True)
    assert _said("Technical") not in asked and _said("Billing") in asked
    theirs = client.get(f"/w/{workspace.id}/responses?team=Onboarding&{MARCH}").get_data(as_text=True)
    assert _said("Onboarding") in theirs and _said("Billing") not in theirs

    assert client.get(f"/w/{workspace.id}/responses/{answers['Technical'].id}").status_code == 404
    assert client.get(f"/w/{workspace.id}/responses/{answers['Onboarding'].id}").status_code == 200

    exported = client.get(f"/w/{workspace.id}/responses.csv?team=Technical&{MARCH}")
    assert exported.status_code == 200
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert len(rows) == 2 and {row["comment"] for row in rows} == {_said("Billing")}

    agents = client.get(f"/w/{workspace.id}/agents?team=Technical&{MARCH}").get_data(as_text=True)
    assert "Your role shows only your teams: showing Billing." in agents


def test_an_unlimited_manager_and_an_analyst_read_every_team(app, workspace, answers):
    _member(workspace.id, Role.MANAGER, "all@acme.test")
    _member(workspace.id, Role.ANALYST, "analyst@acme.test", ["Billing"])  # teams limit managers only
    for email in ("all@acme.test", "analyst@acme.test"):
        feed = _sign_in(app, email).get(f"/w/{workspace.id}/responses?{MARCH}").get_data(as_text=True)
        assert all(_said(team) in feed for team in ("Billing", "Technical", "Onboarding"))


def test_an_owner_limits_a_manager_on_the_people_page(app, workspace):
    _member(workspace.id, Role.OWNER, "owner@acme.test")
    manager = _member(workspace.id, Role.MANAGER, "lead@acme.test")
    client = _sign_in(app, "owner@acme.test")
    page = client.get(f"/w/{workspace.id}/settings/people").get_data(as_text=True)
    assert f'id="teams-{manager.id}"' in page
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    saved = client.post(
        f"/w/{workspace.id}/settings/people/{manager.id}",
        data={"csrf_token": csrf, "role": "manager", "teams": " Billing ,, Technical, Billing "},
    )

    assert saved.status_code == 200
    db.session.expire_all()
    assert db.session.get(Membership, manager.id).teams == ["Billing", "Technical"]


def test_the_cli_sets_a_managers_teams(app, workspace):
    _member(workspace.id, Role.ANALYST, "lead@acme.test")
    result = app.test_cli_runner().invoke(
        args=[
            "users",
            "set-role",
            "lead@acme.test",
            "--workspace",
            str(workspace.id),
            "--role",
            "manager",
            "--teams",
            "Billing",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "(teams: Billing)" in result.output
    db.session.expire_all()
    membership = people.membership_of(people.find_user("lead@acme.test").id, workspace.id)
    assert (membership.role, membership.teams) == ("manager", ["Billing"])


def test_a_limited_manager_works_only_their_teams_cases(app, workspace, answers):
    from app.models.case import Case
    from app.services.cases.opening import open_case

    _member(workspace.id, Role.MANAGER, "lead@acme.test", ["Billing"])
    client = _sign_in(app, "lead@acme.test")
    theirs = open_case(workspace.id, {"response_id": answers["Billing"].id})
    other = open_case(workspace.id, {"response_id": answers["Technical"].id})

    queue = client.get(f"/w/{workspace.id}/cases?who=unassigned").get_data(as_text=True)
    assert _said("Billing") in queue and _said("Technical") not in queue

    assert client.post(f"/w/{workspace.id}/cases/{other.id}", data={"status": "contacted"}).status_code == 404
    assert client.post(f"/w/{workspace.id}/cases/{theirs.id}", data={"status": "contacted"}).status_code == 303
    db.session.expire_all()
    assert (db.session.get(Case, other.id).status, db.session.get(Case, theirs.id).status) == ("open", "contacted")
