"""The widget's server side: embed.js, signed payloads, CORS, branding, languages, limits, escaping."""

from __future__ import annotations

import base64
import gzip
import json
import re
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import create_app
from app.extensions import db
from app.models import Invite, Response
from app.services.branding import contrast, readable_on
from app.services.invites.embeds import sign_payload
from tests.conftest import unit_config
from tests.support.api import signed_headers


@pytest.fixture
def survey(make, workspace):
    return make.survey(workspace, "csat")


@pytest.fixture
def secret(client, auth) -> str:
    return client.get("/api/v1/workspace/embed-secret", headers=auth).json["embed_secret"]


def signed_for(secret: str, survey, **overrides) -> str:
    payload = {
        "survey_id": survey.id,
        "customer": {"email": "ada@example.com", "name": "Ada"},
        "ticket": {"id": "CHAT-1", "channel": "chat"},
        **overrides,
    }
    return sign_payload(secret, payload)


def assert_error(response, status: int, code: str):
    assert response.status_code == status, response.data
    assert set(response.json) == {"error"}
    assert response.json["error"]["code"] == code
    assert set(response.json["error"]) == {"code", "message", "fields"}


# --- embed.js ---------------------------------------------------------------------------------


def test_embed_js_is_small_cached_compressed_and_cross_origin(client):
    plain = client.get("/embed.js")
    assert plain.status_code == 200
    assert plain.mimetype == "text/javascript"
    assert plain.headers["Access-Control-Allow-Origin"] == "*"
    assert "max-age=" in plain.headers["Cache-Control"] and "public" in plain.headers["Cache-Control"]
    body = plain.data.decode()
    assert "Afterword" in body and "attachShadow" in body
    assert not re.search(r"https?://", body), "no outside assets, no CDN"
    assert len(gzip.compress(plain.data, 9)) <= 6 * 1024

    zipped = client.get("/embed.js", headers={"Accept-Encoding": "gzip, br"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data
    assert len(zipped.data) <= 6 * 1024

    again = client.get("/embed.js", headers={"If-None-Match": plain.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_the_readable_source_is_what_is_served(client):
    source = (Path(__file__).parents[2] / "app" / "respondent" / "assets" / "embed.js").read_text()
    served = client.get("/embed.js").data.decode()
    assert source.count("\n") > served.count("\n")
    for statement in ("function band(bands, score) {", "win.Afterword = {show: show, close: close};"):
        assert statement in source and statement in served


# --- the widget's JSON ------------------------------------------------------------------------


def test_public_invite_is_cors_open_and_translated(client, make, survey):
    invite = make.invite(survey)
    got = client.get(f"/api/v1/public/invites/{invite.token}?locale=es", headers={"Origin": "https://host.example"})
    assert got.status_code == 200
    assert got.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in got.headers
    view = got.json
    assert view["locale"] == "es" and view["status"] == "open"
    assert view["question"] == "¿Qué tan satisfecho quedó con la atención que recibió?"
    assert view["follow_up"]["low"] == "Lo sentimos. ¿Qué salió mal?"
    assert view["strings"]["send"] == "Enviar mi respuesta"
    assert view["strings"]["selected"] == "{score} seleccionado."
    assert "customer_email" not in json.dumps(view) and "ada@" not in json.dumps(view)


def test_locale_is_the_invites_then_the_browsers(client, survey):
    data = {"survey_id": survey.id, "customer": {"email": "d@example.com", "locale": "de-AT"}, "ticket": {"id": "L-1"}}
    from app.services.invites.creation import create_invite

    invite = create_invite(survey.workspace_id, data)
    got = client.get(f"/api/v1/public/invites/{invite.token}", headers={"Accept-Language": "fr"})
    assert got.json["locale"] == "de" and got.json["strings"]["close"] == "Schließen"

    unsupported = create_invite(
        survey.workspace_id, {**data, "customer": {"email": "i@example.com", "locale": "it"}, "ticket": {"id": "L-2"}}
    )
    got = client.get(f"/api/v1/public/invites/{unsupported.token}", headers={"Accept-Language": "pt-BR,pt;q=0.9"})
    assert got.json["locale"] == "pt" and got.json["strings"]["thanks"] == "Obrigado!"


def test_preflight_for_the_answer_and_no_cors_elsewhere(client, make, survey, auth):
    invite = make.invite(survey)
    pre = client.options(
        f"/api/v1/public/invites/{invite.token}/response",
        headers={
            "Origin": "https://host.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert pre.status_code == 200
    assert pre.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in pre.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in pre.headers["Access-Control-Allow-Headers"]
    for path in ("/api/v1/surveys", f"/s/{invite.token}", "/healthz", "/api/v1/workspace/embed-secret"):
        assert "Access-Control-Allow-Origin" not in client.get(path, headers=auth).headers, path


def test_unknown_token_errors_are_readable_cross_origin(client):
    got = client.get("/api/v1/public/invites/nope")
    assert_error(got, 404, "not_found")
    assert got.headers["Access-Control-Allow-Origin"] == "*"
    assert_error(client.get("/api/v1/public/invites/" + "x" * 300), 404, "not_found")


def test_widget_answer_only_for_its_own_token(client, make, survey):
    mine, other = make.invite(survey), make.invite(survey)
    done = client.post(f"/api/v1/public/invites/{mine.token}/response", json={"score": 5, "comment": "Quick!"})
    assert done.status_code == 201 and done.headers["Access-Control-Allow-Origin"] == "*"
    answered = db.session.scalars(select(Response)).all()
    assert [r.invite_id for r in answered] == [mine.id]
    assert other.answered_at is None
    assert client.get(f"/api/v1/public/invites/{mine.token}").json["answer"] == {"score": 5, "comment": "Quick!"}


@pytest.mark.parametrize(
    "body",
    [
        None,
        "[]",
        '"x"',
        '{"score": "five"}',
        '{"score": 3, "extra": 1}',
        '{"score": 99}',
        '{"score": true}',
        '{"score": 3, "comment": 7}',
    ],
)
def test_bad_widget_answers_are_4xx_in_shape(client, make, survey, body):
    invite = make.invite(survey)
    got = client.post(f"/api/v1/public/invites/{invite.token}/response", data=body, content_type="application/json")
    assert 400 <= got.status_code < 500
    assert set(got.json["error"]) == {"code", "message", "fields"}


# --- signed payloads --------------------------------------------------------------------------


def test_signed_payload_creates_the_invite_once_and_sends_no_email(app, client, survey, secret):
    signed = signed_for(secret, survey)
    first = client.post("/api/v1/public/embed", json={"signed": signed})
    assert first.status_code == 200, first.json
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    again = client.post("/api/v1/public/embed", json={"signed": signed_for(secret, survey)})  # re-signed later
    assert again.json["token"] == first.json["token"]
    invites = db.session.scalars(select(Invite)).all()
    assert len(invites) == 1
    invite = invites[0]
    assert invite.status == "sent" and invite.ticket_id == "CHAT-1" and invite.channel == "chat"
    assert invite.events[-1].detail == "shown in the widget"
    assert not list(Path(app.config["OUTBOX_DIR"]).glob("*.eml"))
    other_ticket = client.post(
        "/api/v1/public/embed", json={"signed": signed_for(secret, survey, ticket={"id": "CHAT-2"})}
    )
    assert other_ticket.json["token"] != first.json["token"]

    answered = client.post(f"/api/v1/public/invites/{first.json['token']}/response", json={"score": 2})
    assert answered.status_code == 201


def _forge(signed: str, change) -> str:
    text, signature = signed.split(".")
    payload = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    change(payload)
    text = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    return f"{text}.{signature}"


def test_a_browser_can_neither_forge_nor_alter_a_payload(client, make, survey, secret, auth):
    signed = signed_for(secret, survey)
    altered = _forge(signed, lambda p: p["customer"].update(email="mallory@example.com"))
    assert_error(client.post("/api/v1/public/embed", json={"signed": altered}), 401, "invalid_signature")
    stretched = _forge(signed, lambda p: p.update(exp=p["exp"] + 3600))
    assert_error(client.post("/api/v1/public/embed", json={"signed": stretched}), 401, "invalid_signature")
    other_ws = make.workspace("Other")
    other_secret = client.get("/api/v1/workspace/embed-secret", headers={"Authorization": f"Bearer {other_ws.key}"})
    foreign = signed_for(other_secret.json["embed_secret"], survey)
    assert_error(client.post("/api/v1/public/embed", json={"signed": foreign}), 401, "invalid_signature")
    assert db.session.scalar(select(func.count()).select_from(Invite)) == 0


def test_rotating_the_secret_retires_old_payloads(client, survey, secret, auth):
    old = signed_for(secret, survey)
    rotated = client.post("/api/v1/workspace/embed-secret", headers=auth)
    assert rotated.status_code == 200 and rotated.json["embed_secret"] != secret
    assert client.get("/api/v1/workspace/embed-secret", headers=auth).json == rotated.json
    assert_error(client.post("/api/v1/public/embed", json={"signed": old}), 401, "invalid_signature")
    fresh = signed_for(rotated.json["embed_secret"], survey)
    assert client.post("/api/v1/public/embed", json={"signed": fresh}).status_code == 200
    assert_error(client.get("/api/v1/workspace/embed-secret"), 401, "unauthorized")


def test_expiry_is_required_enforced_and_capped(client, survey, secret):
    expired = signed_for(secret, survey, exp=int(time.time()) - 5)
    got = client.post("/api/v1/public/embed", json={"signed": expired, "locale": "fr"})
    assert_error(got, 410, "expired")
    assert got.json["error"]["message"] == "Cette enquête est close"
    far = signed_for(secret, survey, exp=int(time.time()) + 90 * 86400)
    assert_error(client.post("/api/v1/public/embed", json={"signed": far}), 422, "validation_error")
    no_exp = sign_payload(
        secret, {"survey_id": survey.id, "exp": None, "customer": {"email": "a@example.com"}, "ticket": {"id": "1"}}
    )
    assert_error(client.post("/api/v1/public/embed", json={"signed": no_exp}), 422, "validation_error")


def test_signed_content_is_validated_like_an_api_invite(client, survey, secret):
    bad = signed_for(secret, survey, customer={"name": "No email"}, colour="red")
    got = client.post("/api/v1/public/embed", json={"signed": bad})
    assert_error(got, 422, "validation_error")
    assert "customer" in got.json["error"]["fields"] and "colour" in got.json["error"]["fields"]


@pytest.mark.parametrize(
    "signed",
    [
        None,
        7,
        "",
        "nodot",
        "a.b.c",
        "!!!.???",
        "e30.AAAA",
        "W10.AAAA",
        "eyJzdXJ2ZXlfaWQiOnRydWV9.AAAA",
        "eyJzdXJ2ZXlfaWQiOjk5OTl9.AAAA",
        "x" * 9000,
    ],
)
def test_garbage_payloads_are_refused_not_crashed(client, survey, secret, signed):
    got = client.post("/api/v1/public/embed", json={"signed": signed})
    assert_error(got, 401, "invalid_signature")


def test_embed_body_shape(client):
    assert_error(client.post("/api/v1/public/embed", data="nope", content_type="text/plain"), 400, "invalid_json")
    assert_error(client.post("/api/v1/public/embed", json={"signed": "x", "token": "y"}), 422, "validation_error")


# --- branding ---------------------------------------------------------------------------------


def test_branding_is_validated_and_shown_readably(client, make, workspace, auth):
    assert_error(client.patch("/api/v1/workspace", json={"brand_colour": "red"}, headers=auth), 422, "validation_error")
    assert_error(
        client.patch("/api/v1/workspace", json={"logo_url": "http://x.test/a.png"}, headers=auth),
        422,
        "validation_error",
    )
    assert_error(client.patch("/api/v1/workspace", json={"api_key_hash": "x"}, headers=auth), 422, "validation_error")
    ok = client.patch(
        "/api/v1/workspace",
        json={"name": "Sunny Co", "brand_colour": "#FFD400", "logo_url": "https://cdn.example/logo.png"},
        headers=auth,
    )
    assert ok.status_code == 200 and ok.json["brand_colour"] == "#FFD400"

    invite = make.invite(make.survey(workspace, "ces"))
    view = client.get(f"/api/v1/public/invites/{invite.token}").json
    assert view["branding"] == {
        "name": "Sunny Co",
        "colour": "#ffd400",
        "on_colour": "#000000",
        "logo_url": "https://cdn.example/logo.png",
    }
    page = client.get(f"/s/{invite.token}")
    nonce = re.search(r"'nonce-([^']+)'", page.headers["Content-Security-Policy"]).group(1)
    assert f'<style nonce="{nonce}">:root {{ --brand: #ffd400; --on-brand: #000000; }}</style>' in page.data.decode()
    assert 'src="https://cdn.example/logo.png"' in page.data.decode() and "Sunny Co" in page.data.decode()


@pytest.mark.parametrize("colour", ["#000000", "#ffffff", "#2f5bd3", "#ffd400", "#777777", "#00ff00", "#ff0000"])
def test_text_on_any_brand_colour_meets_wcag_aa(colour):
    assert contrast(colour, readable_on(colour)) >= 4.5


# --- the survey page ----------------------------------------------------------------------------


def test_comments_are_escaped_where_echoed(client, make, survey):
    invite = make.invite(survey)
    evil = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    client.post(f"/api/v1/public/invites/{invite.token}/response", json={"score": 1, "comment": evil})
    page = client.get(f"/s/{invite.token}").data.decode()
    assert evil not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in page
    assert client.get(f"/api/v1/public/invites/{invite.token}").json["answer"]["comment"] == evil  # JSON, not HTML


def test_survey_page_language_switcher(client, make, survey):
    invite = make.invite(survey)
    page = client.get(f"/s/{invite.token}?score=4&lang=fr").data.decode()
    assert '<html lang="fr"' in page
    assert "Envoyer ma réponse" in page and 'value="4" checked' in page
    assert f'href="/s/{invite.token}?lang=de&amp;score=4"' in page
    assert 'lang="de" hreflang="de"' in page and ">Deutsch<" in page
    assert f'action="/s/{invite.token}?lang=fr"' in page
    refused = client.post(f"/s/{invite.token}?lang=es", data={"score": "9"})
    assert refused.status_code == 422 and "Elija una puntuación de 1 a 5." in refused.data.decode()
    done = client.post(f"/s/{invite.token}?lang=pt", data={"score": "4"})
    assert done.status_code == 200 and "Sua resposta foi registrada." in done.data.decode()


def test_unknown_link_page_is_translated(client):
    page = client.get("/s/unknown", headers={"Accept-Language": "es"})
    assert page.status_code == 404
    assert "Este enlace de encuesta no es válido." in page.data.decode()


def test_csrf_stays_on_the_survey_form(tmp_path, make):
    app = create_app({**unit_config(tmp_path), "WTF_CSRF_ENABLED": True})
    with app.app_context():
        db.create_all()
        ws = make.workspace()
        invite = make.invite(make.survey(ws))
        client = app.test_client()
        refused = client.post(f"/s/{invite.token}", data={"score": "3"}, headers={"Accept-Language": "de"})
        assert refused.status_code == 400 and "Diese Seite ist abgelaufen" in refused.data.decode()
        page = client.get(f"/s/{invite.token}")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.data.decode()).group(1)
        assert client.post(f"/s/{invite.token}", data={"score": "3", "csrf_token": token}).status_code == 200
        # The widget's JSON is token-scoped and cookie-free: no CSRF token there.
        # (200: the page's answer above is changed, nothing created.)
        assert client.post(f"/api/v1/public/invites/{invite.token}/response", json={"score": 4}).status_code == 200
        db.session.remove()
        db.engine.dispose()


# --- rate limits --------------------------------------------------------------------------------


def test_every_public_endpoint_is_rate_limited(tmp_path, make):
    config = {
        **unit_config(tmp_path),
        "RATELIMIT_ENABLED": True,
        "PUBLIC_RATE_LIMIT": "2 per minute",
        "EMBED_RATE_LIMIT": "2 per minute",
        "HOOK_RATE_LIMIT": "2 per minute",
    }
    app = create_app(config)
    with app.app_context():
        db.create_all()
        ws = make.workspace()
        invite = make.invite(make.survey(ws))
        client = app.test_client()
        calls = {
            "embed.js": lambda: client.get("/embed.js"),
            "public invite": lambda: client.get(f"/api/v1/public/invites/{invite.token}"),
            "answer": lambda: client.post(f"/api/v1/public/invites/{invite.token}/response", json={"score": 9}),
            "signed": lambda: client.post("/api/v1/public/embed", json={"signed": "x"}),
            "page": lambda: client.get(f"/s/{invite.token}"),
            "health": lambda: client.get("/healthz"),
        }
        for name, call in calls.items():
            statuses = [call().status_code for _ in range(3)]
            assert statuses[-1] == 429, (name, statuses)
        limited = client.get(f"/api/v1/public/invites/{invite.token}")
        assert_error(limited, 429, "rate_limited")
        assert limited.headers["Access-Control-Allow-Origin"] == "*"
        db.session.remove()
        db.engine.dispose()


def test_webhooks_skip_the_rate_limit_headers_but_a_429_says_when_to_retry(tmp_path, make):
    config = {
        **unit_config(tmp_path),
        "RATELIMIT_ENABLED": True,
        "PUBLIC_RATE_LIMIT": "5 per minute",
        "HOOK_RATE_LIMIT": "2 per minute",
    }
    app = create_app(config)
    with app.app_context():
        db.create_all()
        ws = make.workspace()
        invite = make.invite(make.survey(ws))
        integration = make.integration(make.survey(ws, "csat"))
        client = app.test_client()
        public = client.get(f"/api/v1/public/invites/{invite.token}")
        assert public.headers["X-RateLimit-Limit"] == "5" and public.headers["X-RateLimit-Remaining"] == "4"
        body = b'{"customer": {"email": "a@example.com"}, "ticket": {"id": "T-1"}}'
        answers = [
            client.post(
                f"/hooks/{integration.id}", data=body, headers=signed_headers(integration.secret, body, msg_id=f"m{i}")
            )
            for i in range(3)
        ]
        assert [a.status_code for a in answers] == [202, 202, 429]
        assert not any(h.startswith("X-RateLimit") for a in answers[:2] for h in a.headers.keys())  # noqa: SIM118  (Headers iterates pairs)
        assert 0 < int(answers[2].headers["Retry-After"]) <= 60
        db.session.remove()
        db.engine.dispose()
