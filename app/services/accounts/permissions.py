"""What each role may do: the one place that decides, called by every use case that needs it.

| action            | owner | admin | manager | analyst | viewer | agent       |
|-------------------|-------|-------|---------|---------|--------|-------------|
| manage_owners     | yes   |       |         |         |        |             |
| manage_settings   | yes   | yes   |         |         |        |             |
| manage_people     | yes   | yes   |         |         |        |             |
| manage_keys       | yes   | yes   |         |         |        |             |
| manage_privacy    | yes   | yes   |         |         |        |             |
| work_follow_ups   | yes   | yes   | yes     |         |        |             |
| read_reports      | yes   | yes   | yes     | yes     | yes    | own only    |
| read_verbatims    | yes   | yes   | yes     | yes     |        | own only    |
| read_identities   | yes   | yes   | yes     | yes     |        | own only    |

A manager may be limited to some teams (Membership.teams): every read of theirs is then narrowed to
one of those teams (team_limit, narrow_team), the way an agent's is narrowed to their own ratings.

When a workspace requires a second factor, an owner or admin without one may do only what a
manager may (the manage_* actions are refused) until they set one up.
"""

from __future__ import annotations

from enum import StrEnum

from app.errors import APIError
from app.extensions import db
from app.models import Membership, User, Workspace
from app.models.account import Role


class Action(StrEnum):
    MANAGE_OWNERS = "manage_owners"
    MANAGE_SETTINGS = "manage_settings"
    MANAGE_PEOPLE = "manage_people"
    MANAGE_KEYS = "manage_keys"
    # Erase or export a customer's data, set retention and redaction, read the audit trail.
    MANAGE_PRIVACY = "manage_privacy"
    WORK_FOLLOW_UPS = "work_follow_ups"
    READ_REPORTS = "read_reports"
    READ_VERBATIMS = "read_verbatims"
    READ_IDENTITIES = "read_identities"


_READERS = {Action.READ_REPORTS, Action.READ_VERBATIMS, Action.READ_IDENTITIES}
ALLOWED: dict[Role, frozenset[Action]] = {
    Role.OWNER: frozenset(Action),
    Role.ADMIN: frozenset(Action) - {Action.MANAGE_OWNERS},
    Role.MANAGER: frozenset({Action.WORK_FOLLOW_UPS, *_READERS}),
    Role.ANALYST: frozenset(_READERS),
    Role.VIEWER: frozenset({Action.READ_REPORTS}),
    # An agent reads only their own ratings: every query they make is narrowed by own_agent_key().
    Role.AGENT: frozenset(_READERS),
}


# What only owners and admins may do: refused to them while a required second factor is missing.
MANAGING = frozenset(
    {Action.MANAGE_OWNERS, Action.MANAGE_SETTINGS, Action.MANAGE_PEOPLE, Action.MANAGE_KEYS, Action.MANAGE_PRIVACY}
)
NEEDS_SECOND_FACTOR = "This workspace requires a second factor for owners and admins: set one up on your account page."


def lacks_required_second_factor(membership: Membership | None) -> bool:
    """An owner or admin of a workspace that requires a second factor, who has none yet."""
    if membership is None or Role(membership.role) not in (Role.OWNER, Role.ADMIN) or membership.workspace_id is None:
        return False
    workspace = db.session.get(Workspace, membership.workspace_id)
    if workspace is None or not workspace.require_second_factor:
        return False
    user = db.session.get(User, membership.user_id)
    return user is None or not user.totp_secret


def can(membership: Membership | None, action: Action) -> bool:
    if membership is None or action not in ALLOWED[Role(membership.role)]:
        return False
    return action not in MANAGING or not lacks_required_second_factor(membership)


def require(membership: Membership | None, action: Action) -> None:
    """Refuse with 403 unless the membership's role allows `action` (and, for managing the
    workspace, any second factor it requires is set up)."""
    if not can(membership, action):
        if membership is not None and action in ALLOWED[Role(membership.role)]:
            raise APIError(403, "second_factor_required", NEEDS_SECOND_FACTOR)
        raise APIError(403, "forbidden", "Your role in this workspace does not allow this.")


def own_agent_key(membership: Membership) -> str | None:
    """For an agent, the agent key every read is narrowed to; None for every other role."""
    return membership.agent_key if Role(membership.role) is Role.AGENT else None


def team_limit(membership: Membership | None) -> tuple[str, ...] | None:
    """For a manager limited to some teams, those teams (in the order given); None for everyone else."""
    if membership is None or Role(membership.role) is not Role.MANAGER or not membership.teams:
        return None
    return tuple(membership.teams)


def narrow_team(membership: Membership | None, requested: str | None) -> str | None:
    """The team a read is narrowed to: what was asked for, or, for a manager limited to some teams,
    that team when it is one of theirs and else their first (never every team)."""
    limit = team_limit(membership)
    if limit is None or requested in limit:
        return requested
    return limit[0]
