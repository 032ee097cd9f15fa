"""/drivers on PostgreSQL aggregates in SQL; its figures equal the Python reference over the same tickets.

Random tickets with every lifecycle fact missing or present, durations landing exactly on bucket
and SLA boundaries, per-channel SLA overrides, and filters.
"""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import Invite, Response, Workspace, WorkspaceSettings
from app.services.insights import drivers as drivers_module
from app.services.insights.drivers import drivers
from tests.support.factories import Factory
from tests.support.insights_reference import BASE, CHANNELS, create_surveys

pytestmark = pytest.mark.integration

# Durations (seconds) on and around every bucket edge and SLA target below.
EDGES = [0, 1, 119, 120, 121, 599, 600, 3599, 3600, 4 * 3600, 12 * 3600, 24 * 3600, 48 * 3600, 90000, 200000]


def _maybe(rng, value, p=0.15):
    return None if rng.random() < p else value


@pytest.mark.parametrize("seed", [3, 8])
def test_drivers_in_sql_equal_the_python_reference(pg_app, monkeypatch, seed):
    rng = random.Random(seed)
    ws = Factory().workspace(f"Drivers {seed}")
    surveys = create_surveys(ws.id)
    db.session.add(
        WorkspaceSettings(
            workspace_id=ws.id,
            settings={
                "sla": {
                    "first_response_minutes": 10,
                    "resolution_hours": 24,
                    "channels": {CHANNELS[1]: {"first_response_minutes": 2}, CHANNELS[2]: {"resolution_hours": 48}},
                }
            },
        )
    )
    for i in range(400):
        survey = rng.choice(surveys)
        created = BASE + timedelta(minutes=rng.randrange(60 * 24 * 20))
        first = _maybe(rng, created + timedelta(seconds=rng.choice(EDGES) * rng.choice([1, 1, -1])))
        solved = _maybe(rng, created + timedelta(seconds=rng.choice(EDGES) + rng.random()))
        invite = Invite(
            workspace_id=ws.id,
            survey_id=survey.id,
            token=f"drv-{seed}-{i}",
            status="sent",
            channel=_maybe(rng, rng.choice(CHANNELS)),
            team=rng.choice(["a", "b"]),
            tags=[],
            ticket_created_at=_maybe(rng, created, 0.05),
            first_response_at=first,
            solved_at=solved,
            reopens=_maybe(rng, rng.choice([0, 0, 1, 3])),
            handle_seconds=_maybe(rng, rng.randrange(5000)),
            created_at=created,
            due_at=created,
            sent_at=created,
        )
        db.session.add(invite)
        db.session.flush()
        if rng.random() < 0.6:
            db.session.add(
                Response(
                    workspace_id=ws.id,
                    survey_id=survey.id,
                    invite_id=invite.id,
                    score=rng.randrange(survey.scale_min, survey.scale_max + 1),
                    answered_at=created + timedelta(hours=1),
                    updated_at=created + timedelta(hours=1),
                    themes=[],
                )
            )
    db.session.commit()
    workspace = db.session.get(Workspace, ws.id)
    queries = [
        {"since": BASE, "until": BASE + timedelta(days=21)},
        {"since": BASE + timedelta(days=3), "until": BASE + timedelta(days=9), "survey_id": surveys[0].id},
        {"since": BASE, "until": BASE + timedelta(days=21), "channel": CHANNELS[1], "team": "a"},
    ]
    for query in queries:
        from_sql = drivers(workspace, dict(query))
        monkeypatch.setattr(drivers_module, "ticket_stats_sql", drivers_module.ticket_stats_python)
        from_python = drivers(workspace, dict(query))
        monkeypatch.undo()
        assert from_sql["operations"]["tickets"] > 0
        assert from_sql == from_python, query
