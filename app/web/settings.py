"""Settings pages: each shows a group of the workspace's settings and saves them through the same
service and schema as the API (PATCH /api/v1/workspace), so a page and a client can never disagree
on what is valid. Only roles that may manage settings see them."""

from __future__ import annotations

from types import SimpleNamespace

from flask import g, render_template, request
from marshmallow import ValidationError

from app.platform.contract import FORM, HTML, responds, takes
from app.schemas.workspace import WorkspaceInSchema
from app.services.accounts.permissions import Action, can
from app.services.sending.invite_email import sender_header
from app.services.workspaces import change_settings
from app.web.blueprint import bp
from app.web.brand import preview_query
from app.web.forms import ConfirmForm
from app.web.members import member_page

# (endpoint, label, who may open it): the settings navigation, in order.
PAGES = [
    ("web.settings_brand", "Name and brand", Action.MANAGE_SETTINGS),
    ("web.settings_rules", "Fatigue rules", Action.MANAGE_SETTINGS),
    ("web.settings_surveys", "Surveys", Action.MANAGE_SETTINGS),
    ("web.settings_integrations", "Helpdesk integrations", Action.MANAGE_SETTINGS),
    ("web.settings_widget", "Widget", Action.MANAGE_SETTINGS),
    ("web.settings_reporting_page", "Reporting", Action.MANAGE_SETTINGS),
    ("web.settings_alerts", "Alerts", Action.MANAGE_SETTINGS),
    ("web.settings_people", "People", Action.MANAGE_PEOPLE),
    ("web.settings_keys", "API keys", Action.MANAGE_KEYS),
    ("web.settings_security", "Security", Action.MANAGE_OWNERS),
    ("web.settings_privacy", "Privacy", Action.MANAGE_PRIVACY),
    ("web.settings_audit", "Audit trail", Action.MANAGE_PRIVACY),
]


@bp.app_context_processor
def _settings_nav():
    def settings_pages():
        membership = g.get("membership")
        return [(endpoint, label) for endpoint, label, action in PAGES if can(membership, action)]

    return {"settings_pages": settings_pages}


def _form_values(fields: dict[str, type]) -> dict:
    """The posted fields as the schema expects them: numbers as numbers, empty optional ones None,
    lists from comma-separated text."""
    values = {}
    for name, kind in fields.items():
        raw = request.form.get(name, "").strip()
        if kind is int:
            values[name] = int(raw) if raw.lstrip("-").isdigit() and len(raw) < 12 else (None if raw == "" else raw)
        elif kind is list:
            values[name] = [part.strip() for part in raw.split(",") if part.strip()]
        else:
            values[name] = raw if raw or kind is str else None
    return values


def _save(template: str, fields: dict[str, type], required: set[str] = frozenset(), page=None):
    """Validate the page's fields with the API's schema and save them; the page again either way."""
    if page is None:

        def page(values, errors, status=200, **extra):
            return render_template(template, values=values, errors=errors, **extra), status

    if not ConfirmForm().validate_on_submit():  # the CSRF token
        return page(request.form, {"_form": ["The form expired."]}, 400)
    values = _form_values(fields)
    for name in fields:
        if values[name] is None and name not in required and fields[name] is not int:
            values.pop(name)
    try:
        data = WorkspaceInSchema(partial=True).load(values)
    except ValidationError as invalid:
        return page(request.form, invalid.messages, 422)
    change_settings(g.membership, g.workspace, data)
    return page(_current(fields), {}, saved=True)


def _current(fields: dict[str, type]) -> dict:
    values = {}
    for name, kind in fields.items():
        value = getattr(g.workspace, name)
        values[name] = ", ".join(value) if kind is list else value
    return values


BRAND = {
    "name": str,
    "brand_colour": str,
    "logo_url": "url",
    "mail_from_name": "optional",
    "reply_to": "optional",
    "timezone": str,
}
# Emptied on the page: cleared (none), not left as they were.
BRAND_CLEARABLE = {"logo_url", "mail_from_name", "reply_to"}
RULES = {"send_delay_minutes": int, "cooldown_days": int, "sample_percent": int, "daily_cap": int, "exclude_tags": list}


@bp.get("/w/<id:workspace_id>/settings/brand")
@member_page(Action.MANAGE_SETTINGS)
@responds(
    200,
    content_type=HTML,
    errors=HTML,
    description="The workspace's name, brand colour, logo, sender name, reply-to and time zone, with a preview",
)
def settings_brand_page(workspace_id: int):
    """The name-and-brand settings page."""
    return _brand_page(_current(BRAND), {})


def _brand_page(values, errors: dict, status: int = 200, **extra):
    """The brand page, its preview showing `values` (as saved, or as typed when refused)."""
    page = render_template(
        "web/settings/brand.html",
        values=values,
        errors=errors,
        sender=sender_header(SimpleNamespace(mail_from_name=values.get("mail_from_name"))),
        reply_to=values.get("reply_to"),
        preview=preview_query(values),
        **extra,
    )
    return page, status


@bp.post("/w/<id:workspace_id>/settings/brand")
@member_page(Action.MANAGE_SETTINGS)
@takes(
    {"type": "object", "properties": {k: {"type": "string"} for k in [*BRAND, "csrf_token"]}},
    location="form",
    content_type=FORM,
)
@responds(200, content_type=HTML, errors=HTML, description="Saved; the page again")
@responds(422, content_type=HTML, description="Nothing saved: the page again, saying what to fix")
def settings_brand(workspace_id: int):
    """Save the name, brand colour, logo, sender name, reply-to and time zone."""
    return _save("web/settings/brand.html", BRAND, required=BRAND_CLEARABLE, page=_brand_page)


@bp.get("/w/<id:workspace_id>/settings/rules")
@member_page(Action.MANAGE_SETTINGS)
@responds(200, content_type=HTML, errors=HTML, description="The workspace-wide fatigue rules")
def settings_rules_page(workspace_id: int):
    """The fatigue-rules settings page."""
    return render_template("web/settings/rules.html", values=_current(RULES), errors={})


@bp.post("/w/<id:workspace_id>/settings/rules")
@member_page(Action.MANAGE_SETTINGS)
@takes(
    {"type": "object", "properties": {k: {"type": "string"} for k in [*RULES, "csrf_token"]}},
    location="form",
    content_type=FORM,
)
@responds(200, content_type=HTML, errors=HTML, description="Saved; the page again")
@responds(422, content_type=HTML, description="Nothing saved: the page again, saying what to fix")
def settings_rules(workspace_id: int):
    """Save the workspace-wide fatigue rules (each survey may only be stricter)."""
    return _save("web/settings/rules.html", RULES)
