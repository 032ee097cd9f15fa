"""Alert rules end to end on SQLite, with a real loopback HTTP receiver for Slack and Teams and a
real SMTP server (aiosmtpd) for email: debounce, cooldown, quiet hours, batching."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.account import Role
from app.models.alert import AlertMatch, AlertNotification, AlertRule, MatchStatus
from app.models.types import utcnow
from app.services.accounts.people import create_user, set_membership
from app.services.alerts.rules import create_rule
from app.services.alerts.sweep import run_alerts
from app.services.answers.record import load_invite_state, record_answer
from tests.integration.services import Mailbox, start_smtp
from tests.support.receiver import Receiver


@pytest.fixture
def slack():
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture
def mailbox(app):
    box = Mailbox()
    controller = start_smtp(box)
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{controller.port}"
    yield box
    controller.stop()


@pytest.fixture
def survey(make, workspace):
    return make.survey(workspace, "csat")


def _answer(make, survey, score, comment=None, **ticket):
    invite = make.invite(survey, **ticket)
    record_answer(load_invite_state(invite.token), score, comment)
    return invite


def _rule(workspace, slack, **fields):
    data = {"name": "Unhappy customers", "conditions": {"score_at_most": 2}, "slack_webhook_url": slack.url}
    return create_rule(workspace.id, data | fields)


def later(minutes: float) -> datetime:
    return utcnow() + timedelta(minutes=minutes)


def test_an_answer_edited_within_the_debounce_alerts_once_with_its_final_value(make, workspace, survey, slack, mailbox):
    admin = create_user("lead@example.com", "a long enough password")
    set_membership(admin, workspace.id, Role.ADMIN)
    _rule(workspace, slack, email={"roles": ["admin"]})
    invite = _answer(make, survey, 2, "Slow answer", team="Billing")
    assert run_alerts(later(5)) == 0  # still within the 10 minutes
    record_answer(load_invite_state(invite.token), 1, "Slow answer, and wrong")
    assert run_alerts(later(9)) == 0  # the edit restarted the wait
    assert run_alerts(later(11)) == 1
    assert run_alerts(later(30)) == 0  # never twice

    [message] = slack.received
    payload = message.json()
    assert payload["text"] == "Unhappy customers: score 1/5 from Customer " + invite.customer_name.split()[-1]
    assert "Slow answer, and wrong" in payload["blocks"][1]["text"]["text"]
    assert f"/w/{workspace.id}/responses/" in payload["blocks"][1]["text"]["text"]
    # The customer's survey email went through the same server first.
    [mail] = [m for m in mailbox.wait_for(2) if m["To"] == "lead@example.com"]
    assert mail["Subject"].startswith("Unhappy customers: score 1/5")
    assert "Slow answer, and wrong" in mail.get_payload(decode=True).decode()


def test_an_answer_edited_out_of_range_alerts_not_at_all(make, workspace, survey, slack):
    _rule(workspace, slack)
    invite = _answer(make, survey, 1, "Bad")
    record_answer(load_invite_state(invite.token), 5, "Actually it was fine")
    assert run_alerts(later(11)) == 0
    assert slack.received == []
    assert db.session.scalars(select(AlertMatch)).one().status == MatchStatus.NOT_MATCHING


def test_conditions_on_team_channel_and_sentiment(make, workspace, survey, slack):
    _rule(
        workspace,
        slack,
        conditions={"score_at_most": 3, "teams": ["billing"], "channels": ["email"], "sentiments": ["negative"]},
    )
    _answer(make, survey, 2, "Terrible, rude and useless support", team="Billing", channel="email")  # matches
    _answer(make, survey, 2, "Terrible, rude and useless support", team="Shipping", channel="email")  # team
    _answer(make, survey, 2, "Terrible, rude and useless support", team="Billing", channel="chat")  # channel
    _answer(make, survey, 3, "Great and friendly, thank you", team="Billing", channel="email")  # sentiment
    _answer(make, survey, 4, "Terrible, rude and useless support", team="Billing", channel="email")  # score
    run_alerts(later(11))
    [message] = slack.received
    assert message.json()["text"].startswith("Unhappy customers: score 2/5")


def test_cooldown_suppresses_matches_after_an_alert(make, workspace, survey, slack):
    _rule(workspace, slack, cooldown_minutes=60)
    _answer(make, survey, 1)
    assert run_alerts(later(11)) == 1
    _answer(make, survey, 2)
    assert run_alerts(later(22)) == 0  # within the hour after the alert
    assert len(slack.received) == 1
    statuses = sorted(m.status for m in db.session.scalars(select(AlertMatch)))
    assert statuses == [MatchStatus.ALERTED, MatchStatus.SUPPRESSED]
    _answer(make, survey, 1)
    assert run_alerts(later(90)) == 1  # the cooldown is over


def test_quiet_hours_hold_alerts_until_morning_in_the_workspace_zone(make, workspace, survey, slack):
    workspace.row.timezone = "Europe/Paris"
    db.session.commit()
    _rule(workspace, slack, quiet_hours={"start": "22:00", "end": "07:00"})
    _answer(make, survey, 1)
    _answer(make, survey, 2)
    paris = ZoneInfo("Europe/Paris")
    night = (later(11).astimezone(paris) + timedelta(days=1)).replace(hour=23, minute=0, second=0, microsecond=0)
    assert run_alerts(night.astimezone(UTC)) == 0
    assert run_alerts((night + timedelta(hours=7, minutes=59)).astimezone(UTC)) == 0  # 06:59
    assert run_alerts((night + timedelta(hours=8, minutes=1)).astimezone(UTC)) == 1  # 07:01
    [message] = slack.received
    assert message.json()["text"].startswith("Unhappy customers: 2 new answers in the last ")
    assert len(message.json()["blocks"]) == 3


def test_batching_sends_one_message_for_the_window(make, workspace, slack):
    nps = make.survey(workspace, "nps")
    _rule(workspace, slack, name="Detractors", conditions={"groups": ["detractor"]}, batch_minutes=60)
    for score in (0, 3, 6, 6, 2):
        _answer(make, nps, score)
    _answer(make, nps, 9)  # a promoter
    _answer(make, nps, 7)  # a passive
    assert run_alerts(later(11)) == 0  # the batch gathers for an hour from its first match
    assert run_alerts(later(72)) == 1
    [message] = slack.received
    assert message.json()["text"] == "Detractors: 5 new detractors in the last hour"
    assert len(message.json()["blocks"]) == 6


def test_teams_gets_an_adaptive_card(make, workspace, survey):
    teams = Receiver()
    try:
        create_rule(workspace.id, {"name": "Low", "conditions": {"score_at_most": 1}, "teams_webhook_url": teams.url})
        _answer(make, survey, 1, "No reply for a week")
        run_alerts(later(11))
        [message] = teams.received
        payload = message.json()
        assert payload["type"] == "message"
        [attachment] = payload["attachments"]
        assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
        card = attachment["content"]
        assert card["type"] == "AdaptiveCard" and "No reply for a week" in card["body"][1]["text"]
    finally:
        teams.close()


def test_a_chat_receiver_that_fails_is_retried_then_delivered(make, workspace, survey, slack):
    slack.fail_first = 2
    _rule(workspace, slack)
    _answer(make, survey, 1)
    run_alerts(later(11))
    notification = db.session.scalars(select(AlertNotification)).one()
    assert notification.status == "pending" and notification.attempts == 1 and "503" in notification.error
    run_alerts(later(13))  # the 1-minute retry
    run_alerts(later(19))  # the 5-minute retry
    db.session.refresh(notification)
    assert notification.status == "sent" and notification.attempts == 3
    assert len(slack.received) == 3 and len({r.body for r in slack.received}) == 1


def test_webhook_urls_are_encrypted_at_rest(workspace, slack):
    view = _rule(workspace, slack)
    stored = db.session.get(AlertRule, view.id)
    assert view.slack is True and slack.url not in stored.slack_url
