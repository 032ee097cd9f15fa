"""Figures as a person reads them: numbers and dates in the reader's locale, dates in the
workspace's zone (the day a CX lead means is their own), durations in hours and minutes."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask_babel import format_decimal, format_number, get_locale, gettext


def number(value: int | float | None) -> str:
    return "" if value is None else format_number(value)


def signed(value: float | None) -> str:
    """A polarity (-1..1) with its sign: "+0.42", "−0.30"."""
    if value is None:
        return ""
    text = format_decimal(abs(value), format="0.00")
    return ("+" if value >= 0 else "\N{MINUS SIGN}") + text


def when(moment: datetime | None, zone: str, form: str = "medium") -> str:
    """`moment` in the workspace's zone, written the reader's way (Babel's medium date and time)."""
    if moment is None:
        return ""
    return format_datetime(moment, form, tzinfo=ZoneInfo(zone), locale=get_locale())


def duration(seconds: float | int | None) -> str:
    """ "3 h 20 min", "2 d 4 h", "45 min", "30 s": the two largest units that are not zero."""
    if seconds is None:
        return ""
    total = int(round(abs(seconds)))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        gettext("%(n)s d", n=days) if days else None,
        gettext("%(n)s h", n=hours) if hours else None,
        gettext("%(n)s min", n=minutes) if minutes else None,
        gettext("%(n)s s", n=secs) if secs and not (days or hours) else None,
    ]
    shown = [p for p in parts if p][:2] or [gettext("%(n)s s", n=0)]
    return ("\N{MINUS SIGN}" if seconds < 0 else "") + " ".join(shown)
