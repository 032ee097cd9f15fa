"""/api/v1/alert-rules: create, read, change and remove rules; what is refused."""

from __future__ import annotations

from app.models.account import Role
from app.services.accounts.people import create_user, set_membership
from tests.support.api import assert_error

URL = "/api/v1/alert-rules"


def test_a_rule_is_created_read_changed_and_removed(client, auth, workspace):
    manager = create_user("m@example.com", "a long enough password")
    set_membership(manager, workspace.id, Role.MANAGER)
    body = {
        "name": "Detractors in Billing",
        "conditions": {"groups": ["detractor"], "teams": ["Billing"], "mismatch": None},
        "email": {"user_ids": [manager.id], "roles": ["owner"]},
        "slack_webhook_url": "https://hooks.slack.com/services/T000/B000/XXXX",
        "quiet_hours": {"start": "22:00", "end": "07:00"},
        "batch_minutes": 60,
    }
    created = client.post(URL, json=body, headers=auth)
    assert created.status_code == 201, created.json
    rule = created.json
    assert rule["slack"] is True and rule["teams"] is False and "slack_webhook_url" not in rule
    assert rule["conditions"] == {"groups": ["detractor"], "teams": ["Billing"]}
    assert rule["debounce_minutes"] == 10 and rule["cooldown_minutes"] == 0
    assert rule["email"] == {"user_ids": [manager.id], "roles": ["owner"]}

    assert client.get(f"{URL}/{rule['id']}", headers=auth).json == rule
    assert [r["id"] for r in client.get(URL, headers=auth).json["items"]] == [rule["id"]]
    changed = client.patch(f"{URL}/{rule['id']}", json={"cooldown_minutes": 30, "quiet_hours": None}, headers=auth)
    assert changed.json["cooldown_minutes"] == 30 and changed.json["quiet_hours"] is None
    assert client.get(f"{URL}/{rule['id']}/notifications", headers=auth).json == {"items": [], "next_cursor": None}
    assert client.delete(f"{URL}/{rule['id']}", headers=auth).status_code == 204
    assert_error(client.get(f"{URL}/{rule['id']}", headers=auth), 404, "not_found")


def test_what_a_rule_may_not_be(app, client, auth, make):
    def refused(body, field):
        resp = client.post(URL, json={"name": "R", **body}, headers=auth)
        assert field in assert_error(resp, 422, "validation_error")["fields"], resp.json

    refused({"conditions": {"score_at_most": 5}}, "email")  # no destination
    refused({"email": {"user_ids": [999]}}, "email")  # not a person of this workspace
    refused({"email": {"roles": ["king"]}}, "email")
    refused({"conditions": {"score_at_least": 8, "score_at_most": 2}, "email": {"roles": ["owner"]}}, "conditions")
    refused({"conditions": {"sentiments": ["furious"]}, "email": {"roles": ["owner"]}}, "conditions")
    refused({"quiet_hours": {"start": "25:00", "end": "07:00"}, "email": {"roles": ["owner"]}}, "quiet_hours")
    refused({"case": {"open": True, "assign": "person"}}, "case")
    app.config["OUTBOUND_ALLOW_LOCAL"] = False
    refused({"slack_webhook_url": "https://10.1.2.3/hook"}, "slack_webhook_url")
    other = make.workspace("Other")
    person = create_user("x@example.com", "a long enough password")
    set_membership(person, other.id, Role.ADMIN)
    refused({"email": {"user_ids": [person.id]}}, "email")  # another workspace's person
