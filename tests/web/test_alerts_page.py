"""Settings → Alerts: who may open it, creating a rule from the form, refusals beside their fields."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models.account import Role
from app.models.alert import AlertRule
from app.services.accounts import people

PASSWORD = "correct horse battery"


def _client_as(app, workspace, role: Role):
    email = f"{role}@example.com"
    user = people.find_user(email) or people.create_user(email, PASSWORD)
    people.set_membership(user, workspace.id, role)
    db.session.commit()
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 303
    return client


@pytest.mark.parametrize(
    "role, status", [(Role.OWNER, 200), (Role.ADMIN, 200), (Role.MANAGER, 403), (Role.VIEWER, 403)]
)
def test_who_may_open_the_page(app, workspace, role, status):
    if role is not Role.OWNER:
        _client_as(app, workspace, Role.OWNER)
    client = _client_as(app, workspace, role)
    assert client.get(f"/w/{workspace.id}/settings/alerts").status_code == status


def test_an_admin_creates_a_rule_and_removes_it(app, workspace, make):
    survey = make.survey(workspace, "nps")
    client = _client_as(app, workspace, Role.OWNER)
    page = client.get(f"/w/{workspace.id}/settings/alerts")
    assert "No rule yet." in page.get_data(as_text=True)
    form = {
        "name": "Billing detractors",
        "survey_id": str(survey.id),
        "group": "detractor",
        "teams": "Billing, Refunds",
        "roles": ["owner", "manager"],
        "slack_webhook_url": "https://hooks.slack.com/services/T0/B0/X",
        "debounce_minutes": "5",
        "cooldown_minutes": "30",
        "quiet_start": "22:00",
        "quiet_end": "07:00",
    }
    created = client.post(f"/w/{workspace.id}/settings/alerts", data=form)
    assert created.status_code == 303
    rule = db.session.query(AlertRule).one()
    assert rule.conditions == {"survey_ids": [survey.id], "groups": ["detractor"], "teams": ["Billing", "Refunds"]}
    assert rule.email_roles == ["manager", "owner"] and rule.debounce_minutes == 5 and rule.quiet_start == "22:00"
    listed = client.get(f"/w/{workspace.id}/settings/alerts").get_data(as_text=True)
    assert "Billing detractors" in listed and "quiet 22:00–07:00" in listed
    assert client.post(f"/w/{workspace.id}/settings/alerts/{rule.id}/delete").status_code == 303
    assert db.session.query(AlertRule).count() == 0


def test_a_refused_rule_says_why_beside_the_field(app, workspace):
    client = _client_as(app, workspace, Role.OWNER)
    resp = client.post(
        f"/w/{workspace.id}/settings/alerts",
        data={"name": "", "score_at_most": "2", "score_at_least": "4", "roles": ["owner"], "quiet_start": "22:00"},
    )
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert 'id="f-name-error"' in html
    assert db.session.query(AlertRule).count() == 0


def test_an_admin_changes_a_rule_and_switches_it_off(app, workspace, make):
    from app.services.alerts import rules
    from app.web.alerts import KEEP

    first, second = make.survey(workspace, "csat"), make.survey(workspace, "nps")
    view = rules.create_rule(
        workspace.id,
        {
            "name": "Unhappy",
            "conditions": {"survey_ids": [first.id, second.id], "mismatch": True, "score_at_most": 2},
            "email": {"roles": ["owner"]},
            "slack_webhook_url": "https://hooks.slack.com/services/T0/B0/X",
            "debounce_minutes": 10,
        },
    )
    client = _client_as(app, workspace, Role.ADMIN)
    page = client.get(f"/w/{workspace.id}/settings/alerts/{view.id}").get_data(as_text=True)
    assert "Change the rule Unhappy" in page and 'value="Unhappy"' in page
    assert f'<option value="{KEEP}" selected>As set: {first.id}, {second.id}</option>' in page
    assert "hooks.slack.com" not in page  # a stored chat URL is never shown again

    form = {
        "name": "Unhappy customers",
        "survey_id": KEEP,
        "score_at_most": "1",
        "roles": ["admin"],
        "debounce_minutes": "5",
        "cooldown_minutes": "0",
    }  # no "enabled": switched off; the Slack URL left empty: kept
    assert client.post(f"/w/{workspace.id}/settings/alerts/{view.id}", data=form).status_code == 303
    db.session.expire_all()
    rule = db.session.get(AlertRule, view.id)
    assert (rule.name, rule.enabled, rule.email_roles, rule.debounce_minutes) == (
        "Unhappy customers",
        False,
        ["admin"],
        5,
    )
    assert rule.conditions == {"survey_ids": [first.id, second.id], "mismatch": True, "score_at_most": 1}
    assert rule.slack_url is not None

    removed = client.post(
        f"/w/{workspace.id}/settings/alerts/{view.id}",
        data={**form, "survey_id": str(first.id), "enabled": "on", "remove_slack": "on"},
    )
    assert removed.status_code == 303
    db.session.expire_all()
    rule = db.session.get(AlertRule, view.id)
    assert rule.enabled and rule.slack_url is None and rule.conditions["survey_ids"] == [first.id]


def test_a_refused_change_keeps_the_rule_as_it_was(app, workspace):
    from app.services.alerts import rules

    view = rules.create_rule(workspace.id, {"name": "Low", "email": {"roles": ["owner"]}})
    client = _client_as(app, workspace, Role.OWNER)
    refused = client.post(
        f"/w/{workspace.id}/settings/alerts/{view.id}",
        data={"name": "Nobody hears", "roles": [], "debounce_minutes": "10"},
    )
    assert refused.status_code == 422
    assert "Give the rule a destination." in refused.get_data(as_text=True)
    db.session.expire_all()
    rule = db.session.get(AlertRule, view.id)
    assert (rule.name, rule.email_roles) == ("Low", ["owner"])
    assert client.get(f"/w/{workspace.id}/settings/alerts/{view.id + 999}").status_code == 404
