"""Intercom: `conversation.admin.closed` notifications; `conversation.admin.opened` reopens;
`ping` arrives when the webhook is saved.

Signed with "sha1=" + hex(HMAC-SHA1(client secret, raw body)) in X-Hub-Signature.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime, timedelta

from marshmallow import ValidationError

from app.integrations.base import HookEvent, invite_data, load_json, parse_time, split_tags, text
from app.integrations.signing import SignatureError, random_secret, same

name = "intercom"
CUSTOMER_TYPES = {"user", "lead", "contact"}


def new_secret() -> str:
    # Intercom signs with the app's client secret: the admin passes it as `secret`.
    return random_secret()


def sign(secret: str, body: bytes) -> str:
    return "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


def verify(secret: str, headers: Mapping[str, str], body: bytes, now: datetime, tolerance: int) -> None:
    if not same(sign(secret, body), headers.get("x-hub-signature")):
        raise SignatureError("X-Hub-Signature is missing or does not match the body.")


def parse(headers: Mapping[str, str], body: bytes, survey_id: int) -> HookEvent:
    envelope = load_json(body)
    topic = envelope.get("topic")
    if topic == "ping":
        return HookEvent("ping", reply={"status": "ok"})
    if topic not in ("conversation.admin.closed", "conversation.admin.opened"):
        return HookEvent("ignored")
    data = envelope.get("data") if isinstance(envelope.get("data"), dict) else {}
    item = data.get("item") if isinstance(data.get("item"), dict) else {}
    event_id, ticket_id = text(envelope.get("id")), text(item.get("id"))
    if not event_id or not ticket_id:
        raise ValidationError({"data": ["A notification needs its id and data.item.id."]})
    if topic == "conversation.admin.opened":
        return HookEvent("reopen", event_id, ticket_id=ticket_id)
    source = _dict(item.get("source"))
    author = _dict(source.get("author"))
    if author.get("type") not in CUSTOMER_TYPES:
        author = _dict(item.get("user")) or author  # Intercom 1.x bodies
    stats = _dict(item.get("statistics"))
    created = parse_time(item.get("created_at"))
    agent_id = text(item.get("admin_assignee_id")) or text(_dict(item.get("assignee")).get("id"))
    closer = _closing_admin(item)
    agent = (
        closer if closer.get("id") is not None and str(closer.get("id")) == agent_id else _dict(item.get("assignee"))
    )
    first_reply = parse_time(stats.get("first_admin_reply_at"))
    if first_reply is None and created and isinstance(stats.get("time_to_admin_reply"), int):
        first_reply = created + timedelta(seconds=stats["time_to_admin_reply"])
    invite = invite_data(
        survey_id,
        {"email": text(author.get("email"), 320), "name": text(author.get("name")), "id": text(author.get("id"))},
        {
            "id": ticket_id,
            "channel": (text(source.get("type") or source.get("delivered_as"), 50) or "").lower() or None,
            "priority": text(item.get("priority"), 50),
            "tags": split_tags(_dict(item.get("tags")).get("tags")),
            "team": text(item.get("team_assignee_id")),
            "agent": {"id": agent_id, "name": text(agent.get("name")), "email": text(agent.get("email"), 320)},
            "created_at": created,
            "first_response_at": first_reply,
            "solved_at": parse_time(stats.get("last_close_at")) or parse_time(item.get("updated_at")),
            "reopens": stats.get("count_reopens") if isinstance(stats.get("count_reopens"), int) else None,
            "handle_seconds": stats.get("handling_time") if isinstance(stats.get("handling_time"), int) else None,
        },
    )
    return HookEvent("invite", event_id, invite, ticket_id=ticket_id)


def _closing_admin(item: dict) -> dict:
    parts = _dict(item.get("conversation_parts")).get("conversation_parts") or []
    for part in reversed(parts if isinstance(parts, list) else []):
        if isinstance(part, dict) and part.get("part_type") == "close":
            return _dict(part.get("author"))
    return {}


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}
