"""The lockout every proof of identity shares (a password, a second-factor code): failures count
per account and per client address, and over either limit even a right answer is refused until
the window passes. One count for both proofs, so a stolen password buys no extra code guesses."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from app.platform.attempts import Attempts


@dataclass(frozen=True)
class SignInRefused(Exception):
    message: str
    retry_after: int | None = None  # seconds, when locked out


def per_account() -> Attempts:
    return Attempts("sign-in-account", current_app.config["SIGN_IN_ACCOUNT_LIMIT"])


def per_address() -> Attempts:
    return Attempts("sign-in-address", current_app.config["SIGN_IN_ADDRESS_LIMIT"])


def refuse_if_locked(email: str, address: str) -> None:
    """SignInRefused (with the wait) if the account or the address is over its limit."""
    for attempts, key in ((per_account(), email), (per_address(), address)):
        wait = attempts.blocked_for(key)
        if wait:
            minutes = max(1, round(wait / 60))
            raise SignInRefused(f"Too many attempts. Try again in {minutes} minute{'s' if minutes > 1 else ''}.", wait)


def count_failure(email: str, address: str) -> None:
    per_account().failed(email)
    per_address().failed(address)


def clear(email: str) -> None:
    per_account().clear(email)
