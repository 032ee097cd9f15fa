"""The whole loop on real services (Postgres, Redis, a Celery worker, aiosmtpd, loopback receivers):
a low answer, edited within the debounce -> one alert with the final value, one case, one signed
webhook per event, one note on the fake helpdesk."""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.integrations import generic
from app.models import Invite, Response
from app.models.account import Role
from app.models.case import Case
from app.models.types import utcnow
from app.services.accounts.people import create_user, set_membership
from app.services.alerts.rules import create_rule
from app.services.alerts.sweep import run_alerts
from app.services.outbound.endpoints import create_endpoint
from app.services.writeback.notes import write_due_notes
from app.services.writeback.settings import set_writeback
from tests.integration.services import Worker
from tests.integration.test_outbound_webhooks import _sweep_until_delivered, own_stack, worker_queue  # noqa: F401  (a fixture)
from tests.support.factories import Factory
from tests.support.receiver import Receiver

pytestmark = pytest.mark.integration

EVENTS = ["response.created", "response.updated", "response.analyzed", "invite.sent", "case.opened"]


def test_a_low_answer_edited_within_the_debounce(own_stack, mailbox):  # noqa: F811  (the fixture, imported)
    app, env, tmp_path = own_stack
    hooks, slack, zendesk = Receiver(fail_first=2), Receiver(), Receiver(reply=b'{"ticket": {}}')
    worker = None
    try:
        make = Factory()
        workspace = make.workspace("Loop Co")
        lead = create_user(f"lead-{workspace.id}@example.com", "a long enough password")
        set_membership(lead, workspace.id, Role.MANAGER)
        survey = make.survey(workspace)
        integration = make.integration(survey, "zendesk")
        set_writeback(
            integration,
            {"enabled": True, "base_url": zendesk.url, "email": "bot@x.example", "api_token": "t", "tag": "afterword"},
        )
        endpoint = create_endpoint(workspace.id, {"url": hooks.url, "events": EVENTS})
        create_rule(
            workspace.id,
            {
                "name": "Unhappy",
                "conditions": {"score_at_most": 2},
                "email": {"user_ids": [lead.id]},
                "slack_webhook_url": slack.url,
                "case": {"open": True, "assign": "person", "user_id": lead.id},
            },
        )
        invite = make.invite(survey)
        row = db.session.get(Invite, invite.id)
        row.integration_id, row.ticket_id = integration.id, "9001"
        db.session.commit()
        worker = Worker(env, worker_queue(app), tmp_path / "worker.log")
        client = app.test_client()
        assert client.post(f"/s/{invite.token}", data={"score": "2", "comment": "Slow"}).status_code == 200
        assert client.post(f"/s/{invite.token}", data={"score": "1", "comment": "Slow and rude"}).status_code == 200

        # The analysis (worker) has to be done before the rule weighs and the webhooks settle.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            db.session.rollback()
            answer = db.session.scalar(select(Response).where(Response.invite_id == invite.id))
            sent = db.session.scalar(select(Invite).where(Invite.id == invite.id)).status == "sent"
            if sent and answer.analyzed_at is not None and answer.analyzed_at >= answer.updated_at:
                break
            time.sleep(0.3)
        assert run_alerts(utcnow() + timedelta(minutes=5)) == 0  # within the debounce
        assert run_alerts(utcnow() + timedelta(minutes=11)) == 1
        assert run_alerts(utcnow() + timedelta(minutes=30)) == 0
        assert write_due_notes(utcnow() + timedelta(minutes=6)) == 1
        _sweep_until_delivered(app, endpoint.id)

        [alert] = slack.received
        assert alert.json()["text"].startswith("Unhappy: score 1/5")  # the final value
        mail = [m for m in mailbox.wait_for(1) if m["To"] == lead.email]
        assert len(mail) == 1 and "Slow and rude" in mail[0].get_payload(decode=True).decode()
        [case] = db.session.scalars(select(Case).where(Case.workspace_id == workspace.id)).all()
        assert case.assignee_id == lead.id
        assert [(r.method, r.path) for r in zendesk.received] == [
            ("PUT", "/api/v2/tickets/9001.json"),
            ("PUT", "/api/v2/tickets/9001/tags.json"),
        ]
        assert "1/5" in zendesk.received[0].json()["ticket"]["comment"]["body"]

        delivered = {}
        for received in hooks.received:
            generic.verify(endpoint.secret, received.headers, received.body, utcnow(), 300)
            delivered.setdefault(received.headers["webhook-id"], received.json()["type"])
        kinds = Counter(delivered.values())
        # One event per fact; the first version may or may not have been analysed before the edit.
        assert kinds.pop("response.analyzed") in (1, 2)
        assert kinds == {"invite.sent": 1, "response.created": 1, "response.updated": 1, "case.opened": 1}
        assert len(hooks.received) == len(delivered) + 2  # the two refusals, each sent again
    finally:
        if worker is not None:
            worker.stop()
        for receiver in (hooks, slack, zendesk):
            receiver.close()
