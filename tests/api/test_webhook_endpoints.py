"""/api/v1/webhook-endpoints: register, read, change, rotate, remove; the attempt log and replay."""

from __future__ import annotations

from app.extensions import db
from app.models import WebhookEndpoint
from tests.support.api import assert_error
from tests.support.receiver import Receiver

URL = "/api/v1/webhook-endpoints"


def test_an_endpoint_is_created_with_a_secret_shown_once(client, auth):
    resp = client.post(URL, json={"url": "http://127.0.0.1:9/hook", "events": ["response.created"]}, headers=auth)
    assert resp.status_code == 201, resp.json
    created = resp.json
    assert created["secret"].startswith("whsec_") and created["enabled"] is True
    assert created["events"] == ["response.created"]
    stored = db.session.get(WebhookEndpoint, created["id"])
    assert created["secret"].removeprefix("whsec_") not in stored.secret  # encrypted at rest

    one = client.get(f"{URL}/{created['id']}", headers=auth)
    assert one.status_code == 200 and "secret" not in one.json
    listed = client.get(URL, headers=auth).json["items"]
    assert [e["id"] for e in listed] == [created["id"]] and "secret" not in listed[0]

    changed = client.patch(f"{URL}/{created['id']}", json={"events": ["invite.sent", "invite.failed"]}, headers=auth)
    assert changed.json["events"] == ["invite.failed", "invite.sent"]
    rotated = client.post(f"{URL}/{created['id']}/rotate-secret", json={}, headers=auth)
    assert rotated.status_code == 200 and rotated.json["secret"] != created["secret"]
    assert rotated.json["previous_secret_until"] is not None

    assert client.delete(f"{URL}/{created['id']}", headers=auth).status_code == 204
    assert_error(client.get(f"{URL}/{created['id']}", headers=auth), 404, "not_found")


def test_unknown_events_and_unsafe_urls_are_refused(app, client, auth):
    bad_event = client.post(URL, json={"url": "https://example.com/h", "events": ["response.deleted"]}, headers=auth)
    assert "events" in assert_error(bad_event, 422, "validation_error")["fields"]
    app.config["OUTBOUND_ALLOW_LOCAL"] = False  # as in production
    for url in (
        "http://example.com/hook",  # not https
        "https://127.0.0.1/hook",
        "https://10.0.0.8/hook",
        "https://169.254.169.254/latest/meta-data",  # cloud metadata
        "https://[::1]/hook",
        "https://localhost/hook",
        "https://user:pw@example.com/hook",
    ):
        resp = client.post(URL, json={"url": url, "events": ["response.created"]}, headers=auth)
        assert "url" in assert_error(resp, 422, "validation_error")["fields"], url
    ok = client.post(URL, json={"url": "https://example.com/hook", "events": ["response.created"]}, headers=auth)
    assert ok.status_code == 201


def test_another_workspace_cannot_see_or_change_an_endpoint(client, auth, make):
    created = client.post(URL, json={"url": "http://127.0.0.1:9/h", "events": ["invite.sent"]}, headers=auth).json
    other = {"Authorization": f"Bearer {make.workspace('Other').key}"}
    assert_error(client.get(f"{URL}/{created['id']}", headers=other), 404)
    assert_error(client.delete(f"{URL}/{created['id']}", headers=other), 404)
    assert client.get(URL, headers=other).json["items"] == []


def test_the_attempt_log_and_a_replay(client, auth, make, workspace):
    receiver = Receiver(fail_first=1)
    try:
        created = client.post(URL, json={"url": receiver.url, "events": ["response.created"]}, headers=auth).json
        survey = make.survey(workspace)
        invite = make.invite(survey)
        assert client.post(f"/s/{invite.token}", data={"score": "2", "comment": ""}).status_code == 200
        attempts = client.get(f"{URL}/{created['id']}/attempts", headers=auth).json
        [refused] = attempts["items"]
        assert refused["status_code"] == 503 and refused["response_head"] == "down for maintenance"
        assert refused["event_type"] == "response.created" and refused["message_status"] == "pending"

        replay = client.post(f"{URL}/{created['id']}/replay", json={"event_id": refused["event_id"]}, headers=auth)
        assert replay.status_code == 202 and replay.json == {"replayed": 1}
        assert receiver.received[-1].headers["webhook-id"] == refused["event_id"]
        latest = client.get(f"{URL}/{created['id']}/attempts?limit=1", headers=auth).json
        assert latest["items"][0]["status_code"] == 200 and latest["next_cursor"]
        neither = client.post(f"{URL}/{created['id']}/replay", json={}, headers=auth)
        assert_error(neither, 422, "validation_error")
    finally:
        receiver.close()
