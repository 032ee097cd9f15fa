"""Numbers, scores, dates and durations as the reader's locale writes them (Babel), for the dashboard.

Templates get these through `fmt` (passed by each page), not as global filters, so the feed's pages
and these never fight over a filter name.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, format_skeleton
from babel.numbers import format_percent
from flask_babel import format_date, format_decimal, get_locale
from flask_babel import gettext as _

DASH = "–"


def number(value: float | int | None, digits: int = 0) -> str:
    """1234.5 -> "1,234.5" in English, "1 234,5" in French; None -> a dash."""
    if value is None:
        return DASH
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern)


def percent(value: float | None, digits: int = 1) -> str:
    """A percentage given 0..100 (as the services give it) in the locale's percent pattern."""
    if value is None:
        return DASH
    exact = Decimal(str(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP) / 100
    return format_percent(exact, locale=get_locale(), decimal_quantization=False)


def signed(value: float | None, digits: int = 1, unit: str = "") -> str:
    """A change with its sign always shown: +3.2, −1.0 (a true minus sign)."""
    if value is None:
        return DASH
    text = number(abs(value), digits)
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    return f"{sign}{text}{unit}"


def score(kind: str, value: float | None) -> str:
    """A headline score: NPS as a signed whole number, CSAT and CES "% easy" as a percentage."""
    if value is None:
        return DASH
    if kind == "nps":
        return signed(value, 0) if value else "0"
    return percent(value)


def score_delta(kind: str, delta: float | None) -> str:
    """A change of score: NPS in points, the others in percentage points."""
    if delta is None:
        return DASH
    return signed(delta, 0 if kind == "nps" else 1, "" if kind == "nps" else " " + _("pts"))


def interval(kind: str, low: float | None, high: float | None) -> str:
    if low is None or high is None:
        return DASH
    return f"{score(kind, low)} – {score(kind, high)}" if kind == "nps" else f"{percent(low)} – {percent(high)}"


def day(value: date | None, style: str = "medium") -> str:
    if value is None:
        return DASH
    return format_date(value, style)


def period(start: date, interval: str) -> str:
    """A chart's short label for a period: "Nov 3" for a day or a week (its Monday), "Nov 2026"."""
    return format_skeleton("yMMM" if interval == "month" else "MMMd", start, locale=get_locale())


def period_long(start: date, last: date, interval: str) -> str:
    """A period in words, for a mark's title and the table: "Nov 3, 2026", "Nov 3 – Nov 9, 2026"."""
    if interval == "day" or start == last:
        return day(start)
    if interval == "month":
        return period(start, interval)
    return f"{day(start)} – {day(last)}"


def duration(seconds: float | None) -> str:
    """Seconds as a person says them, in the two largest units that are not zero: "45 s",
    "12 min", "3 h 20 min", "1 d 5 min", "2 d 7 h"."""
    if seconds is None:
        return DASH
    total = int(round(abs(seconds)))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        _("%(d)s d", d=number(days)) if days else None,
        _("%(h)s h", h=hours) if hours else None,
        _("%(m)s min", m=minutes) if minutes else None,
        _("%(s)s s", s=secs) if secs and not (days or hours) else None,
    ]
    shown = [part for part in parts if part][:2] or [_("%(s)s s", s=0)]
    return ("−" if seconds < 0 else "") + " ".join(shown)


def when(moment: datetime | None, zone: str, form: str = "medium") -> str:
    """An instant in the workspace's zone (the day a CX lead means is their own), written the
    reader's way (Babel's medium date and time by default)."""
    if moment is None:
        return DASH
    return format_datetime(moment, form, tzinfo=ZoneInfo(zone), locale=get_locale())


KIND_NAMES = {"csat": "CSAT", "nps": "NPS", "ces": "CES"}


def kind_name(kind: str) -> str:
    return KIND_NAMES.get(kind, kind.upper())


def verdict(change: dict | None) -> str:
    """The change's significance verdict in words."""
    if not change:
        return _("Not enough data to compare.")
    return {
        "up": _("Up significantly (95 % confidence)."),
        "down": _("Down significantly (95 % confidence)."),
        "no significant change": _("No significant change."),
    }.get(change.get("verdict"), _("Not enough data to compare."))
