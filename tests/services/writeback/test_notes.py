"""The score back in the helpdesk, against a loopback fake of each vendor's note API (paths,
bodies and authorization as their documentation gives them)."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Invite
from app.models.types import utcnow
from app.models.writeback import HelpdeskNote, HelpdeskWriteback
from app.services.answers.record import load_invite_state, record_answer
from app.services.writeback.notes import write_due_notes
from app.services.writeback.settings import set_writeback
from tests.support.receiver import Receiver


@pytest.fixture
def helpdesk():
    fake = Receiver(reply=b'{"id": 1}')
    yield fake
    fake.close()


def _connected(make, workspace, helpdesk, provider, **settings):
    survey = make.survey(workspace)
    integration = make.integration(survey, provider)
    credentials = (
        {"oauth_token": "tok-123"}
        if provider in ("helpscout", "intercom", "front")
        else {
            "email": "agent@acme.example",
            "api_token": "key-456",
        }
    )
    set_writeback(integration, {"enabled": True, "base_url": helpdesk.url, **credentials, **settings})
    return survey, integration


def _answer(make, survey, integration, score, comment, ticket="4711"):
    invite = make.invite(survey)
    row = db.session.get(Invite, invite.id)
    row.integration_id, row.ticket_id = integration.id, ticket  # as the helpdesk's webhook made it
    db.session.commit()
    record_answer(load_invite_state(invite.token), score, comment)
    return invite


def _basic(pair: str) -> str:
    return "Basic " + base64.b64encode(pair.encode()).decode()


def later(minutes: float):
    return utcnow() + timedelta(minutes=minutes)


EXPECTED = {
    "zendesk": [("PUT", "/api/v2/tickets/4711.json"), ("PUT", "/api/v2/tickets/4711/tags.json")],
    "freshdesk": [("POST", "/api/v2/tickets/4711/notes"), ("PUT", "/api/v2/tickets/4711")],
    "helpscout": [("POST", "/v2/conversations/4711/notes")],
    "intercom": [("POST", "/conversations/4711/reply")],
    "front": [("POST", "/conversations/4711/comments")],
    "gorgias": [("POST", "/api/tickets/4711/messages")],
}
AUTH = {
    "zendesk": _basic("agent@acme.example/token:key-456"),
    "freshdesk": _basic("key-456:X"),
    "gorgias": _basic("agent@acme.example:key-456"),
    "helpscout": "Bearer tok-123",
    "intercom": "Bearer tok-123",
    "front": "Bearer tok-123",
}
SETTINGS = {
    "zendesk": {"tag": "afterword_low", "field_id": "360001"},
    "freshdesk": {"field_id": "cf_csat"},
    "intercom": {"admin_id": "814860"},
}


@pytest.mark.parametrize("provider", list(EXPECTED))
def test_each_helpdesk_gets_an_internal_note_with_the_score(make, workspace, helpdesk, provider):
    survey, integration = _connected(make, workspace, helpdesk, provider, **SETTINGS.get(provider, {}))
    _answer(make, survey, integration, 2, "Took <b>ages</b>")
    assert write_due_notes(later(1)) == 0 and helpdesk.received == []  # the answer may still change
    assert write_due_notes(later(6)) == 1
    assert [(r.method, r.path) for r in helpdesk.received] == EXPECTED[provider]
    assert {r.headers["authorization"] for r in helpdesk.received} == {AUTH[provider]}
    first = helpdesk.received[0].json()
    if provider == "zendesk":
        assert first["ticket"]["comment"]["public"] is False
        assert "Afterword: CSAT 2/5" in first["ticket"]["comment"]["body"]
        assert first["ticket"]["custom_fields"] == [{"id": 360001, "value": 2}]
        assert helpdesk.received[1].json() == {"tags": ["afterword_low"]}
    elif provider == "freshdesk":
        assert first["private"] is True and "Took &lt;b&gt;ages&lt;/b&gt;" in first["body"]
        assert helpdesk.received[1].json() == {"custom_fields": {"cf_csat": 2}}
    elif provider == "helpscout":
        assert "Afterword: CSAT 2/5" in first["text"]
    elif provider == "intercom":
        assert first["message_type"] == "note" and first["admin_id"] == "814860" and first["type"] == "admin"
    elif provider == "front":
        assert "Took <b>ages</b>" in first["body"]  # Front comments are plain text
    else:
        assert first["channel"] == "internal-note" and first["from_agent"] is True
    assert f"/w/{workspace.id}/responses/" in helpdesk.received[0].body.decode()


def test_one_note_per_version_and_a_quick_correction_makes_one(make, workspace, helpdesk):
    survey, integration = _connected(make, workspace, helpdesk, "helpscout")
    invite = _answer(make, survey, integration, 1, "Awful")
    record_answer(load_invite_state(invite.token), 2, "Bad, not awful")  # within the delay
    assert write_due_notes(later(6)) == 1
    [note] = helpdesk.received
    assert "2/5" in note.json()["text"] and "Bad, not awful" in note.json()["text"]
    record_answer(load_invite_state(invite.token), 4, "They called me back")  # a later version
    write_due_notes(later(12))
    assert len(helpdesk.received) == 2 and "4/5" in helpdesk.received[1].json()["text"]
    assert write_due_notes(later(60)) == 0 and len(helpdesk.received) == 2
    statuses = sorted(n.status for n in db.session.scalars(select(HelpdeskNote)))
    assert statuses == ["sent", "sent", "superseded"]


def test_a_retry_resumes_after_the_calls_that_succeeded(make, workspace, helpdesk):
    survey, integration = _connected(make, workspace, helpdesk, "zendesk", tag="afterword")
    refusals = iter([True, True])
    helpdesk.fail_when = lambda r: r.path.endswith("/tags.json") and next(refusals, False)
    _answer(make, survey, integration, 1, None)
    write_due_notes(later(6))  # the comment goes in, the tag is refused
    write_due_notes(later(8))  # only the tag is tried again: refused again
    write_due_notes(later(14))  # and taken
    paths = [r.path for r in helpdesk.received]
    assert paths == ["/api/v2/tickets/4711.json"] + ["/api/v2/tickets/4711/tags.json"] * 3
    note = db.session.scalars(select(HelpdeskNote)).one()
    assert note.status == "sent" and note.steps_done == 2


def test_retries_until_the_helpdesk_answers_then_stop_on_a_refusal(make, workspace, helpdesk):
    survey, integration = _connected(make, workspace, helpdesk, "freshdesk")
    helpdesk.fail_first = 2
    _answer(make, survey, integration, 1, None)
    write_due_notes(later(6))
    note = db.session.scalars(select(HelpdeskNote)).one()
    assert note.status == "pending" and "503" in note.error
    write_due_notes(later(8))  # after the 1-minute retry
    write_due_notes(later(14))  # after the 5-minute retry
    db.session.refresh(note)
    assert note.status == "sent" and note.attempts == 3
    assert [r.path for r in helpdesk.received].count("/api/v2/tickets/4711/notes") == 3  # 2 refused, 1 taken

    helpdesk.fail_first, helpdesk.fail_status = 1, 401  # a revoked token: retrying cannot help
    _answer(make, survey, integration, 2, None, ticket="4713")
    write_due_notes(later(20))
    failed = db.session.scalars(select(HelpdeskNote).order_by(HelpdeskNote.id.desc())).first()
    assert failed.status == "failed" and "401" in failed.error


def test_tokens_are_encrypted_at_rest(make, workspace, helpdesk):
    _, integration = _connected(make, workspace, helpdesk, "zendesk")
    row = db.session.scalars(select(HelpdeskWriteback)).one()
    assert "key-456" not in row.credentials and integration.id == row.integration_id
