"""The security settings page: whether the workspace requires a second factor of its owners and
admins (owners only), and who among them has none yet."""

from __future__ import annotations

from flask import g, render_template, request

from app.errors import APIError
from app.platform.contract import FORM, HTML, responds, takes
from app.services.accounts import second_factor
from app.services.accounts.permissions import Action
from app.web.blueprint import bp
from app.web.forms import ConfirmForm
from app.web.members import member_page

_POLICY = {
    "type": "object",
    "properties": {"require_second_factor": {"type": "string"}, "csrf_token": {"type": "string"}},
}


def _page(errors: dict | None = None, status: int = 200, saved: bool = False):
    page = render_template(
        "web/settings/security.html",
        required=g.workspace.require_second_factor,
        missing=second_factor.without_second_factor(g.workspace),
        errors=errors or {},
        saved=saved,
    )
    return page, status


@bp.get("/w/<id:workspace_id>/settings/security")
@member_page(Action.MANAGE_OWNERS)
@responds(200, content_type=HTML, errors=HTML, description="The second-factor rule for owners and admins")
def settings_security(workspace_id: int):
    """The security settings page."""
    return _page()


@bp.post("/w/<id:workspace_id>/settings/security")
@member_page(Action.MANAGE_OWNERS)
@takes(_POLICY, location="form", content_type=FORM)
@responds(200, content_type=HTML, errors=HTML, description="Saved: the page again")
@responds(400, content_type=HTML, description="The form expired (CSRF token): nothing changed")
@responds(409, content_type=HTML, description="The owner has no second factor yet: nothing changed")
def settings_security_save(workspace_id: int):
    """Require (or stop requiring) a second factor of the workspace's owners and admins."""
    if not ConfirmForm().validate_on_submit():
        return _page({"_form": ["The form expired: send it again."]}, 400)
    required = request.form.get("require_second_factor") == "on"
    try:
        second_factor.set_requirement(g.membership, g.workspace, required)
    except APIError as refused:
        return _page({"require_second_factor": [refused.message]}, refused.status)
    return _page(saved=True)
