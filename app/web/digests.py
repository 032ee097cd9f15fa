"""Digest emails as people choose them: opt in on /w/{id}/digest (weekly or daily, in a language),
out with one click from the email (/digest/stop/{token}: RFC 8058, as the customers' unsubscribe)."""

from __future__ import annotations

from flask import abort, g, render_template, request

from app.errors import APIError
from app.extensions import csrf
from app.models.digest import DigestFrequency
from app.platform.contract import FORM, HTML, responds, takes
from app.platform.i18n import LANGUAGES
from app.schemas.respondent import UnsubscribedSchema, UnsubscribeFormSchema
from app.services.accounts.permissions import Action
from app.services.digests.subscriptions import by_token, opt_out, subscribe, subscription_of
from app.web.blueprint import bp
from app.web.forms import ConfirmForm
from app.web.members import member_page

_FORM = {
    "type": "object",
    "properties": {
        "frequency": {"type": "string", "enum": ["", *[f.value for f in DigestFrequency]]},
        "locale": {"type": "string", "enum": list(LANGUAGES)},
        "csrf_token": {"type": "string"},
    },
}


def _page(saved: bool = False, error: str | None = None, status: int = 200):
    row = subscription_of(g.user.id, g.workspace.id)
    return (
        render_template(
            "web/digest.html",
            frequency=row.frequency if row else "",
            locale=row.locale if row else "en",
            next_due_at=row.next_due_at if row else None,
            languages=LANGUAGES,
            saved=saved,
            error=error,
        ),
        status,
    )


@bp.get("/w/<id:workspace_id>/digest")
@member_page(Action.READ_REPORTS)
@responds(200, content_type=HTML, errors=HTML, description="The viewer's digest email: off, weekly or daily")
def digest_page(workspace_id: int):
    """Choose a weekly or daily summary of this workspace by email."""
    return _page()


@bp.post("/w/<id:workspace_id>/digest")
@member_page(Action.READ_REPORTS)
@takes(_FORM, location="form", content_type=FORM)
@responds(200, content_type=HTML, errors=HTML, description="Saved; the page again")
@responds(400, content_type=HTML, description="The form expired (CSRF token) or named no frequency we send")
def digest_save(workspace_id: int):
    """Opt in, change how often, or opt out."""
    frequency = request.form.get("frequency", "")
    if not ConfirmForm().validate_on_submit() or frequency not in ("", *DigestFrequency):
        return _page(error="The form expired: send it again.", status=400)
    try:
        subscribe(g.membership, frequency or None, request.form.get("locale", "en"))
    except APIError as refused:
        return _page(error=refused.message, status=refused.status)
    return _page(saved=True)


@bp.get("/digest/stop/<token>")
@responds(200, content_type=HTML, errors=HTML, description="Asks whether to stop the digest emails")
def digest_stop_page(token: str):
    """The email's link: a GET only asks (link scanners follow links)."""
    row = by_token(token)
    if row is None:
        abort(404)
    return render_template("web/digest_stop.html", token=token, done=False)


@bp.post("/digest/stop/<token>")
@csrf.exempt  # the 192-bit token in the URL is the credential; mail clients post without cookies
@takes(UnsubscribeFormSchema, location="form", content_type=FORM, required=False)
@responds(200, UnsubscribedSchema, description="One-click (RFC 8058): stopped")
@responds(200, content_type=HTML, errors=HTML, description="The page's button: stopped, and says so")
@responds(404, content_type=HTML, description="No such digest subscription (already stopped, or a mistyped link)")
def digest_stop(token: str):
    """Stop the digest emails of that workspace to this person."""
    if not opt_out(token):
        abort(404)
    if request.form.get("List-Unsubscribe") == "One-Click":
        return {"status": "unsubscribed"}, 200
    return render_template("web/digest_stop.html", token=token, done=True)
