"""GET/POST /s/{token}: a GET never records; a POST records once, editable for a while; CSRF; escaping."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import create_app
from app.extensions import db
from app.models import Response
from app.models.types import utcnow
from tests.conftest import unit_config
from tests.support.api import answer, row_counts


@pytest.fixture
def invite(make, workspace):
    return make.invite(make.survey(workspace, "csat"))


def responses() -> list[Response]:
    db.session.expire_all()
    return list(db.session.scalars(select(Response)))


def test_get_with_score_preselects_and_records_nothing(client, invite):
    before = row_counts()
    page = client.get(f"/s/{invite.token}?score=4")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'value="4" checked' in html
    assert len(re.findall(r"checked", html)) == 1
    assert "not saved until you press the button" in html
    assert row_counts() == before
    db.session.refresh(invite)
    assert invite.answered_at is None


@pytest.mark.parametrize("score", ["9", "0", "abc", "-1"])
def test_get_with_an_out_of_scale_score_preselects_nothing(client, invite, score):
    html = client.get(f"/s/{invite.token}?score={score}").get_data(as_text=True)
    assert "checked" not in html


def test_post_records_one_response_then_thanks(client, invite):
    done = client.post(f"/s/{invite.token}", data={"score": "4", "comment": "Quick and kind."})
    assert done.status_code == 200
    assert "Your answer has been recorded." in done.get_data(as_text=True)
    rows = responses()
    assert [(r.score, r.comment, r.invite_id) for r in rows] == [(4, "Quick and kind.", invite.id)]
    db.session.refresh(invite)
    assert invite.answered_at is not None


def test_second_post_inside_the_window_changes_the_answer(client, invite):
    client.post(f"/s/{invite.token}", data={"score": "2", "comment": "Slow."})
    again = client.post(f"/s/{invite.token}", data={"score": "5", "comment": "Actually, sorted out."})
    assert again.status_code == 200
    rows = responses()
    assert [(r.score, r.comment) for r in rows] == [(5, "Actually, sorted out.")]
    page = client.get(f"/s/{invite.token}").get_data(as_text=True)
    assert 'value="5" checked' in page and "Update my answer" in page


def test_after_the_window_the_answer_is_locked(app, client, invite):
    client.post(f"/s/{invite.token}", data={"score": "2"})
    response = responses()[0]
    response.answered_at = utcnow() - timedelta(hours=app.config["ANSWER_EDIT_WINDOW_HOURS"], minutes=1)
    db.session.commit()
    page = client.get(f"/s/{invite.token}?score=5")
    assert page.status_code == 200
    assert "can no longer be changed" in page.get_data(as_text=True)
    refused = client.post(f"/s/{invite.token}", data={"score": "5"})
    assert refused.status_code == 409
    assert "can no longer be changed" in refused.get_data(as_text=True)
    assert [r.score for r in responses()] == [2]


def test_a_zero_hour_window_locks_at_once(app, client, invite):
    app.config["ANSWER_EDIT_WINDOW_HOURS"] = 0
    assert client.post(f"/s/{invite.token}", data={"score": "3"}).status_code == 200
    assert client.post(f"/s/{invite.token}", data={"score": "1"}).status_code == 409
    assert [r.score for r in responses()] == [3]


@pytest.mark.parametrize("score", ["", "6", "0", "abc", "4.5", "9" * 5000])
def test_invalid_score_is_a_422_page_with_the_error(client, invite, score):
    before = row_counts()
    page = client.post(f"/s/{invite.token}", data={"score": score, "comment": "kept"})
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert 'role="alert"' in html and "Choose a score" in html
    assert ">kept</textarea>" in html  # the comment survives the round trip
    assert row_counts() == before


def test_comment_html_is_escaped_on_the_page(client, invite):
    attack = "<script>alert(1)</script>"
    page = client.post(f"/s/{invite.token}", data={"score": "9", "comment": attack}).get_data(as_text=True)
    assert attack not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    client.post(f"/s/{invite.token}", data={"score": "4", "comment": attack})
    page = client.get(f"/s/{invite.token}").get_data(as_text=True)
    assert attack not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;</textarea>" in page
    assert responses()[0].comment == attack  # stored as written, escaped when shown


def test_unknown_token_is_a_404_page(client, invite):
    for token in ("nope", invite.token[:-1] + ("A" if invite.token[-1] != "A" else "B"), "x" * 500):
        page = client.get(f"/s/{token}")
        assert page.status_code == 404
        assert page.content_type.startswith("text/html")
        assert "This survey link is not valid" in page.get_data(as_text=True)
        assert client.post(f"/s/{token}", data={"score": "4"}).status_code == 404
    assert responses() == []


def test_expired_invite_is_a_410_page_and_takes_no_answer(client, invite):
    invite.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    page = client.get(f"/s/{invite.token}?score=5")
    assert page.status_code == 410
    assert "This survey has closed" in page.get_data(as_text=True)
    assert client.post(f"/s/{invite.token}", data={"score": "5"}).status_code == 410
    assert responses() == []


def test_oversized_form_is_413_and_records_nothing(client, invite):
    page = client.post(f"/s/{invite.token}", data={"score": "4", "comment": "x" * (300 * 1024)})
    assert page.status_code == 413
    assert responses() == []


def test_pages_carry_security_headers(client, invite):
    headers = client.get(f"/s/{invite.token}").headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"


@pytest.fixture
def csrf_app(tmp_path):
    app = create_app(unit_config(tmp_path) | {"WTF_CSRF_ENABLED": True})
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()


def test_with_csrf_on_a_post_without_token_is_400_and_records_nothing(csrf_app, make):
    ws = make.workspace()
    invite = make.invite(make.survey(ws, "csat"))
    client = csrf_app.test_client()
    refused = client.post(f"/s/{invite.token}", data={"score": "4"})
    assert refused.status_code == 400
    assert "Reload the page" in refused.get_data(as_text=True)  # a customer-facing explanation, translated
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0
    # The page's own token is accepted.
    page = client.get(f"/s/{invite.token}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post(f"/s/{invite.token}", data={"score": "4", "csrf_token": token}).status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Response)) == 1


def test_with_csrf_on_the_api_widget_and_hooks_still_work(csrf_app, make):
    ws = make.workspace()
    survey = make.survey(ws, "csat")
    invite = make.invite(survey)
    client = csrf_app.test_client()
    auth = {"Authorization": f"Bearer {ws.key}"}
    assert client.post("/api/v1/surveys", json={"name": "n", "kind": "nps"}, headers=auth).status_code == 201
    assert client.post(f"/api/v1/public/invites/{invite.token}/response", json={"score": 5}).status_code == 201
    assert client.post("/hooks/12345", data=b"{}").status_code == 404  # reached the view, not a CSRF 400


def test_answers_are_analysed_after_the_post(client, invite):
    client.post(f"/s/{invite.token}", data={"score": "1", "comment": "Terrible, awful service."})
    row = responses()[0]
    assert row.sentiment_label == "negative" and row.analysis_version is not None


def test_one_response_per_invite_even_across_helpers(make, workspace):
    response = answer(make, make.survey(workspace, "nps"), 9)
    assert response.score == 9
    assert row_counts()["responses"] == 1
