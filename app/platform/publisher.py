"""Write-behind publishing of stored webhook deliveries to the workers.

Why: publishing one Celery message costs a web process more CPU than anything else intake does
(kombu builds a Redis client, a message, headers and a body for every `send_task`), and under
gunicorn that CPU is what bounds throughput. Intake only has to *commit* the delivery before it
answers 202; telling a worker about it can happen a few milliseconds later, for many deliveries
at once. So the request hands the id to an in-memory queue and returns; a daemon thread of the
process takes whatever has gathered and publishes it as one `complete_deliveries` task.

Crash safety is unchanged: every id handed over belongs to a row already committed as `pending`
with `next_attempt_at` = its arrival, and the periodic sweep (`sweep_due_invites`, every 30 s)
completes any pending delivery that is due, however its message got lost: the broker was down,
the process died with ids still queued, or the thread dropped a batch. Completing a delivery
twice (message and sweep) is harmless: the worker re-checks it under a row lock.

The thread starts lazily in the process that first submits (gunicorn forks its workers, and a
thread does not survive a fork), never blocks a request (the queue is unbounded and `put` does
not wait), and drops a batch it cannot publish, leaving it to the sweep. With Celery's eager mode
(tests) ids are completed in place, synchronously, exactly as before.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable

log = logging.getLogger(__name__)

# How long the thread lets ids gather after the first one arrives: a tenth of a second more
# before a worker starts on an email (which usually waits minutes for its send delay anyway),
# against one publish per batch instead of per request. A publish costs the web process ~0.5 ms
# of CPU; at 20 ms batches under load held 3 to 5 ids, so publishing was ~15 % of intake's CPU.
GATHER_SECONDS = 0.1
MAX_BATCH = 200


class BatchPublisher:
    """Collects ids from request threads; one daemon thread per process publishes them in batches."""

    def __init__(
        self, publish: Callable[[list[int]], None], gather: float = GATHER_SECONDS, max_batch: int = MAX_BATCH
    ):
        self._publish = publish
        self._gather, self._max_batch = gather, max_batch
        self._lock = threading.Lock()
        self._pid: int | None = None
        # Ids wait here until published (deque appends and pops are atomic), so `flush` at exit
        # sees everything not yet sent, including what the thread is still gathering.
        self._pending: deque[int] = deque()
        self._wake = threading.Event()

    def submit(self, item: int) -> None:
        """Queue one id for publishing; returns at once."""
        if self._pid != os.getpid():
            self._start()
        self._pending.append(item)
        self._wake.set()

    def _start(self) -> None:
        with self._lock:
            if self._pid == os.getpid():
                return
            # A forked child inherits the parent's ids but not its thread: start afresh. (Ids the
            # parent had queued are the parent's to publish, or the sweep's.)
            self._pending, self._wake = deque(), threading.Event()
            threading.Thread(target=self._run, name="afterword-publisher", daemon=True).start()
            self._pid = os.getpid()
            atexit.register(self.flush)

    def _run(self) -> None:
        while True:
            self._wake.wait()
            time.sleep(self._gather)
            self._wake.clear()  # cleared before taking: an id added from now on wakes us again
            self.flush()

    def flush(self) -> None:
        """Publish everything queued (the thread's step; also run at a clean process exit)."""
        if self._pid != os.getpid():
            return
        while batch := self._take():
            try:
                self._publish(batch)
            except Exception:  # broker down: the rows are committed, the periodic sweep completes them
                log.warning("could not publish %d deliveries; the sweep will complete them", len(batch), exc_info=True)

    def _take(self) -> list[int]:
        batch: list[int] = []
        try:
            while len(batch) < self._max_batch:
                batch.append(self._pending.popleft())
        except IndexError:
            pass
        return batch
