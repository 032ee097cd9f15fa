"""POST /api/v1/invites with "delivery": "widget": an invite the host's page shows, never emailed."""

from __future__ import annotations

from app.services.sending.send import due_invite_ids, due_reminder_ids
from tests.support.api import assert_error, outbox


def _body(survey, **extra) -> dict:
    return {"survey_id": survey.id, "customer": {"email": "ada@example.com"}, "ticket": {"id": "CHAT-1"}, **extra}


def test_a_widget_invite_is_never_emailed_nor_reminded(client, auth, make, workspace):
    survey = make.survey(workspace, reminder_after_hours=1)
    created = client.post("/api/v1/invites", json=_body(survey, delivery="widget"), headers=auth)
    assert created.status_code == 201 and created.json["delivery"] == "widget"
    assert created.json["status"] == "sent" and created.json["reminder_due_at"] is None
    assert created.json["history"][-1]["detail"] == "for the widget only: not emailed"
    assert outbox() == [] and due_invite_ids() == [] and due_reminder_ids() == []
    # The widget still reads and answers it with its token.
    shown = client.get(f"/api/v1/public/invites/{created.json['token']}")
    assert shown.status_code == 200
    answered = client.post(f"/api/v1/public/invites/{created.json['token']}/response", json={"score": 5})
    assert answered.status_code == 201


def test_email_stays_the_default_and_an_unknown_delivery_is_refused(client, auth, make, workspace):
    survey = make.survey(workspace)
    created = client.post("/api/v1/invites", json=_body(survey), headers=auth)
    assert created.json["delivery"] == "email" and len(outbox()) == 1
    refused = client.post("/api/v1/invites", json=_body(survey, delivery="sms"), headers=auth)
    assert "delivery" in assert_error(refused, 422)["fields"]


def test_a_delayed_widget_invite_is_not_emailed_later_either(client, auth, make, workspace):
    survey = make.survey(workspace, send_delay_minutes=60)
    created = client.post("/api/v1/invites", json=_body(survey, delivery="widget"), headers=auth).json
    # Nothing is left scheduled for the sweep to find once the delay has passed.
    assert created["status"] == "sent" and created["due_at"] <= created["created_at"]
    assert due_invite_ids() == [] and outbox() == []
