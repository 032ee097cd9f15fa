"""The audit trail: what the services record, by whom, and that nothing in the app can change a row."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent
from app.models.account import Role
from app.services.accounts import people, team
from app.services.accounts.sign_in import sign_in
from app.services.api_keys import create_key, revoke_key

APP = Path(__file__).resolve().parents[2] / "app"
PASSWORD = "correct horse battery"


def _events() -> list[tuple[str, str | None, str]]:
    return [(e.action, e.target, e.actor) for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_no_code_path_updates_or_deletes_an_audit_row():
    """Append-only by construction: the only statements on the table are INSERTs (and the trigger's
    refusal, in SQL). A new update or delete path anywhere under app/ fails this test."""
    changing = re.compile(
        r"(update|delete)\(\s*AuditEvent|AuditEvent\.__table__\.(update|delete)|"
        r"(UPDATE|DELETE FROM|TRUNCATE)\s+audit_events|session\.(delete|merge)\(\s*(event|row|audit)",
    )
    offenders = []
    for path in APP.rglob("*.py"):
        source = path.read_text()
        for match in changing.finditer(source):
            offenders.append(f"{path.relative_to(APP)}: {match.group()}")
    assert offenders == []
    # Who touches the model at all: its module, the service that adds rows, and the API that reads them.
    users = sorted(str(p.relative_to(APP)) for p in APP.rglob("*.py") if re.search(r"\bAuditEvent\b", p.read_text()))
    assert users == ["models/__init__.py", "models/audit.py", "services/audit.py"]
    # And the service adds, never assigns to a loaded row.
    service = (APP / "services/audit.py").read_text()
    assert re.search(r"\b(event|row)\.\w+\s*=[^=]", service) is None


def test_people_keys_and_sign_ins_are_recorded_with_who_did_them(app, workspace):
    owner = people.create_user("owner@example.com", PASSWORD)
    membership = people.set_membership(owner, workspace.id, Role.OWNER)
    db.session.commit()
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "203.0.113.9"}):
        from flask import g

        g.user = owner
        row, _ = create_key(membership, "BI", "read")
        revoke_key(membership, row.id)
        team.invite_person(membership, "new@example.com", "analyst")
        analyst = people.create_user("analyst@example.com", PASSWORD)
        member = people.set_membership(analyst, workspace.id, Role.ANALYST)
        db.session.commit()
        team.change_member(membership, member.id, role="viewer")
        team.remove_member(membership, member.id)
    sign_in("owner@example.com", PASSWORD, "198.51.100.1")

    assert _events() == [
        ("key_created", f"key {row.id}", "owner@example.com"),
        ("key_revoked", f"key {row.id}", "owner@example.com"),
        ("person_invited", "new@example.com", "owner@example.com"),
        ("role_changed", f"user {analyst.id}", "owner@example.com"),
        ("person_removed", f"user {analyst.id}", "owner@example.com"),
        ("signed_in", None, "owner@example.com"),
    ]
    first = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id))
    assert (first.ip, first.user_id, first.workspace_id) == ("203.0.113.9", owner.id, workspace.id)


def test_the_trail_names_a_customer_only_by_the_hash_of_their_address(app, make, workspace):
    from app.models.suppression import SuppressionReason, address_hash
    from app.services.suppressions import remove_suppression, suppress

    suppress(workspace.id, "Customer@Example.com", SuppressionReason.MANUAL)
    remove_suppression(workspace.id, "customer@example.com")
    suppress(workspace.id, "unsubscribed@example.com", SuppressionReason.UNSUBSCRIBED)  # the customer's own

    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.target, e.detail) for e in events] == [
        ("suppression_changed", address_hash(workspace.id, "customer@example.com"), {"added": "manual"}),
        ("suppression_changed", address_hash(workspace.id, "customer@example.com"), {"removed": True}),
    ]
    assert all("@" not in str((e.target, e.detail, e.actor)) for e in events)
