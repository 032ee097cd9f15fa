"""Ping a pooled connection before use only when it has sat idle: stale ones are replaced.

SQLAlchemy's `pool_pre_ping` pings on every checkout: one more round trip per request, which on
webhook intake was ~8 % of the web process's CPU (plus the server's). A connection checked in
less than PING_AFTER_IDLE_SECONDS ago was working a moment ago, and a database restart takes
longer than that, so only connections idle for longer are pinged; a dead one is dropped and the
pool connects afresh (raising DisconnectionError from a checkout listener is SQLAlchemy's
documented way to ask for that, up to three times). So a restarted Postgres still costs no
request a 500, as with `pool_pre_ping`.
"""

from __future__ import annotations

import time

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import Pool

PING_AFTER_IDLE_SECONDS = 1.0


def _mark_idle(dbapi_connection, record) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dbapi_connection, record, proxy) -> None:
    idle_since = record.info.get("idle_since")
    if idle_since is not None and time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
        return
    try:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
        finally:
            cursor.close()
        dbapi_connection.rollback()  # end the transaction the ping may have opened
    except Exception as exc:
        raise DisconnectionError(f"stale pooled connection: {exc}") from exc


def install() -> None:
    """Listen on every pool of the process (idempotent)."""
    if not event.contains(Pool, "checkout", _ping_if_idle):
        event.listen(Pool, "checkin", _mark_idle)
        event.listen(Pool, "checkout", _ping_if_idle)
