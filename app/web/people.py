"""The people settings page: members and their roles (and an agent's key), pending invitations,
and the invite form. Every rule (who may touch owners, the last owner) is the service's."""

from __future__ import annotations

from flask import abort, g, redirect, render_template, request, url_for
from marshmallow import ValidationError

from app.errors import APIError
from app.models.account import Role
from app.platform.contract import FORM, HTML, responds, takes
from app.schemas.team import InvitationInSchema, MembershipInSchema
from app.services.accounts import team
from app.services.accounts.permissions import Action, can
from app.web.blueprint import bp
from app.web.forms import ConfirmForm
from app.web.members import member_page

_CONFIRM = {"type": "object", "properties": {"csrf_token": {"type": "string"}}}
_INVITE = {
    "type": "object",
    "properties": {
        "email": {"type": "string"},
        "role": {"type": "string", "enum": list(Role)},
        "csrf_token": {"type": "string"},
    },
}
_MEMBER = {
    "type": "object",
    "properties": {
        "role": {"type": "string", "enum": list(Role)},
        "agent_key": {"type": "string"},
        "teams": {"type": "string", "description": "A manager's teams, comma-separated; empty: every team"},
        "csrf_token": {"type": "string"},
    },
}
_EXPIRED = {"_form": ["The form expired: send it again."]}


def _page(errors: dict | None = None, status: int = 200, invite: dict | None = None, notice: str | None = None):
    may_owners = can(g.membership, Action.MANAGE_OWNERS)
    roles = [(role.value, role.value) for role in Role if may_owners or role is not Role.OWNER]
    return (
        render_template(
            "web/settings/people.html",
            members=team.members(g.membership),
            invitations=team.pending_invitations(g.membership),
            roles=roles,
            may_owners=may_owners,
            invite=invite or {"email": "", "role": Role.VIEWER},
            errors=errors or {},
            notice=notice,
        ),
        status,
    )


def _after_change(notice: str):
    """The page again, unless the person just gave up the right to see it (or left)."""
    if not can(g.membership, Action.MANAGE_PEOPLE):
        return redirect(url_for("web.home"), 303)
    return _page(notice=notice)


def _refused(refused: APIError, field: str | None = None):
    if refused.status == 404:
        abort(404)
    message = refused.fields.get("role") or refused.fields.get("email") or [refused.message]
    return _page({field or "_form": message}, refused.status)


@bp.get("/w/<id:workspace_id>/settings/people")
@member_page(Action.MANAGE_PEOPLE)
@responds(200, content_type=HTML, errors=HTML, description="Members, pending invitations and the invite form")
def settings_people(workspace_id: int):
    """The people settings page."""
    return _page()


@bp.post("/w/<id:workspace_id>/settings/people/invitations")
@member_page(Action.MANAGE_PEOPLE)
@takes(_INVITE, location="form", content_type=FORM)
@responds(200, content_type=HTML, errors=HTML, description="Invited: the page again")
@responds(400, content_type=HTML, description="The form expired (CSRF token): nobody invited")
@responds(409, content_type=HTML, description="Already a member")
@responds(422, content_type=HTML, description="Nobody invited: the page again, saying what to fix")
def settings_people_invite(workspace_id: int):
    """Invite someone by email, with a role."""
    values = {"email": request.form.get("email", "").strip(), "role": request.form.get("role", "")}
    if not ConfirmForm().validate_on_submit():
        return _page(_EXPIRED, 400, invite=values)
    try:
        data = InvitationInSchema().load(values)
        team.invite_person(g.membership, data["email"], data["role"])
    except ValidationError as invalid:
        return _page(invalid.messages, 422, invite=values)
    except APIError as refused:
        if refused.status == 403:
            return _page({"role": [refused.message]}, 403, invite=values)
        return _page({"email": refused.fields.get("email") or [refused.message]}, refused.status, invite=values)
    return _page(notice=f"Invitation sent to {data['email']}.")


@bp.post("/w/<id:workspace_id>/settings/people/invitations/<id:invitation_id>/revoke")
@member_page(Action.MANAGE_PEOPLE)
@takes(_CONFIRM, location="form", content_type=FORM)
@responds(200, content_type=HTML, errors=HTML, description="Revoked: the page again")
@responds(400, content_type=HTML, description="The form expired (CSRF token): nothing revoked")
@responds(404, content_type=HTML, description="No such invitation in this workspace")
def settings_people_revoke_invitation(workspace_id: int, invitation_id: int):
    """Revoke a pending invitation: its link stops working."""
    if not ConfirmForm().validate_on_submit():
        return _page(_EXPIRED, 400)
    try:
        team.revoke_invitation(g.membership, invitation_id)
    except APIError as refused:
        return _refused(refused)
    return _page(notice="Invitation revoked.")


@bp.post("/w/<id:workspace_id>/settings/people/<id:membership_id>")
@member_page(Action.MANAGE_PEOPLE)
@takes(_MEMBER, location="form", content_type=FORM)
@responds(200, content_type=HTML, errors=HTML, description="Saved: the page again")
@responds(303, content_type=HTML, description="The viewer gave up managing people: to the home page")
@responds(400, content_type=HTML, description="The form expired (CSRF token): nothing changed")
@responds(404, content_type=HTML, description="No such member in this workspace")
@responds(409, content_type=HTML, description="The last owner: nothing changed")
@responds(422, content_type=HTML, description="Nothing changed: the page again, saying what to fix")
def settings_people_change(workspace_id: int, membership_id: int):
    """Change a member's role, an agent's key, or the teams a manager is limited to."""
    if not ConfirmForm().validate_on_submit():
        return _page(_EXPIRED, 400)
    values = {name: request.form[name] for name in ("role", "agent_key", "teams") if name in request.form}
    try:
        data = MembershipInSchema().load(values)
        team.change_member(g.membership, membership_id, **data)
    except ValidationError as invalid:
        field = next((name for name in ("agent_key", "teams") if name in invalid.messages), "role")
        return _page({f"{field}-{membership_id}": invalid.messages[field]}, 422)
    except APIError as refused:
        return _refused(refused, f"role-{membership_id}")
    return _after_change("Saved.")


@bp.post("/w/<id:workspace_id>/settings/people/<id:membership_id>/remove")
@member_page(Action.MANAGE_PEOPLE)
@takes(_CONFIRM, location="form", content_type=FORM)
@responds(200, content_type=HTML, errors=HTML, description="Removed: the page again")
@responds(303, content_type=HTML, description="The viewer removed themselves: to the home page")
@responds(400, content_type=HTML, description="The form expired (CSRF token): nobody removed")
@responds(404, content_type=HTML, description="No such member in this workspace")
@responds(409, content_type=HTML, description="The last owner: nobody removed")
def settings_people_remove(workspace_id: int, membership_id: int):
    """Remove someone from the workspace (their account stays)."""
    if not ConfirmForm().validate_on_submit():
        return _page(_EXPIRED, 400)
    removing_self = membership_id == g.membership.id
    try:
        team.remove_member(g.membership, membership_id)
    except APIError as refused:
        return _refused(refused, f"role-{membership_id}")
    if removing_self:
        return redirect(url_for("web.home"), 303)
    return _page(notice="Removed.")
