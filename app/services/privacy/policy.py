"""A workspace's privacy policy: whether free text is redacted on intake, and each retention window."""

from __future__ import annotations

from app.analysis.redaction import redact
from app.extensions import db
from app.models import Membership, PrivacyPolicy
from app.models.audit import AuditAction
from app.models.privacy import DEFAULT_RETENTION, DataKind
from app.services import audit
from app.services.accounts.permissions import Action, require

FIELDS = ("redact_free_text", *(f"{kind.value}_days" for kind in DataKind), "keep_completed_webhook_bodies")


def policy_for(workspace_id: int) -> PrivacyPolicy:
    """The stored policy, or (not added to the session) one holding every default."""
    row = db.session.get(PrivacyPolicy, workspace_id)
    if row is not None:
        return row
    defaults = {f"{kind.value}_days": days for kind, days in DEFAULT_RETENTION.items()}
    return PrivacyPolicy(
        workspace_id=workspace_id, redact_free_text=True, keep_completed_webhook_bodies=False, **defaults
    )


def clean_free_text(workspace_id: int, text: str | None) -> str | None:
    """What a customer typed, as it may be stored: redacted unless the workspace turned that off.

    Every path that stores customers' free text calls this first, so the original never reaches
    the database, the analysis, an alert, an email or an export."""
    if not text or not policy_for(workspace_id).redact_free_text:
        return text
    return redact(text)


def change_policy(workspace_id: int, data: dict, membership: Membership | None = None) -> PrivacyPolicy:
    """Change some of the policy's fields (as PrivacyPolicyInSchema loaded them), recorded in the audit trail.

    `membership` is the person asking, from a settings page; the API's key was authorised already."""
    if membership is not None:
        require(membership, Action.MANAGE_PRIVACY)
    row = policy_for(workspace_id)
    before = {name: getattr(row, name) for name in FIELDS}
    for name, value in data.items():
        setattr(row, name, value)
    changed = {name: [before[name], getattr(row, name)] for name in FIELDS if before[name] != getattr(row, name)}
    if changed:
        db.session.add(row)
        audit.record(AuditAction.PRIVACY_CHANGED, workspace_id, "privacy policy", changed)
    db.session.commit()
    return row
