"""GET/POST /u/{token}: unsubscribe from survey emails (RFC 8058 one-click, and a page for people).

A GET only asks (link scanners follow GETs); a POST suppresses the address. Mail providers send
the one-click POST with the body `List-Unsubscribe=One-Click` and no cookies, so the view is
exempt from CSRF: the 192-bit token in the URL is the credential.
"""

from __future__ import annotations

from flask import abort, render_template, request

from app.extensions import csrf, db, limiter
from app.models import Invite, Workspace
from app.platform.contract import responds, takes
from app.platform.i18n import use_locale
from app.respondent.blueprint import bp
from app.respondent.pages import HTML, _public_limit
from app.schemas.respondent import UnsubscribedSchema, UnsubscribeFormSchema
from app.services.branding import branding
from app.services.suppressions import is_unsubscribed, resubscribe, unsubscribe


def _invite_or_404(token: str) -> Invite:
    from sqlalchemy import select

    invite = db.session.scalar(select(Invite).where(Invite.token == token)) if len(token) <= 64 else None
    if invite is None:
        abort(404, description="This unsubscribe link is not valid. Check that the whole link was copied.")
    use_locale(invite.locale)
    return invite


@bp.get("/u/<token>")
@limiter.limit(_public_limit)
@responds(200, content_type=HTML, errors=HTML, description="The question, or that it is done")
def unsubscribe_page(token: str):
    """Ask whether to stop survey emails to this address."""
    invite = _invite_or_404(token)
    return _page(invite, done=is_unsubscribed(invite))


def _page(invite: Invite, **context):
    workspace = db.session.get(Workspace, invite.workspace_id)
    return render_template(
        "respondent/unsubscribe/page.html", workspace=workspace, brand=branding(workspace), invite=invite, **context
    )


@bp.post("/u/<token>")
@csrf.exempt
@limiter.limit(_public_limit)
@takes(UnsubscribeFormSchema, location="form", content_type="application/x-www-form-urlencoded", required=False)
@responds(200, UnsubscribedSchema, description="One-click (RFC 8058): suppressed")
@responds(200, content_type=HTML, errors=HTML, description="The page's button: suppressed, and says so")
def unsubscribe_post(token: str):
    """Suppress the address: one-click from the mail client, or the page's button."""
    invite = _invite_or_404(token)
    # The body is read before anything is written: a body refused on reading (413) suppresses nothing.
    one_click = request.form.get("List-Unsubscribe") == "One-Click"
    unsubscribe(token)
    if one_click:
        return {"status": "unsubscribed"}, 200
    return _page(invite, done=True)


@bp.post("/u/<token>/undo")
@limiter.limit(_public_limit)
@takes(UnsubscribeFormSchema, location="form", content_type="application/x-www-form-urlencoded", required=False)
@responds(200, content_type=HTML, errors=HTML, description="Subscribed again (if the customer had unsubscribed)")
def unsubscribe_undo(token: str):
    """Undo an unsubscribe made from this link: survey emails may come again."""
    invite = _invite_or_404(token)
    resubscribe(token)
    return _page(invite, done=is_unsubscribed(invite), undone=True)
