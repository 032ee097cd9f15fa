"""The helpdesk integrations, widget and reporting settings pages."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys

import pytest

from app.extensions import db
from app.models import WebhookDelivery
from app.models.account import Role
from app.services.accounts import people

PASSWORD = "correct horse battery"
PAGES = ["integrations", "widget", "reporting"]


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


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN])
@pytest.mark.parametrize("page", PAGES)
def test_each_page_renders_for_who_may_change_settings(app, workspace, make, role, page):
    make.survey(workspace, "csat")
    _person(workspace.id, role, f"{role}@example.com")
    client = _client_as(app, f"{role}@example.com")
    answer = client.get(f"/w/{workspace.id}/settings/{page}")
    text = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "<script>" not in text and "style=" not in text and " on" + "click=" not in text
    assert 'aria-current="page"' in text  # in the settings navigation
    for field in re.findall(r'<(?:input|select|textarea) id="([^"]+)"', text):
        assert f'for="{field}"' in text, field  # every field labelled


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ANALYST, Role.VIEWER, Role.AGENT])
def test_other_roles_get_403_and_change_nothing(app, workspace, make, role):
    survey = make.survey(workspace, "csat")
    integration = make.integration(survey)
    _person(workspace.id, role, f"{role}@example.com")
    client = _client_as(app, f"{role}@example.com")
    secret = workspace.row.embed_secret
    for page in PAGES:
        assert client.get(f"/w/{workspace.id}/settings/{page}").status_code == 403
    assert client.get(f"/w/{workspace.id}/settings/integrations/{integration.id}").status_code == 403
    assert (
        client.post(
            f"/w/{workspace.id}/settings/integrations", data={"provider": "generic", "survey_id": survey.id}
        ).status_code
        == 403
    )
    assert client.post(f"/w/{workspace.id}/settings/integrations/{integration.id}/test").status_code == 403
    assert client.post(f"/w/{workspace.id}/settings/widget/rotate", data={"confirm": "yes"}).status_code == 403
    assert client.post(f"/w/{workspace.id}/settings/reporting", data={"targets.csat": "90"}).status_code == 403
    assert db.session.query(WebhookDelivery).count() == 0
    db.session.refresh(workspace.row)
    assert workspace.row.embed_secret == secret


def test_another_workspaces_pages_are_a_404(app, workspace, make, owner):
    stranger = make.workspace("Stranger")
    integration = make.integration(make.survey(stranger, "csat"))
    for page in PAGES:
        assert owner.get(f"/w/{stranger.id}/settings/{page}").status_code == 404
    assert owner.get(f"/w/{stranger.id}/settings/integrations/{integration.id}").status_code == 404
    assert owner.post(f"/w/{stranger.id}/settings/widget/rotate", data={"confirm": "yes"}).status_code == 404
    # Their integration, seen from a workspace of ours: missing too.
    assert owner.get(f"/w/{workspace.id}/settings/integrations/{integration.id}").status_code == 404
    assert owner.post(f"/w/{workspace.id}/settings/integrations/{integration.id}/test").status_code == 404


def test_connecting_a_helpdesk_shows_what_to_paste(app, workspace, make, owner, auth):
    survey = make.survey(workspace, "csat")
    posted = owner.post(
        f"/w/{workspace.id}/settings/integrations", data={"provider": "freshdesk", "survey_id": str(survey.id)}
    )
    assert posted.status_code == 303
    page = owner.get(posted.headers["Location"])
    text = page.get_data(as_text=True)
    listed = app.test_client().get("/api/v1/integrations/1", headers=auth).json
    assert listed["provider"] == "freshdesk"
    assert f'value="{listed["url"]}"' in text and f'value="{listed["secret"]}"' in text
    assert 'id="c-body"' in text and 'data-copy-target="c-body"' in text and "copy.js" in text
    assert "X-Afterword-Secret" in text and "sent from the helpdesk" in text
    listing = owner.get(f"/w/{workspace.id}/settings/integrations").get_data(as_text=True)
    assert listed["url"] in listing and "none yet" in listing


def test_a_refused_connection_names_its_field(app, workspace, make, owner):
    make.survey(workspace, "csat")
    refused = owner.post(f"/w/{workspace.id}/settings/integrations", data={"provider": "telex", "survey_id": "999"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'id="f-provider-error"' in text and 'aria-invalid="true"' in text
    unknown = owner.post(f"/w/{workspace.id}/settings/integrations", data={"provider": "generic", "survey_id": "999"})
    assert unknown.status_code == 422 and 'id="f-survey_id-error"' in unknown.get_data(as_text=True)


def test_the_test_webhook_goes_through_the_door_and_is_listed(app, workspace, make, owner):
    integration = make.integration(make.survey(workspace, "csat"))
    sent = owner.post(f"/w/{workspace.id}/settings/integrations/{integration.id}/test")
    text = sent.get_data(as_text=True)
    assert sent.status_code == 200 and "202 accepted" in text
    delivery = db.session.query(WebhookDelivery).filter_by(integration_id=integration.id).one()
    assert delivery.ticket_id in text and delivery.ticket_id.startswith("TEST-")
    listing = owner.get(f"/w/{workspace.id}/settings/integrations").get_data(as_text=True)
    assert "none yet" not in listing


def test_a_test_webhook_with_a_wrong_secret_says_why(app, workspace, make, owner):
    integration = make.integration(make.survey(workspace, "csat"))
    from app.services.integrations import update_integration

    update_integration(workspace.id, integration.id, {"secret": "not base64 at all!!"})
    sent = owner.post(f"/w/{workspace.id}/settings/integrations/{integration.id}/test")
    assert sent.status_code == 200 and "401 refused" in sent.get_data(as_text=True)
    assert db.session.query(WebhookDelivery).count() == 0


def test_other_providers_are_tested_from_the_helpdesk(app, workspace, make, owner):
    integration = make.integration(make.survey(workspace, "csat"), "zendesk")
    page = owner.get(f"/w/{workspace.id}/settings/integrations/{integration.id}").get_data(as_text=True)
    assert "Send a test webhook" not in page and "sent from the helpdesk" in page
    refused = owner.post(f"/w/{workspace.id}/settings/integrations/{integration.id}/test")
    assert refused.status_code == 409 and db.session.query(WebhookDelivery).count() == 0


def test_rotating_the_embed_secret_needs_a_confirmation(app, workspace, owner, auth):
    page = html.unescape(owner.get(f"/w/{workspace.id}/settings/widget").get_data(as_text=True))
    before = app.test_client().get("/api/v1/workspace/embed-secret", headers=auth).json["embed_secret"]
    assert f'value="{before}"' in page and 'http://afterword.test/embed.js" data-signed=' in page
    unconfirmed = owner.post(f"/w/{workspace.id}/settings/widget/rotate")
    assert unconfirmed.status_code == 422 and 'id="f-confirm-error"' in unconfirmed.get_data(as_text=True)
    assert app.test_client().get("/api/v1/workspace/embed-secret", headers=auth).json["embed_secret"] == before
    rotated = owner.post(f"/w/{workspace.id}/settings/widget/rotate", data={"confirm": "yes"})
    after = app.test_client().get("/api/v1/workspace/embed-secret", headers=auth).json["embed_secret"]
    assert rotated.status_code == 200 and after != before and f'value="{after}"' in rotated.get_data(as_text=True)


def test_the_python_snippet_signs_what_the_widget_accepts(app, workspace, make, owner):
    from app.services.invites.embeds import embed_secret, verify_payload

    survey = make.survey(workspace, "csat")
    page = owner.get(f"/w/{workspace.id}/settings/widget").get_data(as_text=True)
    snippet = html.unescape(re.search(r'<textarea id="c-python"[^>]*>(.*?)</textarea>', page, re.S).group(1))
    env = {**os.environ, "AFTERWORD_EMBED_SECRET": embed_secret(workspace.row)}
    signed = subprocess.run(
        [sys.executable, "-c", snippet + "\nprint(signed)"], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    verified, data = verify_payload(signed)
    assert verified.id == survey.id and data["ticket"]["id"] == "CHAT-1"


def test_reporting_settings_round_trip_through_the_api(app, workspace, owner, auth):
    page = owner.get(f"/w/{workspace.id}/settings/reporting").get_data(as_text=True)
    assert 'name="sla.first_response_minutes" type="number" value="240"' in page
    assert 'value="chat"' in page  # the default channel override, editable
    saved = owner.post(
        f"/w/{workspace.id}/settings/reporting",
        data={
            "thresholds.csat.good_points": "1",
            "thresholds.ces.easy_points": "",
            "targets.csat": "85.5",
            "targets.nps": "-10",
            "targets.ces": "",
            "targets.response_rate": "20",
            "targets.fcr": "",
            "targets.sla": "95",
            "sla.first_response_minutes": "60",
            "sla.resolution_hours": "24",
            "channel-0-name": "chat",
            "channel-0-first_response_minutes": "5",
            "channel-0-resolution_hours": "",
            "channel-1-name": "phone",
            "channel-1-first_response_minutes": "1",
            "channel-1-resolution_hours": "2",
        },
    )
    assert saved.status_code == 200 and "Saved." in saved.get_data(as_text=True)
    seen = app.test_client().get("/api/v1/workspace", headers=auth).json
    assert seen["thresholds"] == {"csat": {"good_points": 1}, "ces": {"easy_points": None}}
    assert seen["targets"] == {"csat": 85.5, "nps": -10, "ces": None, "response_rate": 20, "fcr": None, "sla": 95}
    assert seen["sla"] == {
        "first_response_minutes": 60,
        "resolution_hours": 24,
        "channels": {
            "chat": {"first_response_minutes": 5, "resolution_hours": None},
            "phone": {"first_response_minutes": 1, "resolution_hours": 2},
        },
    }
    again = owner.get(f"/w/{workspace.id}/settings/reporting").get_data(as_text=True)
    assert 'value="85.5"' in again and 'value="phone"' in again


@pytest.mark.parametrize(
    "field, value",
    [
        ("targets.nps", "-150"),
        ("thresholds.csat.good_points", "12"),
        ("sla.resolution_hours", "soon"),
        ("targets.csat", "nan"),
    ],
)
def test_a_refused_reporting_value_saves_nothing_and_is_named_beside_its_field(
    app, workspace, owner, auth, field, value
):
    refused = owner.post(f"/w/{workspace.id}/settings/reporting", data={"targets.csat": "80", field: value})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and f'id="f-{field}-error"' in text and "Nothing was saved" in text
    assert app.test_client().get("/api/v1/workspace", headers=auth).json["targets"]["csat"] is None


def test_a_bad_channel_value_is_tied_to_its_row(app, workspace, owner):
    refused = owner.post(
        f"/w/{workspace.id}/settings/reporting",
        data={"channel-0-name": "chat", "channel-0-first_response_minutes": "0", "channel-0-resolution_hours": ""},
    )
    assert refused.status_code == 422 and 'id="f-channel-0-first_response_minutes-error"' in refused.get_data(
        as_text=True
    )


def test_the_pages_refuse_a_post_without_its_csrf_token(tmp_path, make):
    from app import create_app
    from tests.conftest import unit_config

    app = create_app({**unit_config(tmp_path), "WTF_CSRF_ENABLED": True})
    with app.app_context():
        db.create_all()
        ws = make.workspace()
        integration = make.integration(make.survey(ws, "csat"))
        secret = ws.row.embed_secret
        _person(ws.id, Role.OWNER, "owner@example.com")
        client = app.test_client()
        token = re.search(
            r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/login").get_data(as_text=True)
        ).group(1)
        assert (
            client.post(
                "/login", data={"email": "owner@example.com", "password": PASSWORD, "csrf_token": token}
            ).status_code
            == 303
        )
        base = f"/w/{ws.id}/settings"
        assert client.post(f"{base}/integrations", data={"provider": "generic", "survey_id": "1"}).status_code == 400
        assert client.post(f"{base}/integrations/{integration.id}/test").status_code == 400
        assert client.post(f"{base}/widget/rotate", data={"confirm": "yes"}).status_code == 400
        assert client.post(f"{base}/reporting", data={"targets.csat": "90"}).status_code == 400
        db.session.refresh(ws.row)
        assert ws.row.embed_secret == secret and db.session.query(WebhookDelivery).count() == 0
        page = client.get(f"{base}/reporting").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        assert client.post(f"{base}/reporting", data={"targets.csat": "90", "csrf_token": token}).status_code == 200
        db.session.remove()
        db.engine.dispose()
