"""The digest page: a person opts in (weekly or daily, a language) and out."""

from __future__ import annotations

from app.extensions import db
from app.models.account import Role
from app.models.digest import DigestSubscription
from app.services.accounts import people

PASSWORD = "correct horse battery"


def _client_as(app, workspace, role):
    email = f"{role}@example.com"
    user = people.create_user(email, PASSWORD)
    people.set_membership(user, workspace.id, role)
    db.session.commit()
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 303
    return client


def test_opt_in_change_and_opt_out(app, workspace):
    client = _client_as(app, workspace, Role.ANALYST)
    url = f"/w/{workspace.id}/digest"
    assert 'value="" checked' in client.get(url).get_data(as_text=True)
    saved = client.post(url, data={"frequency": "daily", "locale": "de"})
    assert saved.status_code == 200 and "Next one:" in saved.get_data(as_text=True)
    row = db.session.query(DigestSubscription).one()
    assert (row.frequency, row.locale) == ("daily", "de")
    client.post(url, data={"frequency": "", "locale": "de"})
    assert db.session.query(DigestSubscription).count() == 0
    assert client.post(url, data={"frequency": "hourly"}).status_code == 400


def test_an_agent_is_told_why_not(app, workspace):
    _client_as(app, workspace, Role.OWNER)
    client = _client_as(app, workspace, Role.AGENT)
    resp = client.post(f"/w/{workspace.id}/digest", data={"frequency": "weekly"})
    assert resp.status_code == 403 and "agent" in resp.get_data(as_text=True)
