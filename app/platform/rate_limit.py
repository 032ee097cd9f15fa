"""A shared rate limit counted a lease of hits at a time: the webhook door's limit.

Why not Flask-Limiter here, as on every other public endpoint: at webhook volume its
per-request work (resolving and keying the limits, then one Redis round trip to count the hit)
was a fifth of intake's CPU. This counts in the same `limits` storage (Redis when REDIS_URL is
set, so every web process shares one count) and in the same fixed-window way (one counter per
sender, its window starting at the first hit), but a process takes hits from the shared counter
several at a time and spends them locally.

How many at a time follows what the process has just seen: a lease starts at one hit (so a
quiet sender is counted exactly as before, one storage call per request) and doubles while
leases run out within their lifetime, up to MAX_LEASE and never above a tenth of the limit.
Leases live at most LEASE_SECONDS.

Hits a process leased but did not spend are given back: the storage call that takes the next
lease adds `size - unused` instead of `size` (INCRBY accepts a negative amount), so giving back
costs no extra round trip. Before this, unspent hits stayed counted: a steady sender got 463 of
its 600 per minute at 20 req/s and was refused at 0.8x the limit (measured in production; the
same is seen with two processes and a simulated clock in tests/platform/test_rate_limit.py).
Hits go back only to the window they were taken from: each lease is tagged with the end of its
window, which the process reads from the storage (`get_expiry`) once per window, after the first
lease that could leave hits unused (so a quiet sender still costs one call per request), and a
lease is given back only if its window has more than RETURN_MARGIN left; else it stays counted.

How far the shared count can be from the truth, for a limit of L per window, with P processes
and lease ceiling C = min(MAX_LEASE, L // 10) (at least 1):
- letting through too many: a lease taken just before a window ends may be spent just after it,
  so a window can let through up to L + P*C, the excess within its first LEASE_SECONDS. Unused
  hits could be given back into the wrong window only if a window ended while the give-back was
  in flight although more than RETURN_MARGIN seemed left (a storage call slower than a second),
  or within the one round trip between taking a lease and reading its window's end: at most one
  lease per process each, so never more than L + 2*P*C.
- refusing early: the count also holds hits leased and not spent yet (at most one live lease per
  process, and a lease is at most twice what its process spent in the last LEASE_SECONDS), and
  hits not given back yet (a process gives back when it takes its next lease; hits leased in a
  window's last RETURN_MARGIN are never given back). So a sender is refused at most 2*P*C early,
  and in practice by about two seconds of its own traffic: a sender at 0.8x a per-minute limit
  is never refused. A refused process asks again every LEASE_SECONDS, so hits given back
  meanwhile are still let through.

A refusal is remembered for a lease's lifetime (answering 429s costs no storage call), and a
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
# Unspent hits go back only while their window has this long left: Redis reports a key's expiry
# in whole seconds (`get_expiry` is up to half a second late), and the call must land in time.
RETURN_MARGIN = 1.0


@dataclass
class _Lease:
    size: int  # hits taken from the shared counter (0: let through uncounted, storage down)
    left: int  # of the usable ones, not spent yet
    until: float  # monotonic time the lease (or the refusal) ends
    window_end: float | None = None  # wall time the window they count in ends; None: never give back
    granted: int = 0  # of `size`, the hits within the limit (usable)
    refused: bool = False
    reset: float = 0.0  # refused: monotonic time the window resets

    def unused(self) -> int:
        """Hits counted in the shared counter but never spent: what can be given back."""
        return max(0, self.size - (self.granted - self.left))


class LeasedRateLimit:
    """Hits against one shared fixed-window limit, taken from the storage in leases."""

    def __init__(self, storage: Storage, clock=time.monotonic, wall=time.time):
        self._storage = storage
        self._clock = clock  # lease lifetimes
        self._wall = wall  # windows, as the storage reports them (`get_expiry`)
        self._lock = threading.Lock()
        self._leases: dict[str, _Lease] = {}
        self._window_ends: dict[str, float] = {}  # wall time each key's window ends, as last read
        self._pid = os.getpid()

    def hit(self, item: RateLimitItem, *identifiers: str) -> float | None:
        """Count one hit: None if allowed, else the seconds until the window resets."""
        key = item.key_for(*identifiers)
        now = self._clock()
        with self._lock:
            if self._pid != os.getpid():  # a forked child must not spend its parent's leases
                self._leases, self._window_ends, self._pid = {}, {}, os.getpid()
            lease = self._leases.get(key)
            if lease is not None and now < lease.until:
                if lease.refused:
                    return lease.reset - now
                if lease.left > 0:
                    lease.left -= 1
                    return None
            size = _next_size(lease, now, item.amount)
            unused = lease.unused() if lease is not None else 0
            if unused:
                lease.size -= unused  # claimed here, so two threads never give the same hits back
        # The storage calls (network round trips with Redis) are made outside the lock.
        wall = self._wall()
        if unused and (lease.window_end is None or wall + RETURN_MARGIN >= lease.window_end):
            unused = 0  # its window is over, or too nearly to be sure the call lands in it: stays counted
        try:
            total = self._storage.incr(key, item.get_expiry(), amount=size - unused)
        except Exception:
            log.warning("rate-limit storage unreachable; webhooks are let through meanwhile", exc_info=True)
            self._keep(key, _Lease(0, item.amount, now + LEASE_SECONDS, granted=item.amount))  # open, uncounted
            return None
        granted = min(size, item.amount - (total - size))  # the hits of this lease within the limit
        # Only a lease that can leave hits unused needs its window's end (a quiet sender's never does).
        window_end = self._window_end(key, wall) if size > 1 or granted < 1 else None
        if granted > 0:
            self._keep(key, _Lease(size, granted - 1, now + LEASE_SECONDS, window_end, granted))
            return None
        end = self._window_ends.get(key)  # read by _window_end for this refusal, if not before
        # Now, not `wall` (read before the storage calls); never beyond the window's length (Redis
        # rounds the expiry it reports to whole seconds).
        to_reset = min(end - self._wall(), item.get_expiry()) if end else LEASE_SECONDS
        # Asked again after a lease's lifetime (or at the reset, if sooner), not only at the reset:
        # hits other processes give back meanwhile are still let through, for a call a second.
        until = now + min(max(to_reset, 0.1), LEASE_SECONDS)
        retry_after = max(1.0, to_reset)
        self._keep(key, _Lease(size, 0, until, window_end, refused=True, reset=now + retry_after))
        return retry_after

    def _window_end(self, key: str, taken_at: float) -> float | None:
        """When the window of a lease just taken ends; None if too soon (or unknown) to give back to."""
        end = self._window_ends.get(key)
        if end is None or end <= taken_at:  # not read yet in this window: once per window and process
            try:
                end = self._window_ends[key] = self._storage.get_expiry(key)
            except Exception:
                return None
        return end if taken_at + RETURN_MARGIN < end else None

    def _keep(self, key: str, lease: _Lease) -> None:
        with self._lock:
            if len(self._leases) > 10_000:  # many senders: forget the lot rather than grow
                self._leases.clear()
                self._window_ends.clear()
            self._leases[key] = lease


def _next_size(previous: _Lease | None, now: float, amount: int) -> int:
    """Double after a lease used up within its lifetime; else what the last one used."""
    ceiling = max(1, min(MAX_LEASE, amount // 10))
    if previous is None or previous.refused:
        return 1
    used = previous.granted - previous.left
    if previous.left == 0 and now < previous.until:
        return min(ceiling, previous.size * 2)
    return max(1, min(ceiling, used))
