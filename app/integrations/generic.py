"""Our own webhook: the invite shape, signed the Standard Webhooks way."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from datetime import datetime

from marshmallow import ValidationError

from app.integrations.base import HookEvent, load_json
from app.integrations.signing import SignatureError
from app.schemas.direct_load import load_direct
from app.schemas.invite import hook_invite_schema

name = "generic"
SECRET_PREFIX = "whsec_"
MAX_DELIVERY_ID = 200  # the width of webhook_deliveries.external_id


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def check_secret(secret: str) -> None:
    """Refuse a caller-chosen secret that could never verify a signature."""
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("A generic secret is 'whsec_' followed by base64; omit it to get one generated.") from None
    if len(key) < 16:
        raise ValueError("The secret must decode to at least 16 bytes.")


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value a sender computes (also used by tests and our outbound hooks)."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify(secret: str, headers: Mapping[str, str], body: bytes, now: datetime, tolerance: int) -> None:
    msg_id = headers.get("webhook-id")
    stamp = headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature")
    if not msg_id or not stamp or not signatures:
        raise SignatureError("Missing webhook-id, webhook-timestamp or webhook-signature header.")
    try:
        timestamp = int(stamp)
    except ValueError:
        raise SignatureError("webhook-timestamp is not a unix time.") from None
    # Integer arithmetic: an absurd timestamp must be refused, not overflow a float.
    if abs(int(now.timestamp()) - timestamp) > tolerance:
        raise SignatureError("webhook-timestamp is too far from now; the delivery may be a replay.")
    try:
        expected = sign(secret, msg_id, timestamp, body)
    except (binascii.Error, ValueError):
        raise SignatureError("The integration secret is malformed.") from None
    # The header may list several space-separated signatures (during key rotation); compared as
    # bytes because compare_digest refuses non-ASCII text, and the header is the sender's to fill.
    if not any(hmac.compare_digest(expected.encode(), candidate.encode()) for candidate in signatures.split()):
        raise SignatureError("The signature does not match the body.")


def parse(headers: Mapping[str, str], body: bytes, survey_id: int) -> HookEvent:
    payload = load_json(body)
    if len(headers["webhook-id"]) > MAX_DELIVERY_ID:
        raise ValidationError({"webhook-id": [f"Longer than {MAX_DELIVERY_ID} characters."]})
    data = load_direct(hook_invite_schema(), payload)
    data.setdefault("survey_id", survey_id)
    return HookEvent("invite", headers["webhook-id"], data, ticket_id=data["ticket"]["id"])
