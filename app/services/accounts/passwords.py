"""Passwords hashed with argon2id (argon2-cffi), RFC 9106's parameters unless a test asks for less."""

from __future__ import annotations

import secrets
from functools import cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

MIN_LENGTH = 10
MAX_LENGTH = 1000  # argon2 takes any length; a megabyte "password" is only a way to burn CPU


def _hasher() -> PasswordHasher:
    # RFC 9106's "low memory" recommendation (64 MiB, t=3, p=4) in production; tests set
    # ARGON2_PROFILE = "CHEAPEST" so hundreds of sign-ins stay fast.
    return _hasher_for(current_app.config.get("ARGON2_PROFILE", "RFC_9106_LOW_MEMORY"))


@cache
def _hasher_for(profile: str) -> PasswordHasher:
    return PasswordHasher.from_parameters(getattr(profiles, profile))


@cache
def _decoy(profile: str) -> str:
    # A hash made for no account: checking a password against it costs what a real check costs,
    # so a wrong address takes as long as a wrong password (no account enumeration by timing).
    return _hasher_for(profile).hash(secrets.token_urlsafe(16))


def password_problem(password: str) -> str | None:
    """Why a new password cannot be used, in words for the person choosing it; None if it can."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    if not password.strip():
        return "Use more than spaces."
    return None


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches; a missing hash is checked against a decoy, for equal timing."""
    profile = current_app.config.get("ARGON2_PROFILE", "RFC_9106_LOW_MEMORY")
    try:
        return _hasher().verify(password_hash or _decoy(profile), password[:MAX_LENGTH]) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
