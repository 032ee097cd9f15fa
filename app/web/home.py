"""`/`: the sign-in page or the person's workspace; `/w/{id}`: one workspace, with a switcher."""

from __future__ import annotations

from flask import abort, g, redirect, render_template, url_for

from app.models.account import Role
from app.platform.contract import HTML, responds
from app.services.accounts import people
from app.services.accounts.permissions import Action, can, lacks_required_second_factor
from app.services.surveys import list_surveys
from app.web.blueprint import bp, signed_in
from app.web.members import to_second_factor_setup


@bp.get("/")
@responds(302, content_type=HTML, errors=HTML, description="To the sign-in page, or the one workspace")
@responds(200, content_type=HTML, description="The workspaces to choose from")
def home():
    """Where a visitor starts: sign in, or the workspace they belong to (a choice if several)."""
    if g.user is None:
        return redirect(url_for("web.sign_in_page"))
    joined = people.memberships(g.user.id)
    if len(joined) == 1:
        return redirect(url_for("web.workspace", workspace_id=joined[0][1].id))
    return render_template("web/workspaces.html", joined=joined)


@bp.get("/w/<id:workspace_id>")
@signed_in
@responds(200, content_type=HTML, errors=HTML, description="The workspace as this person's role shows it")
@responds(302, content_type=HTML, description="Not signed in (to the sign-in page), or a second factor to set up first")
def workspace(workspace_id: int):
    """One workspace as this person's role shows it."""
    joined = people.memberships(g.user.id)
    current = next(((m, w) for m, w in joined if w.id == workspace_id), None)
    if current is None:
        abort(404)  # another tenant's workspace looks exactly like a missing one
    membership, ws = current
    if lacks_required_second_factor(membership):
        return to_second_factor_setup()
    return render_template(
        "web/workspace.html",
        workspace=ws,
        membership=membership,
        role=Role(membership.role),
        joined=joined,
        surveys=list_surveys(ws.id),
        may_manage=can(membership, Action.MANAGE_SETTINGS),
    )
