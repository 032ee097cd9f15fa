"""Zendesk: event webhooks (`ticket.status_changed`, ids only) and trigger webhooks (our template).

Both are signed the same way: base64(HMAC-SHA256(secret, timestamp + raw body)), where the
secret is the webhook's signing secret as shown in Zendesk's Admin Center. Event webhooks carry
no requester email, so the worker completes them from the Zendesk API (`fetch_invite`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from datetime import datetime

from marshmallow import ValidationError

from app.integrations.base import (
    HookEvent,
    invite_data,
    load_json,
    locale_of,
    minutes_between,
    parse_time,
    split_tags,
    text,
)
from app.integrations.signing import hmac_b64, random_secret, verify_timestamped

name = "zendesk"
STATUS_CHANGED = "zen:event-type:ticket.status_changed"
SOLVED = {"solved", "closed"}
OPEN = {"new", "open", "pending", "hold", "on-hold"}


def new_secret() -> str:
    # Zendesk makes its own signing secret: the admin replaces this one with it (PATCH).
    return random_secret()


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return hmac_b64(secret.encode(), timestamp.encode() + body, hashlib.sha256)


def verify(secret: str, headers: Mapping[str, str], body: bytes, now: datetime, tolerance: int) -> None:
    verify_timestamped(
        headers,
        "x-zendesk-webhook-signature",
        "x-zendesk-webhook-signature-timestamp",
        lambda stamp: sign(secret, stamp, body),
        now,
        tolerance,
    )


def body_template() -> str:
    """The JSON body to paste into a Zendesk trigger's webhook action (Zendesk placeholders)."""
    template = {
        "afterword": "zendesk-trigger",
        "ticket": {
            "id": "{{ticket.id}}",
            "status": "{{ticket.status}}",
            "via": "{{ticket.via}}",
            "priority": "{{ticket.priority}}",
            "tags": "{{ticket.tags}}",
            "group": "{{ticket.group.name}}",
            "created_at": "{{ticket.created_at_with_timestamp}}",
            "updated_at": "{{ticket.updated_at_with_timestamp}}",
        },
        "requester": {
            "id": "{{ticket.requester.id}}",
            "email": "{{ticket.requester.email}}",
            "name": "{{ticket.requester.name}}",
            "language": "{{ticket.requester.language}}",
        },
        "assignee": {
            "id": "{{ticket.assignee.id}}",
            "email": "{{ticket.assignee.email}}",
            "name": "{{ticket.assignee.name}}",
        },
    }
    return json.dumps(template, indent=2)


def parse(headers: Mapping[str, str], body: bytes, survey_id: int) -> HookEvent:
    payload = load_json(body)
    kind = payload.get("type")
    if isinstance(kind, str) and kind.startswith("zen:event-type:"):
        return _parse_event(payload, kind)
    return _parse_trigger(headers, payload, survey_id)


def _parse_event(payload: dict, kind: str) -> HookEvent:
    if kind != STATUS_CHANGED:
        return HookEvent("ignored")
    detail = payload.get("detail") if isinstance(payload.get("detail"), dict) else {}
    event = payload.get("event") if isinstance(payload.get("event"), dict) else {}
    current = str(event.get("current") or detail.get("status") or "").lower()
    previous = str(event.get("previous") or "").lower()
    ticket_id = text(detail.get("id"))
    event_id = text(payload.get("id"))
    if not ticket_id or not event_id:
        raise ValidationError({"detail": ["An event webhook needs the event id and detail.id."]})
    if current in SOLVED and previous not in SOLVED:
        return HookEvent("fetch", event_id, ticket_id=ticket_id, payload=payload)
    if previous in SOLVED and current not in SOLVED:
        return HookEvent("reopen", event_id, ticket_id=ticket_id)
    return HookEvent("ignored")  # e.g. solved -> closed: the same solve


def _parse_trigger(headers: Mapping[str, str], payload: dict, survey_id: int) -> HookEvent:
    ticket = payload.get("ticket")
    if not isinstance(ticket, dict):
        raise ValidationError({"ticket": ["Paste the body_template Afterword gave for this integration."]})
    ticket_id = text(ticket.get("id"))
    if not ticket_id:
        raise ValidationError({"ticket": {"id": ["Missing data for required field."]}})
    status = str(ticket.get("status") or "").strip().lower()
    updated = text(ticket.get("updated_at"))
    external_id = headers.get("x-zendesk-webhook-invocation-id") or f"{ticket_id}:{updated or ''}:{status}"
    if status in OPEN:
        return HookEvent("reopen", external_id, ticket_id=ticket_id)
    requester = payload.get("requester") if isinstance(payload.get("requester"), dict) else {}
    assignee = payload.get("assignee") if isinstance(payload.get("assignee"), dict) else {}
    data = invite_data(
        survey_id,
        {
            "email": text(requester.get("email"), 320),
            "name": text(requester.get("name")),
            "id": text(requester.get("id")),
            "locale": locale_of(requester.get("language")),
        },
        {
            "id": ticket_id,
            "channel": _lower(ticket.get("via")),
            "priority": _lower(ticket.get("priority")),
            "tags": split_tags(ticket.get("tags")),
            "team": text(ticket.get("group")),
            "agent": {
                "id": text(assignee.get("id")),
                "name": text(assignee.get("name")),
                "email": text(assignee.get("email"), 320),
            },
            "created_at": parse_time(ticket.get("created_at")),
            "solved_at": parse_time(updated),
        },
    )
    return HookEvent("invite", external_id, data, ticket_id=ticket_id)


def _lower(value) -> str | None:
    result = text(value, 50)
    return result.lower() if result else None


# --- The Zendesk API, for event webhooks -------------------------------------------------------


class FetchError(Exception):
    """The API call failed; `retry` says whether trying later may help."""

    def __init__(self, message: str, retry: bool):
        super().__init__(message)
        self.retry = retry


def fetch_invite(
    base_url: str | None, credentials: dict | None, payload: dict, survey_id: int, timeout: float = 10
) -> dict:
    """Complete an event webhook into our invite shape: requester, agent, group and ticket metrics."""
    if not base_url or not credentials:
        raise FetchError("The integration has no Zendesk API URL and credentials yet.", retry=True)
    detail = payload.get("detail") or {}
    ticket_id = str(detail["id"])
    requester_id, assignee_id, group_id = (text(detail.get(k)) for k in ("requester_id", "assignee_id", "group_id"))
    if not requester_id:
        raise FetchError("The event has no requester_id.", retry=False)
    ids = ",".join(i for i in (requester_id, assignee_id) if i)
    users = {
        str(u.get("id")): u
        for u in _get(base_url, credentials, f"/api/v2/users/show_many.json?ids={ids}", timeout).get("users", [])
    }
    requester = users.get(requester_id) or {}
    if not requester.get("email"):
        raise FetchError(f"Zendesk user {requester_id} has no email address.", retry=False)
    agent = users.get(assignee_id or "", {})
    group = _get(base_url, credentials, f"/api/v2/groups/{group_id}.json", timeout).get("group", {}) if group_id else {}
    metrics = _get(base_url, credentials, f"/api/v2/tickets/{ticket_id}/metrics.json", timeout).get("ticket_metric", {})
    created = parse_time(detail.get("created_at"))
    reply = metrics.get("reply_time_in_minutes") or {}
    via = detail.get("via") if isinstance(detail.get("via"), dict) else {}
    return invite_data(
        survey_id,
        {
            "email": text(requester.get("email"), 320),
            "name": text(requester.get("name")),
            "id": requester_id,
            "locale": locale_of(requester.get("locale")),
        },
        {
            "id": ticket_id,
            "channel": _lower(via.get("channel")),
            "priority": _lower(detail.get("priority")),
            "tags": split_tags(detail.get("tags")),
            "team": text(group.get("name")),
            # The assignee named in the event: the agent on the ticket when it was solved.
            "agent": {"id": assignee_id, "name": text(agent.get("name")), "email": text(agent.get("email"), 320)},
            "created_at": created,
            "first_response_at": minutes_between(created, reply.get("calendar") if isinstance(reply, dict) else None),
            "solved_at": parse_time(metrics.get("solved_at"))
            or parse_time(payload.get("time"))
            or parse_time(detail.get("updated_at")),
            "reopens": metrics.get("reopens") if isinstance(metrics.get("reopens"), int) else None,
        },
    )


def _get(base_url: str, credentials: dict, path: str, timeout: float) -> dict:
    request = urllib.request.Request(
        base_url.rstrip("/") + path,
        headers={
            "Authorization": _authorization(credentials),
            "Accept": "application/json",
            "User-Agent": "Afterword",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        retry = exc.code == 429 or exc.code >= 500
        raise FetchError(f"Zendesk API {path.split('?')[0]} answered {exc.code}", retry=retry) from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        raise FetchError(f"Zendesk API unreachable: {exc}", retry=True) from None
    except json.JSONDecodeError:
        raise FetchError(f"Zendesk API {path.split('?')[0]} answered with invalid JSON", retry=True) from None


def _authorization(credentials: dict) -> str:
    if credentials.get("oauth_token"):
        return f"Bearer {credentials['oauth_token']}"
    pair = f"{credentials.get('email', '')}/token:{credentials.get('api_token', '')}"
    return "Basic " + base64.b64encode(pair.encode()).decode()
