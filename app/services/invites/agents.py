"""One agent per id or email, carrying the latest name.

Reports group answers by the agent key (the id, else the email, else the name: AGENT_KEY_COLUMNS in
app/models/rollup_sql.py). Helpdesks are not consistent about what they send: one event carries
{"id": "7", "name": "Sam Cole"}, the next only {"name": "Sam Cole"} or only the email, and a
renamed agent keeps their id under a new name. Left as sent, one person would be counted as two or
three agents. So before an invite is stored, its agent is completed from the workspace's earlier
invites, and a new name is carried back to them:

- an event without id but with an email takes the id last seen with that email;
- an event with only a name takes the id and email of the one agent last seen with exactly that
  name in the workspace; two known agents with the same name are ambiguous: it stays name-only;
- an event without a name takes the name last seen for its id or email;
- an event with both an id and an email pairs them: earlier invites with that email and no id
  take the id, so the email-only ones join the agent;
- a name that differs from the one last seen for the id (or email) renames the agent's earlier
  invites, so groups and filters show one agent under its latest name.

The renames and pairings are UPDATEs of earlier invites (rare: most events agree with what is
known); on PostgreSQL the rollup triggers move the counts with them.
"""

from __future__ import annotations

from sqlalchemy import select, update

from app.extensions import db
from app.models import Invite


def _latest(workspace_id: int, *where):
    """The agent columns of the workspace's latest invite matching `where`: one row read backwards
    from an index ending in the invite id (ix_invites_agent_id, ix_invites_agent_email)."""
    query = (
        select(Invite.agent_id, Invite.agent_email, Invite.agent_name)
        .where(Invite.workspace_id == workspace_id, *where)
        .order_by(Invite.id.desc())
        .limit(1)
    )
    return db.session.execute(query).first()


def resolve_agent(workspace_id: int, agent: dict) -> dict:
    """The agent as the invite should store it: completed from what the workspace already knows.

    Each rule below keeps the stored invites consistent (an email's invites share one id, an
    agent's invites share one name), so the latest invite of an id or email speaks for all of them:
    every check is a one-row index read, and the UPDATEs run only when something changed.
    """
    agent_id, email, name = agent.get("id"), agent.get("email"), agent.get("name")
    resolved = dict(agent)
    if not (agent_id or email or name):
        return resolved
    if email:
        by_email = _latest(workspace_id, Invite.agent_email == email)
        if by_email is not None and not agent_id and by_email.agent_id:
            resolved["id"] = agent_id = by_email.agent_id
        elif by_email is not None and agent_id and not by_email.agent_id:
            # The first event pairing this email with an id: its email-only invites join the agent.
            _change(workspace_id, (Invite.agent_email == email) & Invite.agent_id.is_(None), agent_id=agent_id)
    if not agent_id and not email:
        candidates = db.session.execute(
            select(Invite.agent_id, Invite.agent_email)
            .where(
                Invite.workspace_id == workspace_id,
                Invite.agent_name == name,
                Invite.agent_id.is_not(None) | Invite.agent_email.is_not(None),
            )
            .distinct()
            .limit(2)
        ).all()
        if len(candidates) == 1:  # two known agents with this name: ambiguous, left name-only
            resolved["id"], resolved["email"] = agent_id, email = candidates[0]
    if agent_id or email:
        same = Invite.agent_id == agent_id if agent_id else Invite.agent_email == email
        known = _latest(workspace_id, same)
        if known is not None and not name:
            resolved["name"] = known.agent_name
        elif known is not None and name != known.agent_name:
            # Renamed: every earlier invite of this agent takes the new name (rollups follow by trigger).
            _change(workspace_id, same & Invite.agent_name.is_distinct_from(name), agent_name=name)
    return resolved


def _change(workspace_id: int, where, **values) -> None:
    db.session.execute(
        update(Invite)
        .where(Invite.workspace_id == workspace_id, where)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
