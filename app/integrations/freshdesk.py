"""Freshdesk: an automation rule's "Trigger webhook" posting the JSON body we give the admin.

Freshdesk does not sign: the rule sends our secret in X-Afterword-Secret (or as the Basic-auth
password). The body carries `{{triggered_event}}`, e.g. `{status:{from:Open,to:Resolved}}`
(numbers in some accounts: 4 = Resolved, 5 = Closed), which tells a solve from a reopen.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime

from marshmallow import ValidationError

from app.integrations.base import HookEvent, invite_data, load_json, split_tags, text
from app.integrations.signing import random_secret, shared_secret_given

name = "freshdesk"
SOLVED = {"4", "5", "resolved", "closed"}
_STATUS_CHANGE = re.compile(r"status\s*:\s*\{\s*from\s*:\s*([^,}]*?)\s*,\s*to\s*:\s*([^}]*?)\s*\}", re.I)


def new_secret() -> str:
    return random_secret()


def verify(secret: str, headers: Mapping[str, str], body: bytes, now: datetime, tolerance: int) -> None:
    shared_secret_given(secret, headers)


def body_template() -> str:
    """The JSON body for the rule's "Trigger webhook" action (Freshdesk placeholders)."""
    template = {
        "freshdesk_webhook": {
            "ticket_id": "{{ticket.id}}",
            "ticket_status": "{{ticket.status}}",
            "ticket_priority": "{{ticket.priority}}",
            "ticket_source": "{{ticket.source}}",
            "ticket_tags": "{{ticket.tags}}",
            "ticket_group_name": "{{ticket.group.name}}",
            "ticket_agent_name": "{{ticket.agent.name}}",
            "ticket_agent_email": "{{ticket.agent.email}}",
            "requester_name": "{{ticket.requester.name}}",
            "requester_email": "{{ticket.requester.email}}",
            "triggered_event": "{{triggered_event}}",
        }
    }
    return json.dumps(template, indent=2)


def parse(headers: Mapping[str, str], body: bytes, survey_id: int) -> HookEvent:
    payload = load_json(body)
    hook = payload.get("freshdesk_webhook")
    if not isinstance(hook, dict):
        raise ValidationError({"freshdesk_webhook": ["Paste the body_template Afterword gave for this integration."]})
    ticket_id = text(hook.get("ticket_id"))
    if not ticket_id:
        raise ValidationError({"freshdesk_webhook": {"ticket_id": ["Missing data for required field."]}})
    triggered = str(hook.get("triggered_event") or "")
    change = _STATUS_CHANGE.search(triggered)
    if change:
        before, after = (s.strip().strip("'\"").lower() for s in change.groups())
        key = f"{ticket_id}:{before}->{after}"
        if after in SOLVED and before not in SOLVED:
            return _invite(hook, ticket_id, key, survey_id)
        if before in SOLVED and after not in SOLVED:
            return HookEvent("reopen", key, ticket_id=ticket_id, key_per_solve=True)
        return HookEvent("ignored")  # Resolved -> Closed is the same solve
    if str(hook.get("ticket_status") or "").strip().lower() in SOLVED:
        return _invite(hook, ticket_id, f"{ticket_id}:status", survey_id)
    return HookEvent("ignored")


def _invite(hook: dict, ticket_id: str, key: str, survey_id: int) -> HookEvent:
    data = invite_data(
        survey_id,
        {"email": text(hook.get("requester_email"), 320), "name": text(hook.get("requester_name"))},
        {
            "id": ticket_id,
            "channel": (text(hook.get("ticket_source"), 50) or "").lower() or None,
            "priority": (text(hook.get("ticket_priority"), 50) or "").lower() or None,
            "tags": split_tags(hook.get("ticket_tags"), ","),
            "team": text(hook.get("ticket_group_name")),
            "agent": {"name": text(hook.get("ticket_agent_name")), "email": text(hook.get("ticket_agent_email"), 320)},
        },
    )
    return HookEvent("invite", key, data, ticket_id=ticket_id, key_per_solve=True)
