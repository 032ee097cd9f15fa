"""An unsubscribe POST whose body is refused suppresses nothing (found by tests/integration/test_fuzz_pg.py:
the form was read after the suppression was committed, so a 413 on reading it came too late)."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import Suppression
from tests.support.api import row_counts


def test_a_body_over_the_size_limit_is_413_and_suppresses_nothing(app, client, make, workspace):
    invite = make.invite(make.survey(workspace, "csat"), email="ada@example.com")
    body = b"List-Unsubscribe=One-Click&comment=" + b"x" * app.config["MAX_CONTENT_LENGTH"]
    before = row_counts()
    refused = client.post(f"/u/{invite.token}", data=body, content_type="application/x-www-form-urlencoded")
    assert refused.status_code == 413
    assert row_counts() == before
    assert db.session.scalar(select(func.count()).select_from(Suppression)) == 0
    done = client.post(f"/u/{invite.token}", data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and done.json == {"status": "unsubscribed"}
    assert db.session.scalar(select(func.count()).select_from(Suppression)) == 1
