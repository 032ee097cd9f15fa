"""Surveys CRUD, integrations, invites with history, the OpenAPI document and the CLI."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Survey, Workspace
from app.scoring.kinds import KINDS
from tests.support.api import assert_error, row_counts


@pytest.mark.parametrize("kind", ["csat", "nps", "ces"])
def test_create_survey_fills_the_kinds_defaults(client, auth, kind):
    resp = client.post("/api/v1/surveys", json={"name": f"My {kind}", "kind": kind}, headers=auth)
    assert resp.status_code == 201, resp.json
    body = resp.json
    assert isinstance(body["id"], int)
    assert body["question"] == KINDS[kind].question
    assert body["scale"] == list(KINDS[kind].default_scale)
    assert body["follow_up"] == KINDS[kind].follow_up
    assert (body["locale"], body["send_delay_minutes"], body["sample_percent"], body["expires_after_days"]) == (
        "en",
        0,
        100,
        14,
    )
    assert {"csat": [1, 5], "nps": [0, 10], "ces": [1, 7]}[kind] == body["scale"]


def test_create_survey_keeps_given_fields(client, auth):
    resp = client.post(
        "/api/v1/surveys",
        json={
            "name": "Short CSAT",
            "kind": "csat",
            "scale": [1, 3],
            "question": "Happy?",
            "follow_up": {"low": "Why not?"},
            "send_delay_minutes": 30,
            "exclude_tags": ["spam"],
        },
        headers=auth,
    )
    assert resp.status_code == 201
    body = resp.json
    assert (body["scale"], body["question"], body["send_delay_minutes"], body["exclude_tags"]) == (
        [1, 3],
        "Happy?",
        30,
        ["spam"],
    )
    assert body["follow_up"]["low"] == "Why not?"
    assert body["follow_up"]["high"] == KINDS["csat"].follow_up["high"]


@pytest.mark.parametrize(
    "kind, scale, ok",
    [
        ("csat", [1, 5], True),
        ("csat", [1, 3], True),
        ("csat", [1, 10], True),
        ("csat", [0, 10], False),
        ("nps", [0, 10], True),
        ("nps", [1, 10], False),
        ("ces", [1, 7], True),
        ("ces", [1, 5], True),
        ("ces", [1, 10], False),
        ("csat", [5, 1], False),
        ("csat", [1, 2, 3], False),
    ],
)
def test_scale_is_validated_per_kind(client, auth, kind, scale, ok):
    before = row_counts()
    resp = client.post("/api/v1/surveys", json={"name": "s", "kind": kind, "scale": scale}, headers=auth)
    if ok:
        assert resp.status_code == 201 and resp.json["scale"] == scale
    else:
        assert "scale" in assert_error(resp, 422, "validation_error")["fields"]
        assert row_counts() == before


def test_patch_changes_only_the_given_fields(client, auth, make, workspace):
    survey = make.survey(workspace, "ces")
    original = client.get(f"/api/v1/surveys/{survey.id}", headers=auth).json
    resp = client.patch(
        f"/api/v1/surveys/{survey.id}",
        json={"name": "Renamed", "scale": [1, 5], "follow_up": {"low": "What was hard?"}},
        headers=auth,
    )
    assert resp.status_code == 200, resp.json
    changed = resp.json
    assert (changed["name"], changed["scale"]) == ("Renamed", [1, 5])
    assert changed["follow_up"] == {**original["follow_up"], "low": "What was hard?"}
    for field in ("kind", "question", "locale", "send_delay_minutes", "expires_after_days"):
        assert changed[field] == original[field]
    assert client.get(f"/api/v1/surveys/{survey.id}", headers=auth).json["name"] == "Renamed"


def test_patch_refuses_a_scale_or_kind_the_survey_cannot_take(client, auth, make, workspace):
    survey = make.survey(workspace, "nps")
    assert (
        "scale"
        in assert_error(client.patch(f"/api/v1/surveys/{survey.id}", json={"scale": [1, 5]}, headers=auth), 422)[
            "fields"
        ]
    )
    assert (
        "kind"
        in assert_error(client.patch(f"/api/v1/surveys/{survey.id}", json={"kind": "csat"}, headers=auth), 422)[
            "fields"
        ]
    )
    db.session.expire_all()
    assert (survey.kind, survey.scale_min, survey.scale_max) == ("nps", 0, 10)


def test_delete_archives_and_then_404(client, auth, make, workspace):
    keep, gone = make.survey(workspace, "csat"), make.survey(workspace, "nps")
    invite = make.invite(gone)
    assert client.delete(f"/api/v1/surveys/{gone.id}", headers=auth).status_code == 204
    assert_error(client.get(f"/api/v1/surveys/{gone.id}", headers=auth), 404, "not_found")
    assert_error(client.patch(f"/api/v1/surveys/{gone.id}", json={"name": "x"}, headers=auth), 404)
    assert_error(client.delete(f"/api/v1/surveys/{gone.id}", headers=auth), 404)
    assert [s["id"] for s in client.get("/api/v1/surveys", headers=auth).json["items"]] == [keep.id]
    # Archived, not deleted: the row and its invites stay for history; no new invites.
    assert db.session.get(Survey, gone.id).archived is True
    assert client.get(f"/api/v1/invites/{invite.id}", headers=auth).status_code == 200
    resp = client.post(
        "/api/v1/invites",
        json={"survey_id": gone.id, "customer": {"email": "a@example.com"}, "ticket": {"id": "T"}},
        headers=auth,
    )
    assert_error(resp, 422)


def test_list_surveys_is_the_workspaces_own_in_order(client, auth, make, workspace):
    ids = [make.survey(workspace, kind).id for kind in ("csat", "nps", "ces")]
    make.survey(make.workspace("Other"), "csat")
    items = client.get("/api/v1/surveys", headers=auth).json["items"]
    assert [s["id"] for s in items] == ids
    assert [s["kind"] for s in items] == ["csat", "nps", "ces"]


def test_post_integration_returns_url_and_a_whsec_secret(client, auth, make, workspace):
    survey = make.survey(workspace)
    resp = client.post("/api/v1/integrations", json={"provider": "generic", "survey_id": survey.id}, headers=auth)
    assert resp.status_code == 201, resp.json
    body = resp.json
    assert body["url"] == f"http://afterword.test/hooks/{body['id']}"
    assert body["secret"].startswith("whsec_") and len(body["secret"]) > 30
    assert body["provider"] == "generic" and body["survey_id"] == survey.id
    other = client.post("/api/v1/integrations", json={"provider": "generic", "survey_id": survey.id}, headers=auth)
    assert other.json["secret"] != body["secret"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"provider": "pagerduty", "survey_id": 1}, "provider"),
        ({"provider": "generic"}, "survey_id"),
        ({"provider": "generic", "survey_id": 1, "secret": "short"}, "secret"),
    ],
)
def test_post_integration_refuses_bad_fields(client, auth, make, workspace, body, field):
    make.survey(workspace)
    before = row_counts()
    assert field in assert_error(client.post("/api/v1/integrations", json=body, headers=auth), 422)["fields"]
    assert row_counts() == before


def test_post_invite_then_get_shows_its_history(client, auth, make, workspace):
    survey = make.survey(workspace)
    created = client.post(
        "/api/v1/invites",
        json={
            "survey_id": survey.id,
            "customer": {"email": "ada@example.com", "name": "Ada"},
            "ticket": {
                "id": "T-1",
                "tags": ["billing"],
                "agent": {"name": "Sam"},
                "created_at": "2024-05-01T10:00:00Z",
            },
        },
        headers=auth,
    )
    assert created.status_code == 201, created.json
    body = created.json
    assert body["status"] in ("scheduled", "sent")  # the email goes out from a worker
    assert body["url"] == f"http://afterword.test/s/{body['token']}"
    assert len(body["token"]) >= 22  # at least 128 random bits, URL-safe
    db.session.expire_all()  # the worker wrote through its own session; a real request starts fresh
    shown = client.get(f"/api/v1/invites/{body['id']}", headers=auth).json
    assert shown["status"] == "sent" and shown["sent_at"] is not None
    assert [e["status"] for e in shown["history"]] == ["scheduled", "sent"]
    assert shown["ticket"]["tags"] == ["billing"] and shown["ticket"]["agent"]["name"] == "Sam"
    assert shown["ticket"]["created_at"].startswith("2024-05-01T10:00:00")
    assert shown["customer"]["email"] == "ada@example.com"
    client.post(f"/s/{body['token']}", data={"score": "4"})
    db.session.expire_all()
    shown = client.get(f"/api/v1/invites/{body['id']}", headers=auth).json
    assert [e["status"] for e in shown["history"]] == ["scheduled", "sent", "answered"]
    assert shown["answered_at"] is not None


def test_delayed_invite_is_scheduled_not_sent(client, auth, make, workspace):
    survey = make.survey(workspace, send_delay_minutes=60)
    created = client.post(
        "/api/v1/invites",
        json={"survey_id": survey.id, "customer": {"email": "a@example.com"}, "ticket": {"id": "T-1"}},
        headers=auth,
    ).json
    assert created["status"] == "scheduled"


def test_openapi_document_is_openapi_3_with_the_main_paths(client):
    resp = client.get("/api/v1/openapi.json")  # public: no key needed
    assert resp.status_code == 200
    doc = resp.json
    assert doc["openapi"].startswith("3.")
    assert doc["info"]["title"] and doc["info"]["version"]
    for path in (
        "/api/v1/surveys",
        "/api/v1/surveys/{survey_id}",
        "/api/v1/invites",
        "/api/v1/invites/{invite_id}",
        "/api/v1/responses",
        "/api/v1/metrics",
        "/api/v1/integrations",
        "/hooks/{integration_id}",
    ):
        assert path in doc["paths"], path
    assert set(doc["paths"]["/api/v1/surveys"]) >= {"get", "post"}
    create = doc["paths"]["/api/v1/surveys"]["post"]
    assert "requestBody" in create and create["security"] == [{"bearer": []}]
    assert "bearer" in doc["components"]["securitySchemes"]
    assert "post" in doc["paths"]["/hooks/{integration_id}"]
    json.dumps(doc)


def test_cli_workspace_create_json_prints_id_and_key_and_stores_only_a_hash(app):
    result = app.test_cli_runner().invoke(args=["workspace", "create", "Northwind", "--json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert set(printed) == {"id", "api_key"}
    ws = db.session.scalar(select(Workspace).where(Workspace.id == printed["id"]))
    assert ws.name == "Northwind"
    assert ws.api_key_hash != printed["api_key"]
    assert printed["api_key"] not in ws.api_key_hash
    assert ws.api_key_hash == hashlib.sha256(printed["api_key"].encode()).hexdigest()
    # The printed key works against the API.
    resp = app.test_client().get("/api/v1/surveys", headers={"Authorization": f"Bearer {printed['api_key']}"})
    assert resp.status_code == 200 and resp.json == {"items": []}
