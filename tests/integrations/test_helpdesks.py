"""Each helpdesk's documented request, signed as it signs: one invite with the right fields, one
email; an altered body is refused; a replay is a duplicate; a pasted body_template works."""

from __future__ import annotations

import email
import email.header
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Invite, WebhookDelivery
from tests.support.helpdesks import (
    FakeZendesk,
    basic_auth,
    fixture,
    front_headers,
    helpscout_headers,
    intercom_headers,
    render_template,
    secret_header,
    zendesk_headers,
)


def connect(client, auth, survey, provider: str, **extra) -> dict:
    created = client.post(
        "/api/v1/integrations", json={"provider": provider, "survey_id": survey.id, **extra}, headers=auth
    )
    assert created.status_code == 201, created.json
    return created.json


def outbox(app) -> list[email.message.Message]:
    return [email.message_from_bytes(p.read_bytes()) for p in sorted(Path(app.config["OUTBOX_DIR"]).glob("*.eml"))]


def subject(msg) -> str:
    return str(email.header.make_header(email.header.decode_header(msg["Subject"])))


def only_invite() -> Invite:
    [invite] = db.session.scalars(select(Invite)).all()
    return invite


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def altered(body: bytes) -> bytes:
    """The same JSON with one more byte: any change at all must break the signature."""
    assert body.startswith(b"{")
    return b"{ " + body[1:]


@pytest.fixture
def survey(make, workspace):
    return make.survey(workspace, "csat")


def test_zendesk_event_webhook_fetches_requester_and_metrics(app, client, auth, survey):
    fake = FakeZendesk()
    try:
        hook = connect(
            client,
            auth,
            survey,
            "zendesk",
            secret="dGhpc19zZWNyZXRfaXNfZnJvbV96ZW5kZXNr",
            api={"base_url": fake.url, "email": "admin@acme.example", "api_token": "tok-123"},
        )
        body = fixture("zendesk", "event_status_changed_solved.json")
        headers = zendesk_headers(hook["secret"], body)

        accepted = client.post(hook["url"].removeprefix("http://afterword.test"), data=body, headers=headers)
        assert accepted.status_code == 202, accepted.json
        replay = client.post(f"/hooks/{hook['id']}", data=body, headers=headers)
        assert replay.status_code == 200 and replay.json["status"] == "duplicate"
        assert client.post(f"/hooks/{hook['id']}", data=altered(body), headers=headers).status_code == 401
    finally:
        fake.close()

    invite = only_invite()
    assert (invite.customer_email, invite.customer_name, invite.locale) == ("grace@example.com", "Grace Hopper", "de")
    assert (invite.agent_id, invite.agent_name, invite.agent_email) == (
        "8447388090494",
        "Sam Agent",
        "sam@support.example.com",
    )
    assert (invite.ticket_id, invite.team, invite.channel, invite.priority) == ("5158", "Billing", "email", "high")
    assert invite.tags == ["billing", "invoice"]
    assert invite.ticket_created_at == utc("2026-11-20T10:12:07Z")
    assert invite.first_response_at == utc("2026-11-20T10:42:07Z")  # created + reply_time_in_minutes
    assert invite.solved_at == utc("2026-11-21T09:00:00Z") and invite.reopens == 1
    assert invite.status == "sent"
    [msg] = outbox(app)
    assert msg["To"].endswith("<grace@example.com>")
    assert subject(msg) == "Wie waren wir? Eine kurze Frage von Acme"
    # The credentials went as Zendesk's API-token Basic auth and are not stored in clear.
    assert all(auth_header.startswith("Basic ") for _, auth_header in fake.requests)
    row = db.session.get(WebhookDelivery, 1)
    assert row.status == "done" and row.payload is None
    from app.models import Integration

    stored = db.session.get(Integration, hook["id"]).api_credentials
    assert "tok-123" not in stored and "admin@acme.example" not in stored


def test_zendesk_event_api_outage_is_retried_from_the_database(app, client, auth, survey):
    fake = FakeZendesk(fail_first=1)
    try:
        hook = connect(
            client,
            auth,
            survey,
            "zendesk",
            secret="zendesk-signing-secret-0001",
            api={"base_url": fake.url, "email": "admin@acme.example", "api_token": "tok"},
        )
        body = fixture("zendesk", "event_status_changed_solved.json")
        assert (
            client.post(f"/hooks/{hook['id']}", data=body, headers=zendesk_headers(hook["secret"], body)).status_code
            == 202
        )
        delivery = db.session.scalar(select(WebhookDelivery))
        assert (delivery.status, delivery.attempts) == ("pending", 1) and "503" in delivery.error
        # The sweep picks it up once due.
        delivery.next_attempt_at = datetime.now(UTC)
        db.session.commit()
        from workers.tasks.sending import sweep_due_invites

        sweep_due_invites.apply()
    finally:
        fake.close()
    assert only_invite().status == "sent"
    assert len(outbox(app)) == 1


def test_zendesk_other_events_are_ignored_and_a_reopen_cancels(app, client, auth, make, workspace):
    survey = make.survey(workspace, "csat", send_delay_minutes=60)
    fake = FakeZendesk()
    try:
        hook = connect(
            client,
            auth,
            survey,
            "zendesk",
            secret="zendesk-signing-secret-0002",
            api={"base_url": fake.url, "email": "a@acme.example", "api_token": "t"},
        )
        other = fixture("zendesk", "event_priority_changed.json")
        ignored = client.post(f"/hooks/{hook['id']}", data=other, headers=zendesk_headers(hook["secret"], other))
        assert ignored.status_code == 200 and ignored.json == {"status": "ignored"}
        solved = fixture("zendesk", "event_status_changed_solved.json")
        client.post(f"/hooks/{hook['id']}", data=solved, headers=zendesk_headers(hook["secret"], solved))
        assert only_invite().status == "scheduled"  # the send delay holds it
        reopened = fixture("zendesk", "event_status_changed_reopened.json")
        answer = client.post(f"/hooks/{hook['id']}", data=reopened, headers=zendesk_headers(hook["secret"], reopened))
        assert answer.status_code == 200 and answer.json["status"] == "reopened" and answer.json["cancelled"] is True
    finally:
        fake.close()
    invite = only_invite()
    assert (invite.status, invite.reason) == ("cancelled", "reopened")
    assert outbox(app) == []


def test_zendesk_old_timestamp_is_refused(client, auth, survey):
    hook = connect(client, auth, survey, "zendesk", secret="zendesk-signing-secret-0003")
    body = fixture("zendesk", "trigger_rendered.json")
    stale = client.post(
        f"/hooks/{hook['id']}", data=body, headers=zendesk_headers(hook["secret"], body, stamp="2020-01-01T00:00:00Z")
    )
    assert stale.status_code == 401 and stale.json["error"]["code"] == "invalid_signature"


def test_zendesk_trigger_webhook(app, client, auth, survey):
    hook = connect(client, auth, survey, "zendesk")
    assert "{{ticket.requester.email}}" in hook["body_template"]
    client.patch(f"/api/v1/integrations/{hook['id']}", json={"secret": "the-secret-zendesk-showed-us"}, headers=auth)
    body = fixture("zendesk", "trigger_rendered.json")
    headers = zendesk_headers("the-secret-zendesk-showed-us", body, invocation_id="8b1f3c52-aa01")
    assert client.post(f"/hooks/{hook['id']}", data=body, headers=headers).status_code == 202
    assert client.post(f"/hooks/{hook['id']}", data=body, headers=headers).json["status"] == "duplicate"
    assert client.post(f"/hooks/{hook['id']}", data=altered(body), headers=headers).status_code == 401
    invite = only_invite()
    assert (invite.customer_email, invite.customer_name, invite.locale) == ("ada@example.com", "Ada Lovelace", "es")
    assert (invite.agent_name, invite.team, invite.channel, invite.priority) == (
        "Sam Agent",
        "Billing",
        "mail",
        "normal",
    )
    assert invite.tags == ["billing", "vip_customer", "refund"]
    assert invite.solved_at == utc("2026-11-21T09:05:00Z")
    [msg] = outbox(app)
    assert msg["To"].endswith("<ada@example.com>")


def test_zendesk_trigger_body_template_renders_to_an_accepted_body(app, client, auth, survey):
    hook = connect(client, auth, survey, "zendesk", secret="zendesk-signing-secret-0004")
    body = render_template(
        hook["body_template"],
        {
            "ticket.id": "777",
            "ticket.status": "Solved",
            "ticket.via": "Web Form",
            "ticket.priority": "",
            "ticket.tags": "",
            "ticket.group.name": "Support",
            "ticket.created_at_with_timestamp": "2026-11-20T10:00Z",
            "ticket.updated_at_with_timestamp": "2026-11-21T10:00Z",
            "ticket.requester.id": "1",
            "ticket.requester.email": "o'brien@example.com",
            "ticket.requester.name": 'Conan "C" O\'Brien',
            "ticket.requester.language": "English",
            "ticket.assignee.id": "",
            "ticket.assignee.email": "",
            "ticket.assignee.name": "",
        },
    )
    answer = client.post(f"/hooks/{hook['id']}", data=body, headers=zendesk_headers(hook["secret"], body))
    assert answer.status_code == 202, answer.json
    invite = only_invite()
    assert (invite.ticket_id, invite.customer_name, invite.agent_name) == ("777", 'Conan "C" O\'Brien', None)


def test_freshdesk(app, client, auth, survey):
    hook = connect(client, auth, survey, "freshdesk")
    body = fixture("freshdesk", "ticket_resolved.json")
    headers = secret_header(hook["secret"])
    assert client.post(f"/hooks/{hook['id']}", data=body, headers=headers).status_code == 202
    assert client.post(f"/hooks/{hook['id']}", data=body, headers=headers).json["status"] == "duplicate"
    assert client.post(f"/hooks/{hook['id']}", data=body, headers=secret_header("wrong" * 8)).status_code == 401
    assert (
        client.post(f"/hooks/{hook['id']}", data=body, headers={"Content-Type": "application/json"}).status_code == 401
    )
    invite = only_invite()
    assert (invite.customer_email, invite.customer_name) == ("hugo@example.com", "Hugo Costa")
    assert (invite.agent_name, invite.agent_email, invite.team) == (
        "Priya Agent",
        "priya@support.example.com",
        "Logistics",
    )
    assert (invite.channel, invite.priority, invite.tags) == ("email", "medium", ["shipping", "late delivery"])
    assert len(outbox(app)) == 1


def test_freshdesk_body_template_with_basic_auth_and_resolved_to_closed_ignored(app, client, auth, survey):
    hook = connect(client, auth, survey, "freshdesk")
    values = {
        "ticket.id": "12",
        "ticket.status": "Resolved",
        "ticket.priority": "Urgent",
        "ticket.source": "Portal",
        "ticket.tags": "",
        "ticket.group.name": "",
        "ticket.agent.name": "Priya",
        "ticket.agent.email": "",
        "ticket.requester.name": "Zoë",
        "ticket.requester.email": "zoe@example.com",
        "triggered_event": "{status:{from:2,to:4}}",
    }
    body = render_template(hook["body_template"], values)
    assert client.post(f"/hooks/{hook['id']}", data=body, headers=basic_auth(hook["secret"])).status_code == 202
    closed = render_template(hook["body_template"], {**values, "triggered_event": "{status:{from:4,to:5}}"})
    assert client.post(f"/hooks/{hook['id']}", data=closed, headers=basic_auth(hook["secret"])).json == {
        "status": "ignored"
    }
    assert (only_invite().priority, only_invite().channel) == ("urgent", "portal")


def test_freshdesk_reopen_then_second_solve_offers_a_new_survey(app, client, auth, survey):
    hook = connect(client, auth, survey, "freshdesk")
    headers = secret_header(hook["secret"])
    solve = fixture("freshdesk", "ticket_resolved.json")
    reopen = solve.replace(b"{status:{from:Open,to:Resolved}}", b"{status:{from:Resolved,to:Open}}")
    assert client.post(f"/hooks/{hook['id']}", data=solve, headers=headers).status_code == 202
    assert client.post(f"/hooks/{hook['id']}", data=reopen, headers=headers).json["status"] == "reopened"
    again = client.post(f"/hooks/{hook['id']}", data=solve, headers=headers)
    assert again.status_code == 202, again.json
    assert client.post(f"/hooks/{hook['id']}", data=solve, headers=headers).json["status"] == "duplicate"
    invites = db.session.scalars(select(Invite).order_by(Invite.id)).all()
    assert [(i.solve_number, i.status) for i in invites] == [(1, "sent"), (2, "sent")]
    assert invites[0].reopened_at is not None


def test_helpscout(app, client, auth, survey):
    hook = connect(client, auth, survey, "helpscout")
    ping = client.post(
        f"/hooks/{hook['id']}", data=b"{}", headers=helpscout_headers(hook["secret"], b"{}", "helpscout.test")
    )
    assert ping.status_code == 200
    body = fixture("helpscout", "convo_status_closed.json")
    headers = helpscout_headers(hook["secret"], body)
    assert client.post(f"/hooks/{hook['id']}", data=body, headers=headers).status_code == 202
    assert client.post(f"/hooks/{hook['id']}", data=body, headers=headers).json["status"] == "duplicate"
    assert client.post(f"/hooks/{hook['id']}", data=altered(body), headers=headers).status_code == 401
    invite = only_invite()
    assert (invite.customer_email, invite.customer_name, invite.customer_id) == (
        "marie@example.com",
        "Marie Curie",
        "12",
    )
    assert (invite.agent_id, invite.agent_name, invite.agent_email) == ("256", "Lena Agent", "lena@support.example.com")
    assert (invite.team, invite.channel, invite.tags) == ("85", "email", ["password", "login"])
    assert invite.solved_at == utc("2026-11-21T09:10:00Z") and invite.ticket_created_at == utc("2026-11-20T08:00:00Z")
    assert len(outbox(app)) == 1


def test_intercom(app, client, auth, survey):
    hook = connect(client, auth, survey, "intercom", secret="intercom-client-secret-abc")
    ping_body = json.dumps(
        {"type": "notification_event", "topic": "ping", "id": "notif_ping", "data": {"item": {}}}
    ).encode()
    assert (
        client.post(
            f"/hooks/{hook['id']}", data=ping_body, headers=intercom_headers(hook["secret"], ping_body)
        ).status_code
        == 200
    )
    body = fixture("intercom", "conversation_admin_closed.json")
    headers = intercom_headers(hook["secret"], body)
    assert client.post(f"/hooks/{hook['id']}", data=body, headers=headers).status_code == 202
    assert client.post(f"/hooks/{hook['id']}", data=body, headers=headers).json["status"] == "duplicate"
    assert client.post(f"/hooks/{hook['id']}", data=altered(body), headers=headers).status_code == 401
    invite = only_invite()
    assert (invite.customer_email, invite.customer_name) == ("alan@example.com", "Alan Turing")
    assert (invite.agent_id, invite.agent_name, invite.agent_email) == ("814860", "Jo Admin", "jo@support.example.com")
    assert (invite.team, invite.priority, invite.tags, invite.reopens) == ("5017691", "priority", ["export", "bug"], 0)
    assert invite.first_response_at == datetime.fromtimestamp(1795164300, UTC)
    assert invite.solved_at == datetime.fromtimestamp(1795251000, UTC) and invite.handle_seconds == 1260
    assert len(outbox(app)) == 1


def test_front(app, client, auth, survey):
    hook = connect(client, auth, survey, "front", secret="front-app-signing-key-xyz")
    sync = json.dumps({"type": "sync", "authorization": {"id": "cmp_3d5a"}}).encode()
    challenge = client.post(f"/hooks/{hook['id']}", data=sync, headers=front_headers(hook["secret"], sync, "f7a2c9"))
    assert challenge.status_code == 200 and challenge.json == {"challenge": "f7a2c9"}
    body = fixture("front", "archive.json")
    headers = front_headers(hook["secret"], body)
    assert client.post(f"/hooks/{hook['id']}", data=body, headers=headers).status_code == 202
    assert client.post(f"/hooks/{hook['id']}", data=body, headers=headers).json["status"] == "duplicate"
    assert client.post(f"/hooks/{hook['id']}", data=altered(body), headers=headers).status_code == 401
    invite = only_invite()
    assert (invite.customer_email, invite.customer_name, invite.ticket_id) == (
        "nina@example.com",
        "Nina Simone",
        "cnv_55c8c149",
    )
    assert (invite.agent_id, invite.agent_name, invite.agent_email) == (
        "tea_55c8c149",
        "Rosa Parks",
        "rosa@support.example.com",
    )
    assert invite.tags == ["shipping"] and invite.solved_at == datetime.fromtimestamp(1795252200.125, UTC)
    assert len(outbox(app)) == 1


def test_gorgias(app, client, auth, survey):
    hook = connect(client, auth, survey, "gorgias")
    body = fixture("gorgias", "ticket_updated_closed.json")
    headers = secret_header(hook["secret"])
    assert client.post(f"/hooks/{hook['id']}", data=body, headers=headers).status_code == 202
    assert client.post(f"/hooks/{hook['id']}", data=body, headers=headers).json["status"] == "duplicate"
    assert (
        client.post(f"/hooks/{hook['id']}", data=body, headers=secret_header(hook["secret"] + "x")).status_code == 401
    )
    invite = only_invite()
    assert (invite.customer_email, invite.customer_name, invite.locale) == ("emile@example.com", "Émile Zola", "fr")
    assert (invite.agent_name, invite.team, invite.channel, invite.tags) == (
        "Claire Agent",
        "Returns",
        "email",
        ["retour", "taille"],
    )
    assert invite.solved_at == utc("2026-11-21T09:15:00Z")
    [msg] = outbox(app)
    assert subject(msg).startswith("Votre avis compte :")


def test_gorgias_body_template_and_open_updates(app, client, auth, survey):
    hook = connect(client, auth, survey, "gorgias")
    values = {"ticket.id": "5", "ticket.status": "open", "ticket.customer.email": "c@example.com"}
    opened = render_template(hook["body_template"], values)
    assert (
        client.post(f"/hooks/{hook['id']}", data=opened, headers=secret_header(hook["secret"])).json["status"]
        == "reopened"
    )
    closed = render_template(
        hook["body_template"],
        {**values, "ticket.status": "closed", "ticket.closed_datetime": "2026-11-21T09:15:00+00:00"},
    )
    assert client.post(f"/hooks/{hook['id']}", data=closed, headers=secret_header(hook["secret"])).status_code == 202
    assert db.session.scalar(select(func.count()).select_from(Invite)) == 1


def test_bad_bodies_are_4xx_never_500(client, auth, survey):
    for provider in ("zendesk", "freshdesk", "gorgias"):
        hook = connect(client, auth, survey, provider, secret="s" * 32)
        headers = zendesk_headers(hook["secret"], b"[1]") if provider == "zendesk" else secret_header(hook["secret"])
        answer = client.post(f"/hooks/{hook['id']}", data=b"[1]", headers=headers)
        assert answer.status_code == 422 and set(answer.json["error"]) == {"code", "message", "fields"}
    hook = connect(client, auth, survey, "gorgias")
    bad = json.dumps({"ticket": {"id": "1", "status": "closed", "customer": {"email": "not-an-email"}}}).encode()
    answer = client.post(f"/hooks/{hook['id']}", data=bad, headers=secret_header(hook["secret"]))
    assert answer.status_code == 422 and "customer" in answer.json["error"]["fields"]
