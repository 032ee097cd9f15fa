"""Settings pages save through the API's own schema and service, for roles that may change them."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models.account import Role
from app.services.accounts import people

PASSWORD = "correct horse battery"


def _person(workspace, role: Role, email: str):
    user = people.find_user(email) or people.create_user(email, PASSWORD)
    people.set_membership(user, workspace.id, role)
    db.session.commit()
    return user


def _client_as(app, email: str):
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 303
    return client


def test_an_admin_changes_the_brand_and_the_api_sees_it(app, workspace, auth):
    _person(workspace, Role.ADMIN, "admin@example.com")
    client = _client_as(app, "admin@example.com")
    page = client.get(f"/w/{workspace.id}/settings/brand")
    assert page.status_code == 200 and 'value="Acme"' in page.get_data(as_text=True)
    saved = client.post(
        f"/w/{workspace.id}/settings/brand",
        data={"name": "Acme Support", "brand_colour": "#0a7d53", "logo_url": "", "timezone": "Europe/Paris"},
    )
    assert saved.status_code == 200 and "Saved." in saved.get_data(as_text=True)
    seen = client.application.test_client().get("/api/v1/workspace", headers=auth).json
    assert (seen["name"], seen["brand_colour"], seen["timezone"], seen["logo_url"]) == (
        "Acme Support",
        "#0a7d53",
        "Europe/Paris",
        None,
    )


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("brand_colour", "green", "Use #rrggbb."),
        ("logo_url", "http://example.com/logo.png", "Not a valid URL."),
        ("timezone", "Mars/Olympus", "Not a known IANA time zone"),
    ],
)
def test_a_refused_value_saves_nothing_and_is_named_beside_its_field(app, workspace, field, value, message):
    _person(workspace, Role.OWNER, "owner@example.com")
    client = _client_as(app, "owner@example.com")
    data = {"name": "Renamed", "brand_colour": "#123456", "logo_url": "", "timezone": "UTC", field: value}
    refused = client.post(f"/w/{workspace.id}/settings/brand", data=data)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and message in text and f'id="f-{field}-error"' in text
    assert 'aria-invalid="true"' in text and "Nothing was saved" in text
    db.session.refresh(workspace.row)
    assert workspace.row.name == "Acme"


def test_fatigue_rules_take_numbers_and_tags(app, workspace):
    _person(workspace, Role.OWNER, "owner@example.com")
    client = _client_as(app, "owner@example.com")
    saved = client.post(
        f"/w/{workspace.id}/settings/rules",
        data={
            "send_delay_minutes": "30",
            "cooldown_days": "14",
            "sample_percent": "50",
            "daily_cap": "",
            "exclude_tags": "vip, spam",
        },
    )
    assert saved.status_code == 200
    db.session.refresh(workspace.row)
    ws = workspace.row
    assert (ws.send_delay_minutes, ws.cooldown_days, ws.sample_percent, ws.daily_cap, ws.exclude_tags) == (
        30,
        14,
        50,
        None,
        ["vip", "spam"],
    )
    refused = client.post(
        f"/w/{workspace.id}/settings/rules",
        data={
            "send_delay_minutes": "30",
            "cooldown_days": "14",
            "sample_percent": "150",
            "daily_cap": "",
            "exclude_tags": "",
        },
    )
    assert refused.status_code == 422 and 'id="f-sample_percent-error"' in refused.get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ANALYST, Role.VIEWER, Role.AGENT])
def test_roles_without_settings_get_403_and_change_nothing(app, workspace, role):
    _person(workspace, role, f"{role}@example.com")
    client = _client_as(app, f"{role}@example.com")
    assert client.get(f"/w/{workspace.id}/settings/brand").status_code == 403
    posted = client.post(f"/w/{workspace.id}/settings/brand", data={"name": "Hijacked"})
    assert posted.status_code == 403
    db.session.refresh(workspace.row)
    assert workspace.row.name == "Acme"
    assert "Settings</a>" not in client.get(f"/w/{workspace.id}").get_data(as_text=True)


def test_another_tenants_settings_are_a_404(app, workspace, make):
    _person(workspace, Role.OWNER, "owner@example.com")
    stranger = make.workspace("Stranger")
    client = _client_as(app, "owner@example.com")
    assert client.get(f"/w/{stranger.id}/settings/brand").status_code == 404
    assert client.post(f"/w/{stranger.id}/settings/brand", data={"name": "x"}).status_code == 404


def test_the_service_itself_refuses_a_role_without_settings(app, workspace):
    from app.errors import APIError
    from app.services.workspaces import change_settings

    viewer = _person(workspace, Role.VIEWER, "viewer@example.com")
    with pytest.raises(APIError) as refused:
        change_settings(people.membership_of(viewer.id, workspace.id), workspace.row, {"name": "x"})
    assert refused.value.status == 403


def test_the_sender_name_and_reply_to_are_saved_previewed_and_cleared(app, workspace, auth):
    _person(workspace, Role.ADMIN, "admin@example.com")
    client = _client_as(app, "admin@example.com")
    base = {"name": "Acme", "brand_colour": "#0a7d53", "logo_url": "", "timezone": "UTC"}
    saved = client.post(
        f"/w/{workspace.id}/settings/brand",
        data={**base, "mail_from_name": "Acme Support", "reply_to": "help@acme.example"},
    )
    assert saved.status_code == 200 and "Saved." in saved.get_data(as_text=True)
    seen = app.test_client().get("/api/v1/workspace", headers=auth).json
    assert (seen["mail_from_name"], seen["reply_to"]) == ("Acme Support", "help@acme.example")
    page = client.get(f"/w/{workspace.id}/settings/brand").get_data(as_text=True)
    assert "Acme Support &lt;" in page and "help@acme.example" in page  # the sender line above the preview

    # The frames render what is typed, before saving: a new colour and sender, the stored rest.
    typed = "name=Acme&brand_colour=%23aa3300&mail_from_name=Billing+team&reply_to=billing%40acme.example"
    fragment = client.get(f"/w/{workspace.id}/settings/brand/preview?{typed}").get_data(as_text=True)
    assert "Billing team &lt;" in fragment and "billing@acme.example" in fragment
    email = client.get(f"/w/{workspace.id}/settings/brand/preview/email?{typed}")
    assert "#aa3300" in email.get_data(as_text=True) and "sandbox" in email.headers["Content-Security-Policy"]
    page = client.get(f"/w/{workspace.id}/settings/brand/preview/page?{typed}").get_data(as_text=True)
    assert "--brand: #aa3300" in page and "T-1001" in page  # the sample ticket, in context
    db.session.refresh(workspace.row)
    assert workspace.row.brand_colour == "#0a7d53" and workspace.row.mail_from_name == "Acme Support"  # unsaved

    refused = client.post(f"/w/{workspace.id}/settings/brand", data={**base, "reply_to": "not an address"})
    assert refused.status_code == 422 and 'id="f-reply_to-error"' in refused.get_data(as_text=True)
    cleared = client.post(f"/w/{workspace.id}/settings/brand", data={**base, "mail_from_name": "", "reply_to": ""})
    assert cleared.status_code == 200
    seen = app.test_client().get("/api/v1/workspace", headers=auth).json
    assert (seen["mail_from_name"], seen["reply_to"]) == (None, None)


def test_the_api_refuses_a_sender_name_with_a_line_break(app, workspace, auth):
    refused = app.test_client().patch(
        "/api/v1/workspace", json={"mail_from_name": "Acme\r\nBcc: x@evil.example"}, headers=auth
    )
    assert refused.status_code == 422 and "mail_from_name" in refused.json["error"]["fields"]
