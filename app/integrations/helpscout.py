"""Help Scout: `convo.status` webhooks carrying the conversation; `helpscout.test` is a ping.

Signed with base64(HMAC-SHA1(secret, raw body)) in X-HelpScout-Signature; the secret is the one
the admin types into the webhook form (we generate it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime

from marshmallow import ValidationError

from app.integrations.base import HookEvent, invite_data, load_json, parse_time, split_tags, text
from app.integrations.signing import SignatureError, hmac_b64, random_secret, same

name = "helpscout"


def new_secret() -> str:
    return random_secret()[:40]  # Help Scout caps the secret key at 40 characters


def sign(secret: str, body: bytes) -> str:
    return hmac_b64(secret.encode(), body, hashlib.sha1)


def verify(secret: str, headers: Mapping[str, str], body: bytes, now: datetime, tolerance: int) -> None:
    if not same(sign(secret, body), headers.get("x-helpscout-signature")):
        raise SignatureError("X-HelpScout-Signature is missing or does not match the body.")


def parse(headers: Mapping[str, str], body: bytes, survey_id: int) -> HookEvent:
    event = (headers.get("x-helpscout-event") or "").strip()
    if event == "helpscout.test":
        return HookEvent("ping", reply={"status": "ok"})
    if event != "convo.status":
        return HookEvent("ignored")
    convo = load_json(body)
    ticket_id = text(convo.get("id"))
    if not ticket_id:
        raise ValidationError({"id": ["Missing data for required field."]})
    status = str(convo.get("status") or "").lower()
    if status in ("active", "pending"):
        return HookEvent("reopen", f"{ticket_id}:{status}", ticket_id=ticket_id, key_per_solve=True)
    if status != "closed":
        return HookEvent("ignored")
    customer = _dict(convo.get("primaryCustomer")) or _dict(convo.get("customer"))
    assignee = _dict(convo.get("assignee")) or _dict(convo.get("owner"))
    mailbox = _dict(convo.get("mailbox"))
    closed_at = convo.get("closedAt")
    data = invite_data(
        survey_id,
        {"email": text(customer.get("email"), 320), "name": _full_name(customer), "id": text(customer.get("id"))},
        {
            "id": ticket_id,
            "channel": (text(_dict(convo.get("source")).get("type"), 50) or text(convo.get("type"), 50) or "").lower()
            or None,
            "tags": split_tags(convo.get("tags")),
            "team": text(mailbox.get("name")) or text(convo.get("mailboxId")),
            "agent": {
                "id": text(assignee.get("id")),
                "name": _full_name(assignee),
                "email": text(assignee.get("email"), 320),
            },
            "created_at": parse_time(convo.get("createdAt")),
            "solved_at": parse_time(closed_at),
        },
    )
    return HookEvent("invite", f"{ticket_id}:{closed_at}", data, ticket_id=ticket_id)


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _full_name(person: dict) -> str | None:
    first = person.get("first") or person.get("firstName") or ""
    last = person.get("last") or person.get("lastName") or ""
    return text(f"{first} {last}")
