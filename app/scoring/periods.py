"""Local days and periods in a time zone, DST included.

A local day is the calendar date an instant has on the zone's wall clock (what PostgreSQL's
`(ts AT TIME ZONE zone)::date` gives). Its first instant is `midnight(day)`: for a day that
begins inside a DST gap that is the transition itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

INTERVALS = ("day", "week", "month")
UTC = UTC


def default_interval(since: datetime, until: datetime) -> str:
    """The series grain that fits the range when the caller names none: days up to two weeks,
    weeks up to about four months (the default 30 days is 5 weeks, not 31 mostly empty days),
    months beyond."""
    span = until - since
    if span <= timedelta(days=14):
        return "day"
    return "week" if span <= timedelta(days=120) else "month"


def local_date(instant: datetime, zone: ZoneInfo) -> date:
    return instant.astimezone(zone).date()


def midnight(day: date, zone: ZoneInfo) -> datetime:
    """The first instant (UTC) whose local date is `day`."""
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def period_start(day: date, interval: str) -> date:
    if interval == "day":
        return day
    if interval == "week":  # ISO weeks start on Monday
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def next_period(start: date, interval: str) -> date:
    if interval == "day":
        return start + timedelta(days=1)
    if interval == "week":
        return start + timedelta(days=7)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


@dataclass(frozen=True)
class Period:
    start_day: date  # the period's first local day (may precede `since`)
    end_day: date  # the next period's first local day
    start: datetime  # clipped to the range, UTC
    end: datetime


def periods(since: datetime, until: datetime, zone: ZoneInfo, interval: str) -> list[Period]:
    """Every period touching [since, until), empty ones included, oldest first."""
    first = period_start(local_date(since, zone), interval)
    last_day = local_date(until - timedelta(microseconds=1), zone)
    result = []
    start = first
    while start <= last_day:
        end = next_period(start, interval)
        result.append(Period(start, end, max(since, midnight(start, zone)), min(until, midnight(end, zone))))
        start = end
    return result


def count_periods(since: datetime, until: datetime, zone: ZoneInfo, interval: str) -> int:
    first = local_date(since, zone)
    last = local_date(until - timedelta(microseconds=1), zone)
    days = (last - first).days + 1
    return {"day": days, "week": days // 7 + 2, "month": days // 28 + 2}[interval]


def whole_days(since: datetime, until: datetime, zone: ZoneInfo) -> tuple[date, date] | None:
    """The local days [d1, d2) lying wholly inside [since, until), or None if there are none."""
    first = local_date(since, zone)
    d1 = first if midnight(first, zone) == since else first + timedelta(days=1)
    d2 = local_date(until, zone)
    return (d1, d2) if d1 < d2 else None


def offset_segments(since: datetime, until: datetime, zone: ZoneInfo) -> list[tuple[datetime, int]]:
    """[(from_instant, utc_offset_seconds)] covering [since, until): one entry per offset change."""

    def offset(at: datetime) -> int:
        return int(at.astimezone(zone).utcoffset().total_seconds())

    segments = [(since, offset(since))]
    step = timedelta(hours=6)
    at = since
    while at < until:
        nxt = min(at + step, until)
        if offset(nxt) != segments[-1][1]:
            low, high = at, nxt  # offset(low) is the current one, offset(high) the new one
            while high - low > timedelta(seconds=1):
                mid = low + (high - low) / 2
                if offset(mid) == segments[-1][1]:
                    low = mid
                else:
                    high = mid
            change = low.replace(microsecond=0) + timedelta(seconds=1)  # transitions fall on whole seconds
            segments.append((change, offset(change)))
        at = nxt
    return segments
