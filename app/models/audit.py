"""The audit trail: who did what, when and from where; rows are only ever added.

No code path updates or deletes an `AuditEvent` (tests/services/test_audit.py scans app/ for one),
and on PostgreSQL a trigger refuses UPDATE, DELETE and TRUNCATE (migration 0011). The rows carry
no foreign keys on purpose: the trail outlives the people, keys and workspaces it names, and a
cascade from them would be a delete path.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import DDL, JSON, Index, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class AuditAction(StrEnum):
    SIGNED_IN = "signed_in"
    SIGN_IN_FAILED = "sign_in_failed"
    SETTINGS_CHANGED = "settings_changed"
    PRIVACY_CHANGED = "privacy_changed"
    SURVEY_CHANGED = "survey_changed"
    INTEGRATION_CHANGED = "integration_changed"
    EMBED_SECRET_ROTATED = "embed_secret_rotated"
    SECOND_FACTOR_CHANGED = "second_factor_changed"
    SUPPRESSION_CHANGED = "suppression_changed"
    KEY_CREATED = "key_created"
    KEY_REVOKED = "key_revoked"
    PERSON_INVITED = "person_invited"
    PERSON_REMOVED = "person_removed"
    INVITATION_REVOKED = "invitation_revoked"
    ROLE_CHANGED = "role_changed"
    EXPORTED = "exported"
    COMMENTS_READ = "comments_read"
    ERASED = "erased"
    SUBJECT_EXPORTED = "subject_exported"
    RETENTION_PURGED = "retention_purged"


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_workspace", "workspace_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # NULL for what belongs to no one workspace (a sign-in); the page shows its members' own.
    workspace_id: Mapped[int | None] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    api_key_id: Mapped[int | None] = mapped_column(Integer)
    # Who it was, as they were named then ("ana@acme.test", "key 'BI export'", "cli", "system").
    actor: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(32))
    # What it was done to ("key 12", "user 5", "survey 3"); never a respondent's address.
    target: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(45))


# Whoever asks, PostgreSQL refuses every change but an INSERT (the app has no such path; this stops
# a hand-written statement too). TRUNCATE has a statement-level trigger of its own. Migration 0011
# holds a copy of this text, and tests/integration/test_rollup_schema.py compares the two databases.
APPEND_ONLY_SQL = """
CREATE FUNCTION afterword_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = 'audit_events is append-only: ' || TG_OP || ' refused',
        ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER afterword_audit_append_only
    BEFORE UPDATE OR DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION afterword_audit_append_only();
CREATE TRIGGER afterword_audit_no_truncate
    BEFORE TRUNCATE ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION afterword_audit_append_only();
"""


@event.listens_for(AuditEvent.__table__, "after_create")
def _append_only(target, connection, **kw) -> None:
    """`db.create_all()` on PostgreSQL makes the table append-only too, as the migration does."""
    if connection.dialect.name == "postgresql":
        connection.execute(DDL(APPEND_ONLY_SQL))
