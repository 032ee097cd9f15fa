"""Data-subject requests over the API: erase and export a person; the policy; the audit trail."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select, text

from app.extensions import db
from app.models import AuditEvent, Invite, InviteEvent, Response, Suppression, WebhookDelivery
from app.models.api_key import KeyScope
from app.models.suppression import address_hash
from app.services.api_keys import issue_key
from tests.support.api import answer, assert_error, signed_headers

PERSON = "Grace.Hopper@Example.com"
COMMENT = "The courier Zebulon left the parcel at the wrong door again"


@pytest.fixture
def survey(make, workspace):
    return make.survey(workspace, "csat")


def _hook(client, integration, email: str, ticket: str, msg: str):
    body = json.dumps({"customer": {"email": email, "name": "Grace Hopper"}, "ticket": {"id": ticket}}).encode()
    return client.post(f"/hooks/{integration.id}", data=body, headers=signed_headers(integration.secret, body, msg))


def _dump() -> str:
    """Every row of every table as text: what a database dump would hold."""
    tables = db.session.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'")).scalars().all()
    return "\n".join(str(row) for t in tables for row in db.session.execute(text(f'SELECT * FROM "{t}"')))


def test_erasure_removes_the_person_keeps_the_figures_and_suppresses_the_address(client, auth, make, survey):
    integration = make.integration(survey)
    assert _hook(client, integration, PERSON, "Z-1", "m1").status_code == 202
    invite = db.session.scalar(select(Invite))
    from app.services.answers.record import load_invite_state, record_answer

    record_answer(load_invite_state(invite.token), 2, COMMENT)
    answer(make, survey, 5, "someone else, fine")
    # A fixed period: the default one ends "now", which moves between the two reads.
    period = {"since": "2026-01-01T00:00:00Z", "until": "2027-06-01T00:00:00Z", "interval": "month"}
    metrics_before = client.get("/api/v1/metrics", query_string=period, headers=auth).json
    assert metrics_before["csat"]["n"] == 2
    dump = _dump()
    assert PERSON.lower() in dump, [line for line in dump.splitlines() if "race" in line]
    assert COMMENT in dump, [line for line in dump.splitlines() if "courier" in line or "else" in line]

    resp = client.post("/api/v1/privacy/erasures", json={"email": PERSON}, headers=auth)

    assert resp.status_code == 200, resp.json
    assert resp.json["erased"] is True and resp.json["rows"]["comments"] == 1
    dump = _dump()
    assert PERSON.lower() not in dump.lower() and COMMENT not in dump and "Grace Hopper" not in dump
    assert client.get("/api/v1/metrics", query_string=period, headers=auth).json == metrics_before
    kept = db.session.scalar(select(Response).where(Response.invite_id == invite.id))
    assert (kept.score, kept.comment, kept.comment_removed_at is not None) == (2, "[erased]", True)
    assert db.session.scalar(select(Suppression.email)) == address_hash(survey.workspace_id, PERSON)
    # A new webhook for the address: accepted, and its invite skipped as suppressed.
    assert _hook(client, integration, PERSON, "Z-2", "m2").status_code == 202
    latest = db.session.scalar(select(Invite).where(Invite.ticket_id == "Z-2"))
    assert (latest.status, latest.reason, latest.customer_email) == ("skipped", "suppressed", None)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "erased"))
    assert event.target == address_hash(survey.workspace_id, PERSON) and event.api_key_id is not None


def test_erasure_fails_a_pending_delivery_and_kills_old_survey_links(client, auth, make, survey):
    invite = make.invite(survey, email="ada@example.com")
    token = invite.token
    db.session.add(
        WebhookDelivery(
            integration_id=make.integration(survey).id,
            external_id="pending-1",
            status="pending",
            payload={"invite": {"customer": {"email": "ada@example.com"}, "ticket": {"id": "T-9"}}},
        )
    )
    db.session.commit()

    assert client.post("/api/v1/privacy/erasures", json={"email": "ada@example.com"}, headers=auth).status_code == 200

    delivery = db.session.scalar(select(WebhookDelivery))
    assert (delivery.status, delivery.payload) == ("failed", None)
    assert db.session.scalar(select(Invite.id).where(Invite.token == token)) is None
    assert all("ada@example.com" not in (e.detail or "") for e in db.session.scalars(select(InviteEvent)))


def test_export_returns_everything_held_about_the_person(client, auth, make, survey):
    response = answer(make, survey, 4, "Ask for Ada at the desk", email="ada@example.com")
    answer(make, survey, 1, "not hers", email="bob@example.com")

    resp = client.get("/api/v1/privacy/export", query_string={"email": "ADA@example.com"}, headers=auth)

    assert resp.status_code == 200, resp.json
    assert resp.json["email"] == "ada@example.com"
    [invite] = resp.json["invites"]
    assert invite["customer_email"] == "ada@example.com"
    assert invite["response"]["comment"] == "Ask for Ada at the desk" and invite["response"]["id"] == response.id
    assert [e["status"] for e in invite["events"]][-1] == "answered"
    assert invite["response"]["answered_at"] == response.answered_at.isoformat()
    assert "bob@example.com" not in json.dumps(resp.json)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "subject_exported"))
    assert "ada@" not in json.dumps(event.detail) and event.target.startswith("sha256:")


def test_a_read_key_may_neither_erase_nor_export(client, workspace):
    _, key = issue_key(workspace.id, "BI", KeyScope.READ)
    db.session.commit()
    headers = {"Authorization": f"Bearer {key}"}
    assert_error(client.post("/api/v1/privacy/erasures", json={"email": "a@b.co"}, headers=headers), 403)
    assert_error(client.get("/api/v1/privacy/export?email=a@b.co", headers=headers), 403)
    assert_error(client.get("/api/v1/audit", headers=headers), 403)


def test_erasure_refuses_a_body_without_an_address(client, auth):
    assert_error(client.post("/api/v1/privacy/erasures", json={"email": "nobody"}, headers=auth), 422)
    assert_error(client.post("/api/v1/privacy/erasures", json={"email": "a@b.co", "x": 1}, headers=auth), 422)


def test_policy_defaults_change_and_are_audited(client, auth):
    got = client.get("/api/v1/privacy/policy", headers=auth).json
    assert got == {
        "redact_free_text": True,
        "comment_text_days": None,
        "respondent_identity_days": None,
        "webhook_bodies_days": 30,
        "delivery_logs_days": 90,
        "webhook_logs_days": 90,
        "keep_completed_webhook_bodies": False,
    }
    resp = client.patch(
        "/api/v1/privacy/policy", json={"comment_text_days": 365, "redact_free_text": False}, headers=auth
    )
    assert resp.status_code == 200 and resp.json["comment_text_days"] == 365 and not resp.json["redact_free_text"]
    assert_error(client.patch("/api/v1/privacy/policy", json={"webhook_bodies_days": 0}, headers=auth), 422)
    [event] = client.get("/api/v1/audit?action=privacy_changed", headers=auth).json["items"]
    assert event["detail"]["comment_text_days"] == [None, 365]


def test_answers_are_redacted_before_they_are_stored_unless_turned_off(client, auth, make, survey):
    stored = answer(make, survey, 3, "card 4111 1111 1111 1111, mail me: a.b@example.org, order 1234567")
    assert stored.comment == "card [card], mail me: [email], order 1234567"
    client.patch("/api/v1/privacy/policy", json={"redact_free_text": False}, headers=auth)
    assert answer(make, survey, 3, "mail me: a.b@example.org").comment == "mail me: a.b@example.org"


def test_audit_lists_newest_first_with_filters_and_keyset_pages(client, auth):
    for days in (10, 20, 30):
        client.patch("/api/v1/privacy/policy", json={"comment_text_days": days}, headers=auth)
    client.patch("/api/v1/workspace", json={"name": "Renamed"}, headers=auth)

    first = client.get("/api/v1/audit?limit=2", headers=auth).json
    assert [e["action"] for e in first["items"]] == ["settings_changed", "privacy_changed"]
    assert first["items"][0]["actor"].startswith("key ")
    rest = client.get(f"/api/v1/audit?limit=2&cursor={first['next_cursor']}", headers=auth).json
    assert [e["detail"]["comment_text_days"] for e in rest["items"]] == [[10, 20], [None, 10]]
    assert rest["next_cursor"] is None
    assert client.get("/api/v1/audit?actor=nobody", headers=auth).json["items"] == []
    assert client.get("/api/v1/audit?since=2999-01-01T00:00:00Z", headers=auth).json["items"] == []


def test_a_raw_webhook_body_goes_when_its_delivery_completes_unless_the_policy_keeps_it(client, auth, make, survey):
    integration = make.integration(survey)
    assert _hook(client, integration, "first@example.com", "K-1", "k1").status_code == 202
    client.patch("/api/v1/privacy/policy", json={"keep_completed_webhook_bodies": True}, headers=auth)
    assert _hook(client, integration, "second@example.com", "K-2", "k2").status_code == 202

    bodies = {d.external_id: d.payload for d in db.session.scalars(select(WebhookDelivery))}
    assert bodies["k1"] is None
    assert bodies["k2"]["invite"]["customer"]["email"] == "second@example.com"
    assert {d.status for d in db.session.scalars(select(WebhookDelivery))} == {"done"}


def test_an_erased_mismatch_keeps_its_verdict_without_quoting_the_comment(client, auth, make, survey):
    response = answer(make, survey, 5, "Terrible, rude and useless support", email="mixed@example.com")
    db.session.refresh(response)  # analysed by the (eager) task, in a statement of its own
    assert "'" in (response.mismatch_reason or ""), response.mismatch_reason  # it quotes the comment

    client.post("/api/v1/privacy/erasures", json={"email": "mixed@example.com"}, headers=auth)

    db.session.refresh(response)
    assert response.mismatch_reason.startswith("score 5 of 5 but the comment is negative (polarity -")
    assert "'" not in response.mismatch_reason and response.mismatch_reason.endswith(")")


def test_imported_comments_are_redacted_too(make, survey):
    import io

    from app.services.imports import import_responses

    csv = 'score,answered_at,email,comment\n4,2026-11-20T10:00:00Z,imp@example.com,"call me +44 20 7946 0958"\n'
    result = import_responses(survey, io.StringIO(csv))

    assert not result.errors, result.errors
    assert db.session.scalar(select(Response.comment)) == "call me [phone]"


def test_a_ticket_subject_is_redacted_on_intake_and_cleared_by_erasure(client, auth, make, survey):
    integration = make.integration(survey)
    subject = "Grace Hopper wants a refund: call +44 20 7946 0958 or grace@example.org"
    body = json.dumps(
        {"customer": {"email": PERSON, "name": "Grace Hopper"}, "ticket": {"id": "S-1", "subject": subject}}
    ).encode()
    resp = client.post(f"/hooks/{integration.id}", data=body, headers=signed_headers(integration.secret, body, "s1"))
    assert resp.status_code == 202
    invite = db.session.scalar(select(Invite).where(Invite.ticket_id == "S-1"))
    assert invite.ticket_subject == "Grace Hopper wants a refund: call [phone] or [email]"

    assert client.post("/api/v1/privacy/erasures", json={"email": PERSON}, headers=auth).status_code == 200
    db.session.expire_all()
    assert db.session.get(Invite, invite.id).ticket_subject is None
    assert "Grace Hopper" not in _dump()


def test_erasure_reaches_what_closing_the_loop_kept(client, auth, make, survey):
    from datetime import timedelta

    from app.models.alert import AlertNotification, AlertRule
    from app.models.case import Case, CaseEvent
    from app.models.outbound_webhook import WebhookEndpoint, WebhookEvent, WebhookMessage
    from app.models.types import utcnow
    from app.models.writeback import HelpdeskNote

    integration = make.integration(survey)
    assert _hook(client, integration, PERSON, "L-1", "l1").status_code == 202
    invite = db.session.scalar(select(Invite).where(Invite.ticket_id == "L-1"))
    from app.services.answers.record import load_invite_state, record_answer

    response = record_answer(load_invite_state(invite.token), 1, COMMENT)
    ws = survey.workspace_id
    payload = json.dumps({"data": {"response": {"comment": COMMENT}, "customer": {"email": PERSON.lower()}}})
    endpoint = WebhookEndpoint(workspace_id=ws, url="https://hooks.example/x", events=["response.created"], secret="s")
    event = WebhookEvent(public_id="msg_erase_1", workspace_id=ws, type="response.created", body=payload)
    db.session.add_all([endpoint, event])
    db.session.flush()
    db.session.add(WebhookMessage(event_id=event.id, endpoint_id=endpoint.id))
    rule = AlertRule(workspace_id=ws, name="Detractors")
    db.session.add(rule)
    db.session.flush()
    db.session.add(
        AlertNotification(
            rule_id=rule.id,
            workspace_id=ws,
            channel="slack",
            subject="1 new low score",
            body=json.dumps({"text": COMMENT}),
        )
    )
    db.session.add(
        HelpdeskNote(
            integration_id=integration.id,
            workspace_id=ws,
            response_id=response.id,
            ticket_id="L-1",
            version=utcnow(),
            body=f"Score 1: {COMMENT}",
        )
    )
    case = Case(workspace_id=ws, response_id=response.id, due_at=utcnow() + timedelta(days=1))
    db.session.add(case)
    db.session.flush()
    db.session.add(CaseEvent(case_id=case.id, kind="note", detail="Called Grace Hopper, she wants a refund"))
    db.session.commit()
    assert COMMENT in _dump()

    resp = client.post("/api/v1/privacy/erasures", json={"email": PERSON}, headers=auth)

    assert resp.status_code == 200 and resp.json["rows"]["follow_ups"] == 4, resp.json
    dump = _dump()
    assert COMMENT not in dump and PERSON.lower() not in dump.lower() and "Grace Hopper" not in dump
    assert db.session.scalar(select(func.count()).select_from(WebhookEvent)) == 0
