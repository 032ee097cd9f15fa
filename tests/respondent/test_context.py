"""What a customer sees around the question: whose brand, which ticket, who helped, what they
answered and until when, the survey's own thanks, and an unsubscribe they can undo."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Response, Suppression
from app.models.suppression import SuppressionReason
from app.services.suppressions import suppress


@pytest.fixture
def survey(make, workspace):
    return make.survey(workspace, "csat")


def test_the_page_names_the_ticket_its_subject_and_the_agent(client, make, survey):
    invite = make.invite(
        survey,
        subject="Refund for order 4417",
        agent={"id": "7", "name": "Sam Cole", "photo_url": "https://cdn.example.com/sam.jpg"},
    )
    html = client.get(f"/s/{invite.token}").get_data(as_text=True)
    # The number sits in one unbreakable span, so "#T-" and "12" never part across lines.
    assert f'About your request <span class="ticket">#{invite.ticket_id}</span>' in html
    assert "Refund for order 4417" in html and "Sam Cole helped you." in html
    assert 'src="https://cdn.example.com/sam.jpg"' in html


def test_an_agent_photo_must_be_https(app, auth, survey):
    body = {
        "survey_id": survey.id,
        "customer": {"email": "ada@example.com"},
        "ticket": {"id": "T-1", "agent": {"name": "Sam", "photo_url": "http://cdn.example.com/sam.jpg"}},
    }
    refused = app.test_client().post("/api/v1/invites", json=body, headers=auth)
    assert refused.status_code == 422


def test_a_returning_customer_reads_their_answer_and_until_when_it_may_change(
    app, client, make, survey, workspace, monkeypatch
):
    workspace.row.timezone = "Europe/Paris"
    db.session.commit()
    invite = make.invite(survey)
    client.post(f"/s/{invite.token}", data={"score": "4"})
    row = db.session.scalar(select(Response).where(Response.invite_id == invite.id))
    row.answered_at = datetime(2026, 12, 2, 13, 0, tzinfo=UTC)  # 14:00 in Paris
    db.session.commit()
    app.config["ANSWER_EDIT_WINDOW_HOURS"] = 24
    monkeypatch.setattr("app.services.answers.record.utcnow", lambda: datetime(2026, 12, 2, 18, tzinfo=UTC))
    html = client.get(f"/s/{invite.token}").get_data(as_text=True)
    # In the page's language, the times in the workspace's zone: 13:00 UTC + 24 h is 14:00 in Paris.
    assert "You answered 4 on Dec 2; you can change it until Dec 3, 2:00\u202fPM." in html
    french = client.get(f"/s/{invite.token}?lang=fr").get_data(as_text=True)
    assert "2 déc." in french and "3 déc., 14:00" in french
    # Once the window has closed: what they answered, and that it stays.
    monkeypatch.setattr("app.services.answers.record.utcnow", lambda: datetime(2026, 12, 4, tzinfo=UTC))
    locked = client.get(f"/s/{invite.token}").get_data(as_text=True)
    assert "You answered 4 on Dec 2." in locked and "can no longer be changed" in locked


def test_the_survey_thanks_in_its_own_words_or_sends_the_customer_on(client, make, workspace):
    thanking = make.survey(workspace, "csat", thank_you_message="We read every answer. — The Acme team")
    invite = make.invite(thanking)
    done = client.post(f"/s/{invite.token}", data={"score": "5"})
    assert done.status_code == 200 and "We read every answer. — The Acme team" in done.get_data(as_text=True)

    onward = make.survey(workspace, "nps", redirect_url="https://acme.example/thanks")
    invite = make.invite(onward)
    sent_on = client.post(f"/s/{invite.token}", data={"score": "9"})
    assert sent_on.status_code == 303 and sent_on.headers["Location"] == "https://acme.example/thanks"
    assert db.session.scalar(select(Response).where(Response.invite_id == invite.id)).score == 9


def test_unsubscribe_wears_the_brand_and_can_be_undone(client, make, survey, workspace):
    workspace.row.brand_colour = "#aa3300"
    db.session.commit()
    invite = make.invite(survey)
    page = client.post(f"/u/{invite.token}").get_data(as_text=True)
    assert "--brand: #aa3300" in page and "Undo: keep getting surveys" in page
    undone = client.post(f"/u/{invite.token}/undo").get_data(as_text=True)
    assert "You are subscribed again" in undone
    assert db.session.scalar(select(Suppression).where(Suppression.email == invite.customer_email)) is None


def test_undo_never_lifts_a_suppression_the_customer_did_not_make(client, make, survey, workspace):
    invite = make.invite(survey)
    suppress(workspace.id, invite.customer_email, SuppressionReason.BOUNCED)
    page = client.post(f"/u/{invite.token}/undo").get_data(as_text=True)
    assert "You are unsubscribed" in page  # still: a bounce is not the customer's to undo
    assert db.session.scalar(select(Suppression).where(Suppression.email == invite.customer_email)) is not None


def test_a_closed_survey_offers_the_workspaces_reply_to(client, make, survey, workspace):
    workspace.row.reply_to = "help@acme.example"
    invite = make.invite(survey)
    invite.expires_at = datetime(2020, 1, 1, tzinfo=UTC)
    db.session.commit()
    page = client.get(f"/s/{invite.token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 410
    assert 'Questions? Write to <a href="mailto:help@acme.example">help@acme.example</a>.' in html
