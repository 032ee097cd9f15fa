"""Shared helpers for the benchmarks: a throwaway Postgres database, free ports, percentiles."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PG_ADMIN_URL = os.environ.get("AFTERWORD_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("AFTERWORD_TEST_REDIS", "redis://127.0.0.1:6379/0")
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            sock.settimeout(0.2)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listening on 127.0.0.1:{port} after {timeout}s")


@contextmanager
def scratch_database():
    """A new, empty Postgres database, dropped afterwards; yields its SQLAlchemy URL."""
    import psycopg

    name = f"afterword_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def invite_row(survey, k: int, now, status: str = "scheduled") -> dict:
    """An invite of `survey` as the benchmarks insert them: the k-th customer, due `now`."""
    from app.services.invites.tickets import new_token

    return {
        "workspace_id": survey.workspace_id,
        "survey_id": survey.id,
        "token": new_token(),
        "status": status,
        "locale": ("en", "es", "fr", "de", "pt")[k % 5],
        "tags": [],
        "customer_email": f"c{k}@example.com",
        "customer_name": f"Customer {k}",
        "ticket_id": f"T-{k}",
        "agent_name": "Sam",
        "created_at": now,
        "due_at": now,
        "solve_number": 1,
    }


def intake_world(url: str, queue: str):
    """The intake benchmarks' set-up, in the environment the servers read: the schema migrated,
    the bare endpoint's table, one generic integration; returns the app, the integration's secret and its id."""
    os.environ.update(
        {
            "DATABASE_URL": url,
            "REDIS_URL": REDIS_URL,
            "SECRET_KEY": "bench-secret",
            "CELERY_DEFAULT_QUEUE": queue,
            "HOOK_RATE_LIMIT": "100000000 per minute",
            "AFTERWORD_INSTANCE": str(Path("/tmp") / queue),
            "PUBLIC_URL": "http://127.0.0.1",
        }
    )
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from tests.support.factories import Factory

    app = create_app()
    with app.app_context():
        upgrade()
        db.session.execute(db.text("CREATE TABLE bench_bare (id serial PRIMARY KEY, body text NOT NULL)"))
        db.session.commit()
        make = Factory()
        integration = make.integration(make.survey(make.workspace("Bench"), "csat"))
        secret, hook_id = integration.secret, integration.id
        db.session.remove()
        db.engine.dispose()
    return app, secret, hook_id
