"""Secrets at rest: helpdesk API credentials encrypted with a key derived from SECRET_KEY."""

from __future__ import annotations

import base64
import json

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app


def _fernet() -> Fernet:
    # HKDF with a purpose label: the same SECRET_KEY never doubles as this key anywhere else.
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"afterword", info=b"integration-credentials").derive(
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
