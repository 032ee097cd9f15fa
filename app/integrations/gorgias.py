"""Gorgias: an HTTP integration on `ticket-updated` posting the JSON body we give the admin.

Gorgias does not sign: the integration sends our secret in the X-Afterword-Secret header.
We act when the ticket's status is "closed"; "open" again after a close is a reopen.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime

from marshmallow import ValidationError

from app.integrations.base import HookEvent, invite_data, load_json, locale_of, parse_time, split_tags, text
from app.integrations.signing import random_secret, shared_secret_given

name = "gorgias"


def new_secret() -> str:
    return random_secret()


def verify(secret: str, headers: Mapping[str, str], body: bytes, now: datetime, tolerance: int) -> None:
    shared_secret_given(secret, headers)


def body_template() -> str:
    """The JSON body for the HTTP integration (Gorgias template variables)."""
    template = {
        "ticket": {
            "id": "{{ticket.id}}",
            "status": "{{ticket.status}}",
            "channel": "{{ticket.channel}}",
            "priority": "{{ticket.priority}}",
            "language": "{{ticket.language}}",
            "tags": "{{ticket.tags | map(attribute='name') | join(',')}}",
            "created_datetime": "{{ticket.created_datetime}}",
            "closed_datetime": "{{ticket.closed_datetime}}",
            "customer": {
                "id": "{{ticket.customer.id}}",
                "email": "{{ticket.customer.email}}",
                "name": "{{ticket.customer.name}}",
            },
            "assignee_user": {
                "id": "{{ticket.assignee_user.id}}",
                "email": "{{ticket.assignee_user.email}}",
                "name": "{{ticket.assignee_user.name}}",
            },
            "assignee_team": {"name": "{{ticket.assignee_team.name}}"},
        }
    }
    return json.dumps(template, indent=2)


def parse(headers: Mapping[str, str], body: bytes, survey_id: int) -> HookEvent:
    payload = load_json(body)
    ticket = payload.get("ticket") if isinstance(payload.get("ticket"), dict) else None
    if ticket is None:
        raise ValidationError({"ticket": ["Paste the body_template Afterword gave for this integration."]})
    ticket_id = text(ticket.get("id"))
    if not ticket_id:
        raise ValidationError({"ticket": {"id": ["Missing data for required field."]}})
    status = str(ticket.get("status") or "").lower()
    if status == "open":
        return HookEvent("reopen", f"{ticket_id}:open", ticket_id=ticket_id, key_per_solve=True)
    if status != "closed":
        return HookEvent("ignored")
    customer = _dict(ticket.get("customer"))
    assignee = _dict(ticket.get("assignee_user"))
    closed = ticket.get("closed_datetime")
    data = invite_data(
        survey_id,
        {
            "email": text(customer.get("email"), 320),
            "name": text(customer.get("name")),
            "id": text(customer.get("id")),
            "locale": locale_of(ticket.get("language")),
        },
        {
            "id": ticket_id,
            "channel": (text(ticket.get("channel"), 50) or "").lower() or None,
            "priority": (text(ticket.get("priority"), 50) or "").lower() or None,
            "tags": split_tags(ticket.get("tags"), ",")
            if isinstance(ticket.get("tags"), str)
            else split_tags(ticket.get("tags")),
            "team": text(_dict(ticket.get("assignee_team")).get("name")),
            "agent": {
                "id": text(assignee.get("id")),
                "name": text(assignee.get("name")),
                "email": text(assignee.get("email"), 320),
            },
            "created_at": parse_time(ticket.get("created_datetime")),
            "solved_at": parse_time(closed),
        },
    )
    return HookEvent("invite", f"{ticket_id}:{closed}", data, ticket_id=ticket_id)


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}
