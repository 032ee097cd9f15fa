"""The alert rules settings page: the rules with what they last sent, a form for a new one, a page to
change one (or switch it off), removal. The forms post the API's own shape (schemas/alert.py), so
the page and the API refuse the same."""

from __future__ import annotations

from flask import abort, g, redirect, render_template, request, url_for
from flask_babel import gettext
from marshmallow import ValidationError

from app.errors import APIError
from app.extensions import db
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
_FLAGS = ("enabled", "remove_slack", "remove_teams")
_FORM = {
    "type": "object",
    "properties": {name: {"type": "string"} for name in (*_FIELDS, *_NUMBERS, *_FLAGS, "csrf_token")},
}
# A rule made through the API may hold several surveys, groups or sentiments where the form has one
# select: the select then offers to keep them as they are (this value), so a save never drops them.
KEEP = "*keep*"
_SINGLE = {"survey_id": "survey_ids", "group": "groups", "sentiment": "sentiments"}
_CONFIRM = {"type": "object", "properties": {"csrf_token": {"type": "string"}}}
_BLANK = {"debounce_minutes": "10", "cooldown_minutes": "0", "roles": ["owner", "admin"]}


def _page(values: dict | None = None, errors: dict | None = None, status: int = 200, editing=None):
    workspace_id = g.workspace.id
    values = values or dict(_BLANK)

    def kept_options(field: str) -> list[tuple[str, str]]:
        """The "as set" choice of a select whose rule holds several values (see KEEP)."""
        shown = values.get(f"{field}_kept")
        return [(KEEP, gettext("As set: %(values)s", values=shown))] if shown else []

    return (
        render_template(
            "web/settings/alerts.html",
            editing=editing,
            keep=KEEP,
            rules=[rules.rule_view(r) for r in rules.list_rules(workspace_id)],
            survey_options=[(str(s.id), s.name) for s in list_surveys(workspace_id)],
            values=values,
            kept_options=kept_options,
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


def _rule_body(form, rule=None) -> dict:
    """The form's fields in the API's shape; the schema then checks them as it checks the API's.
    Changing a `rule`: conditions the form has no field for are kept, a select left at "as set"
    keeps the rule's values, an empty chat URL keeps the one stored (it is never shown again)
    unless its "remove" box is ticked, and empty quiet hours clear them."""
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
    if rule is None:
        return body
    kept = dict(rule.conditions or {})
    for field, key in _SINGLE.items():
        if form.get(field) == KEEP:
            conditions[key] = kept.get(key, [])
    shown = {"score_at_most", "score_at_least", "themes", "agents", "teams", "channels", "segments", *_SINGLE.values()}
    body["conditions"] = {**{k: v for k, v in kept.items() if k not in shown}, **conditions}
    body["enabled"] = form.get("enabled") == "on"
    body.setdefault("quiet_hours", None)
    for chat in ("slack", "teams"):
        if not body[f"{chat}_webhook_url"] and form.get(f"remove_{chat}") != "on":
            del body[f"{chat}_webhook_url"]
    return body


def _values_of(rule) -> dict:
    """A stored rule as the form's fields, to change it."""
    conditions = rule.conditions or {}
    values = {
        name: ", ".join(conditions.get(name, [])) for name in ("themes", "agents", "teams", "channels", "segments")
    }
    for field, key in _SINGLE.items():
        chosen = conditions.get(key) or []
        values[field] = KEEP if len(chosen) > 1 else (str(chosen[0]) if chosen else "")
        values[f"{field}_kept"] = ", ".join(map(str, chosen)) if len(chosen) > 1 else ""
    for name in ("score_at_most", "score_at_least"):
        values[name] = "" if conditions.get(name) is None else str(conditions[name])
    for name in ("debounce_minutes", "cooldown_minutes", "batch_minutes"):
        values[name] = "" if getattr(rule, name) is None else str(getattr(rule, name))
    values.update(
        name=rule.name,
        roles=list(rule.email_roles or []),
        quiet_start=rule.quiet_start or "",
        quiet_end=rule.quiet_end or "",
        enabled="on" if rule.enabled else "",
    )
    return values


def _form_values() -> dict:
    """What was typed, to show the form again beside its errors."""
    values = {name: request.form.get(name, "") for name in (*_FIELDS, *_NUMBERS, *_FLAGS)}
    values["roles"] = request.form.getlist("roles")
    return values


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
    values = _form_values()
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


def _rule_or_404(workspace_id: int, rule_id: int):
    try:
        return rules.get_rule(workspace_id, rule_id)
    except APIError as refused:
        abort(refused.status)


@bp.get("/w/<id:workspace_id>/settings/alerts/<id:rule_id>")
@member_page(Action.MANAGE_SETTINGS)
@responds(200, content_type=HTML, errors=HTML, description="The alert rules, with one rule's form to change it")
@responds(404, content_type=HTML, description="No such rule in this workspace")
def settings_alert_edit(workspace_id: int, rule_id: int):
    """Change an alert rule, or switch it off."""
    rule = _rule_or_404(workspace_id, rule_id)
    return _page(_values_of(rule), editing=rules.rule_view(rule))


@bp.post("/w/<id:workspace_id>/settings/alerts/<id:rule_id>")
@member_page(Action.MANAGE_SETTINGS)
@takes(_FORM, location="form", content_type=FORM)
@responds(303, content_type=HTML, errors=HTML, description="Saved: back to the rules")
@responds(400, content_type=HTML, description="The form expired (CSRF token): nothing changed")
@responds(404, content_type=HTML, description="No such rule in this workspace")
@responds(422, content_type=HTML, description="Nothing changed: the form again, saying what to fix")
def settings_alert_update(workspace_id: int, rule_id: int):
    """Save a changed alert rule."""
    rule = _rule_or_404(workspace_id, rule_id)
    view = rules.rule_view(rule)
    stored = _values_of(rule)  # the "as set" choices, to show the form again with them
    values = {**_form_values(), **{f"{field}_kept": stored[f"{field}_kept"] for field in _SINGLE}}
    if not ConfirmForm().validate_on_submit():
        return _page(values, {"_form": ["The form expired: send it again."]}, 400, editing=view)
    try:
        rules.update_rule(rule, AlertRuleInSchema(partial=True).load(_rule_body(request.form, rule)))
    except ValidationError as invalid:
        db.session.rollback()
        return _page(values, _flat(invalid.messages), 422, editing=view)
    except APIError as refused:
        db.session.rollback()
        return _page(values, _flat(refused.fields) or {"_form": [refused.message]}, refused.status, editing=view)
    return redirect(url_for("web.settings_alerts", workspace_id=workspace_id), 303)
