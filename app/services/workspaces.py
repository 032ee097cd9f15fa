"""Creating workspaces and their API keys."""

from __future__ import annotations

from dataclasses import dataclass

from app.extensions import db
from app.models import Membership, Workspace
from app.models.api_key import KeyScope
from app.models.audit import AuditAction
from app.services import audit
from app.services.accounts.permissions import Action, require
from app.services.api_keys import PREFIX_LENGTH, hash_api_key, issue_key, new_api_key
from app.services.insights.settings import SETTING_KEYS, load_settings, save_settings


def create_workspace(name: str, timezone: str = "UTC") -> tuple[Workspace, str]:
    """Create a workspace with its first API key (write scope, "Initial key"); returns both, the
    key never stored in clear. The workspace's own key columns are still written, as before."""
    key = new_api_key()
    workspace = Workspace(
        name=name, api_key_hash=hash_api_key(key), api_key_prefix=key[:PREFIX_LENGTH], timezone=timezone
    )
    db.session.add(workspace)
    db.session.flush()
    issue_key(workspace.id, "Initial key", KeyScope.WRITE, key=key)
    db.session.commit()
    return workspace, key


def update_workspace(workspace: Workspace, data: dict) -> Workspace:
    """Change the brand, the workspace-wide fatigue rules and the reporting settings, in one commit.

    A time-zone change regroups the metric rollups by the new local days (a PostgreSQL trigger,
    in this same transaction).
    """
    settings = {key: data.pop(key) for key in SETTING_KEYS if key in data}
    for name, value in data.items():
        setattr(workspace, name, value)
    save_settings(workspace.id, settings)
    audit.record(AuditAction.SETTINGS_CHANGED, workspace.id, detail={"fields": sorted([*data, *settings])})
    db.session.commit()
    return workspace


def change_settings(membership: Membership, workspace: Workspace, data: dict) -> Workspace:
    """The settings pages' change: the same update as the API's, for a role that may make it."""
    require(membership, Action.MANAGE_SETTINGS)
    return update_workspace(workspace, data)


@dataclass(frozen=True)
class WorkspaceView:
    """The workspace's own fields (read through) with its effective reporting settings."""

    workspace: Workspace
    thresholds: dict
    targets: dict
    sla: dict
    ranking: dict

    def __getattr__(self, name: str):
        return getattr(self.workspace, name)


def workspace_view(workspace: Workspace) -> WorkspaceView:
    """The workspace with its reporting settings, defaults filled in where it set none."""
    settings = load_settings(workspace.id)
    return WorkspaceView(workspace, **{key: settings[key] for key in SETTING_KEYS})
