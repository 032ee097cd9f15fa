"""The webhook door's shared limit, counted a lease of hits at a time."""

from __future__ import annotations

from limits import parse
from limits.storage import MemoryStorage

from app.platform.rate_limit import LEASE_SECONDS, MAX_LEASE, LeasedRateLimit


class CountingStorage(MemoryStorage):
    """The real in-memory storage, counting the calls a process makes to it."""

    def __init__(self):
        super().__init__()
        self.calls = 0

    def incr(self, key, expiry, amount=1):
        self.calls += 1
        return super().incr(key, expiry, amount)


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_a_quiet_sender_is_counted_exactly_one_hit_at_a_time():
    storage, clock = CountingStorage(), Clock()
    door = LeasedRateLimit(storage, clock)
    item = parse("3 per minute")
    answers = []
    for _ in range(4):
        answers.append(door.hit(item, "hooks", "10.0.0.1"))
        clock.now += 5  # slower than a lease lives: every hit asks the storage
    assert answers[:3] == [None, None, None]
    assert 0 < answers[3] <= 60
    assert storage.calls == 4


def test_processes_sharing_one_storage_never_let_more_than_the_limit_through():
    storage, clock = CountingStorage(), Clock()
    processes = [LeasedRateLimit(storage, clock) for _ in range(4)]  # four web processes, one Redis
    item = parse("1000 per minute")
    allowed = 0
    for i in range(4000):  # a flood, interleaved across the processes
        if processes[i % 4].hit(item, "hooks", "10.0.0.1") is None:
            allowed += 1
        clock.now += 0.001
    # Refusing early is allowed (leased hits a process did not spend), letting more through is not.
    assert 1000 - 4 * MAX_LEASE <= allowed <= 1000
    assert storage.calls < 4000 / 10  # leases grew: far fewer storage calls than hits


def test_leases_grow_under_load_and_shrink_when_it_stops():
    storage, clock = CountingStorage(), Clock()
    door = LeasedRateLimit(storage, clock)
    item = parse("100000 per minute")
    for _ in range(2000):
        assert door.hit(item, "hooks", "a") is None
    busy = storage.calls
    assert busy <= 2000 / MAX_LEASE + 8  # 1, 2, 4, ... 64, then one call per 64 hits
    clock.now += LEASE_SECONDS * 2
    storage.calls = 0
    for _ in range(3):
        door.hit(item, "hooks", "a")
        clock.now += LEASE_SECONDS * 2  # quiet again: each lease expires nearly unused
    assert storage.calls == 3
    assert storage.get(item.key_for("hooks", "a")) <= 2000 + MAX_LEASE + 2 * 3


def test_each_sender_has_its_own_count():
    door = LeasedRateLimit(CountingStorage(), Clock())
    item = parse("2 per minute")
    assert [door.hit(item, "hooks", "a") is None for _ in range(3)] == [True, True, False]
    assert door.hit(item, "hooks", "b") is None


def test_a_refusal_is_remembered_without_asking_the_storage_again():
    storage, clock = CountingStorage(), Clock()
    door = LeasedRateLimit(storage, clock)
    item = parse("1 per minute")
    door.hit(item, "hooks", "a")
    assert door.hit(item, "hooks", "a") is not None
    calls = storage.calls
    for _ in range(50):
        assert door.hit(item, "hooks", "a") is not None
    assert storage.calls == calls


def test_a_storage_outage_lets_webhooks_through_without_a_call_per_request():
    class DownStorage(CountingStorage):
        def incr(self, key, expiry, amount=1):
            self.calls += 1
            raise ConnectionError("redis is down")

    storage, clock = DownStorage(), Clock()
    door = LeasedRateLimit(storage, clock)
    item = parse("10 per minute")
    assert all(door.hit(item, "hooks", "a") is None for _ in range(3))
    assert storage.calls == 1  # the failure opened a lease for its lifetime
    clock.now += LEASE_SECONDS + 0.1
    assert door.hit(item, "hooks", "a") is None
    assert storage.calls == 2
