"""Secrets at rest, encrypted with keys derived from SECRET_KEY, one per purpose: helpdesk API
credentials, the TOTP secrets of people's second factor, outbound webhook signing secrets."""

from __future__ import annotations

import base64
import json

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app


def _fernet(purpose: bytes = b"integration-credentials") -> Fernet:
    # HKDF with a purpose label: the same SECRET_KEY never doubles as this key anywhere else.
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"afterword", info=purpose).derive(
        current_app.config["SECRET_KEY"].encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_json(value: dict) -> str:
    return _fernet().encrypt(json.dumps(value).encode()).decode()


def decrypt_json(token: str | None) -> dict | None:
    """The stored credentials, or None if absent or unreadable (e.g. SECRET_KEY changed)."""
    if not token:
        return None
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except (InvalidToken, ValueError):
        return None


_TOTP = b"totp-secret"


def encrypt_totp_secret(secret: str) -> str:
    return _fernet(_TOTP).encrypt(secret.encode()).decode()


def decrypt_totp_secret(token: str | None) -> str | None:
    """The base32 TOTP secret, or None if absent or unreadable (e.g. SECRET_KEY changed)."""
    if not token:
        return None
    try:
        return _fernet(_TOTP).decrypt(token.encode()).decode()
    except (InvalidToken, ValueError):
        return None


def encrypt_text(value: str, purpose: bytes) -> str:
    """A secret of its own kind (webhook signing secrets, helpdesk note tokens), under its own key."""
    return _fernet(purpose).encrypt(value.encode()).decode()


def decrypt_text(token: str | None, purpose: bytes) -> str | None:
    """The secret, or None if absent or unreadable (e.g. SECRET_KEY changed)."""
    if not token:
        return None
    try:
        return _fernet(purpose).decrypt(token.encode()).decode()
    except (InvalidToken, ValueError):
        return None
