"""What a case looks like in the case.opened and case.updated events."""

from __future__ import annotations

from app.extensions import db
from app.models import User
from app.models.case import Case


def case_data(case: Case, changes: dict | None = None) -> dict:
    assignee = db.session.get(User, case.assignee_id) if case.assignee_id else None
    data = {
        "case": {
            "id": case.id,
            "response_id": case.response_id,
            "rule_id": case.rule_id,
            "status": case.status,
            "assignee": {"id": assignee.id, "email": assignee.email, "name": assignee.name} if assignee else None,
            "due_at": case.due_at,
            "opened_at": case.opened_at,
            "closed_at": case.closed_at,
        }
    }
    if changes is not None:
        data["changes"] = changes  # field -> [before, after]
    return data
