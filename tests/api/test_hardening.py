"""Every input an attacker or an unlucky client sent that once answered 500 now answers a 4xx in the
documented error shape, and changes no row. (The PostgreSQL-only cases: tests/integration.)"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from app.services.invites.embeds import sign_payload
from tests.support.api import assert_error, row_counts, signed_headers
from tests.support.helpdesks import (
    fixture,
    front_headers,
    helpscout_headers,
    intercom_headers,
    secret_header,
    zendesk_headers,
)

DEEP = b"[" * 100_000 + b"]" * 100_000
LONE = "\ud800"


@pytest.fixture
def survey(make, workspace):
    return make.survey(workspace, "csat")


@pytest.fixture
def invite(make, survey):
    return make.invite(survey)


@pytest.fixture
def embed_secret(client, auth) -> str:
    return client.get("/api/v1/workspace/embed-secret", headers=auth).json["embed_secret"]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _signed_raw(secret: str, payload: bytes) -> str:
    """A signed widget payload whose JSON part is exactly `payload` (as a hostile host could sign)."""
    text = _b64(payload)
    return text + "." + _b64(hmac.new(secret.encode(), text.encode(), hashlib.sha256).digest())


def _refused(resp, status: int, code: str | None = None) -> dict:
    assert resp.status_code < 500
    return assert_error(resp, status, code)


# Public surfaces, no credential.


def test_embed_with_a_deeply_nested_body_is_400(client):
    before = row_counts()
    resp = client.post("/api/v1/public/embed", data=DEEP, content_type="application/json")
    assert "nested too deeply" in _refused(resp, 400, "invalid_json")["message"]
    assert row_counts() == before


def test_embed_whose_signed_part_is_deeply_nested_is_refused_as_a_bad_signature(client, embed_secret):
    before = row_counts()
    signed = _signed_raw(embed_secret, b"[" * 5000 + b"]" * 5000)
    _refused(client.post("/api/v1/public/embed", json={"signed": signed}), 401, "invalid_signature")
    assert row_counts() == before


@pytest.mark.parametrize("survey_id", [2**40, 10**30, -(2**40)])
def test_embed_with_a_survey_id_beyond_any_column_is_refused(client, embed_secret, survey_id):
    before = row_counts()
    signed = sign_payload(embed_secret, {"survey_id": survey_id, "customer": {"email": "a@example.com"}})
    _refused(client.post("/api/v1/public/embed", json={"signed": signed}), 401, "invalid_signature")
    assert row_counts() == before


@pytest.mark.parametrize("number", [b"Infinity", b"-Infinity", b"NaN", b"1e400", b"-1e400"])
def test_widget_answer_with_a_non_finite_score_is_400(client, invite, number):
    before = row_counts()
    body = b'{"score": ' + number + b', "comment": "x"}'
    resp = client.post(f"/api/v1/public/invites/{invite.token}/response", data=body, content_type="application/json")
    _refused(resp, 400, "invalid_json")
    assert row_counts() == before


def test_widget_answer_with_a_lone_surrogate_in_the_comment_is_422_on_the_comment(client, invite):
    before = row_counts()
    body = json.dumps({"score": 4, "comment": f"fine {LONE} thanks"})  # ensure_ascii: sent as \ud800
    resp = client.post(f"/api/v1/public/invites/{invite.token}/response", data=body, content_type="application/json")
    assert "comment" in _refused(resp, 422, "invalid_comment")["fields"]
    assert row_counts() == before


def test_widget_answer_with_a_huge_integer_score_is_422(client, invite):
    before = row_counts()
    resp = client.post(f"/api/v1/public/invites/{invite.token}/response", json={"score": 10**30})
    _refused(resp, 422, "invalid_score")
    assert row_counts() == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_unsubscribe_with_a_nul_token_is_404(client, method):
    assert getattr(client, method)("/u/%00").status_code == 404
    assert getattr(client, method)("/s/%00").status_code == 404


# Webhooks: each provider's door.


def _signed_requests(client, auth, survey):
    """provider -> (hook url, a function making that provider's headers for a body)."""
    doors = {}
    for provider in ("generic", "zendesk", "freshdesk", "helpscout", "intercom", "front", "gorgias"):
        created = client.post("/api/v1/integrations", json={"provider": provider, "survey_id": survey.id}, headers=auth)
        secret = created.json["secret"]
        sign = {
            "generic": lambda s, b: signed_headers(s, b, msg_id=f"msg_{hashlib.sha1(b).hexdigest()}"),
            "zendesk": zendesk_headers,
            "freshdesk": lambda s, b: secret_header(s),
            "helpscout": helpscout_headers,
            "intercom": intercom_headers,
            "front": front_headers,
            "gorgias": lambda s, b: secret_header(s),
        }[provider]
        doors[provider] = (f"/hooks/{created.json['id']}", lambda body, sign=sign, secret=secret: sign(secret, body))
    return doors


PROVIDER_BODIES = {
    "generic": json.dumps({"customer": {"email": "ada@example.com", "name": "NAME"}, "ticket": {"id": "T-1"}}).encode(),
    "zendesk": fixture("zendesk", "trigger_rendered.json"),
    "freshdesk": fixture("freshdesk", "ticket_resolved.json"),
    "helpscout": fixture("helpscout", "convo_status_closed.json"),
    "intercom": fixture("intercom", "conversation_admin_closed.json"),
    "front": fixture("front", "archive.json"),
    "gorgias": fixture("gorgias", "ticket_updated_closed.json"),
}
CUSTOMER_NAMES = {
    "generic": "NAME",
    "zendesk": "Ada Lovelace",
    "freshdesk": "Hugo Costa",
    "helpscout": "Lena",
    "intercom": "Alan Turing",
    "front": "Nina Simone",
    "gorgias": "Zola",
}


@pytest.mark.parametrize("provider", sorted(PROVIDER_BODIES))
def test_every_door_refuses_a_deeply_nested_body_with_422(client, auth, survey, provider):
    url, headers = _signed_requests(client, auth, survey)[provider]
    before = row_counts()
    resp = client.post(url, data=DEEP, headers=headers(DEEP))
    assert "nested too deeply" in str(_refused(resp, 422, "validation_error")["fields"])
    assert row_counts() == before


@pytest.mark.parametrize("provider", sorted(PROVIDER_BODIES))
def test_every_door_refuses_a_lone_surrogate_in_the_customer_name(client, auth, survey, provider):
    url, headers = _signed_requests(client, auth, survey)[provider]
    body = PROVIDER_BODIES[provider]
    name = CUSTOMER_NAMES[provider].encode()
    assert name in body, provider
    hostile = body.replace(name, b"Bad \\ud800 name", 1)
    before = row_counts()
    resp = client.post(url, data=hostile, headers=headers(hostile))
    assert "surrogate" in str(_refused(resp, 422, "validation_error")["fields"])
    assert row_counts() == before
    # The same body without the surrogate is accepted: the refusal was for the text alone.
    assert client.post(url, data=body, headers=headers(body)).status_code == 202


# The authenticated API.


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/suppressions?cursor=" + "9" * 35,
        "/api/v1/invites?cursor=417561279523",
        "/api/v1/invites?survey_id=" + str(10**30),
        "/api/v1/invites?survey_id=-" + str(10**30),
        "/api/v1/themes/catalogue?cursor=3605763784",
        "/api/v1/responses?score_min=" + str(10**30),
    ],
)
def test_integers_beyond_their_column_in_a_query_are_422(client, auth, path):
    _refused(client.get(path, headers=auth), 422, "validation_error")


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/api/v1/integrations/" + str(10**30)),
        ("patch", "/api/v1/integrations/" + str(10**30)),
        ("delete", "/api/v1/annotations/" + str(10**30)),
        ("get", "/api/v1/themes/catalogue/3605763784"),
        ("delete", "/api/v1/suppressions/a%00b@x.example"),
    ],
)
def test_ids_no_row_can_have_are_404(client, auth, method, path):
    resp = getattr(client, method)(path, headers=auth, json={})
    _refused(resp, 404)


@pytest.mark.parametrize(
    "method, path, body, field",
    [
        ("post", "/api/v1/surveys", {"name": f"CSAT {LONE}", "kind": "csat"}, "name"),
        ("post", "/api/v1/surveys", {"name": "CSAT", "kind": "csat", "question": f"How {LONE}?"}, "question"),
        ("patch", "/api/v1/workspace", {"name": f"Acme {LONE}"}, "name"),
        ("post", "/api/v1/annotations", {"label": f"Launch {LONE}", "at": "2026-11-01T00:00:00Z"}, "label"),
        ("post", "/api/v1/invites", "NAME", "customer"),
        ("post", "/api/v1/invites", "TICKET", "ticket"),
    ],
)
def test_a_lone_surrogate_in_any_text_field_is_422_naming_it(client, auth, survey, method, path, body, field):
    if body == "NAME":
        body = {"survey_id": survey.id, "customer": {"email": "a@example.com", "name": LONE}, "ticket": {"id": "T"}}
    elif body == "TICKET":
        body = {"survey_id": survey.id, "customer": {"email": "a@example.com"}, "ticket": {"id": f"T-{LONE}"}}
    before = row_counts()
    raw = json.dumps(body)  # ensure_ascii: the surrogate travels as \ud800, as a client would send it
    resp = getattr(client, method)(path, data=raw, headers={**auth, "Content-Type": "application/json"})
    assert field in _refused(resp, 422, "validation_error")["fields"]
    assert row_counts() == before


def test_a_nul_or_lone_surrogate_in_a_query_value_is_422_naming_it(client, auth):
    resp = client.get("/api/v1/responses?agent=a%00b", headers=auth)
    assert "agent" in _refused(resp, 422, "validation_error")["fields"]
