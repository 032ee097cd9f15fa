"""Helpdesk integrations: connect one to a survey, change it, and show its admin what to paste."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlparse

from sqlalchemy import select

from app.errors import APIError
from app.extensions import db
from app.integrations import get_provider
from app.models import Integration
from app.platform.crypto import encrypt_json
from app.platform.links import hook_url
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
