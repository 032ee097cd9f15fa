"""Helpdesk integrations: connect one to a survey, change it, and show its admin what to paste."""

from __future__ import annotations

import binascii
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlparse

from sqlalchemy import select

from app.errors import APIError
from app.extensions import db
from app.integrations import generic, get_provider
from app.models import Integration, Membership, WebhookDelivery
from app.models.audit import AuditAction
from app.models.types import utcnow
from app.platform.crypto import encrypt_json
from app.platform.links import hook_url
from app.services import audit
from app.services.accounts.permissions import Action, require
from app.services.intake.receive import receive_hook
from app.services.surveys import live_survey


@dataclass(frozen=True)
class IntegrationView:
    """What an integration's admin needs: where to send, the secret, the body to paste."""

    id: int
    provider: str
    survey_id: int
    url: str
    secret: str
    body_template: str | None
    api_base_url: str | None
    api_credentials_set: bool


def create_integration(workspace_id: int, data: dict) -> tuple[Integration, IntegrationView]:
    """Connect a helpdesk to a survey; returns the integration and what its admin needs."""
    survey = live_survey(workspace_id, data["survey_id"])
    provider = get_provider(data["provider"])
    if data.get("secret") and hasattr(provider, "check_secret"):
        try:
            provider.check_secret(data["secret"])
        except ValueError as exc:
            raise APIError(422, "validation_error", str(exc), {"secret": [str(exc)]}) from None
    integration = Integration(
        workspace_id=workspace_id,
        survey_id=survey.id,
        provider=provider.name,
        secret=data.get("secret") or provider.new_secret(),
    )
    _set_api(integration, data)
    db.session.add(integration)
    db.session.flush()
    detail = {"created": provider.name, "survey_id": survey.id}
    audit.record(AuditAction.INTEGRATION_CHANGED, workspace_id, f"integration {integration.id}", detail)
    db.session.commit()
    return integration, integration_view(integration)


def update_integration(workspace_id: int, integration_id: int, data: dict) -> IntegrationView:
    """Change an integration's secret (e.g. to the helpdesk's own), survey or API credentials."""
    integration = get_integration(workspace_id, integration_id)
    if "survey_id" in data:
        integration.survey_id = live_survey(workspace_id, data["survey_id"]).id
    if data.get("secret"):
        integration.secret = data["secret"]
    _set_api(integration, data)
    # Which fields changed, never their values: secrets and credentials stay out of the trail.
    detail = {"fields": sorted(data)}
    audit.record(AuditAction.INTEGRATION_CHANGED, workspace_id, f"integration {integration.id}", detail)
    db.session.commit()
    return integration_view(integration)


def get_integration(workspace_id: int, integration_id: int) -> Integration:
    integration = db.session.scalar(
        select(Integration).where(Integration.id == integration_id, Integration.workspace_id == workspace_id)
    )
    if integration is None:
        raise APIError(404, "not_found", f"No integration {integration_id} in this workspace.")
    return integration


def integration_view(integration: Integration) -> IntegrationView:
    template = getattr(get_provider(integration.provider), "body_template", None)
    return IntegrationView(
        id=integration.id,
        provider=integration.provider,
        survey_id=integration.survey_id,
        url=hook_url(integration.id),
        secret=integration.secret,
        body_template=template() if template else None,
        api_base_url=integration.api_base_url,
        api_credentials_set=integration.api_credentials is not None,
    )


def _set_api(integration: Integration, data: dict) -> None:
    api = data.get("api")
    if not api:
        return
    url = api.get("base_url")
    if url:
        parts = urlparse(url)
        loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
        if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
            raise APIError(
                422, "validation_error", "The API URL must use https.", {"api": {"base_url": ["Use https://."]}}
            )
        integration.api_base_url = url.rstrip("/")
    credentials = {k: api[k] for k in ("email", "api_token", "oauth_token") if api.get(k)}
    if credentials:
        integration.api_credentials = encrypt_json(credentials)


@dataclass(frozen=True)
class IntegrationRow:
    """One line of the workspace's integrations list: the integration and its latest delivery."""

    integration: Integration
    url: str
    last_status: str | None
    last_received_at: datetime | None


def list_integrations(workspace_id: int) -> list[IntegrationRow]:
    """The workspace's integrations, oldest first, each with the status of its latest delivery."""
    integrations = db.session.scalars(
        select(Integration).where(Integration.workspace_id == workspace_id).order_by(Integration.id)
    ).all()
    rows = []
    for integration in integrations:
        last = db.session.scalar(
            select(WebhookDelivery)
            .where(WebhookDelivery.integration_id == integration.id)
            .order_by(WebhookDelivery.id.desc())
            .limit(1)
        )
        rows.append(
            IntegrationRow(
                integration, hook_url(integration.id), last.status if last else None, last.received_at if last else None
            )
        )
    return rows


def connect_integration(membership: Membership, workspace_id: int, data: dict) -> tuple[Integration, IntegrationView]:
    """The settings page's connect: the API's create, for a role that may change settings."""
    require(membership, Action.MANAGE_SETTINGS)
    return create_integration(workspace_id, data)


@dataclass(frozen=True)
class TestHookResult:
    status: int
    body: dict
    reason: str | None = None


def send_test_hook(membership: Membership, integration: Integration, email: str, tolerance: int) -> TestHookResult:
    """Sign a sample solved-ticket body with the integration's own secret and pass it through the
    webhook door's own intake, exactly as a delivery from outside would be: the answer says whether
    the secret, the signature and the body are right. Only the generic provider: every other one
    signs with the helpdesk's own scheme, so its test is sent from the helpdesk.

    The sample customer is the admin who asked (`email`), so the survey email, if the fatigue
    rules let one go, reaches them and no one else."""
    require(membership, Action.MANAGE_SETTINGS)
    if integration.provider != generic.name:
        raise APIError(409, "conflict", "Only a generic integration can be tested from here.")
    now = utcnow()
    msg_id = f"afterword-test-{secrets.token_hex(8)}"
    body = json.dumps(
        {
            "customer": {"email": email, "name": "Afterword test"},
            "ticket": {"id": f"TEST-{int(now.timestamp())}", "channel": "email", "solved_at": now.isoformat()},
        }
    ).encode()
    timestamp = int(now.timestamp())
    try:
        signature = generic.sign(integration.secret, msg_id, timestamp, body)
    except (binascii.Error, ValueError):
        return TestHookResult(401, {"code": "invalid_signature"}, "The integration secret is malformed.")
    headers = {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature,
    }
    try:
        outcome = receive_hook(integration.id, headers, body, tolerance)
    except APIError as refused:
        return TestHookResult(refused.status, {"code": refused.code}, refused.message)
    return TestHookResult(outcome.status, outcome.body)
