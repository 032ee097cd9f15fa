"""The widget's token-scoped JSON: GET the survey, POST {score, comment}."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.extensions import db
from app.models.types import utcnow
from tests.support.api import assert_error, row_counts


@pytest.fixture
def invite(make, workspace):
    return make.invite(make.survey(workspace, "nps"))


def url(invite, suffix: str = "") -> str:
    return f"/api/v1/public/invites/{invite.token}{suffix}"


def test_get_returns_the_survey_shape_without_a_key(client, invite):
    resp = client.get(url(invite))
    assert resp.status_code == 200
    body = resp.json
    assert body["kind"] == "nps" and body["scale"] == [0, 10]
    assert body["question"].startswith("How likely")
    assert set(body["follow_up"]) == {"default", "low", "high"}
    assert (body["expired"], body["editable"], body["answer"]) == (False, True, None)
    assert body["branding"]["name"] == "Acme"
    assert "email" not in str(body).lower()  # the respondent's address never leaks to the page


def test_post_records_the_answer(client, invite):
    resp = client.post(url(invite, "/response"), json={"score": 9, "comment": "Lovely"})
    assert resp.status_code == 201
    assert resp.json["score"] == 9 and resp.json["comment"] == "Lovely"
    assert row_counts()["responses"] == 1
    assert client.get(url(invite)).json["answer"] == {"score": 9, "comment": "Lovely"}
    again = client.post(url(invite, "/response"), json={"score": 10})
    assert again.status_code == 200 and row_counts()["responses"] == 1  # a change: nothing created


@pytest.mark.parametrize("score", [11, -1, True, False, "ten", None, 4.5, [9], {"v": 9}])
def test_bad_score_is_422(client, invite, score):
    before = row_counts()
    error = assert_error(client.post(url(invite, "/response"), json={"score": score}), 422)
    assert "score" in error["fields"]
    assert row_counts() == before


def test_bad_comment_is_422(client, invite):
    error = assert_error(client.post(url(invite, "/response"), json={"score": 9, "comment": ["x"]}), 422)
    assert "comment" in error["fields"]
    error = assert_error(client.post(url(invite, "/response"), json={"score": 9, "comment": "x" * 5001}), 422)
    assert "comment" in error["fields"]
    assert row_counts()["responses"] == 0


def test_unknown_field_is_422_and_named(client, invite):
    error = assert_error(client.post(url(invite, "/response"), json={"score": 9, "rating": 5}), 422)
    assert error["fields"] == {"rating": ["Unknown field."]}
    assert row_counts()["responses"] == 0


@pytest.mark.parametrize("data", ["{nope", "[1]", "null", "[" * 100_000 + "]" * 100_000])
def test_malformed_body_is_a_4xx(client, invite, data):
    resp = client.post(url(invite, "/response"), data=data, content_type="application/json")
    assert_error(resp, 400, "invalid_json")
    assert row_counts()["responses"] == 0


def test_oversized_body_is_413(client, invite):
    assert_error(client.post(url(invite, "/response"), json={"score": 9, "comment": "x" * (300 * 1024)}), 413)


def test_unknown_token_is_404_json(client, invite):
    assert_error(client.get("/api/v1/public/invites/unknown-token"), 404, "not_found")
    assert_error(client.post("/api/v1/public/invites/unknown-token/response", json={"score": 9}), 404, "not_found")
    assert_error(client.get(f"/api/v1/public/invites/{'x' * 300}"), 404, "not_found")


def test_expired_is_410_and_locked_is_409(app, client, invite, make, workspace):
    invite.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get(url(invite)).json["expired"] is True
    assert_error(client.post(url(invite, "/response"), json={"score": 9}), 410, "expired")
    fresh = make.invite(make.survey(workspace, "csat"))
    app.config["ANSWER_EDIT_WINDOW_HOURS"] = 0
    assert client.post(url(fresh, "/response"), json={"score": 5}).status_code == 201
    assert_error(client.post(url(fresh, "/response"), json={"score": 1}), 409, "locked")


def test_the_widget_gets_the_band_edges_from_the_server(client, make, workspace):
    """The browser compares against these; they must be the ones app/scoring/kinds.py decides."""
    from app.scoring.kinds import band

    for kind, scale in (("csat", [1, 5]), ("nps", [0, 10]), ("ces", [1, 7])):
        invite = make.invite(make.survey(workspace, kind, scale=scale))
        bands = client.get(f"/api/v1/public/invites/{invite.token}").json["bands"]
        for score in range(scale[0], scale[1] + 1):
            by_edges = "high" if score >= bands["high_min"] else "low" if score <= bands["low_max"] else "default"
            assert by_edges == band(kind, scale[0], scale[1], score)
