"""Helpers shared by the API, survey and service tests."""

from __future__ import annotations

import sqlite3
import time
from datetime import datetime
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import event, func, select
from sqlalchemy.pool import Pool

from app.extensions import db
from app.integrations.generic import sign
from app.models import Integration, Invite, InviteEvent, Response, ResponseTheme, Survey, WebhookDelivery, Workspace
from app.services.answers.record import load_invite_state, record_answer

MODELS = (Workspace, Survey, Integration, Invite, InviteEvent, Response, ResponseTheme, WebhookDelivery)


def row_counts() -> dict[str, int]:
    """How many rows each table holds: compared before and after a refused request."""
    db.session.rollback()
    return {m.__tablename__: db.session.scalar(select(func.count()).select_from(m)) for m in MODELS}


def outbox() -> list[Path]:
    folder = Path(current_app.config["OUTBOX_DIR"])
    return sorted(folder.glob("*.eml")) if folder.exists() else []


def assert_error(resp, status: int, code: str | None = None) -> dict:
    """The documented error shape with the expected status; returns the error object."""
    assert resp.status_code == status, (resp.status_code, resp.get_data(as_text=True)[:500])
    assert resp.is_json, resp.content_type
    error = resp.json["error"]
    assert set(error) == {"code", "message", "fields"}
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["fields"], dict)
    if code is not None:
        assert error["code"] == code
    return error


def answer(
    make, survey: Survey, score: int, comment: str | None = None, at: datetime | None = None, **ticket
) -> Response:
    """A confirmed answer through the real services (invite, email, record, analysis)."""
    invite = make.invite(survey, **ticket)
    response = record_answer(load_invite_state(invite.token), score, comment)
    if at is not None:
        response.answered_at = at
        db.session.commit()
    return response


def signed_headers(secret: str, body: bytes, msg_id: str = "msg_1", timestamp: int | None = None) -> dict:
    """Standard Webhooks headers for `body`, as a sender computes them."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, msg_id, timestamp, body),
        "Content-Type": "application/json",
    }


@pytest.fixture(autouse=True)
def fast_sqlite():
    """Skip fsync on the per-test SQLite files: each test's database is thrown away anyway."""

    def _pragmas(dbapi_connection, connection_record) -> None:
        if isinstance(dbapi_connection, sqlite3.Connection):
            dbapi_connection.execute("PRAGMA synchronous = OFF")
            dbapi_connection.execute("PRAGMA journal_mode = MEMORY")

    event.listen(Pool, "connect", _pragmas)
    yield
    event.remove(Pool, "connect", _pragmas)
