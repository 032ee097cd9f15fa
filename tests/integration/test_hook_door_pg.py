"""Intake's INSERT straight through libpq (app/platform/direct_pg.py) on PostgreSQL: the same row as
SQLAlchemy's path, replays still 200 `duplicate`, a lost connection costs no webhook a 500."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from app.extensions import db
from app.integrations.generic import new_secret
from tests.support.api import row_counts, signed_headers
from tests.support.factories import Factory

pytestmark = pytest.mark.integration

COLUMNS = (
    "integration_id, kind, ticket_id, status, payload::text, attempts, next_attempt_at = received_at, invite_id, error"
)


@pytest.fixture
def hook(pg_app):
    make = Factory()
    integration = make.integration(make.survey(make.workspace("Direct store"), "csat"))
    return pg_app.test_client(), integration


def body_for(ticket: str) -> bytes:
    # Widget invites: the worker makes them but emails nothing, so no message from here reaches
    # the session's shared mailbox while a later test waits for its own.
    return json.dumps(
        {
            "delivery": "widget",
            "customer": {"email": "grace@example.com", "name": "Grace Ünïcode"},
            "ticket": {"id": ticket, "tags": ["billing"], "solved_at": "2026-11-21T09:00:00Z", "agent": {"id": "7"}},
        }
    ).encode()


def stored(delivery_id: int):
    return db.session.execute(
        text(f"SELECT {COLUMNS} FROM webhook_deliveries WHERE id = :id"), {"id": delivery_id}
    ).one()


def send(client, integration, body: bytes, msg_id: str):
    return client.post(f"/hooks/{integration.id}", data=body, headers=signed_headers(integration.secret, body, msg_id))


def test_libpq_and_sqlalchemy_store_the_same_row(hook, pg_app, monkeypatch):
    client, integration = hook
    body = body_for("T-direct")
    direct = send(client, integration, body, "msg_direct")
    assert direct.status_code == 202
    assert pg_app.extensions["hook_store"].usable
    monkeypatch.setattr(pg_app.extensions["hook_store"], "usable", False)
    through_sqlalchemy = send(client, integration, body, "msg_sqlalchemy")
    assert through_sqlalchemy.status_code == 202
    assert stored(direct.json["delivery_id"]) == stored(through_sqlalchemy.json["delivery_id"])
    monkeypatch.undo()
    ids = db.session.execute(
        text("SELECT external_id FROM webhook_deliveries WHERE id IN (:a, :b) ORDER BY id"),
        {"a": direct.json["delivery_id"], "b": through_sqlalchemy.json["delivery_id"]},
    ).scalars()
    assert list(ids) == ["msg_direct", "msg_sqlalchemy"]


def test_a_replay_through_libpq_is_a_200_duplicate(hook):
    client, integration = hook
    body = body_for("T-replay")
    assert send(client, integration, body, "msg_replay").status_code == 202
    before = row_counts()
    again = send(client, integration, body, "msg_replay")
    assert again.status_code == 200 and again.json == {"status": "duplicate"}
    assert row_counts() == before


def test_a_changed_secret_is_never_stored_against(hook):
    client, integration = hook
    hook_id, old_secret = integration.id, integration.secret
    assert send(client, integration, body_for("T-1"), "msg_before").status_code == 202  # cached now
    db.session.execute(
        text("UPDATE integrations SET secret = :new WHERE id = :id"), {"id": hook_id, "new": new_secret()}
    )
    db.session.commit()
    before = row_counts()
    body = body_for("T-2")
    resp = client.post(f"/hooks/{hook_id}", data=body, headers=signed_headers(old_secret, body, "msg_after"))
    assert resp.status_code == 401  # the cached row's secret verified it, the guarded INSERT did not
    assert row_counts() == before


def test_a_lost_connection_costs_no_webhook_and_is_replaced(hook, pg_app):
    client, integration = hook
    assert send(client, integration, body_for("T-a"), "msg_a").status_code == 202
    statement = pg_app.extensions["hook_store"]
    first = statement._local.driver
    db.session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first.pgconn.backend_pid})
    db.session.commit()
    assert send(client, integration, body_for("T-b"), "msg_b").status_code == 202  # SQLAlchemy's path
    assert send(client, integration, body_for("T-c"), "msg_c").status_code == 202
    second = statement._local.driver
    assert second is not None and second is not first and not second.closed


def test_disposing_the_engine_closes_the_direct_connection(hook, pg_app):
    client, integration = hook
    assert send(client, integration, body_for("T-d"), "msg_d").status_code == 202
    driver = pg_app.extensions["hook_store"]._local.driver
    db.engine.dispose()
    assert driver.closed
    assert send(client, integration, body_for("T-e"), "msg_e").status_code == 202
