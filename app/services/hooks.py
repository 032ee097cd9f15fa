"""Webhook intake: verify, deduplicate on the delivery id, store the invite, answer fast."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.errors import APIError
from app.extensions import db
from app.integrations import PROVIDERS, get_provider
from app.integrations.base import SignatureError
from app.models import Integration, Survey, WebhookDelivery
from app.models.types import utcnow
from app.services.invites import build_invite, dispatch_if_due
from app.services.links import hook_url


@dataclass(frozen=True)
class HookOutcome:
    status: int
    body: dict


def create_integration(workspace_id: int, data: dict) -> tuple[Integration, dict]:
    """Connect a helpdesk to a survey; returns the integration and what its admin needs."""
    survey = db.session.scalar(
        select(Survey).where(Survey.id == data["survey_id"], Survey.workspace_id == workspace_id, Survey.archived.is_(False))
    )
    if survey is None:
        raise APIError(422, "validation_error", "Unknown survey.", {"survey_id": ["No such survey in this workspace."]})
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
    db.session.add(integration)
    db.session.commit()
    template = getattr(provider, "body_template", None)
    return integration, {
        "id": integration.id,
        "provider": integration.provider,
        "survey_id": survey.id,
        "url": hook_url(integration.id),
        "secret": integration.secret,
        "body_template": template() if template else None,
    }


def receive_hook(integration_id: int, headers: Mapping[str, str], body: bytes, tolerance: int) -> HookOutcome:
    """Verify and store one delivery; the email goes out from a worker after the commit."""
    integration = db.session.get(Integration, integration_id)
    if integration is None or integration.provider not in PROVIDERS:
        raise APIError(404, "not_found", "No such integration.")
    provider = get_provider(integration.provider)
    try:
        provider.verify(integration.secret, headers, body, utcnow(), tolerance)
    except SignatureError as exc:
        raise APIError(401, "invalid_signature", str(exc)) from None
    try:
        event = provider.parse(headers, body, integration.survey_id)
    except ValidationError as exc:
        raise APIError(422, "validation_error", "The webhook body has invalid fields.", exc.messages) from None
    if event.action == "ping":
        return HookOutcome(200, event.reply or {"status": "ok"})
    if event.action != "invite":
        return HookOutcome(200, {"status": "ignored"})
    survey = db.session.scalar(
        select(Survey).where(
            Survey.id == event.invite["survey_id"],
            Survey.workspace_id == integration.workspace_id,
            Survey.archived.is_(False),
        )
    )
    if survey is None:
        raise APIError(422, "validation_error", "Unknown survey.", {"survey_id": ["No such survey in this workspace."]})
    invite = build_invite(survey, event.invite, integration.id)
    db.session.flush()
    db.session.add(WebhookDelivery(integration_id=integration.id, external_id=event.external_id, invite_id=invite.id))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return HookOutcome(200, {"status": "duplicate"})
    dispatch_if_due(invite)
    return HookOutcome(202, {"status": "accepted", "invite_id": invite.id})
