"""An integration's write-back: on or off, where and as whom to write, the tag and the field."""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from app.errors import APIError
from app.extensions import db
from app.integrations.notes import SUPPORTED
from app.models import Integration
from app.models.types import utcnow
from app.models.writeback import HelpdeskWriteback
from app.platform.crypto import encrypt_text
from app.platform.outbound_http import UnsafeURL, check_url

CREDENTIALS_PURPOSE = b"helpdesk-note-credentials"


@dataclass(frozen=True)
class WritebackView:
    integration_id: int
    provider: str
    enabled: bool
    base_url: str | None
    credentials_set: bool
    tag: str | None
    field_id: str | None
    admin_id: str | None


def writeback_of(integration: Integration) -> HelpdeskWriteback | None:
    return db.session.scalar(select(HelpdeskWriteback).where(HelpdeskWriteback.integration_id == integration.id))


def writeback_view(integration: Integration) -> WritebackView:
    row = writeback_of(integration)
    return WritebackView(
        integration.id,
        integration.provider,
        bool(row and row.enabled),
        row.base_url if row else None,
        bool(row and row.credentials) or integration.api_credentials is not None,
        row.tag if row else None,
        row.field_id if row else None,
        row.admin_id if row else None,
    )


def set_writeback(integration: Integration, data: dict) -> WritebackView:
    if integration.provider not in SUPPORTED:
        raise APIError(409, "conflict", f"Afterword cannot write notes to a {integration.provider} helpdesk.")
    row = writeback_of(integration)
    if row is None:
        row = HelpdeskWriteback(integration_id=integration.id, workspace_id=integration.workspace_id)
        db.session.add(row)
    for name in ("enabled", "tag", "field_id", "admin_id"):
        if name in data:
            setattr(row, name, data[name] if name == "enabled" else (data[name] or None))
    if "base_url" in data:
        if data["base_url"]:
            try:
                check_url(data["base_url"], current_app.config["OUTBOUND_ALLOW_LOCAL"])
            except UnsafeURL as exc:
                raise APIError(422, "validation_error", str(exc), {"base_url": [str(exc)]}) from None
        row.base_url = (data["base_url"] or "").rstrip("/") or None
    credentials = {k: data[k] for k in ("email", "api_token", "oauth_token") if data.get(k)}
    if credentials:
        row.credentials = encrypt_text(json.dumps(credentials), CREDENTIALS_PURPOSE)
    if integration.provider == "zendesk" and row.field_id and not row.field_id.isdigit():
        raise APIError(
            422, "validation_error", "A Zendesk field id is a number.", {"field_id": ["Use the field's id."]}
        )
    if row.enabled and integration.provider == "intercom" and not row.admin_id:
        raise APIError(
            422,
            "validation_error",
            "Intercom notes are written as an admin: give admin_id.",
            {"admin_id": ["Required for Intercom."]},
        )
    row.updated_at = utcnow()
    db.session.commit()
    return writeback_view(integration)
