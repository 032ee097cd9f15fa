"""Figures from cells: scores with n and 95 % intervals, changes, response rate, sentiment."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from app.scoring.stats import Z95, nps_interval, nps_standard_error, t_interval, two_proportion_z, wilson
from app.services.insights.cells import Cell

LOW_SAMPLE = 30
KIND_ORDER = ("csat", "nps", "ces")


@dataclass(frozen=True)
class SurveyScale:
    kind: str
    scale_min: int
    scale_max: int
    good_at: int

    def bad(self, score: int) -> bool:
        return self.kind == "nps" and score <= 6


@dataclass
class Tally:
    """What a score needs from a set of answers, summable across surveys of one kind."""

    n: int = 0
    good: int = 0
    bad: int = 0
    total: float = 0.0
    total_sq: float = 0.0
    scales: set = field(default_factory=set)

    def add_counts(self, scale: SurveyScale, counts: list[int]) -> None:
        for score, count in enumerate(counts):
            if not count:
                continue
            self.n += count
            self.good += count if score >= scale.good_at else 0
            self.bad += count if scale.bad(score) else 0
            self.total += score * count
            self.total_sq += score * score * count
        self.scales.add((scale.scale_min, scale.scale_max))


def tallies(cells: dict[int, Cell], scales: dict[int, SurveyScale], by: str = "kind") -> dict:
    """Per kind (or per (kind, min, max) with by="scale"): the tally of the given per-survey cells."""
    out: dict = {}
    for survey_id, cell in cells.items():
        scale = scales.get(survey_id)
        if scale is None:
            continue
        key = scale.kind if by == "kind" else (scale.kind, scale.scale_min, scale.scale_max)
        out.setdefault(key, Tally()).add_counts(scale, cell.counts)
    return out


def score(kind: str, tally: Tally) -> dict:
    """The compact score used in series and groups: value, n, interval, low_sample."""
    n = tally.n
    result: dict = {"n": n, "low_sample": n < LOW_SAMPLE}
    if kind == "nps":
        interval = nps_interval(tally.good, tally.bad, n)
        result.update(
            value=_r(100 * (tally.good - tally.bad) / n) if n else None, promoters=tally.good, detractors=tally.bad
        )
        result.update(ci_low=_r(interval.low), ci_high=_r(interval.high))
    else:
        interval = wilson(tally.good, n)
        result.update(value=_pct(tally.good / n) if n else None, ci_low=_pct(interval.low), ci_high=_pct(interval.high))
    if kind == "ces":
        single_scale = len(tally.scales) == 1
        mean_ci = t_interval(n, tally.total, tally.total_sq)
        result.update(
            mean=_r(tally.total / n, 3) if n and single_scale else None,
            mean_ci_low=_r(mean_ci.low, 3) if single_scale else None,
            mean_ci_high=_r(mean_ci.high, 3) if single_scale else None,
        )
    return result


def scores(cells: dict[int, Cell], scales: dict[int, SurveyScale]) -> dict:
    """Every kind the surveys in scope ask, each with its score (n = 0 and no value when empty)."""
    found = tallies(cells, scales)
    kinds = {scale.kind for scale in scales.values()}
    return {kind: score(kind, found.get(kind, Tally())) for kind in KIND_ORDER if kind in kinds}


def change(kind: str, current: Tally, previous: Tally) -> dict:
    """The change against the previous period and whether it is significant at 95 %.

    CSAT and CES "% easy": two-proportion z-test. NPS: the difference over its combined SE.
    """
    result: dict = {
        "previous_n": previous.n,
        "previous_value": None,
        "delta": None,
        "z": None,
        "significant": False,
        "verdict": "not enough data",
    }
    if not current.n or not previous.n:
        return result
    if kind == "nps":
        now = 100 * (current.good - current.bad) / current.n
        before = 100 * (previous.good - previous.bad) / previous.n
        se = 100 * math.hypot(
            nps_standard_error(current.good, current.bad, current.n),
            nps_standard_error(previous.good, previous.bad, previous.n),
        )
        z = (now - before) / se if se > 0 else None
        test = "NPS difference ÷ √(SE₁² + SE₂²)"
    else:
        now = 100 * current.good / current.n
        before = 100 * previous.good / previous.n
        z = two_proportion_z(current.good, current.n, previous.good, previous.n)
        test = "two-proportion z-test (pooled)"
    significant = z is not None and abs(z) >= Z95
    result.update(
        previous_value=_r(before),
        delta=_r(now - before),
        z=_r(z, 3) if z is not None else None,
        significant=significant,
        test=test,
    )
    if significant:
        result["verdict"] = "up" if now > before else "down"
    else:
        result["verdict"] = "no significant change"
    return result


def response_rate(cell: Cell) -> dict:
    interval = wilson(cell.answered, cell.delivered)
    return {
        "delivered": cell.delivered,
        "answered": cell.answered,
        "value": _pct(cell.answered / cell.delivered) if cell.delivered else None,
        "ci_low": _pct(interval.low),
        "ci_high": _pct(interval.high),
        "formula": "answered invites ÷ delivered invites × 100, by the day the invite was sent",
    }


def sentiment(cell: Cell) -> dict:
    return {
        # The sum is rounded first: added in another order (rollup rows of days, hours, raw rows)
        # it differs in its last bits, which would tip a mean lying on a rounding tie either way.
        "mean_polarity": _r(round(cell.polarity_sum, 9) / cell.polarity_n, 4) if cell.polarity_n else None,
        "n": cell.polarity_n,
        "formula": "mean polarity (−1 … +1) of the analysed comments",
    }


def total(cells) -> Cell:
    out = Cell()
    for cell in cells:
        out.add(cell)
    return out


def _pct(x: float | None) -> float | None:
    return None if x is None else round(100 * x, 2)


def _r(x: float | None, digits: int = 2) -> float | None:
    return None if x is None else round(x, digits)
