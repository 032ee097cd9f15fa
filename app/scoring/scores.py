"""Scores from a distribution of answers (score -> count), with the intervals of docs/kpis.md."""

from __future__ import annotations

from app.scoring.kinds import good_threshold
from app.scoring.stats import Z95, nps_interval, t_interval, wilson

LOW_SAMPLE = 30

FORMULAS = {
    "csat": "CSAT = answers scoring {good}-{top} ÷ all answers × 100 (95 % Wilson interval)",
    "nps": "NPS = % promoters (9-10) − % detractors (0-6); passives (7-8) count in the total only "
    "(95 % interval: ±1.96·√((p₊ + p₋ − (p₊ − p₋)²) / n))",
    # The headline `value` first (what the number is), then the mean that always stands beside it.
    "ces": "CES value = % easy = answers scoring {good}-{top} ÷ all answers × 100 (Wilson interval); "
    "mean = mean agreement on the {bottom}-{top} scale (t interval)",
}

BANDS = {
    "csat": [(80, "strong"), (None, "below 80 % benchmark")],
    "nps": [(50, "excellent"), (0, "good"), (None, "needs improvement")],
}


def score_summary(
    kind: str, scale_min: int, scale_max: int, distribution: dict[int, int], good_at: int | None = None
) -> dict:
    """The headline score of one kind with n, its 95 % interval and the formula in words.

    `good_at` is the workspace's own threshold for a good answer, if it set one.
    """
    n = sum(distribution.values())
    good_at = good_threshold(kind, scale_min, scale_max) if good_at is None else good_at
    good = sum(c for s, c in distribution.items() if s >= good_at)
    result: dict = {
        "kind": kind,
        "scale": [scale_min, scale_max],
        "n": n,
        "low_sample": n < LOW_SAMPLE,
        "formula": FORMULAS[kind].format(good=good_at, top=scale_max, bottom=scale_min),
        "distribution": {str(s): distribution.get(s, 0) for s in range(scale_min, scale_max + 1)},
    }
    if kind == "nps":
        detractors = sum(c for s, c in distribution.items() if s <= 6)
        interval = nps_interval(good, detractors, n)
        result.update(
            value=_round(100 * (good - detractors) / n) if n else None,
            promoters=good,
            passives=n - good - detractors,
            detractors=detractors,
            ci_low=_round(interval.low),
            ci_high=_round(interval.high),
        )
    else:
        interval = wilson(good, n)
        pct = lambda x: _round(100 * x) if x is not None else None
        result.update(value=pct(good / n) if n else None, ci_low=pct(interval.low), ci_high=pct(interval.high))
        if kind == "ces":
            total = sum(s * c for s, c in distribution.items())
            total_sq = sum(s * s * c for s, c in distribution.items())
            mean_ci = t_interval(n, total, total_sq)
            result["easy_percent"] = result["value"]
            result["mean"] = _round(total / n, 3) if n else None
            result["mean_ci_low"] = _round(mean_ci.low, 3)
            result["mean_ci_high"] = _round(mean_ci.high, 3)
    result["band"], result["band_note"] = _band_within(kind, result["value"], result["ci_low"], result["ci_high"])
    result["confidence"] = 0.95
    result["z"] = round(Z95, 2)
    return result


def _band_within(kind: str, value, ci_low, ci_high) -> tuple[str | None, str | None]:
    """The benchmark band, claimed only when the whole 95 % interval lies in it; else none, and a
    note naming the bands the interval spans (NPS 25 from −32 to 82 is not "good": it may be any)."""
    band = _band(kind, value)
    if band is None or ci_low is None or ci_high is None:
        return band, None
    low, high = _band(kind, ci_low), _band(kind, ci_high)
    if low == high == band:
        return band, None
    spanned = [name for _, name in reversed(BANDS[kind])]
    spanned = spanned[spanned.index(low) : spanned.index(high) + 1]
    return None, "the 95 % interval spans " + " to ".join((spanned[0], spanned[-1])) + ": no band is claimed"


def _band(kind: str, value: float | None) -> str | None:
    if value is None or kind not in BANDS:
        return None
    for floor, name in BANDS[kind]:
        if floor is None or value > floor or (kind == "csat" and value >= floor):
            return name
    return None


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)
