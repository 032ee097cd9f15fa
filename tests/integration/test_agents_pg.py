"""On PostgreSQL, with the rollups: a renamed agent is one group under the latest name, and the
rollups agree with the raw rows after the rename is carried back."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Workspace
from app.services.answers.record import load_invite_state, record_answer
from app.services.insights.metrics import metrics
from tests.support.factories import Factory

pytestmark = pytest.mark.integration


def test_a_renamed_agent_is_one_group_under_the_latest_name_in_rollups_and_raw_rows(pg_app):
    make = Factory()
    ws = make.workspace("Agents")
    survey = make.survey(ws, "csat")
    for ticket, agent in (
        ("T-1", {"id": "7", "name": "Sam"}),
        ("T-2", {"name": "Sam"}),
        ("T-3", {"email": "sam@acme.example"}),
        ("T-4", {"id": "7", "name": "Sam Cole", "email": "sam@acme.example"}),
    ):
        invite = make.invite(survey, id=ticket, agent=agent)
        record_answer(load_invite_state(invite.token), 5, None)
    workspace = db.session.get(Workspace, ws.id)
    args = {"survey_id": survey.id, "group_by": "agent"}
    from_rollups = metrics(workspace, args)
    pg_app.config["METRICS_ROLLUPS"] = False
    try:
        from_raw = metrics(workspace, args)
    finally:
        pg_app.config["METRICS_ROLLUPS"] = True
    assert from_rollups["source"] == "rollup" and from_raw["source"] == "raw"
    for view in (from_rollups, from_raw):
        # T-3 came with the email alone, before any event paired it with id 7: T-4 pairs them.
        groups = sorted((g["key"], g["label"], g["n"]) for g in view["groups"])
        assert groups == [("7", "Sam Cole", 4)], groups
