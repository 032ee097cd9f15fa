"""The workspace a signed-in page is about, and the role its viewer has there."""

from __future__ import annotations

from functools import wraps

from flask import abort, g, redirect, render_template, url_for

from app.models import Workspace
from app.platform.contract import HTML, Reply, declare
from app.services.accounts import people
from app.services.accounts.permissions import Action, can, lacks_required_second_factor
from app.web.blueprint import signed_in

_ELSEWHERE = "Not signed in (to the sign-in page, then back), or a second factor to set up first (to the account page)"
_DOING = {
    Action.MANAGE_OWNERS: "manage owners",
    Action.MANAGE_SETTINGS: "change settings",
    Action.MANAGE_PEOPLE: "manage people",
    Action.MANAGE_KEYS: "manage API keys",
    Action.MANAGE_PRIVACY: "manage privacy",
    Action.WORK_FOLLOW_UPS: "work follow-ups",
    Action.READ_REPORTS: "read reports",
    Action.READ_VERBATIMS: "read comments",
    Action.READ_IDENTITIES: "see who answered",
}


def member_page(action: Action | None = None):
    """A page under /w/<workspace_id>/: 404 unless the viewer belongs to the workspace (another
    tenant's id looks exactly like a missing one), 403 unless their role allows `action`.
    An owner or admin of a workspace that requires a second factor, without one, is sent to their
    account page to set it up. Sets g.workspace, g.membership and g.joined (every workspace of
    theirs, for the switcher)."""

    def decorate(view):
        # The answers this guard gives, declared here once rather than on every page it guards.
        contract = declare(view)
        declared = {reply.status for reply in contract.replies}
        if 302 not in declared:
            contract.replies.append(Reply(302, None, _ELSEWHERE, HTML))
        if action is not None and 403 not in declared:
            contract.replies.append(Reply(403, None, f"The viewer's role may not {_DOING[action]}", HTML))

        @signed_in
        @wraps(view)
        def guarded(workspace_id: int, *args, **kwargs):
            g.joined = people.memberships(g.user.id)
            found = next(((m, w) for m, w in g.joined if w.id == workspace_id), None)
            if found is None:
                abort(404)
            g.membership, g.workspace = found
            if lacks_required_second_factor(g.membership):
                return to_second_factor_setup()
            if action is not None and not can(g.membership, action):
                return render_template("web/forbidden.html", workspace=g.workspace), 403
            return view(workspace_id, *args, **kwargs)

        return guarded

    return decorate


def current_workspace() -> Workspace:
    return g.workspace


def to_second_factor_setup():
    """To the account page, which says which workspace requires a second factor and links to its setup."""
    return redirect(url_for("web.account_page"))
