"""API keys on the API: a read key only reads, a revoked key is refused, use is noted sparingly."""

from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.models import ApiKey
from app.models.api_key import KeyScope
from app.services.api_keys import issue_key
from tests.support.api import assert_error


def _key(workspace, scope: KeyScope) -> tuple[ApiKey, dict]:
    row, key = issue_key(workspace.id, f"{scope} key", scope)
    db.session.commit()
    return row, {"Authorization": f"Bearer {key}"}


def test_a_read_key_reads_but_may_not_write(client, workspace):
    _, headers = _key(workspace, KeyScope.READ)
    assert client.get("/api/v1/surveys", headers=headers).status_code == 200
    refused = client.post("/api/v1/surveys", json={"name": "x", "kind": "csat"}, headers=headers)
    assert "read-only" in assert_error(refused, 403, "forbidden")["message"]
    assert_error(client.patch("/api/v1/workspace", json={"name": "x"}, headers=headers), 403, "forbidden")
    db.session.refresh(workspace.row)
    assert workspace.row.name == "Acme"


def test_a_write_key_writes(client, workspace):
    _, headers = _key(workspace, KeyScope.WRITE)
    assert client.post("/api/v1/surveys", json={"name": "x", "kind": "csat"}, headers=headers).status_code == 201


def test_the_workspaces_first_key_is_a_write_key_named_initial(client, workspace, auth):
    (row,) = db.session.query(ApiKey).filter_by(workspace_id=workspace.id).all()
    assert (row.name, row.scope, row.key_hash) == ("Initial key", "write", workspace.row.api_key_hash)
    assert workspace.key.startswith(row.prefix)
    assert client.post("/api/v1/surveys", json={"name": "x", "kind": "csat"}, headers=auth).status_code == 201


def test_a_revoked_key_is_401_and_the_others_still_work(client, workspace, auth):
    row, headers = _key(workspace, KeyScope.WRITE)
    assert client.get("/api/v1/surveys", headers=headers).status_code == 200
    from app.models.types import utcnow

    row.revoked_at = utcnow()
    db.session.commit()
    assert_error(client.get("/api/v1/surveys", headers=headers), 401, "unauthorized")
    assert client.get("/api/v1/surveys", headers=auth).status_code == 200


def test_last_use_is_noted_at_most_once_a_minute(client, workspace):
    row, headers = _key(workspace, KeyScope.READ)
    assert row.last_used_at is None
    client.get("/api/v1/surveys", headers=headers)
    db.session.refresh(row)
    first = row.last_used_at
    assert first is not None
    client.get("/api/v1/surveys", headers=headers)
    db.session.refresh(row)
    assert row.last_used_at == first  # within the minute: no write
    row.last_used_at = first - timedelta(minutes=2)
    db.session.commit()
    client.get("/api/v1/surveys", headers=headers)
    db.session.refresh(row)
    assert row.last_used_at > first - timedelta(minutes=2)
