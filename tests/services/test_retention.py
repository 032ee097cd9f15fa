"""Retention: data past each window goes, in batches; what the figures are made of stays."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Invite, InviteEvent, Response, WebhookDelivery
from app.models.types import utcnow
from app.services.privacy import retention
from app.services.privacy.policy import change_policy
from tests.support.api import answer


def test_defaults_purge_old_webhook_bodies_and_logs_but_keep_comments_and_identity(make, workspace):
    survey = make.survey(workspace)
    old = answer(make, survey, 2, "slow and rude", email="old@example.com")
    integration = make.integration(survey)
    long_ago = utcnow() - timedelta(days=100)
    db.session.add_all(
        [
            WebhookDelivery(integration_id=integration.id, external_id="a", status="failed", payload={"x": 1}),
            WebhookDelivery(
                integration_id=integration.id, external_id="b", status="failed", payload={"x": 2}, received_at=long_ago
            ),
            WebhookDelivery(
                integration_id=integration.id, external_id="c", status="pending", payload={"x": 3}, received_at=long_ago
            ),
        ]
    )
    for event in db.session.scalars(select(InviteEvent)):
        event.at = long_ago
    db.session.commit()

    removed = retention.purge_workspace(workspace.id)

    # The old failed delivery: its body past 30 days, then its row past 90; every event past 90.
    assert removed == {"webhook_bodies": 1, "webhook_logs": 1, "delivery_logs": 3}
    left = {d.external_id: d.payload for d in db.session.scalars(select(WebhookDelivery))}
    assert left == {"a": {"x": 1}, "c": {"x": 3}}  # a pending delivery still needs its body
    assert db.session.get(Response, old.id).comment == "slow and rude"
    assert db.session.get(Invite, old.invite_id).customer_email == "old@example.com"
    assert db.session.scalar(select(AuditEvent.detail).where(AuditEvent.action == "retention_purged")) == {
        "rows": removed
    }
    assert retention.purge_workspace(workspace.id) == {}  # a second run finds nothing


def test_comment_and_identity_windows_remove_text_keep_scores_and_analysis(make, workspace, monkeypatch):
    survey = make.survey(workspace)
    change_policy(workspace.id, {"comment_text_days": 30, "respondent_identity_days": 60})
    old = [answer(make, survey, 4, f"great help number {i}", email=f"p{i}@example.com") for i in range(5)]
    new = answer(make, survey, 1, "fresh complaint", email="new@example.com")
    for response in old:
        response.answered_at = utcnow() - timedelta(days=90)
        db.session.get(Invite, response.invite_id).created_at = utcnow() - timedelta(days=90)
    bounced = db.session.get(Invite, old[0].invite_id)
    bounced.reason = "550 5.1.1 <p0@example.com>: user unknown"
    db.session.add(InviteEvent(invite_id=bounced.id, status="failed", detail="p0@example.com refused by the relay"))
    db.session.commit()
    polarity = {r.id: r.polarity for r in old}
    monkeypatch.setattr(retention, "BATCH", 2)  # 5 rows: three batches

    removed = retention.purge_workspace(workspace.id)

    assert removed["comment_text"] == 5 and removed["respondent_identity"] == 5
    for response in old:
        db.session.refresh(response)
        assert (response.comment, response.score, response.polarity) == ("[removed]", 4, polarity[response.id])
        assert db.session.get(Invite, response.invite_id).customer_email is None
    assert db.session.get(Response, new.id).comment == "fresh complaint"
    emails = db.session.scalar(select(func.count()).where(Invite.customer_email.is_not(None)))
    assert emails == 1
    assert db.session.get(Invite, old[0].invite_id).reason == "550 5.1.1 <[erased]>: user unknown"
    assert "p0@example.com" not in str(db.session.scalars(select(InviteEvent.detail)).all())


def test_the_beat_runs_the_purge_task_hourly_and_it_counts_what_went(app, make, workspace):
    from app.platform.queue import PURGE_EXPIRED_DATA
    from workers.tasks.privacy import purge_expired_data

    schedule = app.extensions["celery"].conf.beat_schedule
    assert {"task": PURGE_EXPIRED_DATA, "schedule": 3600.0} in schedule.values()
    integration = make.integration(make.survey(workspace))
    db.session.add(
        WebhookDelivery(
            integration_id=integration.id,
            external_id="old",
            status="failed",
            payload={"x": 1},
            received_at=utcnow() - timedelta(days=31),
        )
    )
    db.session.commit()
    assert purge_expired_data.apply().get() == 1
    assert purge_expired_data.apply().get() == 0


def test_delivery_logs_include_old_outbound_events_and_alert_notifications(make, workspace):
    from app.models.alert import AlertNotification, AlertRule
    from app.models.outbound_webhook import WebhookAttempt, WebhookEndpoint, WebhookEvent, WebhookMessage

    long_ago = utcnow() - timedelta(days=100)
    endpoint = WebhookEndpoint(workspace_id=workspace.id, url="https://hooks.example.com/x", events=[], secret="s")
    rule = AlertRule(workspace_id=workspace.id, name="Low", conditions={}, email_user_ids=[], email_roles=["owner"])
    db.session.add_all([endpoint, rule])
    db.session.flush()
    events = {}
    for name, status, at in [
        ("done", "delivered", long_ago),
        ("retrying", "pending", long_ago),
        ("new", "delivered", utcnow()),
    ]:
        event = WebhookEvent(
            public_id=f"evt_{name}", workspace_id=workspace.id, type="response.created", body="{}", created_at=at
        )
        db.session.add(event)
        db.session.flush()
        message = WebhookMessage(event_id=event.id, endpoint_id=endpoint.id, status=status)
        db.session.add(message)
        db.session.flush()
        db.session.add(WebhookAttempt(message_id=message.id, endpoint_id=endpoint.id, status_code=200))
        events[name] = event.id
    for status, at in [("sent", long_ago), ("failed", long_ago), ("pending", long_ago), ("sent", utcnow())]:
        db.session.add(
            AlertNotification(
                rule_id=rule.id,
                workspace_id=workspace.id,
                channel="email",
                subject="s",
                body="slow and rude",
                status=status,
                created_at=at,
            )
        )
    db.session.commit()

    removed = retention.purge_workspace(workspace.id)

    assert removed == {"delivery_logs": 3}  # one finished event, two finished notifications
    assert set(db.session.scalars(select(WebhookEvent.id))) == {events["retrying"], events["new"]}
    assert db.session.scalar(select(func.count()).select_from(WebhookMessage)) == 2
    assert db.session.scalar(select(func.count()).select_from(WebhookAttempt)) == 2
    assert sorted(db.session.scalars(select(AlertNotification.status))) == ["pending", "sent"]
    assert retention.purge_workspace(workspace.id) == {}
