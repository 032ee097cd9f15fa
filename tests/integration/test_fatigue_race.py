"""Caps and cooldowns hold when several workers offer invites at the same moment (PostgreSQL)."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

import app.services.invites.fatigue as fatigue
from app.extensions import db
from app.models import Invite
from app.services.invites.creation import offer_api_invite
from tests.support.factories import Factory

pytestmark = pytest.mark.integration


def _offer_at_once(app, workspace_id: int, bodies: list[dict]) -> list[BaseException]:
    start, errors = threading.Barrier(len(bodies)), []

    def offer(body):
        with app.app_context():
            try:
                start.wait()
                offer_api_invite(workspace_id, body)
            except BaseException as exc:
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=offer, args=(body,)) for body in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return errors


@pytest.fixture
def slow_counts(monkeypatch):
    """Widen the moment between counting the offers and adding one, where a race would slip in."""
    count = fatigue._offered_since

    def counted_slowly(*args, **kwargs):
        n = count(*args, **kwargs)
        time.sleep(0.05)
        return n

    monkeypatch.setattr(fatigue, "_offered_since", counted_slowly)


def test_concurrent_offers_never_exceed_the_daily_cap(pg_app, slow_counts):
    make = Factory()
    workspace = make.workspace("Race")
    survey = make.survey(workspace, "csat", daily_cap=3)
    survey_id, workspace_id = survey.id, workspace.id
    db.session.commit()
    bodies = [
        {"survey_id": survey_id, "customer": {"email": f"c{i}@example.com"}, "ticket": {"id": f"R-{i}"}}
        for i in range(8)
    ]
    assert _offer_at_once(pg_app, workspace_id, bodies) == []
    db.session.expire_all()
    statuses = sorted(db.session.scalars(select(Invite.status).where(Invite.survey_id == survey_id)))
    assert statuses.count("scheduled") + statuses.count("sending") + statuses.count("sent") == 3
    assert len(statuses) == 8
    assert (
        db.session.scalar(
            select(db.func.count())
            .select_from(Invite)
            .where(Invite.survey_id == survey_id, Invite.reason == "daily_cap")
        )
        == 5
    )


def test_concurrent_offers_to_one_customer_respect_the_cooldown(pg_app, monkeypatch):
    make = Factory()
    workspace = make.workspace("Cooldown race")
    workspace.row.cooldown_days = 30
    surveys = [make.survey(workspace, "csat") for _ in range(4)]
    db.session.commit()
    real = fatigue.is_suppressed

    def suppressed_slowly(*args):  # the first read of the rules; the cooldown count follows it
        time.sleep(0.05)
        return real(*args)

    monkeypatch.setattr(fatigue, "is_suppressed", suppressed_slowly)
    bodies = [
        {"survey_id": s.id, "customer": {"email": "same@example.com"}, "ticket": {"id": f"C-{s.id}"}} for s in surveys
    ]
    assert _offer_at_once(pg_app, workspace.id, bodies) == []
    db.session.expire_all()
    reasons = sorted(
        (r or "") for r in db.session.scalars(select(Invite.reason).where(Invite.workspace_id == workspace.id))
    )
    assert reasons == ["", "cooldown", "cooldown", "cooldown"]
