"""Signing in with an email and a password: one generic refusal, and lockouts per account and per
address, so neither guessing nor probing which addresses have accounts gets anywhere."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import User
from app.platform.attempts import Attempts
from app.services.accounts.passwords import verify_password

REFUSED = "That email and password do not match an account."


@dataclass(frozen=True)
class SignInRefused(Exception):
    message: str
    retry_after: int | None = None  # seconds, when locked out


def _per_account() -> Attempts:
    return Attempts("sign-in-account", current_app.config["SIGN_IN_ACCOUNT_LIMIT"])


def _per_address() -> Attempts:
    return Attempts("sign-in-address", current_app.config["SIGN_IN_ADDRESS_LIMIT"])


def sign_in(email: str, password: str, address: str) -> User:
    """The account whose password this is, or SignInRefused (the same words whatever was wrong).

    Failures count against the typed address (whether or not it has an account) and the client's
    address; over either limit, even the right password is refused until the window passes.
    """
    email = (email or "").strip().lower()[:320]
    for attempts, key in ((_per_account(), email), (_per_address(), address)):
        wait = attempts.blocked_for(key)
        if wait:
            minutes = max(1, round(wait / 60))
            raise SignInRefused(f"Too many attempts. Try again in {minutes} minute{'s' if minutes > 1 else ''}.", wait)
    user = db.session.scalar(select(User).where(User.email == email)) if email else None
    if not verify_password(user.password_hash if user else None, password or ""):
        _per_account().failed(email)
        _per_address().failed(address)
        raise SignInRefused(REFUSED)
    _per_account().clear(email)
    return user
