"""Writing an answer back to its ticket: for each helpdesk, the API calls that add an internal
note (and, where the API adds rather than replaces, a tag or a custom field), as its documentation
describes them. Pure: the caller sends the calls (services/writeback)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from html import escape
from urllib.parse import quote

# Helpdesks whose API lives at one address for every account; the others are per account
# (https://acme.zendesk.com, https://acme.freshdesk.com, https://acme.gorgias.com).
DEFAULT_BASE = {
    "helpscout": "https://api.helpscout.net",
    "intercom": "https://api.intercom.io",
    "front": "https://api2.frontapp.com",
}
SUPPORTED = ("zendesk", "freshdesk", "helpscout", "intercom", "front", "gorgias")


@dataclass(frozen=True)
class Note:
    score: int
    scale_max: int
    survey_kind: str
    comment: str | None
    link: str

    @property
    def headline(self) -> str:
        return f"Afterword: {self.survey_kind.upper()} {self.score}/{self.scale_max}"

    @property
    def text(self) -> str:
        said = f"\n“{self.comment}”" if self.comment else "\n(no comment)"
        return f"{self.headline}{said}\n{self.link}"

    @property
    def html(self) -> str:
        said = f"<br>“{escape(self.comment)}”" if self.comment else "<br>(no comment)"
        return f'<b>{escape(self.headline)}</b>{said}<br><a href="{escape(self.link)}">{escape(self.link)}</a>'


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: dict


@dataclass(frozen=True)
class Settings:
    tag: str | None = None
    field_id: str | None = None  # Zendesk: a custom field's numeric id; Freshdesk: its name (cf_…)
    admin_id: str | None = None  # Intercom: the admin a note is written as


def calls(provider: str, ticket_id: str, note: Note, settings: Settings) -> list[Call]:
    """The calls, in order; a retry resumes at the first that has not succeeded."""
    ticket = quote(str(ticket_id), safe="")
    if provider == "zendesk":
        update: dict = {"comment": {"body": note.text, "public": False}}
        if settings.field_id:
            update["custom_fields"] = [{"id": int(settings.field_id), "value": note.score}]
        found = [Call("PUT", f"/api/v2/tickets/{ticket}.json", {"ticket": update})]
        if settings.tag:  # PUT adds to the ticket's tags (POST would replace them)
            found.append(Call("PUT", f"/api/v2/tickets/{ticket}/tags.json", {"tags": [settings.tag]}))
        return found
    if provider == "freshdesk":
        found = [Call("POST", f"/api/v2/tickets/{ticket}/notes", {"body": note.html, "private": True})]
        if settings.field_id:
            found.append(Call("PUT", f"/api/v2/tickets/{ticket}", {"custom_fields": {settings.field_id: note.score}}))
        return found
    if provider == "helpscout":
        return [Call("POST", f"/v2/conversations/{ticket}/notes", {"text": note.html})]
    if provider == "intercom":
        body = {"message_type": "note", "type": "admin", "admin_id": settings.admin_id, "body": note.html}
        return [Call("POST", f"/conversations/{ticket}/reply", body)]
    if provider == "front":
        return [Call("POST", f"/conversations/{ticket}/comments", {"body": note.text})]
    if provider == "gorgias":
        body = {
            "channel": "internal-note",
            "via": "api",
            "from_agent": True,
            "body_text": note.text,
            "body_html": note.html,
        }
        return [Call("POST", f"/api/tickets/{ticket}/messages", body)]
    raise ValueError(f"no note API for {provider}")


def authorization(provider: str, credentials: dict) -> str:
    """The Authorization header each helpdesk documents for API tokens."""
    if credentials.get("oauth_token"):
        return f"Bearer {credentials['oauth_token']}"
    token = credentials.get("api_token", "")
    if provider == "zendesk":
        pair = f"{credentials.get('email', '')}/token:{token}"
    elif provider == "freshdesk":
        pair = f"{token}:X"  # the API key as the user name, any password
    else:  # gorgias: the account's email and an API key
        pair = f"{credentials.get('email', '')}:{token}"
    return "Basic " + base64.b64encode(pair.encode()).decode()
