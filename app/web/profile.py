"""`/account`: a person's own account: their password, and a second factor (TOTP).

Setting up a second factor shows a new secret (as an otpauth:// URI and as base32 for typing in),
kept in Flask's signed session (encrypted) until a code from it proves the app has it; only then
is it saved. Turning it off needs a current code.
"""

from __future__ import annotations

import time

from flask import g, redirect, render_template, request, session, url_for

from app.errors import APIError
from app.platform.contract import FORM, HTML, responds, takes
from app.platform.crypto import decrypt_totp_secret, encrypt_totp_secret
from app.services.accounts import people, second_factor
from app.services.accounts.permissions import lacks_required_second_factor
from app.services.accounts.sign_in import SignInRefused, check_password_again
from app.web.account import _fields, start_and_go
from app.web.blueprint import bp, signed_in
from app.web.forms import ChangePasswordForm, CodeForm

SETUP = "totp_setup"
SETUP_SECONDS = 15 * 60  # long enough to find the phone, short enough not to linger in a cookie
NOTICES = {
    "password": "Your password is changed. Every other session has ended.",
    "on": "Your second factor is on: signing in now asks for a code.",
    "off": "Your second factor is off.",
}
_NOT_SIGNED_IN = "Not signed in: to the sign-in page, then back"


def _address() -> str:
    return request.remote_addr or "unknown"


def _page(status: int = 200, password_form=None, off_form=None):
    requiring = [w for m, w in people.memberships(g.user.id) if lacks_required_second_factor(m)]
    page = render_template(
        "web/account.html",
        password_form=password_form or ChangePasswordForm(formdata=None),
        off_form=off_form or CodeForm(formdata=None),
        enabled=second_factor.enabled(g.user),
        requiring=requiring,
        notice=NOTICES.get(request.args.get("done", "")),
    )
    return page, status


@bp.get("/account")
@signed_in
@responds(200, content_type=HTML, errors=HTML, description="The person's account: password and second factor")
@responds(302, content_type=HTML, description=_NOT_SIGNED_IN)
def account_page():
    """Your account."""
    return _page()


@bp.post("/account/password")
@signed_in
@takes(_fields("current", "password", "confirm"), location="form", content_type=FORM)
@responds(303, content_type=HTML, errors=HTML, description="Changed: every other session ended, this one renewed")
@responds(302, content_type=HTML, description=_NOT_SIGNED_IN)
@responds(401, content_type=HTML, description="The page again: the current password is wrong")
@responds(422, content_type=HTML, description="The page again, saying what to fix")
@responds(429, content_type=HTML, description="Locked out for a while after too many failures")
def account_password():
    """Change your password (ends every other session)."""
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return _page(422, password_form=form)
    try:
        check_password_again(g.user, form.current.data, _address())
    except SignInRefused as refused:
        form.current.errors.append(refused.message)
        return _page(429 if refused.retry_after else 401, password_form=form)
    try:
        people.change_password(g.user, form.password.data)  # every session ends, this one too
    except APIError as refusal:
        form.password.errors.append(refusal.message)
        return _page(422, password_form=form)
    return start_and_go(g.user, url_for("web.account_page", done="password"))  # a fresh one here


def _setup_secret(fresh: bool = False) -> str:
    """This person's secret being set up (a new one if none, another person's, or stale)."""
    pending = session.get(SETUP)
    usable = isinstance(pending, dict) and pending.get("user") == g.user.id and isinstance(pending.get("at"), int)
    if not fresh and usable and time.time() - pending["at"] <= SETUP_SECONDS:
        secret = decrypt_totp_secret(pending.get("secret"))
        if secret:
            return secret
    secret = second_factor.new_secret()
    session[SETUP] = {"user": g.user.id, "at": int(time.time()), "secret": encrypt_totp_secret(secret)}
    return secret


def _setup_page(secret: str, form=None, status: int = 200, notice: str | None = None):
    page = render_template(
        "web/second_factor.html",
        form=form or CodeForm(formdata=None),
        secret=secret,
        grouped=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        uri=second_factor.setup_uri(g.user, secret),
        notice=notice,
    )
    return page, status


@bp.get("/account/second-factor")
@signed_in
@responds(200, content_type=HTML, errors=HTML, description="A new secret for the authenticator app, and the code form")
@responds(302, content_type=HTML, description="Not signed in (to the sign-in page), or already on (to the account)")
def second_factor_page():
    """Set up a second factor."""
    if second_factor.enabled(g.user):
        return redirect(url_for("web.account_page"))
    return _setup_page(_setup_secret())


@bp.post("/account/second-factor")
@signed_in
@takes(_fields("code"), location="form", content_type=FORM)
@responds(303, content_type=HTML, errors=HTML, description="Turned on: to the account page")
@responds(302, content_type=HTML, description=_NOT_SIGNED_IN)
@responds(409, content_type=HTML, description="Already on: nothing changed")
@responds(422, content_type=HTML, description="The page again: the code does not work (or the setup expired)")
def second_factor_confirm():
    """Turn the second factor on with a code from the new secret."""
    form = CodeForm()
    pending = session.get(SETUP)
    if not (isinstance(pending, dict) and pending.get("user") == g.user.id):
        notice = "That setup expired: add this new key to your app, then enter its code."
        return _setup_page(_setup_secret(fresh=True), status=422, notice=notice)
    secret = _setup_secret()
    if not form.validate_on_submit():
        return _setup_page(secret, form, 422)
    try:
        second_factor.turn_on(g.user, secret, form.code.data)
    except APIError as refusal:
        if refusal.status == 409:
            return render_template("web/message.html", title="Second factor", message=refusal.message), 409
        form.code.errors.append(refusal.message)
        return _setup_page(secret, form, 422)
    session.pop(SETUP, None)
    return redirect(url_for("web.account_page", done="on"), 303)


@bp.post("/account/second-factor/off")
@signed_in
@takes(_fields("code"), location="form", content_type=FORM)
@responds(303, content_type=HTML, errors=HTML, description="Turned off: to the account page")
@responds(302, content_type=HTML, description=_NOT_SIGNED_IN)
@responds(422, content_type=HTML, description="The page again: the code does not work")
@responds(429, content_type=HTML, description="Locked out for a while after too many failures")
def second_factor_off():
    """Turn the second factor off (needs a current code)."""
    form = CodeForm()
    if not form.validate_on_submit():
        return _page(422, off_form=form)
    try:
        second_factor.turn_off(g.user, form.code.data, _address())
    except SignInRefused as refused:
        form.code.errors.append(refused.message)
        return _page(429, off_form=form)
    except APIError as refusal:
        form.code.errors.append(refusal.message)
        return _page(422, off_form=form)
    return redirect(url_for("web.account_page", done="off"), 303)
