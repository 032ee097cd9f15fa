"""The helpdesk integrations settings page: connect a helpdesk, paste what it needs, test it, and
read its recent deliveries. Connecting goes through the API's own schema and service."""

from __future__ import annotations

from flask import abort, current_app, g, redirect, render_template, request, url_for
from marshmallow import ValidationError

from app.errors import APIError
from app.models.integration import Provider
from app.platform.contract import FORM, HTML, responds, takes
from app.schemas.integration import IntegrationInSchema
from app.services.accounts.permissions import Action
from app.services.intake.deliveries import list_deliveries
from app.services.integrations import (
    connect_integration,
    get_integration,
    integration_view,
    list_integrations,
    send_test_hook,
)
from app.services.surveys import list_surveys
from app.web.blueprint import bp
from app.web.forms import ConfirmForm
from app.web.members import member_page

LABELS = {
    Provider.GENERIC: "Generic webhook",
    Provider.ZENDESK: "Zendesk",
    Provider.FRESHDESK: "Freshdesk",
    Provider.HELPSCOUT: "Help Scout",
    Provider.INTERCOM: "Intercom",
    Provider.FRONT: "Front",
    Provider.GORGIAS: "Gorgias",
}

# The step-by-step of docs/integrations/<provider>.md, in short: what to click and paste.
STEPS = {
    Provider.GENERIC: [
        "Post the JSON shape of the README (customer, ticket) to the webhook URL when a ticket is solved.",
        "Sign each delivery the Standard Webhooks way with the secret: webhook-id, webhook-timestamp and "
        "webhook-signature headers.",
        "Send a test webhook below: a 202 means the secret, the signature and the body are right.",
    ],
    Provider.ZENDESK: [
        "Admin Center → Apps and integrations → Webhooks → Create webhook → “Trigger or automation”: the "
        "webhook URL, method POST, format JSON, authentication None.",
        "On the webhook's page, Reveal secret under “Signing secret”, and set it as this integration's secret "
        '(PATCH /api/v1/integrations/{id} with {"secret": …}).',
        "Objects and rules → Triggers → Add trigger: “Ticket > Status category | Changed to | Solved”; action "
        "“Notify by > Active webhook” with the body template below as the JSON body.",
        "Optional, for reopens: a second trigger “Status category | Changed from | Solved”, same webhook and body.",
    ],
    Provider.FRESHDESK: [
        "Admin → Workflows → Automations → “Ticket updates” → New rule: when “Status is changed” from any "
        "status to any status.",
        "Action: Trigger webhook, POST to the webhook URL; requires authentication: a custom header "
        "X-Afterword-Secret with the secret (or Basic auth with the secret as the password).",
        "Encoding JSON, content “Advanced”: paste the body template as is. Save and enable the rule.",
    ],
    Provider.HELPSCOUT: [
        "Manage → Apps → Webhooks → Add webhook: callback URL the webhook URL, secret key the secret.",
        "Events: “Conversation status changed”. Save: Help Scout sends a ping, answered 200.",
    ],
    Provider.INTERCOM: [
        "Connect with your app's client secret (Developer Hub → your app → Basic information) as the secret.",
        "Developer Hub → your app → Webhooks: the webhook URL; topics conversation.admin.closed and, for "
        "reopens, conversation.admin.opened. Save: Intercom sends a ping, answered 200.",
    ],
    Provider.FRONT: [
        "Connect with the App signing key (Settings → Developers → your app → Basic information) as the secret.",
        "In the app → Features → Webhooks: add the webhook URL with the events “Conversation archived” and "
        "“Conversation reopened”. Front's challenge request is answered automatically.",
    ],
    Provider.GORGIAS: [
        "Settings → Integrations → HTTP integration → Add: the webhook URL, method POST, content type "
        "application/json.",
        "Headers: X-Afterword-Secret with the secret. Triggers: “Ticket updated”. Request body: the body template.",
    ],
}


def _list_page(values: dict, errors: dict, status: int = 200):
    surveys = list_surveys(g.workspace.id)
    page = render_template(
        "web/settings/integrations.html",
        rows=list_integrations(g.workspace.id),
        surveys=surveys,
        survey_options=[(s.id, f"{s.name} ({s.kind.upper()})") for s in surveys],
        providers=LABELS,
        values=values,
        errors=errors,
    )
    return page, status


def _integration_or_404(integration_id: int):
    try:
        return get_integration(g.workspace.id, integration_id)
    except APIError:
        abort(404)


def _detail_page(integration, test=None, status: int = 200, **extra):
    page = render_template(
        "web/settings/integration.html",
        integration=integration_view(integration),
        label=LABELS.get(integration.provider, integration.provider),
        steps=STEPS.get(integration.provider, []),
        survey=next((s for s in list_surveys(g.workspace.id) if s.id == integration.survey_id), None),
        deliveries=list_deliveries(integration, 20).items,
        test=test,
        errors={},
        **extra,
    )
    return page, status


@bp.get("/w/<id:workspace_id>/settings/integrations")
@member_page(Action.MANAGE_SETTINGS)
@responds(200, content_type=HTML, errors=HTML, description="The workspace's helpdesk integrations")
def settings_integrations(workspace_id: int):
    """The helpdesk integrations page: the list, and a form to connect one."""
    return _list_page({}, {})


@bp.post("/w/<id:workspace_id>/settings/integrations")
@member_page(Action.MANAGE_SETTINGS)
@takes(
    {
        "type": "object",
        "properties": {k: {"type": "string"} for k in ("provider", "survey_id", "secret", "csrf_token")},
    },
    location="form",
    content_type=FORM,
)
@responds(303, content_type=HTML, errors=HTML, description="Connected: to the integration's page")
@responds(400, content_type=HTML, description="The form expired (its CSRF token): the page again")
@responds(422, content_type=HTML, description="Nothing connected: the page again, saying what to fix")
def connect_integration_page(workspace_id: int):
    """Connect a helpdesk to a survey."""
    if not ConfirmForm().validate_on_submit():  # the CSRF token
        return _list_page(request.form, {"_form": ["The form expired."]}, 400)
    raw_survey = request.form.get("survey_id", "").strip()
    values = {
        "provider": request.form.get("provider", "").strip(),
        "survey_id": int(raw_survey) if raw_survey.isdigit() and len(raw_survey) < 12 else raw_survey,
    }
    secret = request.form.get("secret", "").strip()
    if secret:
        values["secret"] = secret
    try:
        data = IntegrationInSchema().load(values)
        integration, _ = connect_integration(g.membership, g.workspace.id, data)
    except ValidationError as invalid:
        return _list_page(request.form, invalid.messages, 422)
    except APIError as refused:
        fields = refused.fields or {"survey_id": [refused.message]}
        return _list_page(request.form, fields, 422)
    return redirect(url_for("web.settings_integration", workspace_id=workspace_id, integration_id=integration.id), 303)


@bp.get("/w/<id:workspace_id>/settings/integrations/<id:integration_id>")
@member_page(Action.MANAGE_SETTINGS)
@responds(200, content_type=HTML, errors=HTML, description="What to paste into the helpdesk, and its deliveries")
def settings_integration(workspace_id: int, integration_id: int):
    """One integration: the webhook URL, secret and body template to paste, the steps, the last deliveries."""
    return _detail_page(_integration_or_404(integration_id))


@bp.post("/w/<id:workspace_id>/settings/integrations/<id:integration_id>/test")
@member_page(Action.MANAGE_SETTINGS)
@takes({"type": "object", "properties": {"csrf_token": {"type": "string"}}}, location="form", content_type=FORM)
@responds(200, content_type=HTML, errors=HTML, description="Sent: the page again with the door's answer")
@responds(400, content_type=HTML, description="The form expired (its CSRF token): the page again")
@responds(409, content_type=HTML, description="Not a generic integration: its test is sent from the helpdesk")
def test_integration(workspace_id: int, integration_id: int):
    """Send a signed sample webhook through the webhook door, in-process, and show its answer."""
    integration = _integration_or_404(integration_id)
    if not ConfirmForm().validate_on_submit():
        return _detail_page(integration, form_error="The form expired; send the test again.", status=400)
    try:
        result = send_test_hook(
            g.membership, integration, g.user.email, current_app.config["WEBHOOK_TOLERANCE_SECONDS"]
        )
    except APIError as refused:
        return _detail_page(integration, form_error=refused.message, status=refused.status)
    return _detail_page(integration, test=result)
