"""What every helpdesk module provides: a secret, a signature check, and a parser."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Mapping, Protocol


class SignatureError(Exception):
    """The request is not provably from the helpdesk: answered 401."""


@dataclass(frozen=True)
class HookEvent:
    """What a delivery means for us.

    action: "invite" (a solved ticket to survey), "ignored" (any other event), or "ping".
    """

    action: str
    external_id: str | None = None
    invite: dict = field(default_factory=dict)
    reply: dict | None = None  # body for pings and challenges


class Provider(Protocol):
    name: str

    def new_secret(self) -> str: ...

    def verify(self, secret: str, headers: Mapping[str, str], body: bytes, now: datetime, tolerance: int) -> None: ...

    def parse(self, headers: Mapping[str, str], body: bytes, survey_id: int) -> HookEvent: ...
