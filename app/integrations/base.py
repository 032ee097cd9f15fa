"""What every helpdesk module provides: a secret, a signature check, and a parser.

Each module exposes `name`, `new_secret()`, `verify(...)`, `parse(...)` and, where the helpdesk
admin writes the webhook body, `body_template()`. The helpers below (and signing.py's) keep those
modules small.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from marshmallow import ValidationError

from app.platform import strict_json
from app.schemas.direct_load import load_direct
from app.schemas.invite import hook_invite_schema

ACTIONS = ("invite", "reopen", "fetch", "ignored", "ping")


@dataclass(frozen=True)
class HookEvent:
    """What a delivery means for us.

    action: "invite" (a solved ticket to survey), "reopen" (a solved ticket opened again),
    "fetch" (a solve whose details the worker must fetch from the helpdesk's API),
    "ignored" (any other event), or "ping" (a test or handshake, answered with `reply`).
    """

    action: str
    external_id: str | None = None
    invite: dict = field(default_factory=dict)
    reply: dict | None = None  # body for pings and challenges
    ticket_id: str | None = None
    payload: dict | None = None  # for "fetch": what the worker needs to finish the invite
    # True where the sender's dedupe key cannot tell two solves of one ticket apart: the intake
    # then adds the ticket's reopen count, so a replay is a duplicate but a later solve is not.
    key_per_solve: bool = False


class Provider(Protocol):
    name: str

    def new_secret(self) -> str: ...

    def verify(self, secret: str, headers: Mapping[str, str], body: bytes, now: datetime, tolerance: int) -> None: ...

    def parse(self, headers: Mapping[str, str], body: bytes, survey_id: int) -> HookEvent: ...


def load_json(body: bytes) -> dict:
    """The body as a JSON object, or a ValidationError (answered 422) saying what is wrong with it."""
    try:
        payload = strict_json.loads(body)
    except strict_json.Refused as refused:
        raise ValidationError({"_body": [str(refused)]}) from None
    if not isinstance(payload, dict):
        raise ValidationError({"_body": ["The body must be a JSON object."]})
    return payload


def parse_time(value: Any) -> datetime | None:
    """A sender's timestamp (ISO 8601, unix seconds or milliseconds) as an aware datetime, or None."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        if isinstance(value, (int, float)) or (isinstance(value, str) and value.strip().isdigit()):
            number = float(value)
            return datetime.fromtimestamp(number / 1000 if number > 1e11 else number, UTC)
        text = str(value).strip().replace("Z", "+00:00")
        if "." in text:  # nanoseconds (Zendesk) are more than fromisoformat takes
            head, _, rest = text.partition(".")
            digits = "".join(c for c in rest if c.isdigit())
            zone = rest[len(digits) :]
            text = f"{head}.{digits[:6]}{zone}"
        result = datetime.fromisoformat(text)
    except (ValueError, OverflowError, OSError):
        return None
    return result if result.tzinfo else result.replace(tzinfo=UTC)


LANGUAGE_NAMES = {
    "english": "en",
    "spanish": "es",
    "español": "es",
    "espanol": "es",
    "french": "fr",
    "français": "fr",
    "francais": "fr",
    "german": "de",
    "deutsch": "de",
    "portuguese": "pt",
    "português": "pt",
    "portugues": "pt",
}


def locale_of(value: Any) -> str | None:
    """A two-letter language from a code ("pt-BR") or a helpdesk's language name ("Deutsch")."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().lower()
    named = LANGUAGE_NAMES.get(text.split(" (")[0])
    if named:
        return named
    code = text.replace("_", "-").split("-")[0]
    return code if len(code) == 2 and code.isalpha() else None


def split_tags(value: Any, sep: str | None = None) -> list[str]:
    if isinstance(value, list):
        items = [t.get("name") or t.get("tag") if isinstance(t, dict) else t for t in value]
    elif isinstance(value, str):
        items = value.replace(",", " ").split() if sep is None else value.split(sep)
    else:
        items = []
    return [str(t).strip()[:100] for t in items if t is not None and str(t).strip()][:100]


def text(value: Any, limit: int = 200) -> str | None:
    """A display string or None; helpdesks render missing placeholders as empty strings."""
    if value is None or isinstance(value, (dict, list)):
        return None
    result = str(value).strip()
    return result[:limit] or None


def invite_data(survey_id: int, customer: dict, ticket: dict) -> dict:
    """Our invite shape, validated like the generic webhook's (empty values dropped first)."""

    def clean(d: dict) -> dict:
        out = {}
        for key, value in d.items():
            if isinstance(value, dict):
                value = clean(value)
            elif isinstance(value, datetime):
                value = value.isoformat()
            if value in (None, "", [], {}):
                continue
            out[key] = value
        return out

    customer, ticket = clean(customer), clean(ticket)
    data = load_direct(hook_invite_schema(), {"customer": customer, "ticket": ticket})
    data.setdefault("survey_id", survey_id)
    return data


def minutes_between(start: datetime | None, minutes: Any) -> datetime | None:
    from datetime import timedelta

    if start is None or not isinstance(minutes, (int, float)) or isinstance(minutes, bool):
        return None
    return start + timedelta(minutes=minutes)
