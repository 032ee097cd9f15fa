"""An unsubscribe suppresses the address in its own workspace only (SQLite, the default backend)."""

from __future__ import annotations

from app.extensions import db
from app.models import Invite
from app.services.sending.send import send_invite
from app.services.suppressions import suppress


def test_an_address_suppressed_in_one_workspace_is_still_surveyed_by_another(make):
    first, second = make.workspace("First"), make.workspace("Second")
    suppress(first.id, "ada@example.com", "unsubscribed")
    blocked = make.invite(make.survey(first), email="ada@example.com")
    allowed = make.invite(make.survey(second), email="ada@example.com")
    db.session.commit()
    send_invite(blocked.id)
    send_invite(allowed.id)
    db.session.expire_all()
    assert (db.session.get(Invite, blocked.id).status, db.session.get(Invite, blocked.id).reason) == (
        "skipped",
        "suppressed",
    )
    assert db.session.get(Invite, allowed.id).status == "sent"
