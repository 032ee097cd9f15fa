"""Intake's write-behind publisher: batches, never blocks, drops to the sweep, one thread per process."""

from __future__ import annotations

import json
import threading
import time

import pytest
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.models import Invite, WebhookDelivery
from app.platform.publisher import BatchPublisher
from app.platform.queue import COMPLETE_DELIVERIES, SWEEP_DUE_INVITES, enqueue
from tests.conftest import unit_config
from tests.support.api import outbox, signed_headers
from tests.support.factories import Factory


class Recorder:
    """A publish function that notes each batch and says when `expected` ids have gone out."""

    def __init__(self, expected: int, fail_first: int = 0):
        self.batches: list[list[int]] = []
        self.expected, self.fail_first = expected, fail_first
        self.done = threading.Event()

    def __call__(self, ids: list[int]) -> None:
        if self.fail_first:
            self.fail_first -= 1
            raise ConnectionError("broker down")
        self.batches.append(list(ids))
        if sum(map(len, self.batches)) >= self.expected:
            self.done.set()


def test_ids_submitted_together_go_out_as_one_batch_in_order():
    publish = Recorder(50)
    publisher = BatchPublisher(publish, gather=0.2)
    for i in range(50):
        publisher.submit(i)
    assert publish.done.wait(5)
    assert publish.batches == [list(range(50))]


def test_a_batch_is_capped_and_the_rest_follows():
    publish = Recorder(50)
    publisher = BatchPublisher(publish, gather=0.2, max_batch=20)
    for i in range(50):
        publisher.submit(i)
    assert publish.done.wait(5)
    assert publish.batches == [list(range(20)), list(range(20, 40)), list(range(40, 50))]


def test_submit_never_waits_for_a_slow_broker():
    release = threading.Event()
    published: list[list[int]] = []

    def slow(ids):
        release.wait(5)
        published.append(ids)

    publisher = BatchPublisher(slow, gather=0)
    publisher.submit(0)
    time.sleep(0.05)  # the thread is now stuck in the first publish
    started = time.perf_counter()
    for i in range(1, 1001):
        publisher.submit(i)
    assert time.perf_counter() - started < 0.5
    release.set()
    deadline = time.monotonic() + 5
    while sum(map(len, published)) < 1001 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sorted(i for batch in published for i in batch) == list(range(1001))


def test_a_batch_that_cannot_be_published_is_dropped_and_the_thread_carries_on(caplog):
    publish = Recorder(1, fail_first=1)
    publisher = BatchPublisher(publish, gather=0)
    publisher.submit(1)
    deadline = time.monotonic() + 5
    while "the sweep will complete them" not in caplog.text and time.monotonic() < deadline:
        time.sleep(0.01)
    assert "could not publish 1 deliveries" in caplog.text
    publisher.submit(2)
    assert publish.done.wait(5)
    assert publish.batches == [[2]]  # 1 was dropped: the sweep completes it from the database


def test_a_forked_process_starts_its_own_thread(monkeypatch):
    parent, child = Recorder(1), Recorder(1)
    publisher = BatchPublisher(parent, gather=0)
    publisher.submit(1)
    assert parent.done.wait(5)
    threads = {t for t in threading.enumerate() if t.name == "afterword-publisher"}
    publisher._publish = child  # so we can tell the two processes' batches apart
    monkeypatch.setattr("app.platform.publisher.os.getpid", lambda: -1)  # as seen from a child after fork
    publisher.submit(2)
    assert child.done.wait(5)
    assert len({t for t in threading.enumerate() if t.name == "afterword-publisher"} - threads) == 1
    assert (parent.batches, child.batches) == ([[1]], [[2]])


def test_flush_publishes_what_is_still_queued():
    publish = Recorder(3)
    publisher = BatchPublisher(publish, gather=2)  # the thread would hold the ids for 2 s
    for i in range(3):
        publisher.submit(i)
    time.sleep(0.05)
    publisher.flush()  # what atexit does when a worker process shuts down cleanly
    assert publish.done.is_set()
    assert sorted(i for batch in publish.batches for i in batch) == [0, 1, 2]


# --- through the app --------------------------------------------------------------------------


@pytest.fixture
def queued_app(tmp_path):
    """An app that publishes for real workers (not eager), with the publish captured here."""
    app = create_app({**unit_config(tmp_path), "CELERY": {"task_always_eager": False}})
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()


def post_hooks(app, count: int) -> list[int]:
    make = Factory()
    integration = make.integration(make.survey(make.workspace(), "csat"))
    client, ids = app.test_client(), []
    for i in range(count):
        body = json.dumps(
            {
                "customer": {"email": f"c{i}@example.com", "name": f"C{i}"},
                "ticket": {"id": f"T-{i}", "channel": "email"},
            }
        ).encode()
        answer = client.post(
            f"/hooks/{integration.id}", data=body, headers=signed_headers(integration.secret, body, msg_id=f"msg_{i}")
        )
        assert answer.status_code == 202, answer.json
        ids.append(answer.json["delivery_id"])
    return ids


def test_intake_hands_committed_deliveries_to_the_publisher_and_one_task_completes_the_batch(queued_app):
    publish = Recorder(3)
    queued_app.extensions["delivery_publisher"] = BatchPublisher(publish, gather=0.2)
    ids = post_hooks(queued_app, 3)
    assert publish.done.wait(5) and publish.batches == [ids]
    # Answered before any worker ran: stored, pending, no invite yet.
    statuses = db.session.scalars(select(WebhookDelivery.status).where(WebhookDelivery.id.in_(ids))).all()
    assert statuses == ["pending"] * 3 and db.session.scalars(select(Invite)).all() == []
    db.session.remove()

    queued_app.extensions["celery"].conf.task_always_eager = True  # what the worker runs
    enqueue(COMPLETE_DELIVERIES, publish.batches[0] + [999999])  # an unknown id does not stop the rest
    done = db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.id.in_(ids))).all()
    assert [d.status for d in done] == ["done"] * 3
    assert len(db.session.scalars(select(Invite)).all()) == 3 and len(outbox()) == 3


def test_a_delivery_whose_publish_was_lost_is_completed_by_the_sweep(queued_app):
    publish = Recorder(1, fail_first=1)  # the broker is down when the batch goes out
    queued_app.extensions["delivery_publisher"] = BatchPublisher(publish, gather=0)
    [delivery_id] = post_hooks(queued_app, 1)
    deadline = time.monotonic() + 5
    while publish.fail_first and time.monotonic() < deadline:
        time.sleep(0.01)
    assert publish.fail_first == 0 and publish.batches == []  # the message is lost
    assert db.session.get(WebhookDelivery, delivery_id).status == "pending"
    db.session.remove()

    queued_app.extensions["celery"].conf.task_always_eager = True
    enqueue(SWEEP_DUE_INVITES)  # what beat runs every 30 s
    delivery = db.session.get(WebhookDelivery, delivery_id)
    assert delivery.status == "done" and db.session.get(Invite, delivery.invite_id).status == "sent"
    assert len(outbox()) == 1
