"""Settings → Privacy (redaction, retention windows, erase or export a person) and Settings → Audit trail.

The pages call the same services as the API (services/privacy, services/audit), which check the
role and record the audit events; these views only read forms and render."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from flask import Response, g, render_template, request
from marshmallow import ValidationError

from app.errors import APIError
from app.models.audit import AuditAction
from app.models.privacy import DataKind
from app.platform.contract import FORM, HTML, JSON, responds, takes
from app.schemas.privacy import AuditPageQuery, PrivacyPolicySchema, SubjectExportSchema, SubjectInSchema
from app.services.accounts.permissions import Action
from app.services.audit import AuditFilters, list_events
from app.services.privacy.erasure import erase_person
from app.services.privacy.policy import FIELDS, change_policy, policy_for
from app.services.privacy.subject_export import export_person
from app.web.blueprint import bp
from app.web.forms import ConfirmForm
from app.web.members import member_page

LABELS = {
    DataKind.COMMENT_TEXT: ("Comment text", "What customers typed; the score and its analysis stay."),
    DataKind.RESPONDENT_IDENTITY: ("Respondent identity", "The customer's address, name and id on each invite."),
    DataKind.WEBHOOK_BODIES: (
        "Raw webhook bodies",
        "Dropped as soon as a delivery completes (unless kept below); this bounds how long a failed one keeps its body.",
    ),
    DataKind.DELIVERY_LOGS: (
        "Delivery logs",
        "Each invite's history (scheduled, sent, skipped, failed), and what was sent out about answers: events to your webhook endpoints and alert notifications.",
    ),
    DataKind.WEBHOOK_LOGS: ("Webhook logs", "The deliveries received from helpdesks, and their errors."),
}
_POLICY_FORM = {
    "type": "object",
    "properties": {name: {"type": "string"} for name in [*FIELDS, "csrf_token"]},
}
_SUBJECT_FORM = {
    "type": "object",
    "properties": {"email": {"type": "string"}, "confirm": {"type": "string"}, "csrf_token": {"type": "string"}},
}
PAGE_SIZE = 50


def _values(policy) -> dict:
    return {name: getattr(policy, name) for name in FIELDS}


def _page(values: dict | None = None, errors: dict | None = None, status: int = 200, **extra):
    return (
        render_template(
            "web/settings/privacy.html",
            values=values if values is not None else _values(policy_for(g.workspace.id)),
            errors=errors or {},
            kinds=[(kind, *LABELS[kind]) for kind in DataKind],
            **extra,
        ),
        status,
    )


@bp.get("/w/<id:workspace_id>/settings/privacy")
@member_page(Action.MANAGE_PRIVACY)
@responds(200, content_type=HTML, errors=HTML, description="Redaction, retention windows, and a person's erasure")
def settings_privacy(workspace_id: int):
    """The privacy settings page."""
    return _page()


@bp.post("/w/<id:workspace_id>/settings/privacy")
@member_page(Action.MANAGE_PRIVACY)
@takes(_POLICY_FORM, location="form", content_type=FORM)
@responds(200, content_type=HTML, errors=HTML, description="Saved; the page again")
@responds(400, content_type=HTML, description="The form expired (CSRF token): nothing saved")
@responds(422, content_type=HTML, description="Nothing saved: the page again, saying what to fix")
def settings_privacy_save(workspace_id: int):
    """Save redaction and the retention windows (an empty window keeps the data)."""
    values = {name: request.form.get(name) == "on" for name in ("redact_free_text", "keep_completed_webhook_bodies")}
    for kind in DataKind:
        raw = request.form.get(f"{kind.value}_days", "").strip()
        values[f"{kind.value}_days"] = int(raw) if raw.isdigit() and len(raw) < 6 else (raw or None)
    if not ConfirmForm().validate_on_submit():
        return _page(values, {"_form": ["The form expired: send it again."]}, 400)
    try:
        data = PrivacyPolicySchema().load(values)
    except ValidationError as invalid:
        return _page(values, invalid.messages, 422)
    change_policy(g.workspace.id, data, g.membership)
    return _page(saved=True)


def _subject() -> tuple[str | None, dict]:
    try:
        return SubjectInSchema().load({"email": request.form.get("email", "").strip()})["email"], {}
    except ValidationError as invalid:
        return None, {"email": invalid.messages["email"]}


@bp.post("/w/<id:workspace_id>/settings/privacy/erase")
@member_page(Action.MANAGE_PRIVACY)
@takes(_SUBJECT_FORM, location="form", content_type=FORM)
@responds(200, content_type=HTML, errors=HTML, description="Erased: the page again, saying how many rows changed")
@responds(400, content_type=HTML, description="The form expired (CSRF token): nothing erased")
@responds(422, content_type=HTML, description="Nothing erased: no address, or the erasure was not confirmed")
def settings_privacy_erase(workspace_id: int):
    """Erase a person: identity and free text removed, scores kept anonymous, the address suppressed."""
    if not ConfirmForm().validate_on_submit():
        return _page(errors={"_form": ["The form expired: send it again."]}, status=400)
    email, errors = _subject()
    if email and request.form.get("confirm") != "on":
        errors = {"confirm": ["Tick the box to confirm: an erasure cannot be undone."]}
    if errors:
        return _page(errors=errors, status=422, subject=request.form.get("email", ""))
    try:
        rows = erase_person(g.workspace.id, email, g.membership)
    except APIError as refused:
        return _page(errors=refused.fields or {"_form": [refused.message]}, status=refused.status)
    return _page(erased=rows)


@bp.post("/w/<id:workspace_id>/settings/privacy/export")
@member_page(Action.MANAGE_PRIVACY)
@takes(_SUBJECT_FORM, location="form", content_type=FORM)
@responds(200, SubjectExportSchema, errors=HTML, description="Everything held about the person, as a JSON download")
@responds(400, content_type=HTML, description="The form expired (CSRF token)")
@responds(422, content_type=HTML, description="No address given: the page again")
def settings_privacy_export(workspace_id: int):
    """Download everything held about a person as JSON (a POST: the address stays out of URLs and logs)."""
    if not ConfirmForm().validate_on_submit():
        return _page(errors={"_form": ["The form expired: send it again."]}, status=400)
    email, errors = _subject()
    if errors:
        return _page(errors=errors, status=422, subject=request.form.get("email", ""))
    data = export_person(g.workspace.id, email, g.membership)
    return Response(
        json.dumps(data, indent=2, ensure_ascii=False),
        mimetype=JSON,
        headers={"Content-Disposition": 'attachment; filename="person-export.json"'},
    )


def _day(raw: str | None) -> datetime | None:
    try:
        return datetime.strptime(raw, "%Y-%m-%d").replace(tzinfo=UTC) if raw else None
    except ValueError:
        return None


@bp.get("/w/<id:workspace_id>/settings/audit")
@member_page(Action.MANAGE_PRIVACY)
@takes(AuditPageQuery, location="query", required=False)
@responds(200, content_type=HTML, errors=HTML, description="The audit trail, newest first, filtered, 50 a page")
def settings_audit(workspace_id: int):
    """The audit trail: who did what, when and from where."""
    args = request.args
    action = args.get("action") if args.get("action") in set(AuditAction) else None
    until = _day(args.get("until"))
    filters = AuditFilters(
        (args.get("actor") or "").strip()[:320] or None,
        action,
        _day(args.get("since")),
        until + timedelta(days=1) if until else None,  # the day given is included
    )
    before = args.get("before", "")
    page = list_events(g.membership, filters, PAGE_SIZE, int(before) if before.isdigit() and len(before) < 12 else None)
    query = {k: args.get(k) for k in ("actor", "action", "since", "until") if args.get(k)}
    return render_template(
        "web/settings/audit.html", page=page, query=query, actions=list(AuditAction), filters=args, errors={}
    )
