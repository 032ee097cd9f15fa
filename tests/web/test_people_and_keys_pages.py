"""The People and API keys settings pages: who may open them, and what they do."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.models import AccountToken, ApiKey
from app.models.account import Role
from app.services.accounts import people

PASSWORD = "correct horse battery"


def _person(workspace, role: Role, email: str):
    user = people.find_user(email) or people.create_user(email, PASSWORD)
    membership = people.set_membership(user, workspace.id, role)
    db.session.commit()
    return membership


def _client_as(app, email: str):
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 303
    return client


@pytest.mark.parametrize("page", ["keys", "people"])
@pytest.mark.parametrize("role, status", [(Role.OWNER, 200), (Role.ADMIN, 200), *[(r, 403) for r in list(Role)[2:]]])
def test_who_may_open_the_pages(app, workspace, page, role, status):
    if role is not Role.OWNER:
        _person(workspace, Role.OWNER, "owner@example.com")
    _person(workspace, role, f"{role}@example.com")
    client = _client_as(app, f"{role}@example.com")
    assert client.get(f"/w/{workspace.id}/settings/{page}").status_code == status


@pytest.mark.parametrize("role", list(Role)[2:])
def test_other_roles_can_not_create_or_revoke_keys(app, workspace, role):
    _person(workspace, role, f"{role}@example.com")
    client = _client_as(app, f"{role}@example.com")
    (initial,) = db.session.query(ApiKey).all()
    assert client.post(f"/w/{workspace.id}/settings/keys", data={"name": "x", "scope": "write"}).status_code == 403
    assert client.post(f"/w/{workspace.id}/settings/keys/{initial.id}/revoke").status_code == 403
    db.session.refresh(initial)
    assert db.session.query(ApiKey).count() == 1 and initial.revoked_at is None


def test_an_admin_creates_a_key_sees_it_once_and_revokes_it(app, workspace):
    _person(workspace, Role.ADMIN, "admin@example.com")
    client = _client_as(app, "admin@example.com")
    created = client.post(f"/w/{workspace.id}/settings/keys", data={"name": "Looker", "scope": "read"})
    text = created.get_data(as_text=True)
    assert created.status_code == 201 and "shown only this once" in text
    key = re.search(r'id="new-key" type="text" value="(aw_[^"]+)" readonly', text).group(1)
    api = app.test_client()
    assert api.get("/api/v1/surveys", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    listing = client.get(f"/w/{workspace.id}/settings/keys").get_data(as_text=True)
    assert "Looker" in listing and key[:10] in listing and key not in listing and "Initial key" in listing
    row = db.session.query(ApiKey).filter_by(name="Looker").one()
    revoked = client.post(f"/w/{workspace.id}/settings/keys/{row.id}/revoke")
    assert revoked.status_code == 303
    assert api.get("/api/v1/surveys", headers={"Authorization": f"Bearer {key}"}).status_code == 401
    assert "Revoked" in client.get(f"/w/{workspace.id}/settings/keys").get_data(as_text=True)


def test_a_key_without_a_name_or_scope_is_refused_beside_its_fields(app, workspace):
    _person(workspace, Role.OWNER, "owner@example.com")
    client = _client_as(app, "owner@example.com")
    refused = client.post(f"/w/{workspace.id}/settings/keys", data={"name": "", "scope": "admin"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'id="f-name-error"' in text and 'id="f-scope-error"' in text
    assert db.session.query(ApiKey).count() == 1


def test_another_workspaces_key_can_not_be_revoked(app, workspace, make):
    _person(workspace, Role.OWNER, "owner@example.com")
    other = make.workspace("Other")
    theirs = db.session.query(ApiKey).filter_by(workspace_id=other.id).one()
    client = _client_as(app, "owner@example.com")
    assert client.post(f"/w/{workspace.id}/settings/keys/{theirs.id}/revoke").status_code == 404
    assert client.post(f"/w/{other.id}/settings/keys/{theirs.id}/revoke").status_code == 404
    db.session.refresh(theirs)
    assert theirs.revoked_at is None


def test_the_people_page_invites_changes_and_removes(app, workspace):
    _person(workspace, Role.OWNER, "owner@example.com")
    agent = _person(workspace, Role.AGENT, "agent@example.com")
    client = _client_as(app, "owner@example.com")
    page = client.get(f"/w/{workspace.id}/settings/people").get_data(as_text=True)
    assert "agent@example.com" in page and f'id="agent_key-{agent.id}"' in page and '<label for="f-email">' in page
    invited = client.post(
        f"/w/{workspace.id}/settings/people/invitations", data={"email": "New@Example.com", "role": "analyst"}
    )
    assert invited.status_code == 200 and "Invitation sent" in invited.get_data(as_text=True)
    pending = db.session.query(AccountToken).filter_by(email="new@example.com").one()
    assert "new@example.com" in client.get(f"/w/{workspace.id}/settings/people").get_data(as_text=True)
    assert client.post(f"/w/{workspace.id}/settings/people/invitations/{pending.id}/revoke").status_code == 200
    db.session.refresh(pending)
    assert pending.used_at is not None
    saved = client.post(f"/w/{workspace.id}/settings/people/{agent.id}", data={"role": "agent", "agent_key": "a1"})
    assert saved.status_code == 200
    db.session.refresh(agent)
    assert agent.agent_key == "a1"
    assert client.post(f"/w/{workspace.id}/settings/people/{agent.id}/remove").status_code == 200
    assert people.membership_of(agent.user_id, workspace.id) is None


def test_the_last_owner_is_refused_beside_the_role(app, workspace):
    owner = _person(workspace, Role.OWNER, "owner@example.com")
    client = _client_as(app, "owner@example.com")
    refused = client.post(f"/w/{workspace.id}/settings/people/{owner.id}", data={"role": "admin"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 409 and f'id="role-{owner.id}-error"' in text and "needs an owner" in text
    assert client.post(f"/w/{workspace.id}/settings/people/{owner.id}/remove").status_code == 409
    db.session.refresh(owner)
    assert owner.role == Role.OWNER


def test_an_admin_sees_no_owner_choice_and_can_not_touch_owners(app, workspace):
    owner = _person(workspace, Role.OWNER, "owner@example.com")
    _person(workspace, Role.ADMIN, "admin@example.com")
    client = _client_as(app, "admin@example.com")
    page = client.get(f"/w/{workspace.id}/settings/people").get_data(as_text=True)
    assert 'value="owner"' not in page
    assert client.post(f"/w/{workspace.id}/settings/people/{owner.id}", data={"role": "viewer"}).status_code == 403
    refused = client.post(
        f"/w/{workspace.id}/settings/people/invitations", data={"email": "x@example.com", "role": "owner"}
    )
    assert refused.status_code == 403
    db.session.refresh(owner)
    assert owner.role == Role.OWNER


def test_an_admin_who_steps_down_leaves_the_page(app, workspace):
    _person(workspace, Role.OWNER, "owner@example.com")
    admin = _person(workspace, Role.ADMIN, "admin@example.com")
    client = _client_as(app, "admin@example.com")
    stepped = client.post(f"/w/{workspace.id}/settings/people/{admin.id}", data={"role": "viewer"})
    assert stepped.status_code == 303


def test_the_settings_navigation_lists_both_pages(app, workspace):
    _person(workspace, Role.ADMIN, "admin@example.com")
    page = _client_as(app, "admin@example.com").get(f"/w/{workspace.id}/settings/brand").get_data(as_text=True)
    assert "/settings/people" in page and "/settings/keys" in page


def test_pages_carry_no_inline_script_or_style(app, workspace):
    _person(workspace, Role.OWNER, "owner@example.com")
    client = _client_as(app, "owner@example.com")
    for page in ("people", "keys"):
        text = client.get(f"/w/{workspace.id}/settings/{page}").get_data(as_text=True)
        assert "<script" not in text and "style=" not in text and "<style" not in text
