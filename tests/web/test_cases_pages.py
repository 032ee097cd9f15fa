"""The follow-up queue page, its form, and the case shown on an answer's page (the include)."""

from __future__ import annotations

from flask import g, render_template_string

from app.extensions import db
from app.models.account import Role
from app.models.case import Case
from app.services.accounts import people
from app.services.cases.opening import open_case
from tests.support.api import answer

PASSWORD = "correct horse battery"


def _client_as(app, workspace, email, role):
    user = people.find_user(email) or people.create_user(email, PASSWORD)
    people.set_membership(user, workspace.id, role)
    db.session.commit()
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 303
    return client, user


def test_a_manager_works_their_queue(app, make, workspace):
    client, sam = _client_as(app, workspace, "sam@example.com", Role.MANAGER)
    response = answer(make, make.survey(workspace), 1, "Still broken")
    case = open_case(workspace.id, {"response_id": response.id, "assignee_id": sam.id})
    page = client.get(f"/w/{workspace.id}/cases")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Still broken" in html and "Your open cases" in html and 'aria-current="page">Follow-ups' in html

    saved = client.post(
        f"/w/{workspace.id}/cases/{case.id}",
        data={"status": "contacted", "note": "Phoned", "back": "https://evil.example/"},
    )
    assert saved.status_code == 303 and saved.headers["Location"].endswith(f"/w/{workspace.id}/cases")
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == "contacted"
    closed = client.post(f"/w/{workspace.id}/cases/{case.id}", data={"status": "won_back"})
    assert closed.status_code == 303
    assert "No open case here." in client.get(f"/w/{workspace.id}/cases").get_data(as_text=True)


def test_roles_that_do_not_work_follow_ups_are_refused(app, make, workspace):
    _client_as(app, workspace, "owner@example.com", Role.OWNER)
    client, _ = _client_as(app, workspace, "ana@example.com", Role.ANALYST)
    assert client.get(f"/w/{workspace.id}/cases").status_code == 403


def test_the_answer_page_include_shows_the_case_to_those_who_work_it(app, make, workspace):
    _, sam = _client_as(app, workspace, "sam@example.com", Role.MANAGER)
    _, ana = _client_as(app, workspace, "ana@example.com", Role.ANALYST)
    response = answer(make, make.survey(workspace), 2)
    open_case(workspace.id, {"response_id": response.id, "assignee_id": sam.id})
    template = '{% include "web/cases/_on_answer.html" %}'
    with app.test_request_context(f"/w/{workspace.id}/responses/{response.id}"):
        g.workspace = workspace.row
        g.membership = people.membership_of(sam.id, workspace.id)
        html = render_template_string(template, response=response)
        assert "Follow-up" in html and "owner: sam@example.com" in html and 'name="status"' in html
        g.membership = people.membership_of(ana.id, workspace.id)
        assert render_template_string(template, response=response).strip() == ""
