"""Outbound webhooks end to end on SQLite: facts committed -> signed POSTs to a real loopback
receiver, retried until it answers, once per webhook-id."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.integrations import generic
from app.models import Invite, WebhookAttempt, WebhookEndpoint, WebhookEvent, WebhookMessage
from app.models.account import Role
from app.models.invite import InviteStatus
from app.models.outbound_webhook import MessageStatus
from app.models.types import utcnow
from app.platform.mail import PermanentFailure
from app.services.accounts.people import create_user, set_membership
from app.services.answers.record import load_invite_state, record_answer
from app.services.outbound import endpoints, log
from app.services.outbound.delivery import deliver_due, lease, retry_delay
from app.services.sending.send import send_invite
from tests.support.api import outbox

ALL = ["invite.failed", "invite.sent", "response.analyzed", "response.created", "response.updated"]


def _endpoint(workspace, url, events=ALL):
    return endpoints.create_endpoint(workspace.id, {"url": url + "/hooks/afterword", "events": events})


def _verify(received, secret):
    """The receiver's check, as Standard Webhooks libraries do it (raises if it does not hold)."""
    generic.verify(secret, received.headers, received.body, utcnow(), 300)


def _drain(rounds: int = 20) -> None:
    """Run the sweep until nothing is due (retries are due at once in these tests)."""
    for _ in range(rounds):
        if not db.session.scalar(
            select(func.count()).select_from(WebhookMessage).where(WebhookMessage.status == MessageStatus.PENDING)
        ):
            return
        deliver_due()


def test_a_receiver_that_fails_several_times_gets_every_event_once_per_id(make, workspace, receiver):
    view = _endpoint(workspace, receiver.url)
    receiver.fail_first = 5
    survey = make.survey(workspace)
    invite = make.invite(survey)  # sent in place: invite.sent
    state = load_invite_state(invite.token)
    record_answer(state, 1, "The refund never came and nobody answered")  # created, analyzed
    record_answer(load_invite_state(invite.token), 2, "The refund never came")  # updated, analyzed
    _drain()

    events = {e.public_id: e.type for e in db.session.scalars(select(WebhookEvent))}
    assert sorted(events.values()) == sorted(
        ["invite.sent", "response.created", "response.analyzed", "response.updated", "response.analyzed"]
    )
    delivered = list(receiver.received)
    assert len(delivered) == len(events) + 5  # five refused, each sent again later
    for received in delivered:
        _verify(received, view.secret)
        assert received.path == "/hooks/afterword"
        assert received.json()["type"] == events[received.headers["webhook-id"]]
    # Every event arrived; a retry carries the same id as the refused try, and nothing is doubled
    # beyond the refusals.
    assert {r.headers["webhook-id"] for r in delivered} == set(events)
    assert db.session.scalar(
        select(func.count()).select_from(WebhookMessage).where(WebhookMessage.status == MessageStatus.DELIVERED)
    ) == len(events)
    refused = db.session.scalars(select(WebhookAttempt).where(WebhookAttempt.status_code == 503)).all()
    assert len(refused) == 5 and refused[0].response_head == "down for maintenance"

    updated = next(r.json() for r in delivered if r.json()["type"] == "response.updated")
    assert updated["data"]["response"]["score"] == 2
    assert updated["data"]["response"]["comment"] == "The refund never came"
    assert updated["data"]["ticket"]["id"] == invite.ticket_id
    analyzed = [r.json() for r in delivered if r.json()["type"] == "response.analyzed"]
    assert {a["data"]["analysis"]["sentiment"] for a in analyzed} <= {"negative", "neutral", "positive", "mixed"}


def test_only_subscribed_events_are_written_and_none_without_an_endpoint(make, workspace, receiver):
    survey = make.survey(workspace)
    invite = make.invite(survey)
    record_answer(load_invite_state(invite.token), 4, None)
    assert db.session.scalar(select(func.count()).select_from(WebhookEvent)) == 0

    _endpoint(workspace, receiver.url, ["response.updated"])
    record_answer(load_invite_state(invite.token), 5, None)
    assert [e.type for e in db.session.scalars(select(WebhookEvent))] == ["response.updated"]
    assert [r.json()["data"]["response"]["score"] for r in receiver.received] == [5]


def test_response_analyzed_is_written_only_while_a_subscribed_endpoint_is_enabled(make, workspace, receiver):
    # The analysis worker reads whether a workspace has an enabled endpoint with its lock, and
    # asks nothing more when it has none: disabling must silence the event, enabling restore it.
    view = _endpoint(workspace, receiver.url, ["response.analyzed"])
    endpoint = endpoints.get_endpoint(workspace.id, view.id)
    endpoints.update_endpoint(endpoint, {"enabled": False})
    invite = make.invite(make.survey(workspace))
    record_answer(load_invite_state(invite.token), 1, "The refund never came")
    assert db.session.scalar(select(func.count()).select_from(WebhookEvent)) == 0

    endpoints.update_endpoint(endpoint, {"enabled": True})
    record_answer(load_invite_state(invite.token), 2, "The refund never came, still waiting")
    assert [e.type for e in db.session.scalars(select(WebhookEvent))] == ["response.analyzed"]


def test_a_message_a_killed_worker_held_is_sent_again_after_its_lease(make, workspace, receiver):
    _endpoint(workspace, receiver.url, ["response.created"])
    survey = make.survey(workspace)
    invite = make.invite(survey)
    receiver.fail_first = 0
    # The worker claimed it (the lease pushed next_attempt_at ahead) and died before the POST.
    message_count = db.session.scalar(select(func.count()).select_from(WebhookMessage))
    record_answer(load_invite_state(invite.token), 3, None)
    message = db.session.scalars(select(WebhookMessage)).all()[message_count:][0]
    assert message.status == MessageStatus.DELIVERED  # delivered in place (eager) ...
    message.status, message.next_attempt_at, message.delivered_at = MessageStatus.PENDING, utcnow() + lease(), None
    db.session.commit()  # ... now pretend that POST never happened, as after a crash
    deliver_due()
    assert len(receiver.received) == 1  # the claim still holds: nobody sends it
    message.next_attempt_at = utcnow() - timedelta(seconds=1)  # the lease ran out
    db.session.commit()
    deliver_due()
    assert len(receiver.received) == 2
    assert receiver.received[0].headers["webhook-id"] == receiver.received[1].headers["webhook-id"]
    assert db.session.get(WebhookMessage, message.id).status == MessageStatus.DELIVERED


def test_after_the_retry_period_the_endpoint_is_disabled_and_admins_emailed(app, make, workspace, receiver):
    admin = create_user("admin@example.com", "a long enough password")
    set_membership(admin, workspace.id, Role.ADMIN)
    view = _endpoint(workspace, receiver.url, ["response.created"])
    receiver.fail_first = 1000
    survey = make.survey(workspace)
    sent_before = len(outbox())
    record_answer(load_invite_state(make.invite(survey).token), 1, None)
    message = db.session.scalars(select(WebhookMessage)).one()
    assert message.status == MessageStatus.PENDING and message.attempts == 1
    message.retry_from = utcnow() - timedelta(hours=72)  # three days of refusals
    db.session.commit()
    deliver_due()

    assert db.session.get(WebhookMessage, message.id).status == MessageStatus.FAILED
    endpoint = db.session.get(WebhookEndpoint, view.id)
    assert not endpoint.enabled and "72 hours" in endpoint.disabled_reason
    mails = outbox()[sent_before:]
    notices = [m.read_text() for m in mails if "admin@example.com" in m.read_text()]
    assert len(notices) == 1 and "disabled" in notices[0]
    # Disabled: new answers write no messages for it.
    record_answer(load_invite_state(make.invite(survey).token), 2, None)
    assert db.session.scalar(select(func.count()).select_from(WebhookMessage)) == 1

    # Enabled again, it takes new events.
    receiver.fail_first = 0
    endpoints.update_endpoint(endpoint, {"enabled": True})
    record_answer(load_invite_state(make.invite(survey).token), 3, None)
    assert receiver.received[-1].json()["data"]["response"]["score"] == 3


def test_a_failed_send_is_announced_as_invite_failed(make, workspace, receiver, monkeypatch):
    _endpoint(workspace, receiver.url, ["invite.failed", "invite.sent"])
    survey = make.survey(workspace, send_delay_minutes=5)
    invite = make.invite(survey)

    def refuse(mail):
        raise PermanentFailure("550 no such mailbox")

    monkeypatch.setattr("app.services.sending.send.send_email", refuse)
    invite_row = db.session.get(Invite, invite.id)
    invite_row.due_at = utcnow()
    db.session.commit()
    assert send_invite(invite.id) == InviteStatus.FAILED
    [received] = receiver.received
    payload = received.json()
    assert payload["type"] == "invite.failed"
    assert payload["data"]["invite"] == {
        "id": invite.id,
        "survey_id": survey.id,
        "status": "failed",
        "sent_at": None,
        "reason": "550 no such mailbox",
    }
    assert payload["data"]["customer"]["email"] == invite.customer_email


def test_replay_sends_one_event_or_a_range_again_under_the_same_id(make, workspace, receiver):
    _endpoint(workspace, receiver.url, ["response.created"])
    survey = make.survey(workspace)
    start = utcnow()
    for score in (1, 2, 3):
        record_answer(load_invite_state(make.invite(survey).token), score, None)
    endpoint = db.session.scalars(select(WebhookEndpoint)).one()
    first = receiver.received[0].headers["webhook-id"]

    assert log.replay(endpoint, {"event_id": first}) == 1
    assert receiver.received[-1].headers["webhook-id"] == first
    assert log.replay(endpoint, {"since": start}) == 3
    ids = [r.headers["webhook-id"] for r in receiver.received]
    assert len(ids) == 7 and set(ids[4:]) == set(ids[:3])


def test_during_a_rotation_both_secrets_sign_and_after_it_only_the_new_one(make, workspace, receiver):
    old = _endpoint(workspace, receiver.url, ["response.created"])
    endpoint = db.session.get(WebhookEndpoint, old.id)
    new = endpoints.rotate_secret(endpoint, 24)
    assert new.secret != old.secret and new.previous_secret_until is not None
    survey = make.survey(workspace)
    record_answer(load_invite_state(make.invite(survey).token), 4, None)
    signatures = receiver.received[-1].headers["webhook-signature"].split()
    assert len(signatures) == 2
    _verify(receiver.received[-1], old.secret)  # a receiver not yet switched still verifies
    _verify(receiver.received[-1], new.secret)

    endpoint.previous_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    record_answer(load_invite_state(make.invite(survey).token), 5, None)
    _verify(receiver.received[-1], new.secret)
    with pytest.raises(Exception, match="does not match"):
        _verify(receiver.received[-1], old.secret)


def test_the_retry_schedule_is_exponential_and_lasts_three_days(app):
    app.config["WEBHOOK_RETRY_BASE_SECONDS"] = 30
    delays = [retry_delay(n) for n in range(1, 16)]
    assert delays[:6] == [timedelta(seconds=s) for s in (30, 120, 480, 1920, 7680, 30720)]
    assert set(delays[6:]) == {timedelta(hours=12)}
    # Attempts made before the 3 days run out: the first, then one after each delay.
    elapsed, attempts = timedelta(0), 1
    for delay in delays:
        if elapsed + delay > timedelta(hours=72):
            break
        elapsed, attempts = elapsed + delay, attempts + 1
    assert attempts == 12 and timedelta(hours=71) < elapsed < timedelta(hours=72)


def test_a_secret_that_cannot_be_read_is_never_sent_unsigned(app, make, workspace, receiver):
    view = _endpoint(workspace, receiver.url, ["response.created"])
    app.config["SECRET_KEY"] = "another key"  # the stored secret no longer decrypts
    record_answer(load_invite_state(make.invite(make.survey(workspace)).token), 1, None)
    assert receiver.received == []
    [attempt] = db.session.scalars(select(WebhookAttempt)).all()
    assert attempt.status_code is None and "SECRET_KEY" in attempt.error
    assert db.session.get(WebhookEndpoint, view.id).enabled
