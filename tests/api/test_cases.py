"""/api/v1/cases: open by hand, list, read with history, change, note, figures."""

from __future__ import annotations

from app.models.account import Role
from app.services.accounts.people import create_user, set_membership
from tests.support.api import answer, assert_error


def test_a_case_through_the_api(client, auth, make, workspace):
    sam = create_user("sam@example.com", "a long enough password")
    set_membership(sam, workspace.id, Role.MANAGER)
    response = answer(make, make.survey(workspace), 1, "Never again")
    opened = client.post("/api/v1/cases", json={"response_id": response.id, "assignee_id": sam.id}, headers=auth)
    assert opened.status_code == 201, opened.json
    case = opened.json
    assert case["status"] == "open" and case["assignee"] == "sam@example.com" and case["comment"] == "Never again"
    assert [h["kind"] for h in case["history"]] == ["opened", "assigned"]
    again = client.post("/api/v1/cases", json={"response_id": response.id}, headers=auth)
    assert_error(again, 409, "conflict")

    listed = client.get("/api/v1/cases?open=true", headers=auth).json
    assert [c["id"] for c in listed["items"]] == [case["id"]] and "history" not in listed["items"][0]
    noted = client.post(f"/api/v1/cases/{case['id']}/notes", json={"text": "Left a voicemail"}, headers=auth)
    assert noted.status_code == 201 and noted.json["history"][-1]["detail"] == "Left a voicemail"
    closed = client.patch(f"/api/v1/cases/{case['id']}", json={"status": "resolved"}, headers=auth)
    assert closed.json["status"] == "resolved" and closed.json["closed_at"]
    assert client.get("/api/v1/cases?open=true", headers=auth).json["items"] == []
    assert client.get("/api/v1/cases?status=resolved", headers=auth).json["items"][0]["id"] == case["id"]

    since, until = "2000-01-01T00:00:00Z", "2100-01-01T00:00:00Z"
    figures = client.get(f"/api/v1/cases/figures?since={since}&until={until}", headers=auth).json
    assert figures["opened"] == 1 and figures["closed"] == 1 and figures["recovery_rate"] == 0.0

    assert_error(client.patch(f"/api/v1/cases/{case['id']}", json={"status": "lost"}, headers=auth), 422)
    other = {"Authorization": f"Bearer {make.workspace('Other').key}"}
    assert_error(client.get(f"/api/v1/cases/{case['id']}", headers=other), 404)
    assert_error(client.post("/api/v1/cases", json={"response_id": response.id}, headers=other), 404)
