"""Rate limits on the public endpoints are shared through Redis when REDIS_URL is set."""

from __future__ import annotations

import uuid

import pytest

from app import create_app
from app.extensions import db
from tests.conftest import unit_config
from tests.support.factories import Factory

pytestmark = pytest.mark.integration


def test_two_web_processes_share_one_public_limit(redis_url, tmp_path, monkeypatch):
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("PUBLIC_RATE_LIMIT", "2 per minute")
    overrides = {**unit_config(tmp_path), "RATELIMIT_ENABLED": True, "RATELIMIT_KEY_PREFIX": f"it-{uuid.uuid4().hex}"}
    first, second = create_app(overrides), create_app(overrides)
    assert first.config["RATELIMIT_STORAGE_URI"] == redis_url  # wired from the environment, not the test
    with first.app_context():
        db.create_all()
        make = Factory()
        invite = make.invite(make.survey(make.workspace()))
        path = f"/api/v1/public/invites/{invite.token}"
        assert [first.test_client().get(path).status_code for _ in range(2)] == [200, 200]
        db.session.remove()
    with second.app_context():
        limited = second.test_client().get(path)
        assert limited.status_code == 429 and limited.json["error"]["code"] == "rate_limited"
        db.session.remove()
        db.engine.dispose()


def test_two_web_processes_share_one_webhook_limit(redis_url, tmp_path, monkeypatch):
    from tests.support.api import signed_headers

    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("HOOK_RATE_LIMIT", "2 per minute")
    overrides = {**unit_config(tmp_path), "RATELIMIT_ENABLED": True, "RATELIMIT_KEY_PREFIX": f"it-{uuid.uuid4().hex}"}
    first, second = create_app(overrides), create_app(overrides)
    with first.app_context():
        db.create_all()
        make = Factory()
        integration = make.integration(make.survey(make.workspace(), "csat"))
        path, secret = f"/hooks/{integration.id}", integration.secret
        db.session.remove()

    def deliver(app, n):
        body = f'{{"customer": {{"email": "c{n}@example.com"}}, "ticket": {{"id": "T-{n}"}}}}'.encode()
        with app.app_context():
            return app.test_client().post(path, data=body, headers=signed_headers(secret, body, msg_id=f"m{n}"))

    assert [deliver(first, n).status_code for n in range(2)] == [202, 202]
    limited = deliver(second, 3)
    assert limited.status_code == 429 and limited.json["error"]["code"] == "rate_limited"
    assert 0 < int(limited.headers["Retry-After"]) <= 60
    with second.app_context():
        db.session.remove()
        db.engine.dispose()
