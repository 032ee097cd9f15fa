"""What each role may do: the one place that decides, called by every use case that needs it.

| action            | owner | admin | manager | analyst | viewer | agent       |
|-------------------|-------|-------|---------|---------|--------|-------------|
| manage_owners     | yes   |       |         |         |        |             |
| manage_settings   | yes   | yes   |         |         |        |             |
| manage_people     | yes   | yes   |         |         |        |             |
| manage_keys       | yes   | yes   |         |         |        |             |
| work_follow_ups   | yes   | yes   | yes     |         |        |             |
| read_reports      | yes   | yes   | yes     | yes     | yes    | own only    |
| read_verbatims    | yes   | yes   | yes     | yes     |        | own only    |
| read_identities   | yes   | yes   | yes     | yes     |        | own only    |
"""

from __future__ import annotations

from enum import StrEnum

from app.errors import APIError
from app.models import Membership
from app.models.account import Role


class Action(StrEnum):
    MANAGE_OWNERS = "manage_owners"
    MANAGE_SETTINGS = "manage_settings"
    MANAGE_PEOPLE = "manage_people"
    MANAGE_KEYS = "manage_keys"
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


def can(membership: Membership | None, action: Action) -> bool:
    return membership is not None and action in ALLOWED[Role(membership.role)]


def require(membership: Membership | None, action: Action) -> None:
    """Refuse with 403 unless the membership's role allows `action`."""
    if not can(membership, action):
        raise APIError(403, "forbidden", "Your role in this workspace does not allow this.")


def own_agent_key(membership: Membership) -> str | None:
    """For an agent, the agent key every read is narrowed to; None for every other role."""
    return membership.agent_key if Role(membership.role) is Role.AGENT else None
