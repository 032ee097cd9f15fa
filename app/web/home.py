"""`/`: the sign-in page or the person's workspace (its overview is app/web/overview.py)."""

from __future__ import annotations

from flask import g, redirect, render_template, url_for

from app.platform.contract import HTML, responds
from app.services.accounts import people
from app.web.blueprint import bp


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
