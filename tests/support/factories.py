"""Row factories for tests: real services create the rows, so tests exercise the same paths."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import count

from app.models import Integration, Invite, Survey, Workspace
from app.services.integrations import create_integration
from app.services.invites.creation import create_invite
from app.services.surveys import create_survey
from app.services.workspaces import create_workspace

_seq = count(1)


@dataclass
class WorkspaceWithKey:
    row: Workspace
    key: str

    @property
    def id(self) -> int:
        return self.row.id


class Factory:
    def workspace(self, name: str = "Acme") -> WorkspaceWithKey:
        ws, key = create_workspace(name)
        return WorkspaceWithKey(ws, key)

    def survey(self, workspace: WorkspaceWithKey, kind: str = "csat", **fields) -> Survey:
        return create_survey(workspace.id, {"name": f"{kind} survey", "kind": kind, **fields})

    def invite(self, survey: Survey, email: str | None = None, **ticket) -> Invite:
        n = next(_seq)
        data = {
            "survey_id": survey.id,
            "customer": {"email": email or f"customer{n}@example.com", "name": f"Customer {n}"},
            "ticket": {"id": f"T-{n}", **ticket},
        }
        return create_invite(survey.workspace_id, data)

    def integration(self, survey: Survey, provider: str = "generic") -> Integration:
        integration, _ = create_integration(survey.workspace_id, {"provider": provider, "survey_id": survey.id})
        return integration
