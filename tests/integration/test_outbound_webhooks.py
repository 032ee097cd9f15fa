"""Outbound webhooks on the real stack: Postgres, Redis, a Celery worker process and a loopback
receiver. A receiver down for a while gets every event once it is back; a worker killed in the
middle of a POST loses nothing (the message is sent again, under the same webhook-id)."""

from __future__ import annotations

import os
import signal
import time
import uuid

import pytest
from sqlalchemy import func, select

from app import create_app
from app.extensions import db
from app.integrations import generic
from app.models import WebhookMessage
from app.models.outbound_webhook import MessageStatus
from app.models.types import utcnow
from app.platform.queue import DELIVER_WEBHOOKS
from app.services.outbound.endpoints import create_endpoint
from tests.integration.services import Worker
from tests.support.factories import Factory
from tests.support.receiver import Receiver

pytestmark = pytest.mark.integration


@pytest.fixture
def own_stack(stack, postgres_url, redis_url, mailbox, tmp_path):
    """An app and the env for workers on a queue of this test's own, retries due at once, a claim
    that lapses after 2 s (`stack` has migrated the database)."""
    queue = f"afterword-it-hooks-{uuid.uuid4().hex[:8]}"
    env = {
        "DATABASE_URL": postgres_url,
        "REDIS_URL": redis_url,
        "SMTP_URL": mailbox.smtp_url,
        "PUBLIC_URL": "http://afterword.test",
        "AFTERWORD_INSTANCE": str(tmp_path),
        "CELERY_DEFAULT_QUEUE": queue,
        "WEBHOOK_RETRY_BASE_SECONDS": "0",
        "WEBHOOK_LEASE_SECONDS": "2",
        "OUTBOUND_ALLOW_LOCAL": "1",
        "SECRET_KEY": "outbound-webhooks-integration-test",  # the worker decrypts what the app stored
    }
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": postgres_url,
            "REDIS_URL": redis_url,
            "SMTP_URL": mailbox.smtp_url,
            "PUBLIC_URL": "http://afterword.test",
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": False,
            "CELERY": {"task_default_queue": queue},
            "OUTBOUND_ALLOW_LOCAL": True,
            "SECRET_KEY": env["SECRET_KEY"],
        }
    )
    with app.app_context():
        yield app, env, tmp_path
        db.session.remove()
        db.engine.dispose()


def _pending(endpoint_id: int) -> int:
    db.session.rollback()
    return db.session.scalar(
        select(func.count())
        .select_from(WebhookMessage)
        .where(WebhookMessage.endpoint_id == endpoint_id, WebhookMessage.status != MessageStatus.DELIVERED)
    )


def _sweep_until_delivered(app, endpoint_id: int, timeout: float = 60) -> None:
    """Send the sweep as the beat would (every 0.5 s here) until every message is delivered."""
    celery = app.extensions["celery"]
    deadline = time.monotonic() + timeout
    while _pending(endpoint_id) and time.monotonic() < deadline:
        celery.send_task(DELIVER_WEBHOOKS)
        time.sleep(0.5)
    assert _pending(endpoint_id) == 0


def test_a_receiver_down_for_a_while_gets_every_event_once_it_returns(own_stack):
    app, env, tmp_path = own_stack
    receiver = Receiver(fail_first=6)
    worker = None
    try:
        make = Factory()
        workspace = make.workspace("Hooks Co")
        view = create_endpoint(
            workspace.id, {"url": receiver.url, "events": ["invite.sent", "response.created", "response.updated"]}
        )
        survey = make.survey(workspace)
        invites = [make.invite(survey) for _ in range(3)]  # queued for the worker
        worker = Worker(env, worker_queue(app), tmp_path / "worker.log")
        client = app.test_client()
        for invite in invites:
            assert client.post(f"/s/{invite.token}", data={"score": "1", "comment": ""}).status_code == 200
        client.post(f"/s/{invites[0].token}", data={"score": "2", "comment": "changed my mind"})
        _sweep_until_delivered(app, view.id)

        ok = [r for r in receiver.received if r.headers["webhook-id"]]
        ids = [r.headers["webhook-id"] for r in ok]
        for received in ok:
            generic.verify(view.secret, received.headers, received.body, utcnow(), 300)
        types = {r.headers["webhook-id"]: r.json()["type"] for r in ok}
        assert sorted(types.values()) == sorted(["invite.sent"] * 3 + ["response.created"] * 3 + ["response.updated"])
        assert len(ids) == 7 + 6  # each refusal was followed by the same id again, and no more
    finally:
        if worker is not None:
            worker.stop()
        receiver.close()


def test_a_worker_killed_mid_delivery_loses_nothing(own_stack):
    app, env, tmp_path = own_stack
    receiver = Receiver()
    receiver.hold = True  # the receiver reads the request, then keeps the worker waiting
    worker = second = None
    try:
        make = Factory()
        workspace = make.workspace("Killed Hooks Co")
        view = create_endpoint(workspace.id, {"url": receiver.url, "events": ["response.created"]})
        survey = make.survey(workspace, send_delay_minutes=60)  # no invite email in the way
        invite = make.invite(survey)
        worker = Worker(env, worker_queue(app), tmp_path / "worker-1.log")
        assert app.test_client().post(f"/s/{invite.token}", data={"score": "1", "comment": ""}).status_code == 200
        assert receiver.arrived.wait(30), worker.log()
        os.kill(worker.proc.pid, signal.SIGKILL)  # mid-POST: the receiver has it, no answer went back
        worker.proc.wait(timeout=10)
        receiver.hold = False
        receiver.release.set()

        second = Worker(env, worker_queue(app), tmp_path / "worker-2.log")
        _sweep_until_delivered(app, view.id)
        first, again = receiver.received[0], receiver.received[-1]
        assert len(receiver.received) == 2
        assert first.headers["webhook-id"] == again.headers["webhook-id"]  # the receiver can dedupe
    finally:
        receiver.release.set()
        for w in (second, worker):
            if w is not None and w.proc.poll() is None:
                w.stop()
        receiver.close()


def worker_queue(app) -> str:
    return app.extensions["celery"].conf.task_default_queue
