"""The backbone on real services: Postgres (migrated), Redis, a Celery worker and an SMTP server."""

from __future__ import annotations

import json
import re
import time

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select, update

from app.extensions import db
from app.integrations.generic import sign
from app.models import Invite, Response
from app.platform.queue import SEND_INVITE_EMAIL
from tests.support.factories import Factory

pytestmark = pytest.mark.integration


def html_part(msg) -> str:
    part = next(p for p in msg.walk() if p.get_content_type() == "text/html")
    return part.get_payload(decode=True).decode()


def wait_until(predicate, timeout: float = 30, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")


def test_migrations_yield_exactly_the_models_schema(pg_app):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
    assert diff == []


def test_signed_webhook_to_answered_and_analysed(pg_app, mailbox):
    make = Factory()
    ws = make.workspace("Integration Co")
    survey = make.survey(ws, "nps")
    integration = make.integration(survey)
    client = pg_app.test_client()
    body = json.dumps(
        {
            "customer": {"email": "grace@example.com", "name": "Grace"},
            "ticket": {
                "id": "Z-42",
                "agent": {"id": "7", "name": "Sam"},
                "team": "Billing",
                "channel": "email",
                "created_at": "2026-11-20T10:00:00Z",
                "first_response_at": "2026-11-20T10:30:00Z",
                "solved_at": "2026-11-21T09:00:00Z",
                "reopens": 0,
                "tags": ["refund"],
            },
        }
    ).encode()
    stamp = int(time.time())
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(stamp),
        "webhook-signature": sign(integration.secret, "msg_1", stamp, body),
        "Content-Type": "application/json",
    }

    accepted = client.post(f"/hooks/{integration.id}", data=body, headers=headers)
    assert accepted.status_code == 202, accepted.json
    replay = client.post(f"/hooks/{integration.id}", data=body, headers=headers)
    assert replay.status_code == 200 and replay.json["status"] == "duplicate"

    [msg] = mailbox.wait_for(1)
    assert msg["To"].endswith("<grace@example.com>")
    links = re.findall(r'href="http://afterword\.test(/s/[^"?]+)\?score=(\d+)"', html_part(msg))
    assert [int(score) for _, score in links] == list(range(0, 11))
    path = links[9][0]

    page = client.get(f"{path}?score=9")
    assert page.status_code == 200 and b'value="9" checked' in page.data
    token = path.rsplit("/", 1)[1]
    clicked = select(func.count()).select_from(Response).join(Invite).where(Invite.token == token)
    assert db.session.scalar(clicked) == 0  # the click recorded nothing

    csrf = re.search(rb'name="csrf_token" value="([^"]+)"', page.data).group(1).decode()
    confirmed = client.post(path, data={"csrf_token": csrf, "score": "9", "comment": "Sam was wonderful, thank you!"})
    assert confirmed.status_code == 200

    auth = {"Authorization": f"Bearer {ws.key}"}

    def analysed():
        items = client.get("/api/v1/responses", headers=auth).json["items"]
        return items if items and items[0]["sentiment"] else None

    [item] = wait_until(analysed)
    assert item["score"] == 9
    assert item["sentiment"]["label"] == "positive"
    assert item["ticket"]["team"] == "Billing"
    metrics = client.get(f"/api/v1/metrics?survey_id={survey.id}", headers=auth).json
    assert metrics["nps"]["n"] == 1 and metrics["nps"]["value"] == 100.0
    invite = db.session.scalar(select(Invite).where(Invite.token == token))
    assert invite.status == "sent"
    assert len(mailbox.messages) == 1  # the replay made no second email


def test_the_send_task_run_twice_sends_one_email(pg_app, mailbox):
    make = Factory()
    ws = make.workspace("Twice Co")
    survey = make.survey(ws, "csat")
    invite = make.invite(survey)
    mailbox.wait_for(1)
    with mailbox.lock:
        mailbox.messages.clear()
    # Make it due and unsent again, as if the first delivery had never happened.
    db.session.execute(update(Invite).where(Invite.id == invite.id).values(status="scheduled", send_claimed_at=None))
    db.session.commit()
    celery = pg_app.extensions["celery"]
    celery.send_task(SEND_INVITE_EMAIL, args=[invite.id])
    celery.send_task(SEND_INVITE_EMAIL, args=[invite.id])
    mailbox.wait_for(1)
    time.sleep(2)  # give the second task time to (not) send
    assert len(mailbox.messages) == 1


def test_input_postgres_cannot_store_is_refused_not_a_500(pg_app):
    """SQLite accepts what Postgres refuses (NUL bytes, over-long keys); these must stay 4xx here."""
    make = Factory()
    ws = make.workspace("Edge Co")
    survey = make.survey(ws, "csat")
    integration = make.integration(survey)
    client = pg_app.test_client()
    auth = {"Authorization": f"Bearer {ws.key}"}

    nul_name = client.post(
        "/api/v1/invites",
        headers=auth,
        json={"survey_id": survey.id, "customer": {"email": "a@example.com", "name": "A\x00B"}, "ticket": {"id": "1"}},
    )
    assert nul_name.status_code == 422
    assert client.get("/api/v1/responses?agent=a%00b", headers=auth).status_code == 422
    assert client.get("/s/abc%00defghijklmnopqrstu").status_code == 404

    body = json.dumps({"customer": {"email": "b@example.com"}, "ticket": {"id": "2"}}).encode()
    stamp, long_id = int(time.time()), "m" * 300
    headers = {
        "webhook-id": long_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": sign(integration.secret, long_id, stamp, body),
        "Content-Type": "application/json",
    }
    assert client.post(f"/hooks/{integration.id}", data=body, headers=headers).status_code == 422

    invite = make.invite(survey)
    page = client.get(f"/s/{invite.token}")
    csrf = re.search(rb'name="csrf_token" value="([^"]+)"', page.data).group(1).decode()
    saved = client.post(f"/s/{invite.token}", data={"csrf_token": csrf, "score": "4", "comment": "fine\x00 thanks"})
    assert saved.status_code == 200
    assert db.session.scalar(select(Response.comment).where(Response.invite_id == invite.id)) == "fine thanks"
    assert db.session.scalar(select(func.count()).select_from(Invite).where(Invite.workspace_id == ws.id)) == 1
