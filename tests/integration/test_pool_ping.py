"""A pooled connection the server dropped while it sat idle is replaced, not turned into a 500."""

from __future__ import annotations

import time

import pytest

from app.extensions import db
from app.platform.pool_ping import PING_AFTER_IDLE_SECONDS

pytestmark = pytest.mark.integration


def _kill_other_backends() -> None:
    """What a Postgres restart does to every pooled connection, from a connection of its own."""
    import psycopg

    url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


def test_idle_connections_killed_by_the_server_are_replaced(pg_app):
    client = pg_app.test_client()
    assert client.get("/healthz").json["checks"]["database"]["ok"] is True
    with db.engine.connect() as conn:  # a pooled connection that will have been killed
        before = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    db.session.remove()
    _kill_other_backends()
    time.sleep(PING_AFTER_IDLE_SECONDS + 0.2)
    for _ in range(3):  # every pooled connection of the app is dead; each request still works
        answer = client.get("/healthz")
        assert answer.status_code == 200 and answer.json["checks"]["database"]["ok"] is True
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT pg_backend_pid()").scalar() != before
