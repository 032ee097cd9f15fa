"""Signing in with an email and a password, then (for a person who turned it on) a TOTP code: one
generic refusal per step, and lockouts per account and per address shared by both steps, so
neither guessing nor probing which addresses have accounts gets anywhere."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import User
from app.models.audit import AuditAction
from app.services import audit
from app.services.accounts import lockout
from app.services.accounts.lockout import SignInRefused
from app.services.accounts.passwords import verify_password
from app.services.accounts.second_factor import accept_code

__all__ = ["CODE_REFUSED", "REFUSED", "SignInRefused", "check_password_again", "second_step", "sign_in"]

REFUSED = "That email and password do not match an account."
# Wrong, reused, or the sign-in waited too long: the same words, nothing to learn from them.
CODE_REFUSED = "That code does not work. Enter the newest code your authenticator app shows."


def sign_in(email: str, password: str, address: str) -> User:
    """The account whose password this is, or SignInRefused (the same words whatever was wrong).

    Failures count against the typed address (whether or not it has an account) and the client's
    address; over either limit, even the right password is refused until the window passes. With a
    second factor on, the account's count is cleared only once the code is right (second_step).
    """
    email = (email or "").strip().lower()[:320]
    lockout.refuse_if_locked(email, address)
    user = db.session.scalar(select(User).where(User.email == email)) if email else None
    if not verify_password(user.password_hash if user else None, password or ""):
        lockout.count_failure(email, address)
        raise SignInRefused(REFUSED)
    if not user.totp_secret:
        lockout.clear(email)
        audit.record_now(AuditAction.SIGNED_IN, None, actor=audit.person(user), detail={"second_factor": False})
    return user


def second_step(user_id: int, code: str, address: str) -> User:
    """The person whose password was right, once their TOTP code is too; wrong codes count
    against the same lockout as wrong passwords."""
    user = db.session.get(User, user_id)
    if user is None or not user.totp_secret:
        raise SignInRefused(CODE_REFUSED)
    lockout.refuse_if_locked(user.email, address)
    if not accept_code(user, code):
        lockout.count_failure(user.email, address)
        raise SignInRefused(CODE_REFUSED)
    lockout.clear(user.email)
    audit.record_now(AuditAction.SIGNED_IN, None, actor=audit.person(user), detail={"second_factor": True})
    return user


def check_password_again(user: User, password: str, address: str) -> None:
    """A signed-in person proving it is still them (to change their password): SignInRefused if
    not, counted like a failed sign-in."""
    lockout.refuse_if_locked(user.email, address)
    if not verify_password(user.password_hash, password or ""):
        lockout.count_failure(user.email, address)
        raise SignInRefused("That is not your current password.")
