"""Migration 0008 on PostgreSQL: a workspace's key from before API keys still works after it."""

from __future__ import annotations

import hashlib

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from app.extensions import db

pytestmark = pytest.mark.integration


def test_an_existing_workspace_key_still_works_after_the_upgrade(pg_app):
    key = "aw_before-named-keys-0123456789abcdef"
    db.session.remove()
    downgrade(revision="0007")
    try:
        with db.engine.begin() as conn:
            workspace_id = conn.execute(
                text(
                    "INSERT INTO workspaces (name, api_key_hash, api_key_prefix, timezone, brand_colour, created_at) "
                    "VALUES ('Before keys', :hash, :prefix, 'UTC', '#2f5bd3', now()) RETURNING id"
                ),
                {"hash": hashlib.sha256(key.encode()).hexdigest(), "prefix": key[:10]},
            ).scalar_one()
    finally:
        upgrade()
    row = db.session.execute(
        text("SELECT name, scope, prefix, revoked_at FROM api_keys WHERE workspace_id = :id"), {"id": workspace_id}
    ).one()
    assert tuple(row) == ("Initial key", "write", key[:10], None)
    client = pg_app.test_client()
    auth = {"Authorization": f"Bearer {key}"}
    assert client.get("/api/v1/workspace", headers=auth).json["name"] == "Before keys"
    assert client.post("/api/v1/surveys", json={"name": "x", "kind": "csat"}, headers=auth).status_code == 201
