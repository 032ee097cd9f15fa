"""Tasks are safe to run twice: one email per invite, one analysis per answer."""

from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.models.types import utcnow
from app.platform.queue import SEND_INVITE_EMAIL, enqueue
from app.services.answers.analysis import analyze_responses
from app.services.answers.record import load_invite_state, record_answer
from app.services.sending.send import send_invite
from tests.support.api import outbox


def test_sending_one_invite_twice_writes_one_email(make, workspace):
    invite = make.invite(make.survey(workspace, "csat", send_delay_minutes=30))
    assert invite.status == "scheduled" and outbox() == []
    assert send_invite(invite.id) == "not_claimed"  # not due yet
    invite.due_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert send_invite(invite.id) == "sent"
    assert send_invite(invite.id) == "not_claimed"
    enqueue(SEND_INVITE_EMAIL, invite.id)  # through the task too
    assert len(outbox()) == 1
    db.session.refresh(invite)
    assert invite.status == "sent"
    assert [e.status for e in invite.events] == ["scheduled", "sent"]


def test_an_expired_unsent_invite_is_cancelled_not_sent(make, workspace):
    invite = make.invite(make.survey(workspace, "csat", send_delay_minutes=30))
    invite.due_at = invite.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert send_invite(invite.id) == "cancelled"
    assert outbox() == []


def test_analysis_twice_writes_once(make, workspace):
    invite = make.invite(make.survey(workspace, "csat"))
    response = record_answer(load_invite_state(invite.token), 2, "Slow and unhelpful, very disappointing.")
    db.session.refresh(response)
    assert response.analysis_version is not None  # the eager task ran once
    first = (response.analyzed_at, response.polarity, response.sentiment_label)
    assert analyze_responses([response.id]) == 0
    db.session.refresh(response)
    assert (response.analyzed_at, response.polarity, response.sentiment_label) == first


def test_an_edited_answer_is_analysed_again(make, workspace):
    invite = make.invite(make.survey(workspace, "csat"))
    response = record_answer(load_invite_state(invite.token), 2, "Terrible, awful service.")
    db.session.refresh(response)
    before = response.analyzed_at
    record_answer(load_invite_state(invite.token), 5, "Great, excellent and friendly help!")
    db.session.refresh(response)
    assert response.analyzed_at > before
    assert response.sentiment_label == "positive"
    assert analyze_responses([response.id]) == 0
