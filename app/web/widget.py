"""The widget settings page: the embed secret (rotated with a confirmation) and ready snippets."""

from __future__ import annotations

from flask import g, render_template, request

from app.platform.contract import FORM, HTML, responds, takes
from app.platform.links import public_url
from app.services.accounts.permissions import Action
from app.services.invites.embeds import change_embed_secret, embed_secret
from app.services.surveys import list_surveys
from app.web.blueprint import bp
from app.web.forms import ConfirmForm
from app.web.members import member_page

PYTHON = """import base64, hashlib, hmac, json, os, time

SECRET = os.environ["AFTERWORD_EMBED_SECRET"]  # the embed secret: on your server only


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(payload: dict, lifetime: int = 86400) -> str:
    body = {**payload, "exp": int(time.time()) + lifetime}  # at most 30 days ahead
    text = b64(json.dumps(body, separators=(",", ":")).encode())
    return text + "." + b64(hmac.new(SECRET.encode(), text.encode(), hashlib.sha256).digest())


signed = sign({"survey_id": %(survey_id)d, "customer": {"email": "ada@example.com"},
               "ticket": {"id": "CHAT-1", "channel": "chat"}})
"""

NODE = """const crypto = require("crypto");
const SECRET = process.env.AFTERWORD_EMBED_SECRET; // the embed secret: on your server only

function sign(payload, lifetime = 86400) {
  const exp = Math.floor(Date.now() / 1000) + lifetime; // at most 30 days ahead
  const p = Buffer.from(JSON.stringify({ ...payload, exp })).toString("base64url");
  return p + "." + crypto.createHmac("sha256", SECRET).update(p).digest("base64url");
}

const signed = sign({ survey_id: %(survey_id)d, customer: { email: "ada@example.com" },
                      ticket: { id: "CHAT-1", channel: "chat" } });
"""


def _page(status: int = 200, **extra):
    surveys = list_surveys(g.workspace.id)
    survey_id = surveys[0].id if surveys else 1
    page = render_template(
        "web/settings/widget.html",
        secret=embed_secret(g.workspace),
        snippet=f'<script src="{public_url("/embed.js")}" data-signed="PAYLOAD.SIGNATURE" async></script>',
        python=PYTHON % {"survey_id": survey_id},
        node=NODE % {"survey_id": survey_id},
        errors=extra.pop("errors", {}),
        **extra,
    )
    return page, status


@bp.get("/w/<id:workspace_id>/settings/widget")
@member_page(Action.MANAGE_SETTINGS)
@responds(200, content_type=HTML, errors=HTML, description="The embed secret and the snippets to paste")
def settings_widget(workspace_id: int):
    """The widget page: the embed secret (made on first read) and ready snippets."""
    return _page()


@bp.post("/w/<id:workspace_id>/settings/widget/rotate")
@member_page(Action.MANAGE_SETTINGS)
@takes(
    {"type": "object", "properties": {"confirm": {"type": "string"}, "csrf_token": {"type": "string"}}},
    location="form",
    content_type=FORM,
)
@responds(200, content_type=HTML, errors=HTML, description="Rotated: the page again with the new secret")
@responds(400, content_type=HTML, description="The form expired (its CSRF token): nothing rotated")
@responds(422, content_type=HTML, description="Not confirmed: nothing rotated")
def rotate_widget_secret(workspace_id: int):
    """Rotate the embed secret: payloads signed with the old one stop working at once."""
    if not ConfirmForm().validate_on_submit():
        return _page(400, errors={"_form": ["The form expired; nothing was rotated."]})
    if request.form.get("confirm") != "yes":
        return _page(
            422, errors={"confirm": ["Tick the box to confirm: pages signed with the old secret stop working."]}
        )
    change_embed_secret(g.membership, g.workspace)
    return _page(rotated=True)
