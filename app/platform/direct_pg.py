"""One hot statement run straight through libpq: prepared once per connection, text parameters.

Why: webhook intake's whole write is one INSERT ... SELECT ... RETURNING, and SQLAlchemy's
execute machinery around it (pool checkout and checkin, the autocommit switch there and back,
the execution context, psycopg's cursor, parameter dumping and result objects) cost the web
process more CPU than the rest of the request's own work (measured in-process: ~0.15-0.2 ms of
a ~0.7 ms webhook). Here each thread keeps one connection of its own, taken from the engine's
pool once and detached from it (so it is opened with the engine's own settings and events, and
the pool's size is untouched), and runs the statement with `PQexecPrepared`: no transaction
(libpq sends one statement, which commits on its own, as the autocommit connection did), no
cursor, no result object.

The statement is the SQLAlchemy statement itself, compiled once for PostgreSQL with `$n`
placeholders and the psycopg dialect's casts, so the SQL is the one SQLAlchemy would send; the
values are sent as text, converted the way SQLAlchemy's types would convert them (see
`_text`). Whatever this cannot do exactly (another database or driver, a NUL in a text value, a
type it does not convert) it declines with `Declined` before sending anything; a failure after
sending (the connection lost, the server refusing) also raises `Declined`, with the connection
dropped when it is broken. The caller then runs its ordinary path, which answers as it always
did. A unique violation is `Duplicate`. Nothing is ever half-done: a refused statement in
autocommit changed nothing.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.sql import ClauseElement

UNIQUE_VIOLATION = b"23505"


class Declined(Exception):
    """Not run here (or failed with nothing written): run the ordinary path instead."""


class Duplicate(Exception):
    """The statement broke a unique constraint: nothing was written."""


class DirectStatement:
    """`statement` with `fixed` values bound once; `scalar(values)` runs it on this thread's connection."""

    def __init__(self, engine: Engine, statement: ClauseElement, name: str, fixed: Mapping[str, Any]):
        self.usable = engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg"
        self._engine = engine
        self._name = name.encode()
        self._local = threading.local()
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._open: set = set()  # every thread's connection, so the engine's dispose closes them all
        if not self.usable:
            return
        event.listen(engine, "engine_disposed", self._dispose)
        from sqlalchemy.dialects.postgresql.psycopg import dialect as psycopg_dialect

        compiled = statement.compile(dialect=psycopg_dialect(paramstyle="numeric_dollar"))
        self._sql = str(compiled).encode()
        # Each $n in order, with a constant value where the statement holds one (literals, and
        # the Python-side column defaults SQLAlchemy adds to an INSERT ... FROM SELECT).
        self._order: list[str] = list(compiled.positiontup or [])
        constants = {key: value for key, value in compiled.params.items() if value is not None}
        try:
            self._fixed = {key: _text(value, None) for key, value in {**constants, **fixed}.items()}
        except Declined:
            self.usable = False
        self._json = engine.dialect._json_serializer or json.dumps  # what psycopg's Json would call

    def scalar(self, values: Mapping[str, Any]) -> bytes | None:
        """The first column of the first row returned (as text), or None for no row."""
        if not self.usable:
            raise Declined
        params = []
        for key in self._order:
            if key in values:
                params.append(_text(values[key], self._json))
            elif key in self._fixed:
                params.append(self._fixed[key])
            else:
                raise Declined  # a value nobody gave: let SQLAlchemy say so
        pgconn = self._connection()
        from psycopg import pq

        result = pgconn.exec_prepared(self._name, params)
        if result.status == pq.ExecStatus.TUPLES_OK:
            return result.get_value(0, 0) if result.ntuples else None
        if result.error_field(pq.DiagnosticField.SQLSTATE) == UNIQUE_VIOLATION:
            raise Duplicate
        self._drop_if_broken()
        raise Declined

    def _connection(self):
        from psycopg import pq

        if self._pid != os.getpid():  # a forked child never uses its parent's socket
            self._local, self._pid, self._open = threading.local(), os.getpid(), set()
        local = self._local
        pgconn = getattr(local, "pgconn", None)
        if pgconn is not None and pgconn.status == pq.ConnStatus.OK:
            return pgconn
        self._drop()
        try:
            proxied = self._engine.raw_connection()  # the engine's connect arguments and events
            driver = proxied.driver_connection
            proxied.detach()  # ours for good; the pool opens another in its place when it needs one
            driver.autocommit = True  # nothing here ever opens a transaction; said so anyway
            pgconn = driver.pgconn
            prepared = pgconn.prepare(self._name, self._sql)
            if prepared.status != pq.ExecStatus.COMMAND_OK:
                driver.close()
                raise Declined
        except Declined:
            raise
        except Exception as exc:  # cannot connect: the ordinary path reports it as it always did
            raise Declined from exc
        local.driver, local.pgconn = driver, pgconn
        with self._lock:
            self._open.add(driver)
        return pgconn

    def _drop_if_broken(self) -> None:
        from psycopg import pq

        pgconn = getattr(self._local, "pgconn", None)
        if (
            pgconn is None
            or pgconn.status != pq.ConnStatus.OK
            or pgconn.transaction_status != pq.TransactionStatus.IDLE
        ):
            self._drop()

    def _drop(self) -> None:
        driver = getattr(self._local, "driver", None)
        self._local.driver = self._local.pgconn = None
        if driver is not None:
            with self._lock:
                self._open.discard(driver)
            _close(driver)

    def _dispose(self, engine: Engine) -> None:
        """The engine's pool was disposed (tests, a worker after fork): its connections go, ours too."""
        with self._lock:
            opened, self._open = self._open, set()
            self._local = threading.local()
        if self._pid == os.getpid():
            for driver in opened:
                _close(driver)


def _close(driver) -> None:
    with contextlib.suppress(Exception):  # already gone
        driver.close()


def _text(value: Any, dumps: Callable[[Any], str] | None) -> bytes | None:
    """A value as PostgreSQL reads it in text form (the statement's casts give each its type)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise Declined  # no boolean parameter in the statements run here
    if isinstance(value, int):
        return str(value).encode()
    if isinstance(value, str):
        if "\x00" in value:
            raise Declined  # libpq's text parameters end at a NUL; psycopg refuses it with its own error
        return value.encode()
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise Declined  # the UTC columns refuse naive datetimes: their error, not ours
        return value.isoformat().encode()
    if isinstance(value, dict | list) and dumps is not None:
        text = dumps(value)
        if "\x00" in text:
            raise Declined
        return text.encode()
    raise Declined
