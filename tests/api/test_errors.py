"""Every refusal of the JSON API: a clear 4xx in the documented shape, never a 500, nothing written."""

from __future__ import annotations

import base64

import pytest

from tests.support.api import assert_error, row_counts


@pytest.fixture
def survey(make, workspace):
    return make.survey(workspace, "csat")


def invite_body(survey_id, /, **overrides) -> dict:
    body = {"survey_id": survey_id, "customer": {"email": "ada@example.com", "name": "Ada"}, "ticket": {"id": "T-1"}}
    body.update(overrides)
    return body


def test_malformed_json_is_400_invalid_json(client, auth, survey):
    before = row_counts()
    resp = client.post("/api/v1/invites", data='{"survey_id": 1,', content_type="application/json", headers=auth)
    assert_error(resp, 400, "invalid_json")
    assert row_counts() == before


def test_invalid_utf8_is_400_invalid_json(client, auth, survey):
    resp = client.post("/api/v1/surveys", data=b'{"name": "\xff\xfe"}', content_type="application/json", headers=auth)
    assert_error(resp, 400, "invalid_json")


def test_absurdly_nested_json_is_400_not_500(client, auth, survey):
    before = row_counts()
    resp = client.post(
        "/api/v1/surveys", data="[" * 100_000 + "]" * 100_000, content_type="application/json", headers=auth
    )
    assert_error(resp, 400, "invalid_json")
    assert row_counts() == before


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_non_json_content_type_is_415(client, auth, survey, content_type):
    before = row_counts()
    kwargs = {"content_type": content_type} if content_type else {}
    resp = client.post("/api/v1/surveys", data='{"name": "x", "kind": "csat"}', headers=auth, **kwargs)
    assert_error(resp, 415, "unsupported_media_type")
    assert row_counts() == before


def test_json_that_is_not_an_object_is_422(client, auth, survey):
    resp = client.post("/api/v1/surveys", json=["name", "kind"], headers=auth)
    assert "_body" in assert_error(resp, 422, "validation_error")["fields"]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"survey_id": "1"}, "survey_id"),
        ({"survey_id": True}, "survey_id"),
        ({"survey_id": 1.5}, "survey_id"),
        ({"survey_id": 10**30}, "survey_id"),
        ({"customer": "ada@example.com"}, "customer"),
        ({"customer": {"email": "not an email"}}, "customer"),
        ({"ticket": {"id": "T-1", "reopens": "2"}}, "ticket"),
        ({"ticket": {"id": "T-1", "handle_seconds": 10**30}}, "ticket"),
        ({"ticket": {"id": "T-1", "created_at": "yesterday"}}, "ticket"),
        ({"ticket": {"id": "T-1", "created_at": "0001-01-01T00:00:00+14:00"}}, "ticket"),
        ({"ticket": {"id": "T-1", "tags": "vip"}}, "ticket"),
        ({"ticket": None}, "ticket"),
    ],
)
def test_wrong_types_on_invites_are_422_with_the_field(client, auth, survey, change, field):
    before = row_counts()
    resp = client.post("/api/v1/invites", json=invite_body(survey.id, **change), headers=auth)
    assert field in assert_error(resp, 422, "validation_error")["fields"]
    assert row_counts() == before


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "x", "kind": "csat", "sample_percent": "50"}, "sample_percent"),
        ({"name": "x", "kind": "csat", "send_delay_minutes": True}, "send_delay_minutes"),
        ({"name": 5, "kind": "csat"}, "name"),
        ({"name": "x", "kind": "stars"}, "kind"),
        ({"name": "", "kind": "csat"}, "name"),
        ({"kind": "csat"}, "name"),
        ({"name": "x", "kind": "csat", "scale": ["1", "5"]}, "scale"),
    ],
)
def test_wrong_types_on_surveys_are_422_with_the_field(client, auth, survey, body, field):
    before = row_counts()
    resp = client.post("/api/v1/surveys", json=body, headers=auth)
    assert field in assert_error(resp, 422, "validation_error")["fields"]
    assert row_counts() == before


def test_unknown_fields_are_422_and_named(client, auth, survey):
    before = row_counts()
    resp = client.post("/api/v1/surveys", json={"name": "x", "kind": "csat", "colour": "red"}, headers=auth)
    assert assert_error(resp, 422, "validation_error")["fields"] == {"colour": ["Unknown field."]}
    resp = client.post(
        "/api/v1/invites", json=invite_body(survey.id, customer={"email": "a@example.com", "vip": True}), headers=auth
    )
    assert assert_error(resp, 422, "validation_error")["fields"] == {"customer": {"vip": ["Unknown field."]}}
    resp = client.patch(f"/api/v1/surveys/{survey.id}", json={"nmae": "typo"}, headers=auth)
    assert "nmae" in assert_error(resp, 422, "validation_error")["fields"]
    assert row_counts() == before


def test_oversized_body_is_413(app, client, auth, survey):
    assert app.config["MAX_CONTENT_LENGTH"] == 256 * 1024
    before = row_counts()
    big = invite_body(survey.id, ticket={"id": "T-1", "team": "x" * (257 * 1024)})
    resp = client.post("/api/v1/invites", json=big, headers=auth)
    assert_error(resp, 413, "payload_too_large")
    assert row_counts() == before


def test_a_body_just_under_the_limit_is_read(client, auth, survey):
    # 200 KiB of padding is under the limit: refused for its content (422), not its size.
    resp = client.post(
        "/api/v1/invites", json=invite_body(survey.id, ticket={"id": "T-1", "team": "x" * 200_000}), headers=auth
    )
    assert_error(resp, 422, "validation_error")


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer"}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic dXNlcjpwYXNz"}],
)
def test_missing_or_wrong_api_key_is_401(client, survey, headers):
    before = row_counts()
    for method, path, body in [
        ("get", "/api/v1/surveys", None),
        ("post", "/api/v1/surveys", {"name": "x", "kind": "csat"}),
        ("post", "/api/v1/invites", invite_body(survey.id)),
        ("get", "/api/v1/responses", None),
        ("get", "/api/v1/metrics", None),
    ]:
        resp = getattr(client, method)(path, json=body, headers=headers)
        assert_error(resp, 401, "unauthorized")
    assert row_counts() == before


def test_the_key_of_another_workspace_after_its_own_prefix_is_not_accepted(client, workspace, survey):
    resp = client.get("/api/v1/surveys", headers={"Authorization": f"Bearer {workspace.key}x"})
    assert_error(resp, 401, "unauthorized")


def test_another_workspaces_survey_and_invite_are_404(client, make, auth, survey):
    other = make.workspace("Other")
    their_survey = make.survey(other, "nps")
    their_invite = make.invite(their_survey)
    before = row_counts()
    assert_error(client.get(f"/api/v1/surveys/{their_survey.id}", headers=auth), 404, "not_found")
    assert_error(client.patch(f"/api/v1/surveys/{their_survey.id}", json={"name": "mine"}, headers=auth), 404)
    assert_error(client.delete(f"/api/v1/surveys/{their_survey.id}", headers=auth), 404)
    assert_error(client.get(f"/api/v1/invites/{their_invite.id}", headers=auth), 404, "not_found")
    # Creating on their survey is refused as an unknown survey, and writes nothing.
    resp = client.post("/api/v1/invites", json=invite_body(their_survey.id), headers=auth)
    assert "survey_id" in assert_error(resp, 422)["fields"]
    resp = client.post("/api/v1/integrations", json={"provider": "generic", "survey_id": their_survey.id}, headers=auth)
    assert "survey_id" in assert_error(resp, 422)["fields"]
    assert row_counts() == before
    # Their rows are untouched and not listed.
    assert client.get("/api/v1/surveys", headers=auth).json["items"] == [
        client.get(f"/api/v1/surveys/{survey.id}", headers=auth).json
    ]
    assert (
        client.get(f"/api/v1/surveys/{their_survey.id}", headers={"Authorization": f"Bearer {other.key}"}).json["name"]
        == their_survey.name
    )


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/surveys/99999999999999999999",
        "/api/v1/invites/99999999999999999999",
        "/api/v1/surveys/0",
        "/api/v1/surveys/abc",
    ],
)
def test_absurd_ids_in_the_path_are_404(client, auth, path):
    assert_error(client.get(path, headers=auth), 404, "not_found")


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        "!!!!",
        base64.urlsafe_b64encode(b"2024-01-01T00:00:00|5").decode(),  # no zone: never one we issue
        base64.urlsafe_b64encode(b"2024-01-01T00:00:00+00:00|99999999999999999999").decode(),
        base64.urlsafe_b64encode(b"0001-01-01T00:00:00+14:00|5").decode(),
        base64.urlsafe_b64encode(b"\xff\xfe|5").decode(),
    ],
)
def test_bad_cursor_is_400(client, auth, survey, cursor):
    assert (
        "cursor"
        in assert_error(client.get(f"/api/v1/responses?cursor={cursor}", headers=auth), 400, "invalid_cursor")["fields"]
    )


@pytest.mark.parametrize(
    "query, field",
    [
        ("survey_id=abc", "survey_id"),
        ("survey_id=99999999999999999999", "survey_id"),
        ("score_min=99999999999999999999", "score_min"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("since=yesterday", "since"),
        ("until=0001-01-01T00:00:00%2B14:00", "until"),
        ("sentiment=angry", "sentiment"),
        ("mismatch=maybe", "mismatch"),
        ("colour=red", "colour"),
    ],
)
def test_bad_query_parameters_are_422(client, auth, query, field):
    assert (
        field in assert_error(client.get(f"/api/v1/responses?{query}", headers=auth), 422, "validation_error")["fields"]
    )


@pytest.mark.parametrize(
    "query, field", [("tz=Mars/Olympus", "tz"), ("interval=hour", "interval"), ("group_by=weather", "group_by")]
)
def test_bad_metrics_parameters_are_422(client, auth, query, field):
    assert field in assert_error(client.get(f"/api/v1/metrics?{query}", headers=auth), 422)["fields"]


def test_unknown_api_route_and_method_are_json_4xx(client, auth):
    assert_error(client.get("/api/v1/nothing-here", headers=auth), 404, "not_found")
    assert_error(client.put("/api/v1/surveys", json={}, headers=auth), 405, "method_not_allowed")
