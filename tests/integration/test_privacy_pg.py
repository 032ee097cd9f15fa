"""Erasure on the real stack: PostgreSQL (migrated, with the rollup triggers), Redis and a worker.

The issue's definition of done: answers from one address, then an erasure, then a dump of the
whole database holds neither the address nor the comment; /metrics and the rollup rows are what
they were; and a new webhook for the address is skipped as suppressed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import uuid
from glob import glob

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from app.extensions import db
from app.integrations.generic import sign
from app.models import AuditEvent, Invite, MetricRollup, Response
from app.services.answers.record import load_invite_state, record_answer
from tests.integration.test_backbone import wait_until
from tests.support.factories import Factory

pytestmark = pytest.mark.integration

PERIOD = {"since": "2026-01-01T00:00:00Z", "until": "2027-06-01T00:00:00Z", "interval": "month", "group_by": "agent"}


def _pg_dump(url: str) -> str:
    found = sorted(glob("/usr/lib/postgresql/*/bin/pg_dump"), reverse=True) or [shutil.which("pg_dump")]
    if not found[0]:
        pytest.skip("pg_dump is not installed")
    plain = url.replace("postgresql+psycopg://", "postgresql://", 1)
    return subprocess.run([found[0], "--data-only", plain], check=True, capture_output=True, text=True).stdout


def _hook(client, integration, email: str, ticket: str) -> None:
    body = json.dumps(
        {"customer": {"email": email, "name": "Erin Erasable"}, "ticket": {"id": ticket, "agent": {"id": "a1"}}}
    ).encode()
    msg, stamp = f"msg_{uuid.uuid4().hex}", int(time.time())
    headers = {
        "webhook-id": msg,
        "webhook-timestamp": str(stamp),
        "webhook-signature": sign(integration.secret, msg, stamp, body),
        "Content-Type": "application/json",
    }
    assert client.post(f"/hooks/{integration.id}", data=body, headers=headers).status_code == 202


def _invite(ticket: str) -> Invite | None:
    db.session.rollback()  # see the worker's commits
    return db.session.scalar(select(Invite).where(Invite.ticket_id == ticket))


def _rollups(workspace_id: int) -> list:
    db.session.rollback()
    rows = db.session.scalars(select(MetricRollup).where(MetricRollup.workspace_id == workspace_id)).all()
    return sorted(tuple(getattr(r, c.key) for c in MetricRollup.__table__.columns) for r in rows)


def test_an_erased_person_is_nowhere_in_a_dump_and_every_figure_stays(pg_app, postgres_url):
    make = Factory()
    ws = make.workspace("Erasure Co")
    survey = make.survey(ws, "csat")
    integration = make.integration(survey)
    client, auth = pg_app.test_client(), {"Authorization": f"Bearer {ws.key}"}
    tag = uuid.uuid4().hex[:10]
    email = f"erin.{tag}@example.com"
    comments = [f"The courier Q{tag} left it at the wrong door", f"Second time Q{tag} lost my parcel, awful"]
    for i, comment in enumerate(comments):
        ticket = f"E-{tag}-{i}"
        _hook(client, integration, email, ticket)
        invite = wait_until(lambda t=ticket: (found := _invite(t)) is not None and found.status == "sent" and found)
        record_answer(load_invite_state(invite.token), 1 + 3 * i, comment)
    make_other = make.invite(survey, email=f"other.{tag}@example.com")
    record_answer(load_invite_state(make_other.token), 5, "Quick and kind, thank you")

    def analysed():
        db.session.rollback()
        rows = db.session.scalars(select(Response).where(Response.workspace_id == ws.id)).all()
        return len(rows) == 3 and all(r.analyzed_at is not None for r in rows)

    wait_until(analysed)
    metrics = client.get("/api/v1/metrics", query_string=PERIOD, headers=auth).json
    assert metrics["csat"]["n"] == 3
    rollups = _rollups(ws.id)
    dump = _pg_dump(postgres_url)
    assert email in dump and comments[0] in dump

    erased = client.post("/api/v1/privacy/erasures", json={"email": email.upper()}, headers=auth)

    assert erased.status_code == 200, erased.json
    assert erased.json["rows"]["comments"] == 2 and erased.json["rows"]["invites"] == 2
    dump = _pg_dump(postgres_url)
    assert email not in dump.lower()
    assert f"Q{tag}" not in dump  # neither comment, nor any part of one naming the courier
    assert "Erin Erasable" not in dump
    assert client.get("/api/v1/metrics", query_string=PERIOD, headers=auth).json == metrics
    assert _rollups(ws.id) == rollups

    # The address comes back in a new ticket: accepted, and skipped as suppressed.
    _hook(client, integration, email, f"E-{tag}-new")
    again = wait_until(lambda: (found := _invite(f"E-{tag}-new")) is not None and found)
    assert (again.status, again.reason, again.customer_email) == ("skipped", "suppressed", None)
    assert _rollups(ws.id) == rollups
    assert email not in _pg_dump(postgres_url).lower()  # not named again, not even by that webhook


def test_the_audit_trail_refuses_update_delete_and_truncate(pg_app):
    make = Factory()
    ws = make.workspace("Audit Co")
    client = pg_app.test_client()
    client.patch("/api/v1/workspace", json={"name": "Audit Co 2"}, headers={"Authorization": f"Bearer {ws.key}"})
    db.session.rollback()
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.workspace_id == ws.id)) is not None
    for statement in (
        f"UPDATE audit_events SET actor = 'someone else' WHERE workspace_id = {ws.id}",
        f"DELETE FROM audit_events WHERE workspace_id = {ws.id}",
        "TRUNCATE audit_events",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
    assert db.session.scalar(select(AuditEvent.actor).where(AuditEvent.workspace_id == ws.id)).startswith("key ")


def test_retention_purges_text_and_identity_and_leaves_every_figure(pg_app):
    from datetime import timedelta

    from app.models.types import utcnow
    from app.services.privacy.policy import change_policy
    from app.services.privacy.retention import purge_workspace

    make = Factory()
    ws = make.workspace("Retention Co")
    survey = make.survey(ws, "nps")
    client, auth = pg_app.test_client(), {"Authorization": f"Bearer {ws.key}"}
    tag = uuid.uuid4().hex[:10]
    for i in range(4):
        invite = make.invite(survey, email=f"kept.{i}.{tag}@example.com", agent={"id": f"a{i % 2}"})
        record_answer(load_invite_state(invite.token), 6 + i, f"Answer {i} about R{tag}, helpful staff")

    def analysed():
        db.session.rollback()
        rows = db.session.scalars(select(Response).where(Response.workspace_id == ws.id)).all()
        return len(rows) == 4 and all(r.analyzed_at is not None for r in rows)

    wait_until(analysed)
    # Age the invites past the windows (their answers keep their dates: the rollups stay put).
    db.session.execute(
        text("UPDATE invites SET created_at = created_at - interval '400 days' WHERE workspace_id = :ws"), {"ws": ws.id}
    )
    db.session.execute(
        text("UPDATE responses SET answered_at = answered_at - interval '10 days' WHERE workspace_id = :ws"),
        {"ws": ws.id},
    )
    db.session.commit()
    change_policy(ws.id, {"comment_text_days": 5, "respondent_identity_days": 365})
    # A completed delivery, as enrichment leaves it: its body None, which a JSON column stores as
    # JSON null. No body to purge, on every run.
    from app.models import WebhookDelivery

    integration = make.integration(survey)
    old = utcnow() - timedelta(days=60)
    db.session.add(WebhookDelivery(integration_id=integration.id, external_id="done", payload=None, received_at=old))
    db.session.commit()
    metrics = client.get("/api/v1/metrics", query_string=PERIOD, headers=auth).json
    rollups = _rollups(ws.id)

    removed = purge_workspace(ws.id, utcnow() + timedelta(seconds=1))

    assert removed == {"comment_text": 4, "respondent_identity": 4}
    db.session.rollback()
    assert db.session.scalar(select(Invite.customer_email).where(Invite.workspace_id == ws.id)) is None
    assert {r.comment for r in db.session.scalars(select(Response).where(Response.workspace_id == ws.id))} == {
        "[removed]"
    }
    assert client.get("/api/v1/metrics", query_string=PERIOD, headers=auth).json == metrics
    assert _rollups(ws.id) == rollups
