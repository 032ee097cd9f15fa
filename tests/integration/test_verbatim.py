"""Verbatim analysis on real services: batches through the Celery worker, row locks and upserts on Postgres."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.analysis import ANALYSIS_VERSION
from app.extensions import db
from app.models import Response, ResponseTheme, Theme
from app.models.types import utcnow
from app.platform.queue import ANALYZE_BATCH
from app.services.answers.analysis import analyze_responses
from tests.integration.test_backbone import wait_until
from tests.support.factories import Factory

pytestmark = pytest.mark.integration

COMMENTS = [
    (1, "The refund process took forever"),
    (2, "Still waiting for my refund, awful"),
    (5, "Great agent, thanks"),
    (5, "Great agent, solved it fast"),
    (4, "fine"),
    (5, "My invoice was wrong but the agent fixed it"),
]


def stored_answers(survey) -> list[int]:
    """Answer rows written without analysis, as a backfill finds them."""
    make = Factory()
    ids = []
    for score, comment in COMMENTS:
        invite = make.invite(survey)
        now = utcnow()
        response = Response(
            workspace_id=survey.workspace_id,
            survey_id=survey.id,
            invite_id=invite.id,
            score=score,
            comment=comment,
            answered_at=now,
            updated_at=now,
        )
        db.session.add(response)
        db.session.commit()
        ids.append(response.id)
    return ids


def test_batches_run_on_the_worker_once_and_feed_the_themes_report(pg_app):
    make = Factory()
    ws = make.workspace("Themes Co")
    survey = make.survey(ws, "csat")
    client = pg_app.test_client()
    auth = {"Authorization": f"Bearer {ws.key}"}
    billing = client.post("/api/v1/themes/catalogue", headers=auth, json={"label": "Billing", "keywords": ["invoice"]})
    assert billing.status_code == 201
    ids = stored_answers(survey)

    celery = pg_app.extensions["celery"]
    celery.send_task(ANALYZE_BATCH, args=[ids[:4]])
    celery.send_task(ANALYZE_BATCH, args=[ids])  # overlaps the first: the shared answers are scored once

    def analysed() -> bool:
        db.session.rollback()  # see the worker's commits
        current = db.session.scalar(
            select(func.count())
            .select_from(Response)
            .where(Response.id.in_(ids), Response.analysis_version == ANALYSIS_VERSION)
        )
        return current == len(ids)

    wait_until(analysed)
    rows = db.session.execute(
        select(ResponseTheme.response_id, ResponseTheme.theme).where(ResponseTheme.response_id.in_(ids))
    ).all()
    assert len(rows) == len(set(rows))
    assert ("billing" in {theme for _, theme in rows}) and ("refund" in {theme for _, theme in rows})
    sources = dict(db.session.execute(select(Theme.key, Theme.source).where(Theme.workspace_id == ws.id)).all())
    # Default themes (refund, resolution) are not recorded as discovered ones.
    assert sources == {"billing": "custom"}  # and "invoice" is not a theme: the custom theme claimed it

    report = client.get("/api/v1/themes", headers=auth, query_string={"survey_id": survey.id}).json
    items = {item["theme"]: item for item in report["items"]}
    assert report["overall"]["value"] == round(100 * 4 / 6, 2)
    assert items["refund"]["impact"] == round(100 * 4 / 6 - 100, 2)  # without them: 4 of 4 good
    assert report["items"][0]["theme"] == "refund"
    assert items["refund"]["example_response_ids"] == [ids[0], ids[1]]
    assert items["refund"]["source"] == "default" and items["refund"]["complaints"]["mentions"] == 2
    assert items["resolution"]["mentions"] == 2 and items["resolution"]["praise"]["mentions"] == 2
    assert items["billing"]["mentions"] == 1 and items["billing"]["complaints"]["mentions"] == 1
    assert report["complaints"][0]["theme"] == "refund"


def test_an_answer_locked_by_another_worker_is_skipped_not_scored_twice(pg_app):
    make = Factory()
    survey = make.survey(make.workspace("Lock Co"), "nps")
    ids = stored_answers(survey)
    with db.engine.connect() as other_worker:
        other_worker.execute(select(Response.id).where(Response.id == ids[0]).with_for_update())
        assert analyze_responses(ids) == len(ids) - 1
        other_worker.rollback()
    assert analyze_responses(ids) == 1
    assert analyze_responses(ids) == 0
