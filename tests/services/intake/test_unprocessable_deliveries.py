"""A stored delivery that cannot be processed fails with its reason; it never starves the sweep."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Invite, WebhookDelivery
from app.models.integration import DeliveryStatus
from app.models.types import utcnow
from app.services.intake import enrichment
from app.services.intake.enrichment import FETCH_RETRY_DELAYS, complete_delivery
from workers.tasks.sending import sweep_due_invites


@pytest.fixture
def broken_names(monkeypatch):
    """Invites for customers named "Broken …" raise as an unforeseen bug would, every time."""
    offer = enrichment.offer_invite

    def offer_or_raise(survey, data, *args):
        if (data["customer"].get("name") or "").startswith("Broken"):
            raise RuntimeError("an unforeseen bug")
        return offer(survey, data, *args)

    monkeypatch.setattr(enrichment, "offer_invite", offer_or_raise)


def _stored(integration, n: int, name: str, received_at=None) -> WebhookDelivery:
    """A solve as intake stores it: pending, due now, with the parsed invite."""
    invite = {
        "survey_id": integration.survey_id,
        "customer": {"email": f"c{n}@example.com", "name": name},
        "ticket": {"id": f"T-{n}"},
    }
    delivery = WebhookDelivery(
        integration_id=integration.id,
        external_id=f"evt-{n}",
        ticket_id=f"T-{n}",
        status=DeliveryStatus.PENDING,
        payload={"invite": invite},
        next_attempt_at=received_at or utcnow(),
    )
    db.session.add(delivery)
    return delivery


def test_three_hundred_unprocessable_deliveries_do_not_hold_back_a_good_one(make, broken_names):
    integration = make.integration(make.survey(make.workspace()))
    earlier = utcnow() - timedelta(minutes=5)
    for n in range(300):
        _stored(integration, n, f"Broken {n}", received_at=earlier)
    good = _stored(integration, 999, "Ada")
    db.session.commit()
    good_id = good.id

    sweep_due_invites()

    db.session.expire_all()
    assert db.session.get(WebhookDelivery, good_id).status == DeliveryStatus.DONE
    assert db.session.scalar(select(func.count()).select_from(Invite).where(Invite.ticket_id == "T-999")) == 1
    bad = db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.id != good_id)).all()
    assert {d.status for d in bad} == {DeliveryStatus.PENDING}
    assert {d.attempts for d in bad} == {1}
    assert all(d.error == "RuntimeError: an unforeseen bug" and d.next_attempt_at > utcnow() for d in bad)


def test_an_unprocessable_delivery_fails_with_its_reason_after_bounded_attempts(make, broken_names):
    integration = make.integration(make.survey(make.workspace()))
    delivery = _stored(integration, 1, "Broken")
    db.session.commit()
    outcomes = []
    for _ in range(len(FETCH_RETRY_DELAYS) + 1):
        delivery.next_attempt_at = utcnow()  # as if its backoff had passed
        db.session.commit()
        outcomes.append(complete_delivery(delivery.id))
    assert outcomes == ["retry"] * len(FETCH_RETRY_DELAYS) + ["failed"]
    db.session.expire_all()
    failed = db.session.get(WebhookDelivery, delivery.id)
    assert failed.status == DeliveryStatus.FAILED and failed.attempts == len(FETCH_RETRY_DELAYS) + 1
    assert failed.error == "RuntimeError: an unforeseen bug"
    assert complete_delivery(delivery.id) == "not_pending"  # and the sweep never picks it up again


def test_a_stored_body_the_schemas_now_refuse_fails_at_once_with_its_reason(make):
    integration = make.integration(make.survey(make.workspace()))
    # A lone surrogate in the name, stored before the boundary refused them: no retry can help.
    delivery = _stored(integration, 5, "Bad \ud800 name")
    db.session.commit()
    assert complete_delivery(delivery.id) == "failed"
    db.session.expire_all()
    failed = db.session.get(WebhookDelivery, delivery.id)
    assert failed.attempts == 1 and "lone surrogate" in failed.error


def test_the_cli_lists_failures_with_their_reason_and_retries_one(app, make):
    integration = make.integration(make.survey(make.workspace()))
    delivery = _stored(integration, 7, "Bad \ud800 name")
    db.session.commit()
    assert complete_delivery(delivery.id) == "failed"
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["deliveries", "list", "--integration", str(integration.id), "--status", "failed"])
    assert listed.exit_code == 0, listed.output
    (line,) = listed.output.splitlines()
    assert line.startswith(f"{delivery.id}\t") and "\tfailed\t1\tT-7\tinvalid invite:" in line
    assert runner.invoke(args=["deliveries", "retry", str(delivery.id)]).exit_code == 0
    db.session.expire_all()
    assert db.session.get(WebhookDelivery, delivery.id).status == DeliveryStatus.PENDING
    again = runner.invoke(args=["deliveries", "retry", str(delivery.id)])
    assert again.exit_code != 0 and "is not failed" in again.output
    empty = runner.invoke(args=["deliveries", "list", "--integration", str(integration.id), "--status", "done"])
    assert empty.output.strip() == "No deliveries with status done."


def test_the_api_lists_an_integrations_deliveries_with_status_and_reason(client, make, workspace, auth):
    integration = make.integration(make.survey(workspace))
    good = _stored(integration, 1, "Ada")
    bad = _stored(integration, 2, "Bad \ud800 name")
    db.session.commit()
    complete_delivery(good.id)
    complete_delivery(bad.id)
    url = f"/api/v1/integrations/{integration.id}/deliveries"

    everything = client.get(url, headers=auth)
    assert everything.status_code == 200
    assert [(d["id"], d["status"]) for d in everything.json["items"]] == [(bad.id, "failed"), (good.id, "done")]
    failed = client.get(f"{url}?status=failed", headers=auth).json["items"]
    assert len(failed) == 1 and failed[0]["attempts"] == 1 and "lone surrogate" in failed[0]["reason"]
    assert failed[0]["ticket_id"] == "T-2" and failed[0]["invite_id"] is None
    first = client.get(f"{url}?limit=1", headers=auth).json
    assert [d["id"] for d in first["items"]] == [bad.id] and first["next_cursor"] == str(bad.id)
    rest = client.get(f"{url}?limit=1&cursor={first['next_cursor']}", headers=auth).json
    assert [d["id"] for d in rest["items"]] == [good.id] and rest["next_cursor"] is None

    other = make.workspace("Other")
    assert client.get(url, headers={"Authorization": f"Bearer {other.key}"}).status_code == 404
    assert client.get(f"{url}?status=lost", headers=auth).status_code == 422
