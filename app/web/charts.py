"""Charts as inline SVG drawn on the server from numbers: no chart library, no script.

Every mark a reader can act on is an SVG link (`<a href>`) to the answers behind it, named by its
`<title>` (what a screen reader announces and a mouse shows); the axes are hidden from assistive
technology because each chart is followed by its numbers as a table. Colours and strokes come
from web.css classes (the pages' CSP allows no inline style), so the SVG carries geometry only.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 720


@dataclass(frozen=True)
class Mark:
    """One value on a chart: a period's score, a bucket's bar, an agent's row."""

    label: str
    value: float | None
    low: float | None = None  # its 95 % interval, when it has one
    high: float | None = None
    href: str | None = None
    title: str = ""  # what the mark says: "Week of 3 Nov: 82.4 %, n = 120"
    muted: bool = False  # a low sample: drawn lighter


@dataclass(frozen=True)
class Marker:
    """An event drawn over a period (an annotation)."""

    index: int
    title: str


@dataclass(frozen=True)
class Frame:
    """The plot area inside the SVG and the value range it maps."""

    height: int
    lo: float
    hi: float
    left: int = 52
    right: int = 12
    top: int = 12
    bottom: int = 30

    @property
    def inner_width(self) -> float:
        return WIDTH - self.left - self.right

    @property
    def inner_height(self) -> float:
        return self.height - self.top - self.bottom

    def y(self, value: float) -> float:
        span = (self.hi - self.lo) or 1.0
        clamped = min(self.hi, max(self.lo, value))
        return self.top + self.inner_height * (1 - (clamped - self.lo) / span)

    def column(self, i: int, n: int) -> tuple[float, float]:
        """(left edge, width) of the i-th of n equal columns."""
        step = self.inner_width / max(1, n)
        return self.left + i * step, step


def _n(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _open(label: str, height: int, kind: str) -> list[str]:
    return [
        f'<svg class="chart chart-{kind}" viewBox="0 0 {WIDTH} {height}" role="group" '
        f'aria-label="{escape(label)}" preserveAspectRatio="xMidYMid meet">'
    ]


def _linked(mark: Mark, body: str) -> str:
    title = f"<title>{escape(mark.title or mark.label)}</title>"
    if mark.href:
        return f'<a href="{escape(mark.href)}" class="mark">{title}{body}</a>'
    return f'<g class="mark">{title}{body}</g>'


def _axis(frame: Frame, ticks: Sequence[float], tick_label: Callable[[float], str]) -> str:
    parts = ['<g class="axis" aria-hidden="true">']
    for value in ticks:
        y = frame.y(value)
        parts.append(f'<line class="grid" x1="{frame.left}" x2="{WIDTH - frame.right}" y1="{_n(y)}" y2="{_n(y)}"/>')
        parts.append(f'<text x="{frame.left - 6}" y="{_n(y + 4)}" text-anchor="end">{escape(tick_label(value))}</text>')
    parts.append("</g>")
    return "".join(parts)


def _x_labels(frame: Frame, marks: Sequence[Mark], most: int = 8) -> str:
    n = len(marks)
    every = max(1, -(-n // most))
    parts = ['<g class="axis" aria-hidden="true">']
    for i, mark in enumerate(marks):
        if i % every:
            continue
        x, step = frame.column(i, n)
        parts.append(
            f'<text x="{_n(x + step / 2)}" y="{frame.height - 8}" text-anchor="middle">{escape(mark.label)}</text>'
        )
    parts.append("</g>")
    return "".join(parts)


def nice_ticks(lo: float, hi: float, most: int = 5) -> list[float]:
    """Round tick values covering [lo, hi]: steps of 1, 2, 2.5 or 5 times a power of ten."""
    span = hi - lo
    if span <= 0:
        return [lo]
    raw = span / max(1, most - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next((m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw), 10 * power)
    first = -(-lo // step) * step
    ticks, value = [], first
    while value <= hi + 1e-9:
        ticks.append(round(value, 6) + 0.0)  # never -0.0
        value += step
    return ticks


def band_line(
    marks: Sequence[Mark],
    label: str,
    lo: float,
    hi: float,
    tick_label: Callable[[float], str] = lambda v: _n(v),
    target: float | None = None,
    markers: Sequence[Marker] = (),
    height: int = 240,
) -> Markup:
    """A score over time: its 95 % interval as a band, the value as a line with a point per period,
    each period's column a link; `target` a dashed line; `markers` flags over their period."""
    frame = Frame(height, lo, hi)
    n = len(marks)
    parts = _open(label, height, "line")
    parts.append(_axis(frame, nice_ticks(lo, hi), tick_label))
    centre = lambda i: frame.column(i, n)[0] + frame.column(i, n)[1] / 2
    # The band and the line break where a period has no value: no line is drawn across a gap.
    for run in _runs([i for i, m in enumerate(marks) if m.value is not None]):
        banded = [i for i in run if marks[i].low is not None and marks[i].high is not None]
        if len(banded) > 1:
            upper = [f"{_n(centre(i))},{_n(frame.y(marks[i].high))}" for i in banded]
            lower = [f"{_n(centre(i))},{_n(frame.y(marks[i].low))}" for i in reversed(banded)]
            parts.append(f'<polygon class="band" aria-hidden="true" points="{" ".join(upper + lower)}"/>')
        if len(run) > 1:
            points = " ".join(f"{_n(centre(i))},{_n(frame.y(marks[i].value))}" for i in run)
            parts.append(f'<polyline class="line" aria-hidden="true" points="{points}"/>')
    if target is not None and lo <= target <= hi:
        y = _n(frame.y(target))
        parts.append(
            f'<line class="target" aria-hidden="true" x1="{frame.left}" x2="{WIDTH - frame.right}" y1="{y}" y2="{y}"/>'
        )
    for marker in markers:
        if 0 <= marker.index < n:
            x = _n(centre(marker.index))
            parts.append(
                f'<g class="marker"><title>{escape(marker.title)}</title>'
                f'<line x1="{x}" x2="{x}" y1="{frame.top}" y2="{frame.top + frame.inner_height}"/>'
                f'<path d="M{x} {frame.top} l-6 -9 h12 z"/></g>'
            )
    for i, mark in enumerate(marks):
        left, step = frame.column(i, n)
        body = (
            f'<rect class="hit" x="{_n(left)}" y="{frame.top}" width="{_n(step)}" height="{_n(frame.inner_height)}"/>'
        )
        if mark.value is not None:
            kind = "point muted" if mark.muted else "point"
            body += f'<circle class="{kind}" cx="{_n(centre(i))}" cy="{_n(frame.y(mark.value))}" r="4"/>'
        parts.append(_linked(mark, body))
    parts.append(_x_labels(frame, marks))
    parts.append("</svg>")
    return Markup("".join(parts))


def bars(
    marks: Sequence[Mark],
    label: str,
    tick_label: Callable[[float], str] = lambda v: _n(v),
    hi: float | None = None,
    height: int = 200,
) -> Markup:
    """Vertical bars from zero (volumes, a distribution), each bar a link."""
    top = hi if hi is not None else max([m.value or 0 for m in marks] + [1])
    ticks = nice_ticks(0, top)
    frame = Frame(height, 0, max(top, ticks[-1]))
    n = len(marks)
    parts = _open(label, height, "bars")
    parts.append(_axis(frame, ticks, tick_label))
    for i, mark in enumerate(marks):
        left, step = frame.column(i, n)
        gap = min(step * 0.2, 8)
        y = frame.y(mark.value or 0)
        bar_height = frame.top + frame.inner_height - y
        hit = f'<rect class="hit" x="{_n(left)}" y="{frame.top}" width="{_n(step)}" height="{_n(frame.inner_height)}"/>'
        kind = "bar muted" if mark.muted else "bar"
        body = (
            hit + f'<rect class="{kind}" x="{_n(left + gap / 2)}" y="{_n(y)}" width="{_n(max(1, step - gap))}" '
            f'height="{_n(max(0, bar_height))}"/>'
        )
        parts.append(_linked(mark, body))
    parts.append(_x_labels(frame, marks, most=12))
    parts.append("</svg>")
    return Markup("".join(parts))


def interval_rows(
    marks: Sequence[Mark],
    label: str,
    lo: float,
    hi: float,
    tick_label: Callable[[float], str] = lambda v: _n(v),
    target: float | None = None,
    row_height: int = 30,
) -> Markup:
    """Horizontal bars with their 95 % interval as a whisker, one row per agent, team or bucket;
    the row's name on the left, the whole row a link."""
    label_width = 170
    height = 16 + row_height * max(1, len(marks)) + 24
    scale_left, scale_right = label_width, WIDTH - 16
    span = (hi - lo) or 1.0
    x = lambda v: scale_left + (scale_right - scale_left) * (min(hi, max(lo, v)) - lo) / span
    parts = _open(label, height, "rows")
    parts.append('<g class="axis" aria-hidden="true">')
    for value in nice_ticks(lo, hi):
        parts.append(f'<line class="grid" x1="{_n(x(value))}" x2="{_n(x(value))}" y1="8" y2="{height - 22}"/>')
        parts.append(
            f'<text x="{_n(x(value))}" y="{height - 6}" text-anchor="middle">{escape(tick_label(value))}</text>'
        )
    parts.append("</g>")
    if target is not None and lo <= target <= hi:
        parts.append(
            f'<line class="target" aria-hidden="true" x1="{_n(x(target))}" x2="{_n(x(target))}" '
            f'y1="8" y2="{height - 22}"/>'
        )
    base = x(max(lo, min(hi, 0)))
    for i, mark in enumerate(marks):
        top = 12 + i * row_height
        mid = top + row_height / 2
        text = mark.label if len(mark.label) <= 22 else mark.label[:21] + "…"
        body = f'<rect class="hit" x="0" y="{top}" width="{WIDTH}" height="{row_height}"/>'
        body += (
            f'<text class="row-label" x="{label_width - 8}" y="{_n(mid + 4)}" text-anchor="end">{escape(text)}</text>'
        )
        if mark.value is not None:
            kind = "bar muted" if mark.muted else "bar"
            left, right = sorted((base, x(mark.value)))
            body += (
                f'<rect class="{kind}" x="{_n(left)}" y="{_n(top + 7)}" width="{_n(max(1, right - left))}" '
                f'height="{row_height - 14}"/>'
            )
            if mark.low is not None and mark.high is not None:
                y = _n(mid)
                body += (
                    f'<line class="whisker" x1="{_n(x(mark.low))}" x2="{_n(x(mark.high))}" y1="{y}" y2="{y}"/>'
                    f'<line class="whisker" x1="{_n(x(mark.low))}" x2="{_n(x(mark.low))}" '
                    f'y1="{_n(mid - 5)}" y2="{_n(mid + 5)}"/>'
                    f'<line class="whisker" x1="{_n(x(mark.high))}" x2="{_n(x(mark.high))}" '
                    f'y1="{_n(mid - 5)}" y2="{_n(mid + 5)}"/>'
                )
        parts.append(_linked(mark, body))
    parts.append("</svg>")
    return Markup("".join(parts))


def sparkline(values: Sequence[float | None], lo: float, hi: float, width: int = 120, height: int = 32) -> Markup:
    """A small trend line with no axes; decorative (the tile or row states its figures in text)."""
    n = len(values)
    if n < 2 or all(v is None for v in values):
        return Markup("")
    span = (hi - lo) or 1.0
    x = lambda i: 2 + (width - 4) * i / (n - 1)
    y = lambda v: 2 + (height - 4) * (1 - (min(hi, max(lo, v)) - lo) / span)
    parts = [f'<svg class="sparkline" viewBox="0 0 {width} {height}" aria-hidden="true" focusable="false">']
    for run in _runs([i for i, v in enumerate(values) if v is not None]):
        if len(run) == 1:
            i = run[0]
            parts.append(f'<circle cx="{_n(x(i))}" cy="{_n(y(values[i]))}" r="1.5"/>')
        else:
            points = " ".join(f"{_n(x(i))},{_n(y(values[i]))}" for i in run)
            parts.append(f'<polyline points="{points}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _runs(indexes: list[int]) -> list[list[int]]:
    """Consecutive runs: [0, 1, 2, 5, 6] -> [[0, 1, 2], [5, 6]]."""
    runs: list[list[int]] = []
    for i in indexes:
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs
