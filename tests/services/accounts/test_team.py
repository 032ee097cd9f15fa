"""Managing people: owners and admins do, only owners touch owners, the last owner always stays."""

from __future__ import annotations

import pytest

from app.errors import APIError
from app.extensions import db
from app.models import Membership
from app.models.account import Role
from app.services.accounts import people, team
from tests.support.api import outbox


def _member(workspace, role: Role, email: str) -> Membership:
    user = people.find_user(email) or people.create_user(email)
    membership = people.set_membership(user, workspace.id, role)
    db.session.commit()
    return membership


def _refused(call, status: int) -> APIError:
    with pytest.raises(APIError) as refused:
        call()
    assert refused.value.status == status, refused.value.message
    return refused.value


def test_the_last_owner_can_neither_be_demoted_nor_removed_even_by_themselves(workspace):
    owner = _member(workspace, Role.OWNER, "owner@example.com")
    assert _refused(lambda: team.change_member(owner, owner.id, role="admin"), 409).code == "last_owner"
    _refused(lambda: team.remove_member(owner, owner.id), 409)
    db.session.refresh(owner)
    assert owner.role == Role.OWNER


def test_with_a_second_owner_an_owner_may_step_down_or_leave(workspace):
    first = _member(workspace, Role.OWNER, "first@example.com")
    second = _member(workspace, Role.OWNER, "second@example.com")
    team.change_member(first, first.id, role="admin")
    assert first.role == Role.ADMIN
    _refused(lambda: team.remove_member(second, second.id), 409)  # now the last one
    team.remove_member(second, first.id)
    assert [m.role for m, _ in team.members(second)] == ["owner"]


def test_an_admin_manages_everyone_but_owners(workspace):
    owner = _member(workspace, Role.OWNER, "owner@example.com")
    admin = _member(workspace, Role.ADMIN, "admin@example.com")
    viewer = _member(workspace, Role.VIEWER, "viewer@example.com")
    team.change_member(admin, viewer.id, role="analyst")
    assert viewer.role == Role.ANALYST
    _refused(lambda: team.change_member(admin, viewer.id, role="owner"), 403)
    _refused(lambda: team.change_member(admin, owner.id, role="viewer"), 403)
    _refused(lambda: team.remove_member(admin, owner.id), 403)
    _refused(lambda: team.invite_person(admin, "new@example.com", "owner"), 403)
    team.remove_member(admin, viewer.id)
    assert {m.role for m, _ in team.members(admin)} == {"owner", "admin"}


def test_an_owner_may_make_and_unmake_owners(workspace):
    owner = _member(workspace, Role.OWNER, "owner@example.com")
    admin = _member(workspace, Role.ADMIN, "admin@example.com")
    team.change_member(owner, admin.id, role="owner")
    assert admin.role == Role.OWNER
    team.change_member(owner, admin.id, role="viewer")
    assert admin.role == Role.VIEWER


def test_an_agents_key_is_set_and_cleared(workspace):
    owner = _member(workspace, Role.OWNER, "owner@example.com")
    agent = _member(workspace, Role.AGENT, "agent@example.com")
    team.change_member(owner, agent.id, agent_key=" a1@helpdesk.example ")
    assert agent.agent_key == "a1@helpdesk.example" and agent.role == Role.AGENT
    team.change_member(owner, agent.id, role="agent", agent_key="")
    assert agent.agent_key is None


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ANALYST, Role.VIEWER, Role.AGENT])
def test_other_roles_manage_nobody(workspace, role):
    _member(workspace, Role.OWNER, "owner@example.com")
    member = _member(workspace, role, "someone@example.com")
    _refused(lambda: team.members(member), 403)
    _refused(lambda: team.pending_invitations(member), 403)
    _refused(lambda: team.invite_person(member, "x@example.com", "viewer"), 403)
    _refused(lambda: team.change_member(member, member.id, role="admin"), 403)
    _refused(lambda: team.remove_member(member, member.id), 403)


def test_another_workspaces_member_is_not_found(workspace, make):
    owner = _member(workspace, Role.OWNER, "owner@example.com")
    other = make.workspace("Other")
    stranger = _member(other, Role.VIEWER, "stranger@example.com")
    _refused(lambda: team.change_member(owner, stranger.id, role="admin"), 404)
    _refused(lambda: team.remove_member(owner, stranger.id), 404)


def test_invitations_are_listed_until_revoked_and_members_are_not_reinvited(workspace):
    owner = _member(workspace, Role.OWNER, "owner@example.com")
    before = len(outbox())
    team.invite_person(owner, "new@example.com", "analyst")
    assert len(outbox()) == before + 1
    (pending,) = team.pending_invitations(owner)
    assert (pending.email, pending.role, pending.invited_by) == ("new@example.com", "analyst", owner.user_id)
    team.revoke_invitation(owner, pending.id)
    assert team.pending_invitations(owner) == []
    assert _refused(lambda: team.invite_person(owner, "OWNER@example.com", "viewer"), 409).fields["email"]


def test_an_admin_may_not_revoke_an_owners_invitation(workspace):
    owner = _member(workspace, Role.OWNER, "owner@example.com")
    admin = _member(workspace, Role.ADMIN, "admin@example.com")
    team.invite_person(owner, "heir@example.com", "owner")
    (pending,) = team.pending_invitations(admin)
    _refused(lambda: team.revoke_invitation(admin, pending.id), 403)
