"""Ticket lifecycle, fatigue rules, reminders, unsubscribe and the email itself (embedded defaults)."""

from __future__ import annotations

import email
import email.header
import email.utils
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from app.extensions import db
from app.models import Invite
from workers.tasks.sending import sweep_due_invites


def post_invite(client, auth, survey, email_addr="ada@example.com", ticket="T-1", **ticket_fields):
    return client.post(
        "/api/v1/invites",
        headers=auth,
        json={
            "survey_id": survey.id,
            "customer": {"email": email_addr, "name": "Ada"},
            "ticket": {"id": ticket, **ticket_fields},
        },
    )


def outbox(app) -> list[email.message.Message]:
    return [
        email.message_from_bytes(p.read_bytes())
        for p in sorted(Path(app.config["OUTBOX_DIR"]).glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
    ]


def subject(msg) -> str:
    return str(email.header.make_header(email.header.decode_header(msg["Subject"])))


def html_of(msg) -> str:
    return next(p for p in msg.walk() if p.get_content_type() == "text/html").get_payload(decode=True).decode()


@pytest.fixture
def survey(make, workspace):
    return make.survey(workspace, "csat")


def test_the_same_solve_twice_is_one_invite(client, auth, survey):
    first = post_invite(client, auth, survey, solved_at="2026-11-21T09:00:00Z")
    again = post_invite(client, auth, survey, solved_at="2026-11-21T09:00:00Z")
    assert first.status_code == 201 and again.status_code == 200 and again.json["id"] == first.json["id"]
    later = post_invite(client, auth, survey, solved_at="2026-11-22T09:00:00Z")  # solved again: a reopen we never saw
    assert later.status_code == 201 and later.json["id"] != first.json["id"]


@pytest.mark.parametrize(
    "rules, ticket_fields, email_addr, reason",
    [
        ({"exclude_tags": ["VIP"]}, {"tags": ["vip", "billing"]}, "a@example.com", "excluded_tag"),
        ({"sample_percent": 0}, {}, "a@example.com", "sampled_out"),
        ({"daily_cap": 0}, {}, "a@example.com", "daily_cap"),
    ],
)
def test_workspace_rules_skip_with_a_reason(client, auth, survey, rules, ticket_fields, email_addr, reason):
    assert client.patch("/api/v1/workspace", json=rules, headers=auth).status_code == 200
    created = post_invite(client, auth, survey, email_addr, **ticket_fields)
    assert (created.json["status"], created.json["reason"]) == ("skipped", reason)
    shown = client.get(f"/api/v1/invites/{created.json['id']}", headers=auth).json
    assert shown["reason"] == reason and shown["history"][-1]["detail"].startswith(reason)


def test_cooldown_spans_surveys_and_daily_cap_per_survey(client, auth, make, workspace):
    csat = make.survey(workspace, "csat", cooldown_days=7)
    nps = make.survey(workspace, "nps", daily_cap=1)
    assert post_invite(client, auth, nps, "ada@example.com", "T-1").json["status"] == "scheduled"  # sent by the worker
    assert post_invite(client, auth, csat, "ada@example.com", "T-2").json["reason"] == "cooldown"
    assert post_invite(client, auth, nps, "bob@example.com", "T-3").json["reason"] == "daily_cap"
    assert post_invite(client, auth, csat, "bob@example.com", "T-4").json["reason"] is None
    skipped = client.get("/api/v1/invites?status=skipped&limit=1", headers=auth).json
    assert len(skipped["items"]) == 1 and skipped["next_cursor"]
    rest = client.get(f"/api/v1/invites?status=skipped&limit=1&cursor={skipped['next_cursor']}", headers=auth).json
    assert {skipped["items"][0]["reason"], rest["items"][0]["reason"]} == {"cooldown", "daily_cap"}
    assert rest["next_cursor"] is None
    assert client.get("/api/v1/invites?status=bogus", headers=auth).status_code == 422


def test_send_delay_is_kept_in_the_database_and_the_sweep_sends(app, client, auth, survey):
    client.patch("/api/v1/workspace", json={"send_delay_minutes": 30}, headers=auth)
    created = post_invite(client, auth, survey)
    assert created.json["status"] == "scheduled"
    sweep_due_invites.apply()
    assert outbox(app) == []
    db.session.execute(update(Invite).values(due_at=datetime.now(UTC) - timedelta(seconds=1)))
    db.session.commit()
    sweep_due_invites.apply()
    assert len(outbox(app)) == 1


def test_one_reminder_if_unanswered(app, client, auth, make, workspace):
    survey = make.survey(workspace, "nps", reminder_after_hours=48)
    created = post_invite(client, auth, survey)
    invite = db.session.get(Invite, created.json["id"])
    assert invite.reminder_due_at == invite.sent_at + timedelta(hours=48)
    invite.reminder_due_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    sweep_due_invites.apply()
    sweep_due_invites.apply()
    first, reminder = outbox(app)
    assert subject(reminder).startswith("A reminder: one quick question from")
    assert "once more" in html_of(reminder)
    shown = client.get(f"/api/v1/invites/{invite.id}", headers=auth).json
    assert shown["reminder_sent_at"] and [h["status"] for h in shown["history"]][-1] == "reminder_sent"


def test_no_reminder_once_answered(app, client, auth, make, workspace):
    survey = make.survey(workspace, "csat", reminder_after_hours=1)
    token = post_invite(client, auth, survey).json["token"]
    assert client.post(f"/s/{token}", data={"score": "5"}).status_code == 200
    db.session.execute(update(Invite).values(reminder_due_at=datetime.now(UTC) - timedelta(minutes=1)))
    db.session.commit()
    sweep_due_invites.apply()
    assert len(outbox(app)) == 1


def test_one_click_unsubscribe_suppresses_the_address(app, client, auth, make, workspace):
    survey = make.survey(workspace, "csat", reminder_after_hours=1)
    created = post_invite(client, auth, survey, "Ada@Example.com")
    [msg] = outbox(app)
    token = created.json["token"]
    assert msg["List-Unsubscribe"] == f"<http://afterword.test/u/{token}>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    page = client.get(f"/u/{token}")
    assert page.status_code == 200 and b"<form" in page.data
    assert client.get("/api/v1/suppressions", headers=auth).json["items"] == []  # a GET changes nothing
    one_click = client.post(f"/u/{token}", data={"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200
    assert [s["email"] for s in client.get("/api/v1/suppressions", headers=auth).json["items"]] == ["ada@example.com"]
    assert db.session.get(Invite, created.json["id"]).reminder_due_at is None  # no reminder either
    assert post_invite(client, auth, survey, "ada@example.com", "T-2").json["reason"] == "suppressed"
    assert b"unsubscribed" in client.get(f"/u/{token}").data.lower()
    assert client.post("/u/" + "x" * 40).status_code == 404
    assert client.delete("/api/v1/suppressions/ada@example.com", headers=auth).status_code == 204
    again = post_invite(client, auth, survey, "ada@example.com", "T-3").json
    assert client.get(f"/api/v1/invites/{again['id']}", headers=auth).json["status"] == "sent"


def test_manual_suppression_skips_a_scheduled_invite(client, auth, survey):
    client.patch("/api/v1/workspace", json={"send_delay_minutes": 10}, headers=auth)
    created = post_invite(client, auth, survey, "bo@example.com")
    assert client.post("/api/v1/suppressions", json={"email": "BO@example.com"}, headers=auth).status_code == 201
    shown = client.get(f"/api/v1/invites/{created.json['id']}", headers=auth).json
    assert (shown["status"], shown["reason"]) == ("skipped", "suppressed")


@pytest.mark.parametrize(
    "locale, expected",
    [
        ("en", "How did we do?"),
        ("es", "¿Qué tal lo hicimos?"),
        ("fr", "Votre avis compte :"),
        ("de", "Wie waren wir?"),
        ("pt-BR", "Como nos saímos?"),
    ],
)
def test_email_language_follows_the_invite(app, client, auth, survey, locale, expected):
    client.post(
        "/api/v1/invites",
        headers=auth,
        json={
            "survey_id": survey.id,
            "customer": {"email": "x@example.com", "locale": locale},
            "ticket": {"id": "T-9"},
        },
    )
    [msg] = outbox(app)
    assert subject(msg).startswith(expected)
    assert f'lang="{locale[:2]}"' in html_of(msg)


def test_email_is_branded_table_layout_without_script(app, client, auth, survey):
    answer = client.patch(
        "/api/v1/workspace",
        headers=auth,
        json={"name": "Globex", "brand_colour": "#ff6600", "logo_url": "https://cdn.example.com/globex.png"},
    )
    assert answer.status_code == 200
    post_invite(client, auth, survey)
    html = html_of(outbox(app)[0])
    assert "background:#ff6600" in html and 'src="https://cdn.example.com/globex.png"' in html and "Globex" in html
    assert "<script" not in html.lower() and "<table" in html and "<style" not in html.lower()
    bad = client.patch("/api/v1/workspace", headers=auth, json={"brand_colour": "red;background:url(x)"})
    assert bad.status_code == 422 and "brand_colour" in bad.json["error"]["fields"]
    assert client.patch("/api/v1/workspace", headers=auth, json={"logo_url": "javascript:alert(1)"}).status_code == 422


def test_a_stale_sending_claim_is_flagged_never_resent(app, client, auth, survey):
    created = post_invite(client, auth, survey)
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    db.session.execute(update(Invite).values(status="sending", send_claimed_at=long_ago, sent_at=None))
    db.session.commit()
    sweep_due_invites.apply()
    shown = client.get(f"/api/v1/invites/{created.json['id']}", headers=auth).json
    assert (shown["status"], shown["reason"]) == ("sending", "send_unconfirmed")
    assert len(outbox(app)) == 1
    runner = app.test_cli_runner()
    assert "send_unconfirmed" in runner.invoke(args=["invites", "stale"]).output
    assert runner.invoke(args=["invites", "release", str(created.json["id"])]).exit_code != 0  # needs --yes
    assert runner.invoke(args=["invites", "release", str(created.json["id"]), "--yes"]).exit_code == 0
    sweep_due_invites.apply()
    assert len(outbox(app)) == 2


def test_an_address_suppressed_after_scheduling_is_skipped_at_send_time(app, make, workspace):
    from app.models import Suppression
    from app.models.types import utcnow
    from app.services.sending.send import send_invites

    survey = make.survey(workspace, "csat", send_delay_minutes=5)
    kept, dropped = make.invite(survey, "keep@example.com"), make.invite(survey, "Gone@Example.com")
    # Written straight to the table (an import, another process): no API call skipped the invite.
    db.session.add(Suppression(workspace_id=workspace.id, email="gone@example.com", reason="manual"))
    db.session.execute(update(Invite).where(Invite.id.in_([kept.id, dropped.id])).values(due_at=utcnow()))
    db.session.commit()
    assert send_invites([kept.id, dropped.id]) == {kept.id: "sent", dropped.id: "skipped"}
    db.session.expire_all()
    assert (db.session.get(Invite, dropped.id).status, db.session.get(Invite, dropped.id).reason) == (
        "skipped",
        "suppressed",
    )
    assert [email.utils.parseaddr(m["To"])[1] for m in outbox(app)] == ["keep@example.com"]


def test_no_stale_sends_is_said_not_left_silent(app, client, auth, survey):
    post_invite(client, auth, survey)  # sent: it has an outcome
    output = app.test_cli_runner().invoke(args=["invites", "stale"]).output
    assert output == "No stale sends: every claimed invite has a recorded outcome.\n"
