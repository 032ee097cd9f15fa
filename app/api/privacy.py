"""Data-subject requests (erase, export), the privacy policy and the audit trail.

The bearer key must have write scope for everything here, reads included: an export hands out a
person's data, and the audit trail tells who did what."""

from __future__ import annotations

from flask import g

from app.api.auth import current_workspace
from app.api.blueprint import bp
from app.api.contract import accepts, paginated, responds
from app.errors import APIError
from app.models.api_key import KeyScope
from app.schemas.privacy import (
    AuditEventSchema,
    AuditQuery,
    ErasureOutSchema,
    PrivacyPolicySchema,
    SubjectExportSchema,
    SubjectInSchema,
)
from app.services.audit import AuditFilters, events_page
from app.services.privacy.erasure import erase_person
from app.services.privacy.policy import change_policy, policy_for
from app.services.privacy.subject_export import export_person


def _write_key() -> int:
    if g.api_key.scope != KeyScope.WRITE:
        raise APIError(403, "forbidden", "Privacy requests and the audit trail need an API key with write scope.")
    return current_workspace().id


@bp.post("/privacy/erasures")
@accepts(SubjectInSchema)
@responds(200, ErasureOutSchema)
def create_erasure(body: dict):
    """Erase a person: identity and free text removed, scores kept anonymous, the address suppressed."""
    return {"erased": True, "rows": erase_person(_write_key(), body["email"])}


@bp.get("/privacy/export")
@accepts(SubjectInSchema, location="query")
@responds(200, SubjectExportSchema)
def export_subject(query: dict):
    """Everything held about a person (invites, their history and answers, suppressions, webhook bodies)."""
    return export_person(_write_key(), query["email"])


@bp.get("/privacy/policy")
@responds(200, PrivacyPolicySchema)
def get_privacy_policy():
    """Redaction on intake, and the retention window of each kind of data."""
    return policy_for(_write_key())


@bp.patch("/privacy/policy")
@accepts(PrivacyPolicySchema, partial=True)
@responds(200, PrivacyPolicySchema)
def update_privacy_policy(body: dict):
    """Change redaction or retention windows (null keeps the data while the workspace exists)."""
    return change_policy(_write_key(), body)


@bp.get("/audit")
@accepts(AuditQuery, location="query")
@paginated(AuditEventSchema, description="Audit events, newest first")
def list_audit_events(query: dict):
    """Who did what, when and from where: filter by actor, action and period; cursor pagination."""
    filters = AuditFilters(query.get("actor"), query.get("action"), query.get("since"), query.get("until"))
    return events_page(_write_key(), filters, query["limit"], query.get("cursor"))
