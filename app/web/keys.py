"""The API keys settings page: list, create (the key shown once), revoke."""

from __future__ import annotations

from flask import abort, g, redirect, render_template, request, url_for
from marshmallow import ValidationError

from app.errors import APIError
from app.models.api_key import KeyScope
from app.platform.contract import FORM, HTML, responds, takes
from app.schemas.team import ApiKeyInSchema
from app.services.accounts.permissions import Action
from app.services.api_keys import create_key, list_keys, revoke_key
from app.web.blueprint import bp
from app.web.forms import ConfirmForm
from app.web.members import member_page

_FORM = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "scope": {"type": "string", "enum": list(KeyScope)},
        "csrf_token": {"type": "string"},
    },
}
_CONFIRM = {"type": "object", "properties": {"csrf_token": {"type": "string"}}}


def _page(values: dict | None = None, errors: dict | None = None, status: int = 200, **extra):
    return (
        render_template(
            "web/settings/keys.html",
            keys=list_keys(g.membership),
            values=values or {"name": "", "scope": KeyScope.READ},
            errors=errors or {},
            scopes=list(KeyScope),
            **extra,
        ),
        status,
    )


@bp.get("/w/<id:workspace_id>/settings/keys")
@member_page(Action.MANAGE_KEYS)
@responds(200, content_type=HTML, errors=HTML, description="The workspace's API keys, and a form for a new one")
def settings_keys(workspace_id: int):
    """The API keys settings page."""
    return _page()


@bp.post("/w/<id:workspace_id>/settings/keys")
@member_page(Action.MANAGE_KEYS)
@takes(_FORM, location="form", content_type=FORM)
@responds(201, content_type=HTML, errors=HTML, description="Created: the key, shown this once")
@responds(400, content_type=HTML, description="The form expired (CSRF token): nothing created")
@responds(422, content_type=HTML, description="Nothing created: the page again, saying what to fix")
def settings_keys_create(workspace_id: int):
    """Create an API key with a name and a scope."""
    values = {"name": request.form.get("name", ""), "scope": request.form.get("scope", "")}
    if not ConfirmForm().validate_on_submit():
        return _page(values, {"_form": ["The form expired: send it again."]}, 400)
    try:
        data = ApiKeyInSchema().load(values)
        row, key = create_key(g.membership, data["name"], data["scope"])
    except ValidationError as invalid:
        return _page(values, invalid.messages, 422)
    except APIError as refused:
        return _page(values, refused.fields or {"_form": [refused.message]}, refused.status)
    return render_template("web/settings/key_created.html", key=key, row=row), 201


@bp.post("/w/<id:workspace_id>/settings/keys/<id:key_id>/revoke")
@member_page(Action.MANAGE_KEYS)
@takes(_CONFIRM, location="form", content_type=FORM)
@responds(303, content_type=HTML, errors=HTML, description="Revoked: back to the keys")
@responds(400, content_type=HTML, description="The form expired (CSRF token): nothing revoked")
@responds(404, content_type=HTML, description="No such key in this workspace")
def settings_keys_revoke(workspace_id: int, key_id: int):
    """Revoke an API key: it stops working from the next request."""
    if not ConfirmForm().validate_on_submit():
        return _page(errors={"_form": ["The form expired: send it again."]}, status=400)
    try:
        revoke_key(g.membership, key_id)
    except APIError as refused:
        abort(refused.status)
    return redirect(url_for("web.settings_keys", workspace_id=workspace_id), 303)
