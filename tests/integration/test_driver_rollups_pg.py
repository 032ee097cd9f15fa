"""The driver rollups on PostgreSQL: kept exact by the triggers as tickets arrive, change, get
answered and go, re-judged when the SLA targets change, regrouped when the time zone does, and
equal to a rebuild from scratch; the report read from them (medians included, to the bit) equals
the report read from the invites (which tests/services/insights/test_drivers_reference.py checks
against a ticket-by-ticket Python reference)."""

from __future__ import annotations

import importlib.util
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from app.extensions import db
from app.models import (
    DriverDuration,
    DriverDurationMonthly,
    DriverRollup,
    DriverRollupMonthly,
    Invite,
    Response,
    Workspace,
    driver_rollup_sql,
)
from app.services.insights import driver_rollups
from app.services.insights.drivers import drivers
from app.services.insights.settings import DEFAULTS, load_settings, save_settings, sla_targets
from tests.support.factories import Factory

pytestmark = pytest.mark.integration

T0 = datetime(2026, 3, 25, 7, 41, tzinfo=UTC)
DAYS = 12
EDGES = [0, 1, 119, 120, 121, 599, 600, 3599, 3600, 14400, 14401, 43200, 86399, 86400, 172800, 172801, 400000]


def _migration():
    path = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "17_report_rollups.py"
    spec = importlib.util.spec_from_file_location("report_rollups", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_migration_holds_the_models_sql_byte_for_byte():
    migration = _migration()
    for name in (
        "DRIVER_ROLLUP_FUNCTIONS_SQL",
        "DRIVER_BACKFILL_SQL",
        "DRIVER_ROLLUP_TRIGGERS_SQL",
        "DURATION_INDEXES_SQL",
        "DROP_DRIVER_ROLLUP_SQL",
    ):
        assert getattr(migration, name) == getattr(driver_rollup_sql, name), name
    assert DEFAULTS["sla"] == driver_rollup_sql.SLA_DEFAULTS


@pytest.mark.parametrize(
    "saved",
    [
        None,
        {},
        {"sla": {"first_response_minutes": 30}},
        {"sla": {"resolution_hours": None, "channels": {"chat": {"resolution_hours": 2}}}},
        {"sla": {"channels": {"chat": None, "email": {"first_response_minutes": 90}}}},
        {"sla": {"channels": {"": {"first_response_minutes": 7}, "phone": {}}}},
        {"sla": {"channels": None}},
        {"sla": {"first_response_minutes": None, "resolution_hours": 1.5}},
    ],
)
def test_the_sla_targets_in_sql_equal_the_settings(pg_app, saved):
    ws = Factory().workspace("SLA targets")
    if saved is not None:
        save_settings(ws.id, saved)
    db.session.commit()
    settings = load_settings(ws.id)
    for channel in (None, "", "chat", "email", "phone", "sms"):
        got = db.session.execute(
            text("SELECT frt, resolution FROM afterword_sla_targets(:ws, :channel)"), {"ws": ws.id, "channel": channel}
        ).one()
        # The report's own rule: a channel the settings name has its own targets, any other channel ''s.
        named = channel if channel and channel in (settings["sla"].get("channels") or {}) else None
        want = sla_targets(settings, named)
        assert tuple(None if v is None else float(v) for v in got) == want, channel


def _ticket(rng, make, survey) -> Invite:
    created = T0 + timedelta(minutes=rng.randrange(DAYS * 24 * 60))
    if rng.random() < 0.2:
        created = created.replace(minute=0, hour=rng.choice([0, 22, 23]))
    opened = created - timedelta(seconds=rng.randrange(0, 7200), microseconds=rng.choice([0, 250000, 3]))
    frt, res = rng.choice(EDGES + [None, -60, 5000.5]), rng.choice(EDGES + [None, -5, 90000.25])
    invite = make.invite(survey, channel=rng.choice(["email", "chat", "phone", None, ""]))
    invite.created_at = created
    invite.ticket_created_at = None if rng.random() < 0.05 else opened
    invite.first_response_at = None if frt is None else opened + timedelta(seconds=frt)
    invite.solved_at = None if res is None else opened + timedelta(seconds=res)
    invite.reopens = rng.choice([None, 0, 0, 0, 1, 2])
    invite.handle_seconds = rng.choice([None, 60, 300, 1234])
    if rng.random() < 0.7:
        db.session.flush()
        db.session.add(
            Response(
                workspace_id=survey.workspace_id,
                survey_id=survey.id,
                invite_id=invite.id,
                score=rng.randint(1, 5),
                answered_at=created + timedelta(hours=1),
                updated_at=created,
                themes=[],
            )
        )
    return invite


def _check(monkeypatch, ws_id: int, survey_id: int, rng) -> int:
    """Each range's report from the rollups equals the invites'; returns how many used the rollups."""
    workspace = db.session.get(Workspace, ws_id)
    zone = ZoneInfo(workspace.timezone)
    local_midnight = datetime(2026, 3, 27, tzinfo=zone)
    ranges = [
        (local_midnight, local_midnight + timedelta(days=5)),
        (T0 - timedelta(days=3), T0 + timedelta(days=DAYS + 3)),
        (T0 + timedelta(hours=2), T0 + timedelta(days=6, hours=13)),
        (T0 - timedelta(days=40), T0 + timedelta(days=45)),  # the whole of April from the monthly rows
    ]
    for _ in range(3):
        start = T0 + timedelta(minutes=rng.randrange(DAYS * 24 * 60))
        ranges.append((start, start + timedelta(minutes=rng.randrange(30, 8 * 24 * 60))))
    used = 0
    for since, until in ranges:
        for args in ({"since": since, "until": until}, {"since": since, "until": until, "survey_id": survey_id}):
            workspace = db.session.get(Workspace, ws_id)
            used += _plan(workspace, since, until) is not None
            got = drivers(workspace, dict(args))
            with monkeypatch.context() as patched:
                patched.setattr(driver_rollups, "rollup_plan", lambda *a, **k: None)
                want = drivers(workspace, dict(args))
            assert got == want, args
            db.session.rollback()
    return used


def _plan(workspace, since, until):
    from app.services.insights.cells import Scope

    return driver_rollups.rollup_plan(workspace, Scope(workspace.id, workspace.timezone), since, until)


def _snapshot(model, workspace_id: int) -> set:
    rows = db.session.execute(select(*model.__table__.columns).where(model.workspace_id == workspace_id)).all()
    return set(rows)


def _assert_rollups_equal_a_rebuild(workspace_id: int) -> None:
    tables = (DriverRollup, DriverDuration, DriverRollupMonthly, DriverDurationMonthly)
    kept = [_snapshot(table, workspace_id) for table in tables]
    db.session.execute(text("SELECT afterword_driver_rollup_rebuild(:ws)"), {"ws": workspace_id})
    for table, rows in zip(tables, kept):
        assert rows and _snapshot(table, workspace_id) == rows, table.__tablename__
    db.session.rollback()


@pytest.mark.parametrize("seed", [2, 9])
def test_driver_rollups_equal_a_rebuild_and_the_raw_report_through_edits(pg_app, monkeypatch, seed):
    rng = random.Random(seed)
    make = Factory()
    ws = make.workspace(f"Driver rollups {seed}")
    workspace = db.session.get(Workspace, ws.id)
    workspace.timezone = rng.choice(["Europe/Paris", "America/Santiago", "Australia/Lord_Howe", "Asia/Kolkata"])
    save_settings(ws.id, {"sla": {"channels": {"chat": {"resolution_hours": 4}, "phone": {"resolution_hours": None}}}})
    db.session.commit()
    survey, other = make.survey(ws, "csat"), make.survey(ws, "nps")
    invites = [_ticket(rng, make, survey if rng.random() < 0.8 else other) for _ in range(220)]
    db.session.commit()
    _assert_rollups_equal_a_rebuild(ws.id)
    assert _check(monkeypatch, ws.id, survey.id, rng) >= 7

    # Tickets change (first response, resolution, reopens, channel, creation, survey), get answered,
    # rescored, unanswered; whole invites go.
    for invite in rng.sample(invites, 90):
        action = rng.choice(["first", "solved", "reopens", "channel", "created", "survey", "answer", "score", "delete"])
        response = db.session.scalar(select(Response).where(Response.invite_id == invite.id))
        if action == "first":
            invite.first_response_at = invite.created_at + timedelta(seconds=rng.choice(EDGES))
        elif action == "solved":
            invite.solved_at = None if invite.solved_at else invite.created_at + timedelta(hours=30)
        elif action == "reopens":
            invite.reopens = rng.choice([None, 0, 3])
        elif action == "channel":
            invite.channel = rng.choice(["chat", "sms", None])
        elif action == "created":
            invite.created_at = invite.created_at + timedelta(hours=rng.choice([-26, -2, 3, 50]))
        elif action == "survey":
            invite.survey_id = other.id if invite.survey_id == survey.id else survey.id
        elif action == "answer" and response is None:
            db.session.add(
                Response(
                    workspace_id=ws.id,
                    survey_id=invite.survey_id,
                    invite_id=invite.id,
                    score=rng.randint(1, 5),
                    answered_at=invite.created_at,
                    updated_at=invite.created_at,
                    themes=[],
                )
            )
        elif action in ("answer", "score") and response is not None:
            if rng.random() < 0.3:
                db.session.delete(response)
            else:
                response.score = rng.randint(1, 5)
        elif action == "delete":
            db.session.delete(invite)
        db.session.commit()
        db.session.expire_all()
    db.session.execute(
        text("UPDATE invites SET reopens = COALESCE(reopens, 0) + 1 WHERE workspace_id = :ws AND id % 4 = 0"),
        {"ws": ws.id},
    )
    db.session.commit()
    _assert_rollups_equal_a_rebuild(ws.id)
    assert _check(monkeypatch, ws.id, survey.id, rng) >= 7

    # New SLA targets re-judge every ticket; a new time zone regroups every day.
    save_settings(ws.id, {"sla": {"first_response_minutes": 15, "channels": {"chat": {"first_response_minutes": 1}}}})
    db.session.commit()
    _assert_rollups_equal_a_rebuild(ws.id)
    assert _check(monkeypatch, ws.id, survey.id, rng) >= 7
    workspace = db.session.get(Workspace, ws.id)
    workspace.timezone = "Pacific/Chatham" if workspace.timezone != "Pacific/Chatham" else "UTC"
    db.session.commit()
    _assert_rollups_equal_a_rebuild(ws.id)
    assert _check(monkeypatch, ws.id, survey.id, rng) >= 7
