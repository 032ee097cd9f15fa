"""`flask privacy erase|export|purge`."""

from __future__ import annotations

import json

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Invite
from tests.support.api import answer


def test_erase_and_export_from_the_command_line(app, make, workspace):
    survey = make.survey(workspace)
    answer(make, survey, 3, "ok I guess", email="cli@example.com")
    runner = app.test_cli_runner()

    exported = runner.invoke(args=["privacy", "export", "cli@example.com", "--workspace", str(workspace.id)])
    assert exported.exit_code == 0, exported.output
    assert json.loads(exported.output)["invites"][0]["response"]["comment"] == "ok I guess"

    erased = runner.invoke(args=["privacy", "erase", "cli@example.com", "--workspace", str(workspace.id)])
    assert erased.exit_code == 0, erased.output
    assert "comments 1" in erased.output
    assert db.session.scalar(select(Invite.customer_email)) is None
    assert db.session.scalar(select(AuditEvent.actor).where(AuditEvent.action == "erased")) == "cli"

    missing = runner.invoke(args=["privacy", "erase", "cli@example.com", "--workspace", "999"])
    assert missing.exit_code != 0 and "No workspace 999" in missing.output
    assert runner.invoke(args=["privacy", "purge"]).exit_code == 0
