"""Migration 0008 on PostgreSQL: a workspace's key from before API keys still works after it.

Run on a database of its own: going down and up again on the shared one would drop the key rows
other tests made."""

from __future__ import annotations

import hashlib

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from app import create_app
from app.extensions import db
from tests.integration.services import create_database, drop_database

pytestmark = pytest.mark.integration


@pytest.fixture
def own_database(postgres_url, tmp_path):
    url, name = create_database()
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "PUBLIC_URL": "http://afterword.test",
            "RATELIMIT_ENABLED": False,
            "OUTBOX_DIR": str(tmp_path / "outbox"),
            "BROKER_DIR": str(tmp_path / "broker"),
            "CELERY": {"task_always_eager": True},
        }
    )
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    drop_database(name)


def test_an_existing_workspace_key_still_works_after_the_upgrade(own_database):
    key = "aw_before-named-keys-0123456789abcdef"
    upgrade(revision="0007")
    with db.engine.begin() as conn:
        workspace_id = conn.execute(
            text(
                "INSERT INTO workspaces (name, api_key_hash, api_key_prefix, timezone, brand_colour, created_at) "
                "VALUES ('Before keys', :hash, :prefix, 'UTC', '#2f5bd3', now()) RETURNING id"
            ),
            {"hash": hashlib.sha256(key.encode()).hexdigest(), "prefix": key[:10]},
        ).scalar_one()
    upgrade()
    row = db.session.execute(
        text("SELECT name, scope, prefix, revoked_at FROM api_keys WHERE workspace_id = :id"), {"id": workspace_id}
    ).one()
    assert tuple(row) == ("Initial key", "write", key[:10], None)
    client = own_database.test_client()
    auth = {"Authorization": f"Bearer {key}"}
    assert client.get("/api/v1/workspace", headers=auth).json["name"] == "Before keys"
    assert client.post("/api/v1/surveys", json={"name": "x", "kind": "csat"}, headers=auth).status_code == 201
