"""Front application webhooks: `archive` events (a conversation archived); `reopen` is the reverse.

Signed with base64(HMAC-SHA256(app signing key, timestamp + ":" + raw body)), the timestamp in
milliseconds in X-Front-Request-Timestamp. Saving the webhook sends `x-front-challenge`, which
we echo back once the signature checks out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime

from marshmallow import ValidationError

from app.integrations.base import HookEvent, invite_data, load_json, parse_time, split_tags, text
from app.integrations.signing import hmac_b64, random_secret, verify_timestamped

name = "front"


def new_secret() -> str:
    # Front shows the app's signing key: the admin passes it as `secret`.
    return random_secret()


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return hmac_b64(secret.encode(), timestamp.encode() + b":" + body, hashlib.sha256)


def verify(secret: str, headers: Mapping[str, str], body: bytes, now: datetime, tolerance: int) -> None:
    verify_timestamped(
        headers,
        "x-front-signature",
        "x-front-request-timestamp",
        lambda stamp: sign(secret, stamp, body),
        now,
        tolerance,
        stamp_format="a time in milliseconds",
    )


def parse(headers: Mapping[str, str], body: bytes, survey_id: int) -> HookEvent:
    challenge = headers.get("x-front-challenge")
    if challenge:
        return HookEvent("ping", reply={"challenge": challenge})
    envelope = load_json(body)
    event = envelope.get("payload") if isinstance(envelope.get("payload"), dict) else envelope
    kind = event.get("type") or envelope.get("type")
    if kind not in ("archive", "reopen"):
        return HookEvent("ignored")
    conversation = event.get("conversation") if isinstance(event.get("conversation"), dict) else {}
    event_id, ticket_id = text(event.get("id")), text(conversation.get("id"))
    if not event_id or not ticket_id:
        raise ValidationError({"payload": ["An event needs payload.id and payload.conversation.id."]})
    if kind == "reopen":
        return HookEvent("reopen", event_id, ticket_id=ticket_id)
    recipient = conversation.get("recipient") if isinstance(conversation.get("recipient"), dict) else {}
    assignee = conversation.get("assignee") if isinstance(conversation.get("assignee"), dict) else {}
    agent_name = text(f"{assignee.get('first_name') or ''} {assignee.get('last_name') or ''}") or text(
        assignee.get("username")
    )
    data = invite_data(
        survey_id,
        {"email": text(recipient.get("handle"), 320), "name": text(recipient.get("name"))},
        {
            "id": ticket_id,
            "channel": _channel(recipient),
            "tags": split_tags(conversation.get("tags")),
            "agent": {"id": text(assignee.get("id")), "name": agent_name, "email": text(assignee.get("email"), 320)},
            "created_at": parse_time(conversation.get("created_at")),
            "solved_at": parse_time(event.get("emitted_at")),
        },
    )
    return HookEvent("invite", event_id, data, ticket_id=ticket_id)


def _channel(recipient: dict) -> str | None:
    handle = str(recipient.get("handle") or "")
    return "email" if "@" in handle else None
