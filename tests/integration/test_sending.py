"""Delivery on real services: Redis down during intake, SMTP 421/550, one connection per batch."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import threading
import time
import uuid
from email import message_from_bytes
from pathlib import Path

import pytest
from sqlalchemy import select, update

from app import create_app
from app.extensions import db
from app.models import Invite, WebhookDelivery
from app.models.types import utcnow
from app.platform.mail import close_connection
from app.platform.queue import SWEEP_DUE_INVITES
from app.services.sending.send import due_invite_ids, flush_outcomes, send_invite, send_invites
from tests.conftest import service_unavailable
from tests.integration.services import Mailbox, Worker, free_port, port_open, start_smtp
from tests.support.factories import Factory
from tests.support.helpdesks import fixture, helpscout_headers

pytestmark = pytest.mark.integration


class OwnRedis:
    """A redis-server of the test's own on a free loopback port, to stop and start at will."""

    def __init__(self):
        binary = shutil.which("redis-server")
        if binary is None:
            service_unavailable("redis-server binary")
        self.binary, self.port = binary, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = None
        self.start()

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not port_open("127.0.0.1", self.port):
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


class ScriptedHandler:
    """An SMTP server that answers DATA from a script of codes (then 250), noting each connection."""

    def __init__(self, replies: list[str]):
        self.replies = list(replies)
        self.accepted: list = []
        self.sessions: set[int] = set()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.sessions.add(id(session))
            if self.replies:
                return self.replies.pop(0)
            self.accepted.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def scripted_smtp():
    from aiosmtpd.controller import Controller

    controllers = []

    def start(replies: list[str]):
        handler = ScriptedHandler(replies)
        controller = Controller(handler, hostname="127.0.0.1", port=free_port())
        controller.start()
        controllers.append(controller)
        return handler, f"smtp://127.0.0.1:{controller.port}"

    yield start
    close_connection()
    for controller in controllers:
        controller.stop()


def app_with(postgres_url: str, **config):
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": postgres_url,
            "PUBLIC_URL": "http://afterword.test",
            "RATELIMIT_ENABLED": False,
            **config,
        }
    )


def test_a_webhook_accepted_while_redis_is_down_is_sent_once_redis_is_back(pg_app, postgres_url, tmp_path):
    # Its own SMTP server: a late email from an earlier test must not land in this one's box.
    mailbox = Mailbox()
    smtp = start_smtp(mailbox)
    mailbox.smtp_url = f"smtp://127.0.0.1:{smtp.port}"
    redis = OwnRedis()
    queue = f"afterword-it-down-{uuid.uuid4().hex[:8]}"
    app = app_with(
        postgres_url,
        REDIS_URL=redis.url,
        SMTP_URL=mailbox.smtp_url,
        CELERY={"task_default_queue": queue},
        RATELIMIT_ENABLED=True,
    )
    worker = None
    try:
        with app.app_context():
            make = Factory()
            survey = make.survey(make.workspace("Outage Co"), "csat")
            integration = make.integration(survey, "helpscout")
            secret, hook = integration.secret, f"/hooks/{integration.id}"
            db.session.remove()
        redis.stop()
        body = fixture("helpscout", "convo_status_closed.json")
        started = time.monotonic()
        answer = app.test_client().post(hook, data=body, headers=helpscout_headers(secret, body))
        elapsed = time.monotonic() - started
        assert answer.status_code == 202, answer.json
        assert elapsed < 5, f"intake waited {elapsed:.1f}s on the dead broker"
        with app.app_context():
            delivery = db.session.get(WebhookDelivery, answer.json["delivery_id"])
            assert (
                delivery.status == "pending" and delivery.payload["invite"]["customer"]["email"] == "marie@example.com"
            )
            db.session.remove()
        assert mailbox.messages == []

        redis.start()
        env = {
            "DATABASE_URL": postgres_url,
            "REDIS_URL": redis.url,
            "SMTP_URL": mailbox.smtp_url,
            "PUBLIC_URL": "http://afterword.test",
            "AFTERWORD_INSTANCE": str(tmp_path),
            "CELERY_DEFAULT_QUEUE": queue,
        }
        worker = Worker(env, queue, tmp_path / "worker.log")
        # What beat does every 30 s; retried here because the app's pooled broker connection
        # may still hold the refused one from the outage (beat would simply try again next tick).
        sweep = {"retry": True, "retry_policy": {"max_retries": 20, "interval_start": 0.2, "interval_step": 0.2}}
        app.extensions["celery"].send_task(SWEEP_DUE_INVITES, **sweep)
        [msg] = mailbox.wait_for(1)
        assert msg["To"].endswith("<marie@example.com>")
        app.extensions["celery"].send_task(SWEEP_DUE_INVITES, **sweep)  # a second sweep finds nothing left to send
        time.sleep(1.5)
        assert len(mailbox.messages) == 1
        with app.app_context():
            delivery = db.session.get(WebhookDelivery, answer.json["delivery_id"])
            assert delivery.status == "done" and db.session.get(Invite, delivery.invite_id).status == "sent"
            db.session.remove()
            db.engine.dispose()
    finally:
        if worker:
            worker.stop()
        if redis.proc.poll() is None:
            redis.stop()
        smtp.stop()


def test_smtp_421_is_retried_and_550_fails_with_the_servers_reason(pg_app, postgres_url, scripted_smtp):
    handler, url = scripted_smtp(["421 4.3.2 Service shutting down, try later", "550 5.1.1 Mailbox unavailable"])
    app = app_with(postgres_url, SMTP_URL=url, CELERY={"task_always_eager": True}, SEND_RETRY_DELAYS_SECONDS=[60, 300])
    with app.app_context():
        make = Factory()
        survey = make.survey(make.workspace("Flaky Mail Co"), "csat", send_delay_minutes=5)
        invite = make.invite(survey, email="nobody@example.com")
        db.session.execute(update(Invite).where(Invite.id == invite.id).values(due_at=utcnow()))
        db.session.commit()

        assert send_invite(invite.id) == "deferred"
        invite = db.session.get(Invite, invite.id)
        assert invite.status == "scheduled" and invite.due_at > utcnow()
        assert "421 4.3.2" in invite.events[-1].detail
        assert send_invite(invite.id) == "not_claimed"  # not due yet: the backoff holds

        db.session.execute(update(Invite).where(Invite.id == invite.id).values(due_at=utcnow()))
        db.session.commit()
        assert send_invite(invite.id) == "failed"
        invite = db.session.get(Invite, invite.id)
        assert invite.status == "failed" and invite.reason == "550 5.1.1 Mailbox unavailable"
        assert handler.accepted == []
        db.session.remove()
        db.engine.dispose()


def test_a_held_connection_is_renewed_after_the_messages_it_may_carry(pg_app, postgres_url, scripted_smtp):
    handler, url = scripted_smtp([])
    app = app_with(postgres_url, SMTP_URL=url, CELERY={"task_always_eager": True}, SMTP_MAX_MESSAGES_PER_CONNECTION=2)
    with app.app_context():
        make = Factory()
        survey = make.survey(make.workspace("Renew Co"), "csat", send_delay_minutes=5)
        ids = [make.invite(survey).id for _ in range(5)]
        db.session.execute(update(Invite).where(Invite.id.in_(ids)).values(due_at=utcnow()))
        db.session.commit()
        close_connection()
        assert sorted(send_invites(ids).values()) == ["sent"] * 5
        assert len(handler.accepted) == 5 and len(handler.sessions) == 3  # 2 + 2 + 1


def test_a_4xx_then_success_sends_once_and_a_batch_uses_one_connection(pg_app, postgres_url, scripted_smtp):
    handler, url = scripted_smtp(["451 4.7.1 Greylisted, come back later"])
    app = app_with(postgres_url, SMTP_URL=url, CELERY={"task_always_eager": True}, SEND_RETRY_DELAYS_SECONDS=[0])
    with app.app_context():
        make = Factory()
        survey = make.survey(make.workspace("Batch Co"), "csat", send_delay_minutes=5)
        ids = [make.invite(survey).id for _ in range(6)]
        db.session.execute(update(Invite).where(Invite.id.in_(ids)).values(due_at=utcnow()))
        db.session.commit()
        close_connection()
        outcomes = send_invites(ids)
        assert sorted(outcomes.values()) == ["deferred"] + ["sent"] * 5
        assert len(handler.sessions) == 1  # five emails and a greylisting on one held connection
        assert send_invites(ids) == {ids[0]: "sent"}  # the retry (delay 0) goes out; the rest are not re-sent
        assert len(handler.accepted) == 6
        statuses = db.session.scalars(select(Invite.status).where(Invite.id.in_(ids))).all()
        assert statuses == ["sent"] * 6
        db.session.remove()
        db.engine.dispose()


_SEND_BATCH = """
import sys
from app import create_app
from app.services.sending.send import send_invites
app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": sys.argv[1], "SMTP_URL": sys.argv[2],
                  "PUBLIC_URL": "http://afterword.test", "RATELIMIT_ENABLED": False})
with app.app_context():
    send_invites([int(i) for i in sys.argv[3:]])
"""


def test_a_worker_killed_before_its_grouped_outcomes_are_written_never_sends_twice(pg_app, postgres_url, scripted_smtp):
    # The third email hangs in DATA: the worker has sent two whose outcomes are still unwritten.
    handler, url = scripted_smtp([])
    stuck = threading.Event()
    accept = handler.handle_DATA

    async def handle_data(server, session, envelope):
        if len(handler.accepted) == 2:
            stuck.set()
            await asyncio.sleep(60)
        return await accept(server, session, envelope)

    handler.handle_DATA = handle_data
    app = app_with(postgres_url, SMTP_URL=url, CELERY={"task_always_eager": True})
    with app.app_context():
        make = Factory()
        survey = make.survey(make.workspace("Killed Co"), "csat", send_delay_minutes=5)
        ids = [make.invite(survey).id for _ in range(5)]
        db.session.execute(update(Invite).where(Invite.id.in_(ids)).values(due_at=utcnow()))
        db.session.commit()
        worker = subprocess.Popen(
            [sys.executable, "-c", _SEND_BATCH, postgres_url, url, *map(str, ids)],
            cwd=Path(__file__).resolve().parents[2],
        )
        try:
            assert stuck.wait(60), "the worker never reached the third email"
        finally:
            worker.kill()  # SIGKILL: no finally blocks, no outcome write
            worker.wait(timeout=10)
        assert len(handler.accepted) == 2
        statuses = db.session.scalars(select(Invite.status).where(Invite.id.in_(ids))).all()
        assert statuses == ["sending"] * 5  # claimed, outcomes lost with the worker
        db.session.commit()
        close_connection()
        assert send_invites(ids) == {}  # nothing claimable: the two sent are not sent again
        assert due_invite_ids() == []
        time.sleep(0.5)
        assert len(handler.accepted) == 2
        db.session.remove()
        db.engine.dispose()


def test_outcomes_of_a_batch_are_all_recorded(pg_app, postgres_url, scripted_smtp):
    handler, url = scripted_smtp(["550 5.1.1 Mailbox unavailable"])
    app = app_with(postgres_url, SMTP_URL=url, CELERY={"task_always_eager": True})
    with app.app_context():
        make = Factory()
        survey = make.survey(make.workspace("Grouped Co"), "csat", send_delay_minutes=5, reminder_after_hours=24)
        ids = [make.invite(survey).id for _ in range(60)]  # more than one group
        db.session.execute(update(Invite).where(Invite.id.in_(ids)).values(due_at=utcnow()))
        db.session.commit()
        close_connection()
        outcomes = send_invites(ids)
        assert sorted(outcomes.values()) == ["failed"] + ["sent"] * 59
        invites = db.session.scalars(select(Invite).where(Invite.id.in_(ids)).order_by(Invite.id)).all()
        assert invites[0].status == "failed" and invites[0].reason == "550 5.1.1 Mailbox unavailable"
        for invite in invites[1:]:
            assert invite.status == "sent" and invite.sent_at is not None and invite.reminder_due_at > invite.sent_at
            assert [e.status for e in invite.events][-1] == "sent"
        assert len(handler.accepted) == 59
        db.session.remove()
        db.engine.dispose()


def test_a_worker_batch_records_its_outcomes_after_it_returns(pg_app, postgres_url, scripted_smtp):
    # As a worker sends (wait=False): the outcomes are written behind, and flushed when it stops.
    handler, url = scripted_smtp(["550 5.1.1 Mailbox unavailable"])
    app = app_with(postgres_url, SMTP_URL=url, CELERY={"task_always_eager": True})
    with app.app_context():
        make = Factory()
        survey = make.survey(make.workspace("Behind Co"), "csat", send_delay_minutes=5)
        ids = [make.invite(survey).id for _ in range(5)]
        db.session.execute(update(Invite).where(Invite.id.in_(ids)).values(due_at=utcnow()))
        db.session.commit()
        close_connection()
        assert sorted(send_invites(ids, wait=False).values()) == ["failed"] + ["sent"] * 4
        flush_outcomes()
        statuses = db.session.scalars(select(Invite.status).where(Invite.id.in_(ids)).order_by(Invite.id)).all()
        assert statuses == ["failed"] + ["sent"] * 4
        assert send_invites(ids) == {}  # nothing sent twice
        assert len(handler.accepted) == 4
        db.session.remove()
        db.engine.dispose()
