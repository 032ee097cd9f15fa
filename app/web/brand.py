"""Settings → Name and brand: a live preview of the invite email and the survey page with the brand
as typed (colour, logo, name, sender and reply-to), before anything is saved.

The frames are rendered by the server with the real templates, from the form's values in the query,
and write nothing; the same frames and strict CSP as the survey editor's (app/web/surveys.py).
"""

from __future__ import annotations

from contextlib import suppress
from types import SimpleNamespace
from urllib.parse import urlencode

from flask import g, render_template, request
from marshmallow import Schema, ValidationError, fields

from app.platform.contract import HTML, responds, takes
from app.schemas.workspace import WorkspaceInSchema
from app.services import surveys
from app.services.accounts.permissions import Action
from app.services.sending.invite_email import sample_invite_html, sender_header
from app.web.blueprint import bp
from app.web.members import member_page
from app.web.surveys import framed, page_preview_html

# What the preview applies from the form; the rest is the stored workspace.
BRAND_FIELDS = ("name", "brand_colour", "logo_url", "mail_from_name", "reply_to")
BrandPreviewQuery = Schema.from_dict({name: fields.String() for name in BRAND_FIELDS}, name="BrandPreviewQuery")


def preview_query(values) -> str:
    """The brand form's values as the preview frames' query string."""
    return urlencode({name: values.get(name) for name in BRAND_FIELDS if values.get(name) not in (None, "")})


def _draft_brand():
    """The workspace as the typed values would make it (a stand-in object, so nothing can be flushed
    by accident): each valid typed value applied; a name or colour not valid yet stays as stored;
    an optional field emptied or not valid yet is none (the form sends every field)."""
    stand_in = {name: getattr(g.workspace, name) for name in ("id", "name", "timezone", *BRAND_FIELDS)}
    stand_in.update(logo_url=None, mail_from_name=None, reply_to=None)
    for name in BRAND_FIELDS:
        typed = request.args.get(name, "").strip()
        # A value not valid yet is shown as stored (or none); saving names the problem.
        with suppress(ValidationError):
            if typed:
                stand_in.update(WorkspaceInSchema(partial=True).load({name: typed}))
    return SimpleNamespace(**stand_in)


def _sample_survey():
    """The workspace's first survey, else a CSAT survey with the usual wording."""
    existing = surveys.list_surveys(g.workspace.id)
    return existing[0] if existing else surveys.draft_survey(g.workspace.id, {"kind": "csat"})


def _route(rule: str, what: str):
    def decorate(view):
        view = responds(200, content_type=HTML, errors=HTML, description=what)(view)
        view = takes(BrandPreviewQuery, location="query", required=False)(view)
        view = member_page(Action.MANAGE_SETTINGS)(view)
        return bp.get(rule)(view)

    return decorate


_PREVIEW = "/w/<id:workspace_id>/settings/brand/preview"


@_route(_PREVIEW, "The preview frames and the sender line for the brand typed so far (an htmx fragment)")
def settings_brand_preview(workspace_id: int):
    """The brand preview: who the email is from, where replies go, and the two frames."""
    draft = _draft_brand()
    return render_template(
        "web/settings/_brand_preview.html",
        sender=sender_header(draft),
        reply_to=draft.reply_to,
        preview=preview_query(request.args),
    )


@_route(_PREVIEW + "/email", "The invite email a sample customer would get, with the brand typed so far")
def settings_brand_preview_email(workspace_id: int):
    """The invite email with the typed brand; nothing stored or sent."""
    return framed(sample_invite_html(_sample_survey(), _draft_brand()))


@_route(_PREVIEW + "/page", "The survey page a sample customer would see, with the brand typed so far")
def settings_brand_preview_page(workspace_id: int):
    """The survey page with the typed brand; nothing stored."""
    return framed(page_preview_html(_sample_survey(), _draft_brand()))
