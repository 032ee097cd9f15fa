"""A shared rate limit counted a lease of hits at a time: the webhook door's limit.

Why not Flask-Limiter here, as on every other public endpoint: at webhook volume its
per-request work (resolving and keying the limits, then one Redis round trip to count the hit)
was a fifth of intake's CPU. This counts in the same `limits` storage (Redis when REDIS_URL is
set, so every web process shares one count) and in the same fixed-window way, but a process
takes hits from the shared counter several at a time and spends them locally.

How many at a time follows what the process has just seen: a lease starts at one hit (so a
quiet sender is counted exactly as before, one storage call per request) and doubles while
leases run out within their lifetime, up to MAX_LEASE and never above a tenth of the limit.
Leases live at most LEASE_SECONDS, and hits a process leased but did not use are simply
counted, so the limit errs on the side of refusing: no more than `amount` hits are ever taken
from one window's counter. The one inexactness: a lease taken just before the shared window
ends may be spent just after it, so a new window can see up to one lease per process more
than its limit, for at most LEASE_SECONDS.

A refusal is remembered until the window resets (answering 429s costs no storage call), and a
storage failure lets requests through for a lease's lifetime, like RATELIMIT_SWALLOW_ERRORS:
a Redis outage must not cost intake a connection attempt per webhook.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass

from limits import RateLimitItem
from limits.storage import Storage

log = logging.getLogger(__name__)

MAX_LEASE = 64
LEASE_SECONDS = 1.0


@dataclass
class _Lease:
    size: int  # hits taken from the shared counter
    left: int  # of those, not spent yet
    until: float  # monotonic time the lease (or the refusal) ends
    refused: bool = False


class LeasedRateLimit:
    """Hits against one shared fixed-window limit, taken from the storage in leases."""

    def __init__(self, storage: Storage, clock=time.monotonic):
        self._storage = storage
        self._clock = clock
        self._lock = threading.Lock()
        self._leases: dict[str, _Lease] = {}
        self._pid = os.getpid()

    def hit(self, item: RateLimitItem, *identifiers: str) -> float | None:
        """Count one hit: None if allowed, else the seconds until the window resets."""
        key = item.key_for(*identifiers)
        now = self._clock()
        with self._lock:
            if self._pid != os.getpid():  # a forked child must not spend its parent's leases
                self._leases, self._pid = {}, os.getpid()
            lease = self._leases.get(key)
            if lease is not None and now < lease.until:
                if lease.refused:
                    return lease.until - now
                if lease.left > 0:
                    lease.left -= 1
                    return None
            size = _next_size(lease, now, item.amount)
        # The storage call (a network round trip with Redis) is made outside the lock.
        try:
            total = self._storage.incr(key, item.get_expiry(), amount=size)
        except Exception:
            log.warning("rate-limit storage unreachable; webhooks are let through meanwhile", exc_info=True)
            self._keep(key, _Lease(0, item.amount, now + LEASE_SECONDS))  # open, uncounted, for a while
            return None
        granted = min(size, item.amount - (total - size))  # the hits of this lease within the limit
        if granted > 0:
            self._keep(key, _Lease(size, granted - 1, now + LEASE_SECONDS))
            return None
        retry_after = max(1.0, self._seconds_to_reset(key))
        self._keep(key, _Lease(size, 0, now + retry_after, refused=True))
        return retry_after

    def _keep(self, key: str, lease: _Lease) -> None:
        with self._lock:
            if len(self._leases) > 10_000:  # many senders: forget the lot rather than grow
                self._leases.clear()
            self._leases[key] = lease

    def _seconds_to_reset(self, key: str) -> float:
        try:
            return self._storage.get_expiry(key) - time.time()
        except Exception:
            return LEASE_SECONDS


def _next_size(previous: _Lease | None, now: float, amount: int) -> int:
    """Double after a lease used up within its lifetime; else what the last one used."""
    ceiling = max(1, min(MAX_LEASE, amount // 10))
    if previous is None or previous.refused:
        return 1
    used = previous.size - previous.left
    if previous.left == 0 and now < previous.until:
        return min(ceiling, previous.size * 2)
    return max(1, min(ceiling, used))
