"""Signed widget payloads: the host's server vouches for {survey_id, customer, ticket} until `exp`.

Format: ``<payload>.<signature>``, both base64url without padding; the payload is a JSON object and
the signature is HMAC-SHA256 over the payload text with the workspace's embed secret. The browser
carries it but cannot forge or alter it. The invite it stands for is created on first display, by
the same `offer_invite` as email invites (one per ticket solve, fatigue rules), and its token is derived from the signed content, so
showing the widget again for the same customer and ticket finds the same invite.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from datetime import timedelta

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.errors import APIError
from app.extensions import db
from app.models import Invite, InviteEvent, Membership, Survey, Workspace
from app.models.audit import AuditAction
from app.models.invite import InviteEventKind, InviteStatus
from app.models.types import utcnow
from app.platform import strict_json
from app.platform.bounds import MAX_INT
from app.schemas.invite import InviteInSchema
from app.services import audit
from app.services.accounts.permissions import Action, require
from app.services.invites.tickets import offer_invite

SECRET_PREFIX = "awe_"
MAX_SIGNED_LENGTH = 8192
# A page is signed when it is rendered; a day covers a tab left open, 30 days is the hard cap.
MAX_LIFETIME = timedelta(days=30)
DEFAULT_LIFETIME = timedelta(days=1)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_embed_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)  # 256 random bits


def embed_secret(workspace: Workspace) -> str:
    """The workspace's embed secret, created (and committed) on first read."""
    if not workspace.embed_secret:
        workspace.embed_secret = new_embed_secret()
        db.session.commit()
    return workspace.embed_secret


def rotate_embed_secret(workspace: Workspace) -> str:
    """Replace the embed secret: payloads signed with the old one stop working at once."""
    workspace.embed_secret = new_embed_secret()
    audit.record(AuditAction.EMBED_SECRET_ROTATED, workspace.id, "embed secret")
    db.session.commit()
    return workspace.embed_secret


def _mac(secret: str, message: str) -> bytes:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()


def sign_payload(secret: str, payload: dict, lifetime: timedelta = DEFAULT_LIFETIME) -> str:
    """What a host's server does (any language can): sign {survey_id, customer, ticket} plus `exp`."""
    body = {**payload, "exp": payload.get("exp", int(time.time() + lifetime.total_seconds()))}
    text = _b64(json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode())
    return f"{text}.{_b64(_mac(secret, text))}"


def _refuse() -> APIError:
    # One answer for every forgery: malformed, unknown survey, wrong key or altered payload.
    return APIError(401, "invalid_signature", "The signed survey payload is not valid.")


def verify_payload(signed) -> tuple[Survey, dict]:
    """The survey and the trigger body a signed payload vouches for; APIError when it does not."""
    if not isinstance(signed, str) or not 0 < len(signed) <= MAX_SIGNED_LENGTH or signed.count(".") != 1:
        raise _refuse()
    text, signature = signed.split(".")
    try:
        payload = strict_json.loads(_unb64(text))
        given = _unb64(signature)
    except (ValueError, UnicodeDecodeError):
        raise _refuse() from None
    survey_id = payload.get("survey_id") if isinstance(payload, dict) else None
    if not isinstance(survey_id, int) or isinstance(survey_id, bool) or not 0 < survey_id <= MAX_INT:
        raise _refuse()
    survey = db.session.get(Survey, survey_id)
    workspace = db.session.get(Workspace, survey.workspace_id) if survey else None
    if workspace is None or not workspace.embed_secret:
        raise _refuse()
    if not hmac.compare_digest(given, _mac(workspace.embed_secret, text)):
        raise _refuse()
    # From here the content is the host's own words.
    exp = payload.pop("exp", None)
    if not isinstance(exp, int) or isinstance(exp, bool):
        raise APIError(422, "validation_error", "The payload needs an expiry.", {"exp": ["Unix seconds required."]})
    now = time.time()
    if exp <= now:
        raise APIError(410, "expired", "This survey link has expired.")
    if exp > now + MAX_LIFETIME.total_seconds():
        raise APIError(422, "validation_error", "The expiry is too far away.", {"exp": ["At most 30 days ahead."]})
    if survey.archived:
        raise APIError(410, "expired", "This survey has closed.")
    try:
        data = InviteInSchema().load(payload)
    except ValidationError as err:
        raise APIError(422, "validation_error", "The signed payload has invalid fields.", err.messages) from None
    return survey, data


def _invite_token(secret: str, payload: dict) -> str:
    """The same customer, ticket and survey always map to the same token (unguessable without the secret)."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return _b64(_mac(secret, "invite:" + canonical))


def open_signed_invite(signed) -> Invite:
    """The invite a signed payload stands for, created on first display under the email invites' rules."""
    survey, data = verify_payload(signed)
    secret = db.session.get(Workspace, survey.workspace_id).embed_secret
    token = _invite_token(secret, data)
    existing = db.session.scalar(select(Invite).where(Invite.token == token))
    if existing is not None:
        return existing
    invite, created = offer_invite(survey, data)
    if not created:
        return invite  # this solve of the ticket already has an invite (emailed or shown)
    invite.token = token
    if invite.status == InviteStatus.SCHEDULED:
        # Shown now, in the host's page: nothing is left for the mail worker to send.
        now = utcnow()
        invite.status, invite.sent_at, invite.due_at = InviteStatus.SENT, now, now
        invite.events.append(InviteEvent(at=now, status=InviteEventKind.SENT, detail="shown in the widget"))
    try:
        db.session.commit()
    except IntegrityError:
        # Two first displays raced (two tabs): the other one created it.
        db.session.rollback()
        existing = db.session.scalar(select(Invite).where(Invite.token == token))
        if existing is None:
            raise
        return existing
    return invite


def change_embed_secret(membership: Membership, workspace: Workspace) -> str:
    """The settings page's rotate: the API's, for a role that may change settings."""
    require(membership, Action.MANAGE_SETTINGS)
    return rotate_embed_secret(workspace)
