"""Settings → Surveys: the list, the editor (validated by the API's schema, saved through its
service), the previews (the real email and page templates, nothing written) and archiving."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Invite, Survey
from app.models.account import Role
from app.services.accounts import people

PASSWORD = "correct horse battery"

FULL = {
    "name": "Support CSAT",
    "kind": "csat",
    "scale": "1-10",
    "question": "How did Ada's team do today?",
    "follow_up.low": "What let you down?",
    "follow_up.default": "",
    "follow_up.high": "What made it great?",
    "locale": "fr",
    "reminder_after_hours": "48",
    "expires_after_days": "10",
    "send_delay_minutes": "30",
    "cooldown_days": "7",
    "sample_percent": "50",
    "daily_cap": "",
    "exclude_tags": "vip, spam",
    "thank_you_message": "Merci ! Ada lit chaque réponse.",
    "redirect_url": "",
}


def _person(workspace_id: int, role: Role, email: str):
    user = people.find_user(email) or people.create_user(email, PASSWORD)
    people.set_membership(user, workspace_id, role)
    db.session.commit()
    return user


def _client_as(app, email: str):
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 303
    return client


@pytest.fixture
def owner(app, workspace):
    _person(workspace.id, Role.OWNER, "owner@example.com")
    return _client_as(app, "owner@example.com")


def _rows() -> tuple[int, int]:
    return db.session.scalar(select(func.count(Survey.id))), db.session.scalar(select(func.count(Invite.id)))


def _error_beside(text: str, field: str) -> str:
    found = re.search(rf'<p class="error" id="f-{re.escape(field)}-error">([^<]*)</p>', text)
    assert found, f"no error beside {field}"
    assert (
        f'aria-describedby="f-{field}-hint f-{field}-error"' in text or f'aria-describedby=" f-{field}-error"' in text
    )
    return html.unescape(found.group(1))


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN])
def test_create_then_edit_round_trips_through_the_api(app, workspace, make, client, auth, role):
    make.survey(workspace, "nps")
    _person(workspace.id, role, f"{role}@example.com")
    web = _client_as(app, f"{role}@example.com")

    listing = web.get(f"/w/{workspace.id}/settings/surveys")
    text = listing.get_data(as_text=True)
    assert listing.status_code == 200
    assert "nps survey" in text and "NPS" in text and "0–10" in text and "Live" in text
    assert f'href="/w/{workspace.id}/settings/surveys/new"' in text
    assert "<script>" not in text and "style=" not in text

    form = web.get(f"/w/{workspace.id}/settings/surveys/new")
    text = form.get_data(as_text=True)
    assert form.status_code == 200
    assert "<script>" not in text and "style=" not in text
    assert "/static/vendor/htmx/htmx.min.js" in text and 'hx-trigger="input changed delay:500ms"' in text
    for field in re.findall(r'<(?:input|select|textarea) id="([^"]+)"', text):
        assert f'for="{field}"' in text, field

    created = web.post(f"/w/{workspace.id}/settings/surveys/new", data=FULL)
    assert created.status_code == 303
    survey_id = int(re.search(r"/surveys/(\d+)", created.headers["Location"]).group(1))
    body = client.get(f"/api/v1/surveys/{survey_id}", headers=auth).json
    assert body["name"] == "Support CSAT" and body["kind"] == "csat" and body["scale"] == [1, 10]
    assert body["question"] == "How did Ada's team do today?"
    assert body["follow_up"] == {
        "low": "What let you down?",
        "default": "What is the main reason for your rating?",  # empty: the kind's wording
        "high": "What made it great?",
    }
    assert body["locale"] == "fr" and body["reminder_after_hours"] == 48 and body["expires_after_days"] == 10
    assert (body["send_delay_minutes"], body["cooldown_days"], body["sample_percent"]) == (30, 7, 50)
    assert body["daily_cap"] is None and body["exclude_tags"] == ["vip", "spam"]
    assert body["thank_you_message"] == "Merci ! Ada lit chaque réponse." and body["redirect_url"] is None

    page = web.get(created.headers["Location"]).get_data(as_text=True)
    assert "Created." in page and 'value="How did Ada&#39;s team do today?"' in page

    edit = {**FULL, "name": "Renamed", "scale": "1-5", "reminder_after_hours": "", "daily_cap": "200"}
    edit |= {"thank_you_message": "", "redirect_url": "https://acme.example/thanks"}
    edit["question"] = ""  # back to the kind's question
    edit.pop("kind")
    saved = web.post(f"/w/{workspace.id}/settings/surveys/{survey_id}", data=edit)
    assert saved.status_code == 200 and "Saved." in saved.get_data(as_text=True)
    body = client.get(f"/api/v1/surveys/{survey_id}", headers=auth).json
    assert body["name"] == "Renamed" and body["scale"] == [1, 5] and body["daily_cap"] == 200
    assert body["reminder_after_hours"] is None
    assert body["thank_you_message"] is None and body["redirect_url"] == "https://acme.example/thanks"
    assert body["question"] == "How satisfied were you with the support you received?"

    listing = web.get(f"/w/{workspace.id}/settings/surveys").get_data(as_text=True)
    assert "Renamed" in listing and "1–5" in listing


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ANALYST, Role.VIEWER, Role.AGENT])
def test_other_roles_get_403_and_change_nothing(app, workspace, make, role):
    survey = make.survey(workspace, "csat")
    _person(workspace.id, role, f"{role}@example.com")
    web = _client_as(app, f"{role}@example.com")
    base = f"/w/{workspace.id}/settings/surveys"
    for path in [
        base,
        f"{base}/new",
        f"{base}/{survey.id}",
        f"{base}/{survey.id}/preview/email",
        f"{base}/new/preview",
    ]:
        assert web.get(path).status_code == 403, path
    assert web.post(f"{base}/new", data=FULL).status_code == 403
    assert web.post(f"{base}/{survey.id}", data={**FULL, "name": "Mine now"}).status_code == 403
    assert web.post(f"{base}/{survey.id}/archive", data={"confirm": "yes"}).status_code == 403
    db.session.expire_all()
    assert _rows() == (1, 0)
    assert db.session.get(Survey, survey.id).name == "csat survey" and not db.session.get(Survey, survey.id).archived
    assert "settings/surveys" not in web.get(f"/w/{workspace.id}").get_data(as_text=True)


def test_another_workspaces_surveys_are_a_404(app, workspace, make, owner):
    stranger = make.workspace("Other")
    theirs = make.survey(stranger, "csat")
    assert owner.get(f"/w/{stranger.id}/settings/surveys").status_code == 404
    assert owner.post(f"/w/{stranger.id}/settings/surveys/new", data=FULL).status_code == 404
    # Their survey under our workspace's address looks exactly like a missing one.
    base = f"/w/{workspace.id}/settings/surveys/{theirs.id}"
    for path in [base, f"{base}/preview", f"{base}/preview/email", f"{base}/preview/page"]:
        assert owner.get(path).status_code == 404, path
    assert owner.post(base, data={**FULL, "name": "Hijacked"}).status_code == 404
    assert owner.post(f"{base}/archive", data={"confirm": "yes"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Survey, theirs.id).name == "csat survey" and not db.session.get(Survey, theirs.id).archived


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Length must be between 1 and 200."),
        ("scale", "0-10", "A csat survey takes one of these scales: [1, 5], [1, 3], [1, 10]."),
        ("sample_percent", "150", "Must be greater than or equal to 0 and less than or equal to 100."),
        ("reminder_after_hours", "soon", "Not a valid integer."),
        ("locale", "French", "String does not match expected pattern."),
        ("follow_up.low", "x" * 501, "Longer than maximum length 500."),
    ],
)
def test_invalid_values_are_a_422_named_beside_the_field(app, workspace, owner, field, value, message):
    answer = owner.post(f"/w/{workspace.id}/settings/surveys/new", data={**FULL, field: value})
    text = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "Nothing was saved" in text
    assert message in _error_beside(text, field)
    assert f'id="f-{field}"' in text and 'aria-invalid="true"' in text
    assert _rows() == (0, 0)


def test_an_edit_is_validated_too_and_the_kind_cannot_change(app, workspace, make, owner, client, auth):
    survey = make.survey(workspace, "csat")
    path = f"/w/{workspace.id}/settings/surveys/{survey.id}"
    page = owner.get(path).get_data(as_text=True)
    assert 'name="kind"' not in page and "fixed once created" in page  # no control for it
    assert 'value="0-10"' not in page  # only CSAT's scales offered

    answer = owner.post(path, data={**FULL, "kind": "nps", "scale": "0-10"})
    assert answer.status_code == 422
    assert "Cannot change." in answer.get_data(as_text=True)
    answer = owner.post(path, data={**FULL, "kind": "nps"})
    assert answer.status_code == 422

    answer = owner.post(path, data={**FULL, "expires_after_days": "0"})
    assert answer.status_code == 422
    assert "greater than or equal to 1" in _error_beside(answer.get_data(as_text=True), "expires_after_days")
    body = client.get(f"/api/v1/surveys/{survey.id}", headers=auth).json
    assert body["kind"] == "csat" and body["name"] == "csat survey" and body["expires_after_days"] == 14


def test_previews_render_the_typed_values_and_write_nothing(app, workspace, make, owner):
    survey = make.survey(workspace, "csat")
    before = _rows()
    updated = db.session.get(Survey, survey.id).updated_at
    base = f"/w/{workspace.id}/settings/surveys/{survey.id}"
    query = {"question": "Was Ada <quick> enough?", "scale": "1-3", "follow_up.default": "Tell us more, please"}

    email = owner.get(f"{base}/preview/email", query_string=query)
    text = email.get_data(as_text=True)
    assert email.status_code == 200 and email.mimetype == "text/html"
    assert "Was Ada &lt;quick&gt; enough?" in text and "<quick>" not in text
    assert "/s/preview?score=3" in text and "/s/preview?score=4" not in text  # the 1-3 scale
    assert "frame-ancestors 'self'" in email.headers["Content-Security-Policy"]
    assert "script-src 'none'" in email.headers["Content-Security-Policy"]

    page = owner.get(f"{base}/preview/page", query_string=query)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Was Ada &lt;quick&gt; enough?" in text and "Tell us more, please" in text
    assert 'name="score" value="3"' in text and 'name="score" value="4"' not in text

    fragment = owner.get(f"{base}/preview", query_string=query).get_data(as_text=True)
    assert "<iframe" in fragment and 'sandbox=""' in fragment and "<html" not in fragment
    assert "question=Was+Ada+%3Cquick%3E+enough%3F" in fragment

    # A new survey's preview, in its language; an invalid value falls back, never a 5xx.
    new = f"/w/{workspace.id}/settings/surveys/new/preview"
    nps = owner.get(f"{new}/page", query_string={"kind": "nps", "locale": "xx-YY-ZZ", "scale": "9-9"})
    assert nps.status_code == 200 and 'name="score" value="0"' in nps.get_data(as_text=True)
    typed = owner.get(f"{new}/email", query_string={"kind": "ces", "question": "Easy enough, Ada?"})
    assert "Easy enough, Ada?" in typed.get_data(as_text=True)

    # Without JavaScript: "Refresh preview" posts the form and gets it back with the frames pointed at it.
    refreshed = owner.post(base, data={**FULL, "question": "Typed, not saved", "action": "preview"})
    assert refreshed.status_code == 200
    assert "question=Typed%2C+not+saved" in refreshed.get_data(as_text=True)

    db.session.expire_all()
    assert _rows() == before
    stored = db.session.get(Survey, survey.id)
    assert stored.question == "How satisfied were you with the support you received?"
    assert (stored.scale_min, stored.scale_max, stored.updated_at) == (1, 5, updated)


def test_archive_needs_the_confirmation_then_hides_the_survey(app, workspace, make, owner, client, auth):
    survey = make.survey(workspace, "ces")
    path = f"/w/{workspace.id}/settings/surveys/{survey.id}/archive"
    refused = owner.post(path, data={})
    assert refused.status_code == 422 and "Tick the box" in refused.get_data(as_text=True)
    assert client.get(f"/api/v1/surveys/{survey.id}", headers=auth).status_code == 200

    done = owner.post(path, data={"confirm": "yes"})
    assert done.status_code == 303 and done.headers["Location"].startswith(f"/w/{workspace.id}/settings/surveys")
    listing = owner.get(done.headers["Location"]).get_data(as_text=True)
    assert "Archived ces survey" in listing
    assert client.get(f"/api/v1/surveys/{survey.id}", headers=auth).status_code == 404
    assert owner.get(f"/w/{workspace.id}/settings/surveys/{survey.id}").status_code == 404
    db.session.expire_all()
    assert db.session.get(Survey, survey.id).archived  # kept, for its answers' history


def test_the_forms_need_their_csrf_token(app, workspace, make, owner):
    app.config["WTF_CSRF_ENABLED"] = True
    survey = make.survey(workspace, "csat")
    assert owner.post(f"/w/{workspace.id}/settings/surveys/new", data=FULL).status_code == 400
    assert owner.post(f"/w/{workspace.id}/settings/surveys/{survey.id}", data=FULL).status_code == 400
    archive = owner.post(f"/w/{workspace.id}/settings/surveys/{survey.id}/archive", data={"confirm": "yes"})
    assert archive.status_code == 400
    db.session.expire_all()
    assert _rows() == (1, 0) and not db.session.get(Survey, survey.id).archived
