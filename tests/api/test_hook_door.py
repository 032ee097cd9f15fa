"""The webhook door in front of Flask (app/webhooks.py HookDoor): it answers the common webhook
exactly as the Flask view would, counts each webhook once, and leaves everything else to Flask."""

from __future__ import annotations

import json
import re

import pytest
from werkzeug.test import Client
from werkzeug.wrappers import Response

from app import create_app
from app.extensions import db
from app.webhooks import HookDoor
from tests.conftest import unit_config
from tests.support.api import assert_error, row_counts, signed_headers
from tests.support.factories import Factory


@pytest.fixture
def integration(make, workspace):
    return make.integration(make.survey(workspace, "csat"))


def hook_body(ticket: str = "T-42") -> bytes:
    return json.dumps({"customer": {"email": "grace@example.com"}, "ticket": {"id": ticket}}).encode()


def flask_only(app) -> Client:
    """A client on Flask's own WSGI callable, the door left out."""
    door = app.wsgi_app
    assert isinstance(door, HookDoor)
    return Client(door.wsgi_app, Response)


def answer(resp) -> tuple[str, list[tuple[str, str]], bytes]:
    """Status line, every header in order, and the body with the delivery's id left out."""
    body = re.sub(rb'"delivery_id": ?\d+', b'"delivery_id":N', resp.get_data())
    digits = len(str(resp.json.get("delivery_id", "")))
    headers = [(k, str(int(v) - digits) if k == "Content-Length" else v) for k, v in resp.headers.items()]
    return resp.status, headers, body


def test_a_plain_solve_is_answered_by_the_door_without_flask(app, client, integration, monkeypatch):
    def no_flask(environ, start_response):
        raise AssertionError("the door should have answered")

    monkeypatch.setattr(app.wsgi_app, "wsgi_app", no_flask)
    body = hook_body()
    resp = client.post(f"/hooks/{integration.id}", data=body, headers=signed_headers(integration.secret, body))
    assert resp.status_code == 202 and resp.json["status"] == "accepted"
    again = client.post(f"/hooks/{integration.id}", data=body, headers=signed_headers(integration.secret, body))
    assert again.status_code == 200 and again.json == {"status": "duplicate"}


def test_the_doors_answers_are_flasks_byte_for_byte(app, client, integration):
    plain = flask_only(app)
    for msg_id in ("msg_a", "msg_b"):
        body = hook_body(ticket=msg_id)
        door = client.post(
            f"/hooks/{integration.id}", data=body, headers=signed_headers(integration.secret, body, msg_id)
        )
        view = plain.post(
            f"/hooks/{integration.id}", data=body, headers=signed_headers(integration.secret, body, msg_id + "x")
        )
        assert door.status_code == 202 and answer(door) == answer(view)
        door = client.post(
            f"/hooks/{integration.id}", data=body, headers=signed_headers(integration.secret, body, msg_id)
        )
        view = plain.post(
            f"/hooks/{integration.id}", data=body, headers=signed_headers(integration.secret, body, msg_id)
        )
        assert door.status_code == 200 and answer(door) == answer(view)


def test_in_debug_the_door_answers_flasks_indented_json(app, client, integration):
    app.debug = True
    body = hook_body()
    door = client.post(f"/hooks/{integration.id}", data=body, headers=signed_headers(integration.secret, body))
    view = flask_only(app).post(
        f"/hooks/{integration.id}", data=body, headers=signed_headers(integration.secret, body, "msg_2")
    )
    assert door.status_code == 202 and b"\n  " in door.get_data()
    assert answer(door) == answer(view)


def test_refusals_reach_flask_with_the_body_and_nothing_stored(client, integration):
    body = hook_body()
    headers = signed_headers(integration.secret, body)
    before = row_counts()
    assert_error(client.post(f"/hooks/{integration.id}", data=body + b" ", headers=headers), 401, "invalid_signature")
    assert_error(client.post(f"/hooks/{integration.id + 1000}", data=body, headers=headers), 404, "not_found")
    bad = b'{"customer": {}, "ticket": {}}'
    assert_error(
        client.post(f"/hooks/{integration.id}", data=bad, headers=signed_headers(integration.secret, bad)),
        422,
        "validation_error",
    )
    assert row_counts() == before


def test_what_the_door_does_not_take_is_flasks(client, integration):
    body = hook_body()
    # A query string (checked by Flask's app-wide hook), a cookie, an id beyond any row: Flask's.
    query = client.post(f"/hooks/{integration.id}?a=%00", data=body, headers=signed_headers(integration.secret, body))
    assert_error(query, 422, "validation_error")
    client.set_cookie("session", "x")
    resp = client.post(f"/hooks/{integration.id}", data=body, headers=signed_headers(integration.secret, body))
    assert resp.status_code == 202
    client.delete_cookie("session")
    assert_error(client.post("/hooks/99999999999", data=body, headers=signed_headers("whsec_AAAA", body)), 404)
    assert client.get(f"/hooks/{integration.id}").status_code == 405


def test_each_webhook_is_counted_once_and_the_429_is_flasks(tmp_path):
    app = create_app({**unit_config(tmp_path), "RATELIMIT_ENABLED": True, "HOOK_RATE_LIMIT": "2 per minute"})
    with app.app_context():
        db.create_all()
        make = Factory()
        integration = make.integration(make.survey(make.workspace(), "csat"))
        client = app.test_client()
        statuses = []
        for n in range(3):
            body = hook_body(ticket=f"T-{n}")
            resp = client.post(
                f"/hooks/{integration.id}", data=body, headers=signed_headers(integration.secret, body, f"msg_{n}")
            )
            statuses.append(resp.status_code)
        assert statuses == [202, 202, 429]
        assert_error(resp, 429, "rate_limited")
        assert int(resp.headers["Retry-After"]) >= 1
        db.session.remove()
        db.engine.dispose()
