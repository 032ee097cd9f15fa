"""Settings → Privacy and Settings → Audit trail: who may open them, and what they do."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Invite, PrivacyPolicy
from app.models.account import Role
from app.services.accounts import people
from tests.support.api import answer

PASSWORD = "correct horse battery"


def _client_as(app, workspace, role: Role, email: str):
    user = people.find_user(email) or people.create_user(email, PASSWORD)
    people.set_membership(user, workspace.id, role)
    db.session.commit()
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 303
    return client


@pytest.mark.parametrize("page", ["privacy", "audit"])
@pytest.mark.parametrize("role, status", [(Role.OWNER, 200), (Role.ADMIN, 200), *[(r, 403) for r in list(Role)[2:]]])
def test_only_owners_and_admins_open_the_pages(app, workspace, page, role, status):
    client = _client_as(app, workspace, role, f"{role}@example.com")
    assert client.get(f"/w/{workspace.id}/settings/{page}").status_code == status


def test_an_admin_sets_retention_and_turns_redaction_off(app, workspace):
    client = _client_as(app, workspace, Role.ADMIN, "admin@example.com")
    form = {"comment_text_days": "365", "webhook_bodies_days": "7", "delivery_logs_days": "", "webhook_logs_days": "90"}
    resp = client.post(f"/w/{workspace.id}/settings/privacy", data=form)
    assert resp.status_code == 200 and "Saved." in resp.text
    policy = db.session.get(PrivacyPolicy, workspace.id)
    assert (policy.redact_free_text, policy.comment_text_days, policy.webhook_bodies_days) == (False, 365, 7)
    assert policy.delivery_logs_days is None
    refused = client.post(f"/w/{workspace.id}/settings/privacy", data={"comment_text_days": "0"})
    assert refused.status_code == 422 and 'aria-invalid="true"' in refused.text


def test_erasure_needs_confirming_then_erases_and_shows_up_in_the_audit_trail(app, workspace, make):
    answer(make, make.survey(workspace), 2, "never again", email="gone@example.com")
    client = _client_as(app, workspace, Role.OWNER, "owner@example.com")

    unconfirmed = client.post(f"/w/{workspace.id}/settings/privacy/erase", data={"email": "gone@example.com"})
    assert unconfirmed.status_code == 422 and "cannot be undone" in unconfirmed.text
    assert db.session.scalar(select(Invite.customer_email)) == "gone@example.com"

    done = client.post(f"/w/{workspace.id}/settings/privacy/erase", data={"email": "gone@example.com", "confirm": "on"})
    assert done.status_code == 200 and "Erased." in done.text
    assert db.session.scalar(select(Invite.customer_email)) is None

    trail = client.get(f"/w/{workspace.id}/settings/audit?action=erased").text
    assert "owner@example.com" in trail and "sha256:" in trail and "gone@example.com" not in trail
    everything = client.get(f"/w/{workspace.id}/settings/audit").text
    assert "signed in" in everything  # the member's own sign-in belongs to no workspace, but shows here


def test_export_downloads_the_persons_data_as_json(app, workspace, make):
    answer(make, make.survey(workspace), 4, "fine", email="me@example.com")
    client = _client_as(app, workspace, Role.ADMIN, "admin@example.com")
    resp = client.post(f"/w/{workspace.id}/settings/privacy/export", data={"email": "me@example.com"})
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    assert json.loads(resp.data)["invites"][0]["response"]["comment"] == "fine"


def test_the_audit_trail_pages_by_keyset_and_keeps_its_filters(app, workspace, monkeypatch):
    from app.web import privacy

    monkeypatch.setattr(privacy, "PAGE_SIZE", 2)
    client = _client_as(app, workspace, Role.OWNER, "owner@example.com")
    for days in ("10", "20", "30"):
        client.post(f"/w/{workspace.id}/settings/privacy", data={"comment_text_days": days})
    first = client.get(f"/w/{workspace.id}/settings/audit?action=privacy_changed").text
    link = re.search(r'href="([^"]*before=\d+[^"]*)"', first).group(1).replace("&amp;", "&")
    assert "action=privacy_changed" in link
    second = client.get(link).text
    assert second.count("privacy changed") == 2  # the option, and the one remaining row
    assert "Older events" not in second
