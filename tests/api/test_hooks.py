"""POST /hooks/{id} for the generic provider: Standard Webhooks signatures, dedup, no half-writes."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import select

from app.extensions import db
from app.integrations.generic import new_secret
from app.models import Invite, WebhookDelivery
from tests.support.api import assert_error, outbox, row_counts, signed_headers


@pytest.fixture
def integration(make, workspace):
    return make.integration(make.survey(workspace, "csat"))


def hook_body(**ticket) -> bytes:
    return json.dumps(
        {
            "customer": {"email": "Grace@Example.com", "name": "Grace"},
            "ticket": {"id": "T-42", "channel": "email", "agent": {"id": "a7", "name": "Sam"}, **ticket},
        }
    ).encode()


def test_valid_delivery_is_202_with_one_invite_and_one_email(client, integration):
    body = hook_body()
    resp = client.post(f"/hooks/{integration.id}", data=body, headers=signed_headers(integration.secret, body))
    assert resp.status_code == 202, resp.json
    assert resp.json["status"] == "accepted"
    invites = db.session.scalars(select(Invite)).all()
    assert len(invites) == 1
    invite = invites[0]
    delivery = db.session.get(WebhookDelivery, resp.json["delivery_id"])
    assert delivery.invite_id == invite.id
    assert (invite.survey_id, invite.integration_id) == (integration.survey_id, integration.id)
    assert (invite.customer_email, invite.ticket_id, invite.agent_name) == ("grace@example.com", "T-42", "Sam")
    assert invite.status == "sent"
    files = outbox()
    assert len(files) == 1
    assert invite.token in files[0].read_text()


def test_replay_of_the_same_webhook_id_is_a_200_duplicate(client, integration):
    body = hook_body()
    headers = signed_headers(integration.secret, body, msg_id="msg_replayed")
    assert client.post(f"/hooks/{integration.id}", data=body, headers=headers).status_code == 202
    before = row_counts()
    again = client.post(f"/hooks/{integration.id}", data=body, headers=headers)
    assert again.status_code == 200
    assert again.json == {"status": "duplicate"}
    assert row_counts() == before
    assert before["invites"] == 1 and before["webhook_deliveries"] == 1
    assert len(outbox()) == 1


def test_a_new_webhook_id_is_a_new_delivery_but_the_same_solve_is_one_invite(client, integration):
    body = hook_body()
    for msg_id in ("msg_a", "msg_b"):
        headers = signed_headers(integration.secret, body, msg_id)
        resp = client.post(f"/hooks/{integration.id}", data=body, headers=headers)
        assert resp.status_code == 202
    # Issue 3: one survey per ticket per solve, however many deliveries announce it.
    assert row_counts()["webhook_deliveries"] == 2
    assert row_counts()["invites"] == 1


def test_the_same_webhook_id_on_another_integration_is_not_a_duplicate(client, make, workspace, integration):
    second = make.integration(make.survey(workspace, "nps"))
    body = hook_body()
    for target in (integration, second):
        resp = client.post(f"/hooks/{target.id}", data=body, headers=signed_headers(target.secret, body, "msg_same"))
        assert resp.status_code == 202


def refused(client, integration, body: bytes, headers: dict, status: int = 401, code: str = "invalid_signature"):
    before = row_counts()
    resp = client.post(f"/hooks/{integration.id}", data=body, headers=headers)
    error = assert_error(resp, status, code)
    assert row_counts() == before
    assert outbox() == []
    return error


def test_altered_body_is_401(client, integration):
    headers = signed_headers(integration.secret, hook_body())
    refused(client, integration, hook_body(id="T-43"), headers)


def test_timestamp_six_minutes_old_is_401(client, integration):
    body = hook_body()
    stale = signed_headers(integration.secret, body, timestamp=int(time.time()) - 360)
    error = refused(client, integration, body, stale)
    assert "timestamp" in error["message"]


def test_timestamp_six_minutes_ahead_is_401(client, integration):
    body = hook_body()
    refused(client, integration, body, signed_headers(integration.secret, body, timestamp=int(time.time()) + 360))


def test_timestamp_four_minutes_old_is_accepted(client, integration):
    body = hook_body()
    headers = signed_headers(integration.secret, body, timestamp=int(time.time()) - 240)
    assert client.post(f"/hooks/{integration.id}", data=body, headers=headers).status_code == 202


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_missing_headers_are_401(client, integration, missing):
    body = hook_body()
    headers = signed_headers(integration.secret, body)
    del headers[missing]
    refused(client, integration, body, headers)


@pytest.mark.parametrize(
    "header, value",
    [
        ("webhook-timestamp", "yesterday"),
        ("webhook-timestamp", "9" * 400),
        ("webhook-signature", "v1,not-base64"),
        ("webhook-signature", "v1,\u00e9t\u00e9"),
        ("webhook-signature", "v2,AAAA"),
    ],
)
def test_malformed_headers_are_401_not_500(client, integration, header, value):
    body = hook_body()
    headers = signed_headers(integration.secret, body)
    headers[header] = value
    refused(client, integration, body, headers)


def test_signature_made_with_another_secret_is_401(client, integration):
    body = hook_body()
    refused(client, integration, body, signed_headers(new_secret(), body))


def test_one_valid_signature_among_several_is_accepted(client, integration):
    # Key rotation: the header may carry several space-separated signatures.
    body = hook_body()
    headers = signed_headers(integration.secret, body)
    stale = signed_headers(new_secret(), body)["webhook-signature"]
    headers["webhook-signature"] = f"{stale} {headers['webhook-signature']}"
    assert client.post(f"/hooks/{integration.id}", data=body, headers=headers).status_code == 202


@pytest.mark.parametrize(
    "body",
    [
        b'{"customer": {"email": "a@example.com"}}',  # no ticket
        b'{"customer": {"email": "a@example.com"}, "ticket": {"id": "T-1"}, "extra": 1}',
        b'{"survey_id": "1", "customer": {"email": "a@example.com"}, "ticket": {"id": "T-1"}}',
        b"[1, 2, 3]",
        b"not json at all",
        b"[" * 50_000 + b"]" * 50_000,
    ],
)
def test_invalid_body_with_valid_signature_is_422_and_writes_nothing(client, integration, body):
    refused(client, integration, body, signed_headers(integration.secret, body), 422, "validation_error")
    assert db.session.scalars(select(WebhookDelivery)).all() == []


def test_body_naming_another_workspaces_survey_is_422(client, make, integration):
    theirs = make.survey(make.workspace("Other"), "csat")
    body = json.dumps(
        {"survey_id": theirs.id, "customer": {"email": "a@example.com"}, "ticket": {"id": "T-1"}}
    ).encode()
    refused(client, integration, body, signed_headers(integration.secret, body), 422, "validation_error")


def test_unknown_integration_is_404(client, integration):
    body = hook_body()
    before = row_counts()
    for path in (f"/hooks/{integration.id + 100}", "/hooks/99999999999999999999"):
        assert_error(client.post(path, data=body, headers=signed_headers(integration.secret, body)), 404, "not_found")
    assert row_counts() == before


def test_oversized_webhook_is_413(client, integration):
    body = hook_body(team="x" * (257 * 1024))
    refused(client, integration, body, signed_headers(integration.secret, body), 413, "payload_too_large")


# --- the per-process integration cache never lets a changed integration through -----------------


def _deliver(client, integration_id: int, secret: str, ticket: str, msg_id: str):
    body = hook_body(id=ticket)
    return client.post(f"/hooks/{integration_id}", data=body, headers=signed_headers(secret, body, msg_id=msg_id))


def test_a_rotated_secret_takes_effect_at_once_despite_the_cache(client, auth, integration):
    old = integration.secret
    assert _deliver(client, integration.id, old, "T-1", "m1").status_code == 202  # the row is cached now
    new = new_secret()
    assert client.patch(f"/api/v1/integrations/{integration.id}", json={"secret": new}, headers=auth).status_code == 200
    before = row_counts()
    assert_error(_deliver(client, integration.id, old, "T-2", "m2"), 401, "invalid_signature")
    assert row_counts() == before  # the old secret stored nothing
    assert _deliver(client, integration.id, new, "T-3", "m3").status_code == 202


def test_a_moved_integration_stores_its_new_survey_despite_the_cache(client, auth, make, workspace, integration):
    assert _deliver(client, integration.id, integration.secret, "T-1", "m1").status_code == 202
    other = make.survey(workspace, "nps")
    assert (
        client.patch(f"/api/v1/integrations/{integration.id}", json={"survey_id": other.id}, headers=auth).status_code
        == 200
    )
    moved = _deliver(client, integration.id, integration.secret, "T-2", "m2")
    assert moved.status_code == 202
    db.session.expire_all()
    delivery = db.session.get(WebhookDelivery, moved.json["delivery_id"])
    assert db.session.get(Invite, delivery.invite_id).survey_id == other.id


def test_a_deleted_integration_is_404_despite_the_cache(client, integration):
    integration_id, secret = integration.id, integration.secret
    assert _deliver(client, integration_id, secret, "T-1", "m1").status_code == 202
    db.session.execute(db.delete(WebhookDelivery))
    db.session.delete(integration)
    db.session.commit()
    assert_error(_deliver(client, integration_id, secret, "T-2", "m2"), 404, "not_found")
    assert db.session.scalar(select(db.func.count()).select_from(WebhookDelivery)) == 0


def test_an_integration_changing_twice_under_one_webhook_is_a_409_with_nothing_stored(client, integration, monkeypatch):
    import app.services.intake.receive as hooks

    # Both the cached and the fresh read were outdated by the time of the guarded INSERT.
    monkeypatch.setattr(hooks, "_store", lambda *args: hooks._STALE)
    before = row_counts()
    assert_error(_deliver(client, integration.id, integration.secret, "T-1", "m1"), 409, "conflict")
    assert row_counts() == before
