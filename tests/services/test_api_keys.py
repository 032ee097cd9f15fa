"""The API-key use cases: only roles that manage keys may create, list or revoke them."""

from __future__ import annotations

import pytest

from app.errors import APIError
from app.extensions import db
from app.models.account import Role
from app.services import api_keys
from app.services.accounts import people


def _member(workspace, role: Role, email: str):
    user = people.create_user(email)
    membership = people.set_membership(user, workspace.id, role)
    db.session.commit()
    return membership


def test_create_shows_the_key_once_and_stores_only_its_hash(client, workspace):
    admin = _member(workspace, Role.ADMIN, "admin@example.com")
    row, key = api_keys.create_key(admin, "  Looker  ", "read")
    assert (row.name, row.scope, row.created_by) == ("Looker", "read", admin.user_id)
    assert row.key_hash == api_keys.hash_api_key(key) and key not in row.key_hash and key.startswith(row.prefix)
    assert client.get("/api/v1/surveys", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    assert [k.name for k in api_keys.list_keys(admin)] == ["Looker", "Initial key"]


def test_revoke_stops_the_key_and_is_idempotent(client, workspace):
    owner = _member(workspace, Role.OWNER, "owner@example.com")
    row, key = api_keys.create_key(owner, "Zapier", "write")
    api_keys.revoke_key(owner, row.id)
    revoked_at = row.revoked_at
    assert revoked_at is not None and api_keys.revoke_key(owner, row.id).revoked_at == revoked_at
    assert client.get("/api/v1/surveys", headers={"Authorization": f"Bearer {key}"}).status_code == 401


def test_another_workspaces_key_is_not_found(workspace, make):
    owner = _member(workspace, Role.OWNER, "owner@example.com")
    other = make.workspace("Other")
    other_owner = _member(other, Role.OWNER, "other@example.com")
    row, _ = api_keys.create_key(other_owner, "Theirs", "write")
    with pytest.raises(APIError) as refused:
        api_keys.revoke_key(owner, row.id)
    assert refused.value.status == 404 and row.revoked_at is None


def test_a_blank_name_is_refused(workspace):
    owner = _member(workspace, Role.OWNER, "owner@example.com")
    with pytest.raises(APIError) as refused:
        api_keys.create_key(owner, "   ", "read")
    assert refused.value.status == 422 and "name" in refused.value.fields


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ANALYST, Role.VIEWER, Role.AGENT])
def test_other_roles_may_not_touch_keys(workspace, role):
    member = _member(workspace, role, f"{role}@example.com")
    for call in (
        lambda: api_keys.create_key(member, "x", "write"),
        lambda: api_keys.list_keys(member),
        lambda: api_keys.revoke_key(member, 1),
    ):
        with pytest.raises(APIError) as refused:
            call()
        assert refused.value.status == 403
