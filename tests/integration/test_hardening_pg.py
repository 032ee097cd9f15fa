"""Input PostgreSQL cannot store or compare (NUL, lone surrogates, integers beyond INTEGER) is a 4xx
there too, never a 500; SQLite let some of these through, so they are checked on the real thing."""

from __future__ import annotations

import json

import pytest

from tests.support.api import assert_error, row_counts, signed_headers
from tests.support.factories import Factory
from tests.support.helpdesks import fixture, zendesk_headers

pytestmark = pytest.mark.integration


@pytest.fixture
def edge(pg_app):
    make = Factory()
    workspace = make.workspace("Hardening PG")
    survey = make.survey(workspace, "csat")
    client = pg_app.test_client()
    auth = {"Authorization": f"Bearer {workspace.key}"}
    return client, auth, survey


def test_a_nul_in_a_reopen_events_ticket_id_is_422(edge):
    client, auth, survey = edge
    created = client.post(
        "/api/v1/integrations",
        json={"provider": "zendesk", "survey_id": survey.id, "secret": "zendesk-signing-secret-0099"},
        headers=auth,
    )
    body = fixture("zendesk", "event_status_changed_reopened.json").replace(b'"id": "5158"', b'"id": "51\\u000058"')
    before = row_counts()
    resp = client.post(f"/hooks/{created.json['id']}", data=body, headers=zendesk_headers(created.json["secret"], body))
    assert "NUL" in str(assert_error(resp, 422, "validation_error")["fields"])
    assert row_counts() == before


def test_a_lone_surrogate_in_the_generic_ticket_id_is_422(edge):
    client, auth, survey = edge
    created = client.post("/api/v1/integrations", json={"provider": "generic", "survey_id": survey.id}, headers=auth)
    body = json.dumps({"customer": {"email": "ada@example.com"}, "ticket": {"id": "T-\ud800"}}).encode()
    before = row_counts()
    resp = client.post(f"/hooks/{created.json['id']}", data=body, headers=signed_headers(created.json["secret"], body))
    assert "surrogate" in str(assert_error(resp, 422, "validation_error")["fields"])
    assert row_counts() == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_nul_in_an_unsubscribe_token_is_404(edge, method):
    client, _, _ = edge
    assert getattr(client, method)("/u/%00").status_code == 404


def test_a_nul_in_a_suppressed_address_is_404(edge):
    client, auth, _ = edge
    assert_error(client.delete("/api/v1/suppressions/a%00b@x.example", headers=auth), 404)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/suppressions?cursor=" + "9" * 35,
        "/api/v1/invites?cursor=417561279523",
        "/api/v1/invites?survey_id=" + str(10**30),
        "/api/v1/themes/catalogue?cursor=3605763784",
    ],
)
def test_integers_beyond_integer_are_422(edge, path):
    client, auth, _ = edge
    assert_error(client.get(path, headers=auth), 422, "validation_error")


@pytest.mark.parametrize(
    "method, path",
    [("get", "/api/v1/integrations/" + str(10**30)), ("delete", "/api/v1/annotations/" + str(10**30))],
)
def test_ids_beyond_integer_are_404(edge, method, path):
    client, auth, _ = edge
    assert_error(getattr(client, method)(path, headers=auth), 404)
