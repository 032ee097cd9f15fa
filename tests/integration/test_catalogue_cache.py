"""A worker keeps a workspace's theme catalogue between batches (Postgres): any change committed by
another process, however it was made, is seen by the next batch."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text, update

from app.extensions import db
from app.models import Response
from app.services.answers.analysis import analyze_responses
from tests.integration.test_verbatim import stored_answers
from tests.support.factories import Factory

pytestmark = pytest.mark.integration


def themes_of(ids: list[int]) -> list[list[str]]:
    db.session.rollback()
    rows = dict(db.session.execute(select(Response.id, Response.themes).where(Response.id.in_(ids))).all())
    return [rows[i] for i in ids]


def rescore(ids: list[int]) -> None:
    db.session.execute(update(Response).where(Response.id.in_(ids)).values(analyzed_at=None))
    db.session.commit()
    assert analyze_responses(ids) == len(ids)


def change(sql: str, **params) -> None:
    """A catalogue change committed by another process (no re-analysis is queued for it)."""
    with db.engine.begin() as other:
        other.execute(text(sql), params)


def test_the_next_batch_sees_catalogue_changes_made_by_any_process(pg_app):
    make = Factory()
    ws = make.workspace("Cache Co")
    ids = stored_answers(make.survey(ws, "csat"))
    refund, invoice = ids[0], ids[5]  # "The refund process took forever", "My invoice was wrong but ..."
    assert analyze_responses(ids) == len(ids)
    assert "paperwork" not in themes_of([invoice])[0] and "refund" in themes_of([refund])[0]

    change(
        "INSERT INTO themes (workspace_id, key, label, source, keywords, phrases, enabled, created_at, updated_at)"
        " VALUES (:ws, 'paperwork', 'Paperwork', 'custom', CAST(:words AS json), '[]', true, now(), now())",
        ws=ws.id,
        words=json.dumps(["invoice"]),
    )
    rescore(ids)
    assert themes_of([invoice])[0][0] == "paperwork"

    # Edited without touching updated_at: still seen.
    change(
        "UPDATE themes SET keywords = CAST(:words AS json) WHERE workspace_id = :ws AND key = 'paperwork'",
        ws=ws.id,
        words=json.dumps(["refund"]),
    )
    rescore(ids)
    assert "paperwork" not in themes_of([invoice])[0] and themes_of([refund])[0][0] == "paperwork"

    change("DELETE FROM themes WHERE workspace_id = :ws AND key = 'paperwork'", ws=ws.id)
    rescore(ids)
    assert "paperwork" not in sum(themes_of(ids), []) and "refund" in themes_of([refund])[0]

    # A default theme switched off stops being given.
    change(
        "INSERT INTO themes (workspace_id, key, label, source, keywords, phrases, enabled, created_at, updated_at)"
        " VALUES (:ws, 'refund', 'Refund', 'default', '[]', '[]', false, now(), now())",
        ws=ws.id,
    )
    rescore(ids)
    assert "refund" not in sum(themes_of(ids), [])
