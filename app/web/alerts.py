"""The alert rules settings page: the rules with what they last sent, a form for a new one, removal.
The form posts the API's own shape (schemas/alert.py), so the page and the API refuse the same."""

from __future__ import annotations

from flask import abort, g, redirect, render_template, request, url_for
from marshmallow import ValidationError

from app.errors import APIError
from app.models.account import Role
from app.platform.contract import FORM, HTML, responds, takes
from app.schemas.alert import SENTIMENTS, AlertRuleInSchema
from app.services.accounts.permissions import Action
from app.services.alerts import rules
from app.services.surveys import list_surveys
from app.web.blueprint import bp
from app.web.forms import ConfirmForm
from app.web.members import member_page

_TEXT = ("name", "score_at_most", "score_at_least", "themes", "agents", "teams", "channels", "segments")
_FIELDS = (*_TEXT, "survey_id", "group", "sentiment", "roles", "slack_webhook_url", "teams_webhook_url")
_NUMBERS = ("debounce_minutes", "cooldown_minutes", "batch_minutes", "quiet_start", "quiet_end")
_FORM = {
    "type": "object",
    "properties": {name: {"type": "string"} for name in (*_FIELDS, *_NUMBERS, "csrf_token")},
}
_CONFIRM = {"type": "object", "properties": {"csrf_token": {"type": "string"}}}
_BLANK = {"debounce_minutes": "10", "cooldown_minutes": "0", "roles": ["owner", "admin"]}


def _page(values: dict | None = None, errors: dict | None = None, status: int = 200):
    workspace_id = g.workspace.id
    return (
        render_template(
            "web/settings/alerts.html",
            rules=[rules.rule_view(r) for r in rules.list_rules(workspace_id)],
            survey_options=[(str(s.id), s.name) for s in list_surveys(workspace_id)],
            values=values or dict(_BLANK),
            errors=errors or {},
            sentiment_options=[(s, s) for s in SENTIMENTS],
            roles=[r.value for r in Role],
        ),
        status,
    )


@bp.get("/w/<id:workspace_id>/settings/alerts")
@member_page(Action.MANAGE_SETTINGS)
@responds(200, content_type=HTML, errors=HTML, description="The alert rules, and a form for a new one")
def settings_alerts(workspace_id: int):
    """The alert rules settings page."""
    return _page()


def _listed(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _number(text: str):
    text = text.strip()
    return int(text) if text.lstrip("-").isdigit() and len(text) < 10 else (None if text == "" else text)


def _rule_body(form) -> dict:
    """The form's fields in the API's shape; the schema then checks them as it checks the API's."""
    conditions = {
        "score_at_most": _number(form.get("score_at_most", "")),
        "score_at_least": _number(form.get("score_at_least", "")),
    }
    if form.get("survey_id"):
        conditions["survey_ids"] = [_number(form["survey_id"])]
    if form.get("group"):
        conditions["groups"] = [form["group"]]
    if form.get("sentiment"):
        conditions["sentiments"] = [form["sentiment"]]
    for name in ("themes", "agents", "teams", "channels", "segments"):
        if _listed(form.get(name, "")):
            conditions[name] = _listed(form[name])
    body = {
        "name": form.get("name", "").strip(),
        "conditions": conditions,
        "email": {"roles": form.getlist("roles")},
        "debounce_minutes": _number(form.get("debounce_minutes", "10")),
        "cooldown_minutes": _number(form.get("cooldown_minutes", "0")),
        "batch_minutes": _number(form.get("batch_minutes", "")),
        "slack_webhook_url": form.get("slack_webhook_url", "").strip() or None,
        "teams_webhook_url": form.get("teams_webhook_url", "").strip() or None,
    }
    if form.get("quiet_start") or form.get("quiet_end"):
        body["quiet_hours"] = {"start": form.get("quiet_start", ""), "end": form.get("quiet_end", "")}
    return body


def _flat(messages: dict) -> dict:
    """Schema errors keyed by the form's field names (a nested condition names its own field)."""
    flat: dict[str, list] = {}
    for key, value in messages.items():
        if isinstance(value, dict):
            for inner, problems in _flat(value).items():
                flat.setdefault(inner if key in ("conditions", "email") else key, []).extend(problems)
        else:
            flat.setdefault(key, []).extend(value if isinstance(value, list) else [value])
    return flat


@bp.post("/w/<id:workspace_id>/settings/alerts")
@member_page(Action.MANAGE_SETTINGS)
@takes(_FORM, location="form", content_type=FORM)
@responds(303, content_type=HTML, errors=HTML, description="Created: back to the rules")
@responds(400, content_type=HTML, description="The form expired (CSRF token): nothing created")
@responds(422, content_type=HTML, description="Nothing created: the page again, saying what to fix")
def settings_alerts_create(workspace_id: int):
    """Create an alert rule."""
    values = {name: request.form.get(name, "") for name in (*_FIELDS, *_NUMBERS)}
    values["roles"] = request.form.getlist("roles")
    if not ConfirmForm().validate_on_submit():
        return _page(values, {"_form": ["The form expired: send it again."]}, 400)
    try:
        rules.create_rule(workspace_id, AlertRuleInSchema().load(_rule_body(request.form)))
    except ValidationError as invalid:
        return _page(values, _flat(invalid.messages), 422)
    except APIError as refused:
        return _page(values, _flat(refused.fields) or {"_form": [refused.message]}, refused.status)
    return redirect(url_for("web.settings_alerts", workspace_id=workspace_id), 303)


@bp.post("/w/<id:workspace_id>/settings/alerts/<id:rule_id>/delete")
@member_page(Action.MANAGE_SETTINGS)
@takes(_CONFIRM, location="form", content_type=FORM)
@responds(303, content_type=HTML, errors=HTML, description="Removed: back to the rules")
@responds(400, content_type=HTML, description="The form expired (CSRF token): nothing removed")
@responds(404, content_type=HTML, description="No such rule in this workspace")
def settings_alerts_delete(workspace_id: int, rule_id: int):
    """Remove an alert rule."""
    if not ConfirmForm().validate_on_submit():
        return _page(errors={"_form": ["The form expired: send it again."]}, status=400)
    try:
        rules.delete_rule(rules.get_rule(workspace_id, rule_id))
    except APIError as refused:
        abort(refused.status)
    return redirect(url_for("web.settings_alerts", workspace_id=workspace_id), 303)
