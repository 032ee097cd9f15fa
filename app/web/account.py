"""Signing in and out, resetting a password, accepting an invitation.

Every form posts back to its own page; a refusal shows the page again with the reason beside the
field (422), and success redirects (303) so a reload never posts twice.
"""

from __future__ import annotations

import time

from flask import current_app, g, redirect, render_template, request, session, url_for

from app.errors import APIError
from app.extensions import limiter
from app.models.account import TokenPurpose
from app.platform.contract import FORM, HTML, responds, takes
from app.services.accounts import people
from app.services.accounts.sessions import end_every_session, end_session, start_session
from app.services.accounts.sign_in import SignInRefused, second_step
from app.services.accounts.sign_in import sign_in as check_password
from app.web.blueprint import bp, clear_session_cookie, set_session_cookie, signed_in
from app.web.forms import CodeForm, ConfirmForm, InvitationForm, NewPasswordForm, ResetRequestForm, SignInForm

# A right password waits this long for its code; the pending sign-in lives in Flask's signed
# session cookie (the user id, when, where to go next), never as a signed-in session.
PENDING = "pending_sign_in"
PENDING_SECONDS = 5 * 60


def _fields(*names: str) -> dict:
    """The documented shape of a form post: its fields and the CSRF token every form carries."""
    return {
        "type": "object",
        "properties": {name: {"type": "string"} for name in (*names, "csrf_token")},
        "required": [*names, "csrf_token"],
    }


def _limit() -> str:
    return current_app.config["PUBLIC_RATE_LIMIT"]


def _local(target: str | None) -> str:
    """Where to go after signing in: a path on this site only (never another host)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("web.home")


def _signed_in_as(user):
    """Sign in a person who proved their password (or an emailed link): a second factor, if on,
    is asked for first, and no session exists until its code is right."""
    target = _local(request.args.get("next"))
    if user.totp_secret:
        session[PENDING] = {"user": user.id, "at": int(time.time()), "next": target}
        return redirect(url_for("web.sign_in_code_page"), 303)
    return start_and_go(user, target)


def start_and_go(user, target: str):
    token = start_session(user, request.remote_addr, request.headers.get("User-Agent"))
    return set_session_cookie(redirect(target, 303), token)


def _pending() -> dict | None:
    """The sign-in waiting for its code, if it is this browser's and not older than 5 minutes."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or not isinstance(pending.get("user"), int):
        return None
    if not isinstance(pending.get("at"), int) or time.time() - pending["at"] > PENDING_SECONDS:
        session.pop(PENDING, None)
        return None
    return pending


@bp.get("/login")
@responds(200, content_type=HTML, errors=HTML, description="The sign-in form")
@responds(302, content_type=HTML, description="Already signed in: on to the workspace")
def sign_in_page():
    """The sign-in page."""
    if g.user is not None:
        return redirect(_local(request.args.get("next")))
    return render_template("web/sign_in.html", form=SignInForm(), error=None)


@bp.post("/login")
@limiter.limit(_limit)
@takes(_fields("email", "password"), location="form", content_type=FORM)
@responds(303, content_type=HTML, errors=HTML, description="Signed in: on to the workspace (or `next`)")
@responds(401, content_type=HTML, description="The form again: the email and password match no account")
@responds(422, content_type=HTML, description="The form again, saying what to fix")
@responds(429, content_type=HTML, description="Locked out for a while after too many failures")
def sign_in():
    """Sign in with an email and a password."""
    form = SignInForm()
    if not form.validate_on_submit():
        return render_template("web/sign_in.html", form=form, error=None), 422
    try:
        user = check_password(form.email.data, form.password.data, request.remote_addr or "unknown")
    except SignInRefused as refused:
        status = 429 if refused.retry_after else 401
        return render_template("web/sign_in.html", form=form, error=refused.message), status
    return _signed_in_as(user)


@bp.get("/login/code")
@responds(200, content_type=HTML, errors=HTML, description="The form asking for the code of the second factor")
@responds(302, content_type=HTML, description="No sign-in waiting for a code (or it took over 5 minutes): to sign in")
def sign_in_code_page():
    """The second step of signing in: a code from the authenticator app."""
    if _pending() is None:
        return redirect(url_for("web.sign_in_page"))
    return render_template("web/sign_in_code.html", form=CodeForm(), error=None)


@bp.post("/login/code")
@limiter.limit(_limit)
@takes(_fields("code"), location="form", content_type=FORM)
@responds(303, content_type=HTML, errors=HTML, description="Signed in (or no sign-in waiting: to sign in)")
@responds(401, content_type=HTML, description="The form again: the code does not work")
@responds(422, content_type=HTML, description="The form again, saying what to fix")
@responds(429, content_type=HTML, description="Locked out for a while after too many failures")
def sign_in_code():
    """Finish signing in with a code from the authenticator app."""
    pending = _pending()
    if pending is None:
        return redirect(url_for("web.sign_in_page", expired="code"), 303)
    form = CodeForm()
    if not form.validate_on_submit():
        return render_template("web/sign_in_code.html", form=form, error=None), 422
    try:
        user = second_step(pending["user"], form.code.data, request.remote_addr or "unknown")
    except SignInRefused as refused:
        status = 429 if refused.retry_after else 401
        return render_template("web/sign_in_code.html", form=form, error=refused.message), status
    session.pop(PENDING, None)
    return start_and_go(user, _local(pending.get("next")))


@bp.post("/logout")
@takes(_fields(), location="form", content_type=FORM)
@responds(303, content_type=HTML, errors=HTML, description="Signed out: on to the sign-in page")
def sign_out():
    """Sign out of this browser."""
    if g.user_session is not None:
        end_session(g.user_session)
    session.pop(PENDING, None)
    return clear_session_cookie(redirect(url_for("web.sign_in_page"), 303))


@bp.post("/logout/everywhere")
@signed_in
@takes(_fields(), location="form", content_type=FORM)
@responds(303, content_type=HTML, errors=HTML, description="Every session ended: on to the sign-in page")
@responds(302, content_type=HTML, description="Not signed in: on to the sign-in page")
def sign_out_everywhere():
    """Sign out of every browser this person is signed in on."""
    end_every_session(g.user.id)
    return clear_session_cookie(redirect(url_for("web.sign_in_page", ended="everywhere"), 303))


@bp.get("/reset")
@responds(200, content_type=HTML, errors=HTML, description="The form asking for the account's email")
def request_reset_page():
    """Ask for a password-reset link."""
    return render_template("web/reset_request.html", form=ResetRequestForm())


@bp.post("/reset")
@limiter.limit(_limit)
@takes(_fields("email"), location="form", content_type=FORM)
@responds(200, content_type=HTML, errors=HTML, description="The same answer whether or not the address has an account")
@responds(422, content_type=HTML, description="The form again, saying what to fix")
def request_reset():
    """Email a password-reset link."""
    form = ResetRequestForm()
    if not form.validate_on_submit():
        return render_template("web/reset_request.html", form=form), 422
    people.request_reset(form.email.data)
    message = (
        "If an account uses that address, a link to choose a new password is on its way. It works once, for an hour."
    )
    return render_template("web/message.html", title="Check your email", message=message)


@bp.get("/reset/<token>")
@responds(200, content_type=HTML, errors=HTML, description="The form for a new password")
@responds(410, content_type=HTML, description="The link has expired or was used")
def reset_page(token: str):
    """Choose a new password from an emailed link."""
    if people.usable_token(token, TokenPurpose.RESET) is None:
        return _spent("This reset link has expired or was already used.", url_for("web.request_reset_page"))
    return render_template("web/reset.html", form=NewPasswordForm())


@bp.post("/reset/<token>")
@limiter.limit(_limit)
@takes(_fields("password", "confirm"), location="form", content_type=FORM)
@responds(303, content_type=HTML, errors=HTML, description="Password changed, every other session ended, signed in")
@responds(410, content_type=HTML, description="The link has expired or was used")
@responds(422, content_type=HTML, description="The form again, saying what to fix")
def reset(token: str):
    """Set the new password."""
    if people.usable_token(token, TokenPurpose.RESET) is None:
        return _spent("This reset link has expired or was already used.", url_for("web.request_reset_page"))
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            return _signed_in_as(people.complete_reset(token, form.password.data))
        except APIError as refusal:
            form.password.errors.append(refusal.message)
    return render_template("web/reset.html", form=form), 422


@bp.get("/invitations/<token>")
@responds(200, content_type=HTML, errors=HTML, description="The invitation, with a password form for a new account")
@responds(410, content_type=HTML, description="The invitation has expired or was used")
def invitation_page(token: str):
    """An invitation to join a workspace."""
    invitation = people.usable_token(token, TokenPurpose.INVITE)
    if invitation is None:
        return _spent("This invitation has expired or was already used. Ask whoever invited you for a new one.")
    return _invitation(invitation, InvitationForm())


@bp.post("/invitations/<token>")
@limiter.limit(_limit)
@takes(_fields("name", "password", "confirm"), location="form", content_type=FORM)
@responds(303, content_type=HTML, errors=HTML, description="Joined and signed in")
@responds(410, content_type=HTML, description="The invitation has expired or was used")
@responds(422, content_type=HTML, description="The form again, saying what to fix")
def accept_invitation(token: str):
    """Join the workspace (a new account chooses its password here)."""
    invitation = people.usable_token(token, TokenPurpose.INVITE)
    if invitation is None:
        return _spent("This invitation has expired or was already used. Ask whoever invited you for a new one.")
    form = InvitationForm()
    if people.find_user(invitation.email) is not None:
        # An existing account joins with one click; the post still needs its CSRF token.
        if ConfirmForm().validate_on_submit():
            return _signed_in_as(people.accept_invitation(token, None))
    elif form.validate_on_submit():
        try:
            return _signed_in_as(people.accept_invitation(token, form.password.data, form.name.data or None))
        except APIError as refusal:
            form.password.errors.append(refusal.message)
    return _invitation(invitation, form), 422


def _invitation(invitation, form):
    existing = people.find_user(invitation.email)
    workspace = people.workspace_of(invitation)
    return render_template(
        "web/invitation.html", form=form, invitation=invitation, workspace=workspace, existing=existing
    )


def _spent(message: str, retry_url: str | None = None):
    page = render_template("web/message.html", title="This link no longer works", message=message, retry_url=retry_url)
    return page, 410
