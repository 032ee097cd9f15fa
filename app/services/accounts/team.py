"""A workspace's people, managed by its owners and admins: invitations, roles, removals.

The rules, checked here once per use case (pages and any later API call them alike):
- owners and admins manage people (Action.MANAGE_PEOPLE);
- only an owner may invite, promote to, change or remove an owner (Action.MANAGE_OWNERS);
- the last owner can never be demoted or removed, not even by themselves: a workspace always has
  someone who may do everything.
"""

from __future__ import annotations

from sqlalchemy import case, select

from app.errors import APIError
from app.extensions import db
from app.models import AccountToken, Membership, User
from app.models.account import Role, TokenPurpose
from app.models.audit import AuditAction
from app.models.types import utcnow
from app.services import audit
from app.services.accounts import people
from app.services.accounts.permissions import Action, require

LAST_OWNER = "A workspace needs an owner: make someone else owner first."


def members(actor: Membership) -> list[tuple[Membership, User]]:
    """Everyone in the actor's workspace, owners first, then by email."""
    require(actor, Action.MANAGE_PEOPLE)
    rank = case({role.value: i for i, role in enumerate(Role)}, value=Membership.role)
    rows = db.session.execute(
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.workspace_id == actor.workspace_id)
        .order_by(rank, User.email)
    )
    return [(m, u) for m, u in rows]


def pending_invitations(actor: Membership) -> list[AccountToken]:
    """Invitations to the workspace not yet accepted and not expired, newest first."""
    require(actor, Action.MANAGE_PEOPLE)
    return list(
        db.session.scalars(
            select(AccountToken)
            .where(
                AccountToken.workspace_id == actor.workspace_id,
                AccountToken.purpose == TokenPurpose.INVITE,
                AccountToken.used_at.is_(None),
                AccountToken.expires_at > utcnow(),
            )
            .order_by(AccountToken.id.desc())
        )
    )


def invite_person(actor: Membership, email: str, role: str) -> None:
    """Email an invitation (email and role as InvitationInSchema loaded them)."""
    require(actor, Action.MANAGE_PEOPLE)
    if Role(role) is Role.OWNER:
        require(actor, Action.MANAGE_OWNERS)
    existing = people.find_user(email)
    if existing is not None and people.membership_of(existing.id, actor.workspace_id) is not None:
        problem = "This person is already a member: change their role below."
        raise APIError(409, "conflict", problem, {"email": [problem]})
    inviter = db.session.get(User, actor.user_id)
    people.invite(actor.workspace_id, email, Role(role), invited_by=inviter)


def revoke_invitation(actor: Membership, invitation_id: int) -> None:
    """The link stops working (it is spent, as if used); an owner's invitation only by an owner."""
    require(actor, Action.MANAGE_PEOPLE)
    row = db.session.get(AccountToken, invitation_id)
    if row is None or row.workspace_id != actor.workspace_id or row.purpose != TokenPurpose.INVITE:
        raise APIError(404, "not_found", "No such invitation.")
    if row.role == Role.OWNER:
        require(actor, Action.MANAGE_OWNERS)
    if row.used_at is None:
        row.used_at = utcnow()
        audit.record(AuditAction.INVITATION_REVOKED, row.workspace_id, row.email, {"role": row.role})
        db.session.commit()


def _target(actor: Membership, membership_id: int) -> Membership:
    target = db.session.get(Membership, membership_id)
    if target is None or target.workspace_id != actor.workspace_id:
        raise APIError(404, "not_found", "No such member.")
    return target


def _owners_left_without(target: Membership) -> int:
    """How many owners the workspace keeps if `target` stops being one. The owners' rows are
    locked (PostgreSQL), so two owners demoting each other at once cannot both succeed."""
    locked = select(Membership.id).where(Membership.workspace_id == target.workspace_id, Membership.role == Role.OWNER)
    ids = list(db.session.scalars(locked.with_for_update()))
    return len([i for i in ids if i != target.id])


KEEP = object()  # agent_key not given: leave it as it is


def team_names(text: str | None) -> list[str]:
    """ "Billing, Technical" -> ["Billing", "Technical"]: trimmed, empty and repeated names dropped."""
    names: list[str] = []
    for name in (text or "").split(","):
        name = " ".join(name.split())[:100]
        if name and name not in names:
            names.append(name)
    return names


def change_member(
    actor: Membership, membership_id: int, role: str | None = None, agent_key=KEEP, teams=KEEP
) -> Membership:
    """Change a member's role, agent key and/or a manager's teams (as MembershipInSchema loaded
    them; an empty agent key clears it, empty teams mean every team)."""
    require(actor, Action.MANAGE_PEOPLE)
    target = _target(actor, membership_id)
    new_role = Role(role) if role is not None else Role(target.role)
    if Role.OWNER in (Role(target.role), new_role) and new_role != target.role:
        require(actor, Action.MANAGE_OWNERS)
        if target.role == Role.OWNER and _owners_left_without(target) == 0:
            raise APIError(409, "last_owner", LAST_OWNER, {"role": [LAST_OWNER]})
    before = (target.role, target.agent_key, list(target.teams or []))
    target.role = new_role
    if agent_key is not KEEP:
        target.agent_key = (agent_key or "").strip() or None
    if teams is not KEEP:
        target.teams = team_names(teams)
    if (target.role, target.agent_key, list(target.teams or [])) != before:
        detail = {
            "role": [before[0], target.role],
            "agent_key": [before[1], target.agent_key],
            "teams": [before[2], list(target.teams or [])],
        }
        audit.record(AuditAction.ROLE_CHANGED, target.workspace_id, f"user {target.user_id}", detail)
    db.session.commit()
    return target


def remove_member(actor: Membership, membership_id: int) -> None:
    """Take someone out of the workspace (their account stays, with any other workspace)."""
    require(actor, Action.MANAGE_PEOPLE)
    target = _target(actor, membership_id)
    if target.role == Role.OWNER:
        require(actor, Action.MANAGE_OWNERS)
        if _owners_left_without(target) == 0:
            raise APIError(409, "last_owner", LAST_OWNER)
    db.session.delete(target)
    audit.record(AuditAction.PERSON_REMOVED, target.workspace_id, f"user {target.user_id}", {"role": target.role})
    db.session.commit()
