"""Digest emails: when they go, what they say (bars as tables), to whom, and one-click opt-out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header

import pytest
from sqlalchemy import select

from app.errors import APIError
from app.extensions import db
from app.models.account import Role
from app.models.digest import DigestSubscription
from app.models.types import utcnow
from app.services.accounts.people import create_user, set_membership
from app.services.cases.opening import open_case
from app.services.digests.sending import send_due_digests
from app.services.digests.subscriptions import next_due, subscribe
from tests.integration.services import Mailbox, start_smtp
from tests.support.api import answer


@pytest.fixture
def mailbox(app):
    box = Mailbox()
    controller = start_smtp(box)
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{controller.port}"
    yield box
    controller.stop()


def _member(workspace, email, role):
    user = create_user(email, "a long enough password")
    return set_membership(user, workspace.id, role)


def _parts(message):
    found = {}
    for part in message.walk():
        if part.get_content_type() in ("text/plain", "text/html"):
            found[part.get_content_type()] = part.get_payload(decode=True).decode()
    return found


def test_weekly_digests_go_on_monday_at_eight_in_the_workspace_zone():
    wednesday = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    assert next_due("weekly", "Europe/Paris", wednesday) == datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
    assert next_due("daily", "America/New_York", wednesday) == datetime(2026, 12, 2, 13, 0, tzinfo=UTC)  # 07:00 there
    assert next_due("daily", "Asia/Tokyo", wednesday) == datetime(2026, 12, 2, 23, 0, tzinfo=UTC)  # 21:00 there
    monday_early = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
    assert next_due("weekly", "UTC", monday_early) == datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def test_a_weekly_digest_with_scores_themes_verbatims_and_cases(make, workspace, mailbox):
    manager = _member(workspace, "lead@example.com", Role.MANAGER)
    subscribe(manager, "weekly", "en")
    survey = make.survey(workspace)
    now = utcnow()
    for days_ago, score, comment in [
        (2, 1, "The refund took forever"),
        (3, 5, "Quick and kind"),
        (3, 4, None),
        (9, 5, None),
        (10, 5, None),
    ]:
        answer(make, survey, score, comment, at=now - timedelta(days=days_ago))
    late = answer(make, survey, 2, "Still waiting", at=now - timedelta(days=1))
    open_case(workspace.id, {"response_id": late.id, "due_at": now - timedelta(hours=1)})
    row = db.session.scalars(select(DigestSubscription)).one()
    row.next_due_at = now - timedelta(minutes=1)
    db.session.commit()

    assert send_due_digests(now) == 1
    assert send_due_digests(now) == 0  # claimed: once a period
    [mail] = [m for m in mailbox.wait_for(1) if m["To"] == "lead@example.com"]
    assert mail["Subject"] == "Your week in Acme"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"/digest/stop/{row.token}" in mail["List-Unsubscribe"]
    parts = _parts(mail)
    html, text = parts["text/html"], parts["text/plain"]
    assert "<svg" not in html and 'width="50%"' in html  # 2 good of 4 this week, as a table bar
    assert "50.0 %, n=4, -50.0" in text  # 100 % the week before
    said = [line for line in text.splitlines() if line.startswith("- ") and "/5:" in line]
    assert said == ["- 1/5: “The refund took forever”", "- 2/5: “Still waiting”", "- 5/5: “Quick and kind”"]
    assert "Follow-ups: 1 open, 1 overdue" in text
    assert db.session.get(DigestSubscription, row.id).next_due_at > now


def test_a_viewer_gets_no_verbatims_and_french_readers_get_french_dates(make, workspace, mailbox):
    viewer = _member(workspace, "viewer@example.com", Role.VIEWER)
    subscribe(viewer, "daily", "fr")
    answer(make, make.survey(workspace), 1, "Secret complaint", at=utcnow() - timedelta(hours=2))
    row = db.session.scalars(select(DigestSubscription)).one()
    row.next_due_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    send_due_digests()
    [mail] = [m for m in mailbox.wait_for(1) if m["To"] == "viewer@example.com"]
    html = _parts(mail)["text/html"]
    assert "Secret complaint" not in html and "Follow-ups" not in html
    assert '<html lang="fr">' in html
    subject = str(make_header(decode_header(mail["Subject"])))
    assert subject == "Votre journée chez Acme" and "Ne plus recevoir ces e-mails" in html


def test_agents_cannot_subscribe(workspace):
    agent = _member(workspace, "agent@example.com", Role.AGENT)
    with pytest.raises(APIError):
        subscribe(agent, "weekly")


def test_one_click_opt_out(client, workspace):
    manager = _member(workspace, "lead@example.com", Role.MANAGER)
    row = subscribe(manager, "weekly")
    token = row.token
    assert client.get(f"/digest/stop/{token}").status_code == 200  # a GET only asks
    assert db.session.scalars(select(DigestSubscription)).one()
    stopped = client.post(f"/digest/stop/{token}", data={"List-Unsubscribe": "One-Click"})
    assert stopped.status_code == 200 and stopped.json == {"status": "unsubscribed"}
    assert db.session.scalars(select(DigestSubscription)).all() == []
    assert client.post(f"/digest/stop/{token}").status_code == 404
