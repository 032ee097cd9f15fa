"""Proving a delivery came from the helpdesk: secrets, HMAC signatures, timestamps, shared secrets.

Every check compares in constant time. Signed senders whose signature covers a timestamp
(Zendesk, Front) share `verify_timestamped`, so a replayed delivery is refused the same way
whatever sent it; the generic door checks the Standard Webhooks form in generic.py.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
from collections.abc import Callable, Mapping
from datetime import datetime

from app.integrations.base import parse_time


class SignatureError(Exception):
    """The request is not provably from the helpdesk: answered 401."""


def random_secret() -> str:
    return secrets.token_urlsafe(32)


def hmac_b64(key: bytes, message: bytes, digestmod) -> str:
    return base64.b64encode(hmac.new(key, message, digestmod).digest()).decode()


def same(expected: str, given: str | None) -> bool:
    """Constant-time comparison of two signatures or secrets."""
    return given is not None and hmac.compare_digest(expected.encode(), given.strip().encode())


def shared_secret_given(secret: str, headers: Mapping[str, str]) -> None:
    """Unsigned senders: the integration secret in X-Afterword-Secret or as the Basic-auth password."""
    given = headers.get("x-afterword-secret")
    if given is None:
        scheme, _, value = (headers.get("authorization") or "").partition(" ")
        if scheme.lower() == "basic":
            try:
                given = base64.b64decode(value.strip(), validate=True).decode().partition(":")[2]
            except (binascii.Error, UnicodeDecodeError):
                given = None
    if given is None:
        raise SignatureError("Send the integration secret in X-Afterword-Secret or as the Basic-auth password.")
    if not same(secret, given):
        raise SignatureError("The secret does not match this integration.")


def check_timestamp(stamp: datetime, now: datetime, tolerance: int) -> None:
    if abs((now - stamp).total_seconds()) > tolerance:
        raise SignatureError("The signature timestamp is too far from now; the delivery may be a replay.")


def verify_timestamped(
    headers: Mapping[str, str],
    signature_header: str,
    timestamp_header: str,
    expected: Callable[[str], str],
    now: datetime,
    tolerance: int,
    stamp_format: str = "a time",
) -> None:
    """Refuse unless `signature_header` equals `expected(timestamp)` and the timestamp is recent.

    `expected` signs the raw timestamp text as the sender did (with the secret and the body).
    """
    signature, stamp = headers.get(signature_header), headers.get(timestamp_header)
    if not signature or not stamp:
        raise SignatureError(f"Missing {_title(signature_header)} or {_title(timestamp_header)}.")
    when = parse_time(stamp)
    if when is None:
        raise SignatureError(f"{_title(timestamp_header)} is not {stamp_format}.")
    check_timestamp(when, now, tolerance)
    if not same(expected(stamp), signature):
        raise SignatureError("The signature does not match the body.")


def _title(header: str) -> str:
    return "-".join(part.capitalize() for part in header.split("-"))
