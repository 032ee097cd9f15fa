"""Counting failed attempts per key in the rate-limit storage (Redis when REDIS_URL is set, so
every web process shares the count), for lockouts that must hold whatever else is limited."""

from __future__ import annotations

import time

from flask import Flask, current_app
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


class Attempts:
    """Failures of one kind (`name`), allowed `limit` (e.g. "5 per 15 minutes") per key."""

    def __init__(self, name: str, limit: str):
        self.name = name
        self.limit: RateLimitItem = parse(limit)

    def blocked_for(self, key: str) -> int | None:
        """Seconds until `key` may try again, or None if it may now."""
        strategy = _strategy(current_app)
        if strategy.test(self.limit, self.name, key):
            return None
        reset, _ = strategy.get_window_stats(self.limit, self.name, key)
        return max(1, int(reset - time.time()))

    def failed(self, key: str) -> None:
        _strategy(current_app).hit(self.limit, self.name, key)

    def clear(self, key: str) -> None:
        _strategy(current_app).clear(self.limit, self.name, key)


def _strategy(app: Flask) -> MovingWindowRateLimiter:
    strategy = app.extensions.get("attempts")
    if strategy is None:
        storage = storage_from_string(app.config["RATELIMIT_STORAGE_URI"])
        strategy = app.extensions.setdefault("attempts", MovingWindowRateLimiter(storage))
    return strategy
