"""The one exception services raise to refuse a request; the API renders it as JSON."""
from __future__ import annotations


class APIError(Exception):
    """A refusal with a status, a stable code, a human message and per-field messages."""

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}
