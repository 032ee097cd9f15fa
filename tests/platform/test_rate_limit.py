"""The webhook door's shared limit, counted a lease of hits at a time."""

from __future__ import annotations

import random
from types import SimpleNamespace

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


# Steady senders over whole windows: several processes (LeasedRateLimit instances) share one
# in-memory counter, and one simulated clock drives leases, windows and the storage's expiry.


def _clocked_storage(monkeypatch, clock) -> CountingStorage:
    import limits.storage.memory

    monkeypatch.setattr(limits.storage.memory, "time", SimpleNamespace(time=clock))  # its expiry clock
    return CountingStorage()


def _steady_sender(monkeypatch, per_second: float, processes: int, seconds: float, limit="600 per minute"):
    """Accepted and refused hits per window of a sender at a steady rate, spread over processes at random."""
    clock = Clock()
    storage = _clocked_storage(monkeypatch, clock)
    doors = [LeasedRateLimit(storage, clock, wall=clock) for _ in range(processes)]
    item, pick, start = parse(limit), random.Random(7), clock.now
    windows: dict[int, list[int]] = {}
    for i in range(int(per_second * seconds)):
        clock.now = start + (i + pick.uniform(0, 0.5)) / per_second  # a little jitter, never reordered
        counts = windows.setdefault(int((clock.now - start) // item.get_expiry()), [0, 0])
        counts[doors[pick.randrange(processes)].hit(item, "hooks", "10.0.0.1") is not None] += 1
    return [tuple(counts) for _, counts in sorted(windows.items())], storage


def test_a_steady_sender_below_the_limit_is_never_refused(monkeypatch):
    # 0.8x "600 per minute" for two windows, over four web processes. Before unused hits were
    # given back, 8 req/s over two processes saw 15 to 33 refusals a minute.
    windows, storage = _steady_sender(monkeypatch, per_second=8, processes=4, seconds=120)
    assert windows == [(480, 0), (480, 0)]
    assert storage.calls < 960 / 2  # still leased: well under one storage call per hit


def test_a_sender_above_the_limit_is_refused_about_the_excess(monkeypatch):
    # 1.5x the limit over four processes: each window lets through the limit, give or take a few
    # leased hits (before unused hits were given back: 486 of 600 at 12 req/s, 463 at 20 req/s).
    windows, _ = _steady_sender(monkeypatch, per_second=15, processes=4, seconds=120)
    ceiling = 600 // 10
    for accepted, refused in windows:
        assert 600 - 10 <= accepted <= 600 + 4 * ceiling  # at most L + P*C: the module docstring
        assert accepted + refused == 900


def test_unused_hits_go_back_with_the_next_lease_at_no_extra_call(monkeypatch):
    clock = Clock()
    storage = _clocked_storage(monkeypatch, clock)
    door = LeasedRateLimit(storage, clock, wall=clock)
    item, key = parse("6000 per minute"), parse("6000 per minute").key_for("hooks", "a")
    for _ in range(65):  # a burst: leases of 1, 2, 4 ... 32 used up, then one of 64 with 62 left
        assert door.hit(item, "hooks", "a") is None
    assert storage.get(key) == 127  # the live lease is counted, spent or not
    clock.now += LEASE_SECONDS * 3  # it expires with 62 hits unspent
    calls = storage.calls
    assert door.hit(item, "hooks", "a") is None  # a lease of 2 (what the last one used)
    assert storage.calls == calls + 1  # the give-back rode on the next lease's call
    assert storage.get(key) == 66 + 1  # 66 hits spent, and what is left of the new lease


def test_unused_hits_never_go_back_into_the_next_window(monkeypatch):
    clock = Clock()
    storage = _clocked_storage(monkeypatch, clock)
    door = LeasedRateLimit(storage, clock, wall=clock)
    item, key = parse("6000 per minute"), parse("6000 per minute").key_for("hooks", "a")
    for _ in range(65):  # as above: a lease of 64 with 62 left
        door.hit(item, "hooks", "a")
    clock.now += 61  # the window (60 s from the first hit) has reset
    assert door.hit(item, "hooks", "a") is None  # a lease of 2
    assert storage.get(key) == 2  # the new window counts only its own lease (given back: -60)


def test_a_refused_process_asks_again_and_spends_hits_another_gave_back(monkeypatch):
    clock = Clock()
    storage = _clocked_storage(monkeypatch, clock)
    first, second = LeasedRateLimit(storage, clock, wall=clock), LeasedRateLimit(storage, clock, wall=clock)
    item = parse("100 per minute")
    for _ in range(8):  # leases of 1, 2, 4 used up, then one of 8 with 7 left
        assert first.hit(item, "hooks", "a") is None
    assert sum(second.hit(item, "hooks", "a") is None for _ in range(100)) == 85  # 7 held by the first
    clock.now += LEASE_SECONDS * 2
    assert second.hit(item, "hooks", "a") is not None  # still refused: the first holds them
    assert first.hit(item, "hooks", "a") is None  # its next lease (of 1) gives back 7
    clock.now += LEASE_SECONDS
    assert [second.hit(item, "hooks", "a") is None for _ in range(7)] == [True] * 6 + [False]


def test_retry_after_never_exceeds_the_window_when_the_storage_rounds_its_expiry_up():
    class RoundingStorage(CountingStorage):
        def get_expiry(self, key):
            return super().get_expiry(key) + 0.5  # as Redis may: it reports whole seconds

    door = LeasedRateLimit(RoundingStorage(), Clock())
    item = parse("1 per minute")
    door.hit(item, "hooks", "a")
    assert 0 < door.hit(item, "hooks", "a") <= 60
