"""The theme rollups on PostgreSQL: kept exact by the triggers as answers and their theme rows
arrive, change, move and go, and equal to a rebuild from scratch; the report read from them equals
the report read from the raw rows (its reference tests, tests/services/insights/, compare the raw
read with a Python reference), for whole days, partial days at the edges, open ends and score
filters, before and after the edits and a change of time zone."""

from __future__ import annotations

import importlib.util
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from app.analysis import default_theme_keys
from app.extensions import db
from app.models import Response, ResponseTheme, ThemeMention, ThemeRollup, Workspace, theme_rollup_sql
from app.services.insights import theme_rollups, themes
from app.services.insights.themes import theme_report, theme_report_with_weeks
from tests.support.factories import Factory

pytestmark = pytest.mark.integration

T0 = datetime(2026, 3, 20, 5, 17, tzinfo=UTC)  # across a change of summer time in both hemispheres
DAYS = 20


def _migration():
    path = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "17_report_rollups.py"
    spec = importlib.util.spec_from_file_location("report_rollups", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_migration_holds_the_models_sql_byte_for_byte():
    migration = _migration()
    for name in (
        "THEME_ROLLUP_FUNCTIONS_SQL",
        "THEME_ROLLUP_TRIGGERS_SQL",
        "DROP_THEME_ROLLUP_SQL",
        "THEME_BACKFILL_SQL",
    ):
        assert getattr(migration, name) == getattr(theme_rollup_sql, name), name
    assert (theme_rollup_sql.PRAISE_AT, theme_rollup_sql.COMPLAINT_AT) == (themes.PRAISE_AT, themes.COMPLAINT_AT)


def _answer(rng, make, ws, survey, keys) -> Response:
    at = T0 + timedelta(minutes=rng.randrange(DAYS * 24 * 60))
    if rng.random() < 0.2:
        at = at.replace(second=0, minute=0, hour=rng.choice([0, 22, 23]))  # on and near midnights
    response = Response(
        workspace_id=ws.id,
        survey_id=survey.id,
        invite_id=make.invite(survey).id,
        score=rng.randint(1, 5),
        comment=rng.choice([None, "", "about things", "more things"]),
        polarity=rng.choice([None, -0.6, 0.0, 0.4]),
        answered_at=at,
        updated_at=at,
        themes=[],
    )
    db.session.add(response)
    db.session.flush()
    for key in rng.sample(keys, rng.choice([0, 1, 1, 2, 3])):
        db.session.add(
            ResponseTheme(response_id=response.id, theme=key, polarity=rng.choice([None, -0.5, -0.1, 0.0, 0.1, 0.7]))
        )
    return response


def _ranges(rng, zone_name: str) -> list[dict]:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(zone_name)
    local_midnight = datetime(2026, 3, 24, tzinfo=zone)
    out = [
        {},  # all time
        {"since": local_midnight, "until": local_midnight + timedelta(days=7)},  # whole days
        {"since": T0 + timedelta(hours=3), "until": T0 + timedelta(days=9, hours=7)},  # partial days at both ends
        {"since": local_midnight + timedelta(hours=5)},  # open end
        {"until": local_midnight + timedelta(days=2, hours=1)},  # open start
        {"since": T0 + timedelta(hours=1), "until": T0 + timedelta(hours=9)},  # inside one day
        {"since": local_midnight, "until": local_midnight + timedelta(days=30), "score_min": 2, "score_max": 4},
    ]
    for _ in range(3):
        start = T0 + timedelta(minutes=rng.randrange(DAYS * 24 * 60))
        out.append({"since": start, "until": start + timedelta(minutes=rng.randrange(1, 9 * 24 * 60))})
    return out


def _raw(monkeypatch, fn, *args):
    with monkeypatch.context() as patched:
        patched.setattr(theme_rollups, "rollup_plan", lambda *a, **k: None)
        return fn(*args)


def _check(monkeypatch, ws, survey, zone_name: str, rng) -> int:
    """Every range's report (and weekly mentions) from the rollups equals the raw rows'; returns
    how many read some whole days from the rollups."""
    used = 0
    for extra in _ranges(rng, zone_name):
        filters = {"survey_id": survey.id, **extra}
        assert theme_rollups.rollup_plan(ws.id, filters, None) is not None
        plan = theme_rollups.rollup_plan(ws.id, filters, None)
        used += plan.first != plan.last or plan.first is None
        got, want = theme_report(ws.id, filters), _raw(monkeypatch, theme_report, ws.id, filters)
        assert got == want, _difference(got, want, extra)
        if "since" in extra and "until" in extra:
            got = theme_report_with_weeks(ws.id, filters, 50, zone_name)
            want = _raw(monkeypatch, theme_report_with_weeks, ws.id, filters, 50, zone_name)
            assert got[0] == want[0]
            assert {k: dict(v) for k, v in got[1].items()} == {k: dict(v) for k, v in want[1].items()}, extra
        db.session.rollback()
    return used


def _difference(got: dict, want: dict, extra: dict) -> str:
    """The first figure that differs, for a readable failure."""
    for key in want:
        if key != "items" and got.get(key) != want[key]:
            return f"{extra}: {key} {got.get(key)} != {want[key]}"
    for mine, theirs in zip(got["items"], want["items"]):
        for key in theirs:
            if mine.get(key) != theirs[key]:
                return f"{extra}: {theirs['theme']} {key} {mine.get(key)} != {theirs[key]}"
    return f"{extra}: {len(got['items'])} items != {len(want['items'])}"


def _snapshot(model, workspace_id: int) -> set:
    columns = list(model.__table__.columns)
    rows = db.session.execute(select(*columns).where(model.workspace_id == workspace_id)).all()
    return {tuple(round(v, 9) if isinstance(v, float) else v for v in r) for r in rows}


def _assert_rollups_equal_a_rebuild(workspace_id: int) -> None:
    kept = _snapshot(ThemeRollup, workspace_id)
    mentions = _snapshot(ThemeMention, workspace_id)
    # The mentions equal the theme rows beside their answers' facts, as the migration copies them.
    fresh = db.session.execute(
        text(
            "SELECT r.id, t.theme, r.workspace_id, r.survey_id, r.answered_at, r.score, r.polarity, t.polarity,"
            " afterword_theme_side(t.polarity) FROM response_themes t JOIN responses r ON r.id = t.response_id"
            " WHERE r.workspace_id = :ws"
        ),
        {"ws": workspace_id},
    ).all()
    assert mentions == {tuple(round(v, 9) if isinstance(v, float) else v for v in r) for r in fresh}
    db.session.execute(text("SELECT afterword_theme_rollup_rebuild(:ws)"), {"ws": workspace_id})
    assert kept and _snapshot(ThemeRollup, workspace_id) == kept
    db.session.rollback()


@pytest.mark.parametrize("seed", [3, 8])
def test_theme_rollups_equal_a_rebuild_and_the_raw_report_through_edits_and_a_new_zone(pg_app, monkeypatch, seed):
    rng = random.Random(seed)
    make = Factory()
    ws = make.workspace(f"Theme rollups {seed}")
    workspace = db.session.get(Workspace, ws.id)
    workspace.timezone = rng.choice(["Europe/Paris", "America/Santiago", "Australia/Lord_Howe", "Asia/Kolkata"])
    db.session.commit()
    survey, other = make.survey(ws, "csat"), make.survey(ws, "csat")
    keys = sorted(default_theme_keys())[:6]
    answers = [_answer(rng, make, ws, survey if rng.random() < 0.85 else other, keys) for _ in range(260)]
    db.session.commit()
    _assert_rollups_equal_a_rebuild(ws.id)
    assert _check(monkeypatch, ws, survey, workspace.timezone, rng) >= 5

    # Answers are rescored, reanalysed, moved in time and between surveys, lose their comment;
    # theme rows come, change side and go; answers and whole invites are deleted.
    for response in rng.sample(answers, 120):
        action = rng.choice(["score", "polarity", "answered", "survey", "comment", "add", "side", "drop", "delete"])
        if action == "score":
            response.score = rng.randint(1, 5)
        elif action == "polarity":
            response.polarity = rng.choice([None, -0.3, 0.8])
        elif action == "answered":
            response.answered_at = response.answered_at + timedelta(hours=rng.choice([-30, -3, 5, 49]))
        elif action == "survey":
            response.survey_id = other.id if response.survey_id == survey.id else survey.id
        elif action == "comment":
            response.comment = None if response.comment else "now commented"
        elif action == "add":
            present = set(
                db.session.scalars(select(ResponseTheme.theme).where(ResponseTheme.response_id == response.id))
            )
            for key in set(rng.sample(keys, 2)) - present:
                db.session.add(
                    ResponseTheme(response_id=response.id, theme=key, polarity=rng.choice([None, -0.4, 0.4]))
                )
        elif action == "side":
            for row in db.session.scalars(select(ResponseTheme).where(ResponseTheme.response_id == response.id)):
                row.polarity = rng.choice([None, -0.2, 0.0, 0.3])
        elif action == "drop":
            db.session.execute(text("DELETE FROM response_themes WHERE response_id = :id"), {"id": response.id})
        elif rng.random() < 0.5:
            db.session.delete(response)
        else:
            db.session.execute(text("DELETE FROM invites WHERE id = :id"), {"id": response.invite_id})
        db.session.commit()
        db.session.expire_all()
    # Many answers changed by one statement, as a bulk repair would.
    db.session.execute(
        text("UPDATE responses SET score = 6 - score WHERE workspace_id = :ws AND id % 3 = 0"), {"ws": ws.id}
    )
    db.session.commit()
    _assert_rollups_equal_a_rebuild(ws.id)
    assert _check(monkeypatch, ws, survey, workspace.timezone, rng) >= 5

    # A new time zone regroups every local day (the workspaces trigger rebuilds in the same transaction).
    workspace = db.session.get(Workspace, ws.id)
    workspace.timezone = "Pacific/Chatham" if workspace.timezone != "Pacific/Chatham" else "UTC"
    db.session.commit()
    _assert_rollups_equal_a_rebuild(ws.id)
    assert _check(monkeypatch, ws, survey, workspace.timezone, rng) >= 5


def test_examples_read_a_bounded_number_of_mentions(pg_app):
    """Each (theme, side, score) cell gives at most three candidates, however many mentions it has."""
    make = Factory()
    ws = make.workspace("Theme examples")
    survey = make.survey(ws, "csat")
    rng = random.Random(4)
    keys = sorted(default_theme_keys())[:3]
    for _ in range(400):
        _answer(rng, make, ws, survey, keys)
    db.session.commit()
    counts = db.session.execute(
        select(ThemeMention.theme, ThemeMention.side, ThemeMention.score).where(ThemeMention.survey_id == survey.id)
    ).all()
    cells = set(counts)
    found = theme_rollups.ranked_examples(ws.id, {"survey_id": survey.id}, cells)
    assert 0 < len(found) <= 3 * len(cells) < len(counts)
