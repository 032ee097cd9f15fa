"""Intervals from docs/kpis.md: Wilson for proportions, the NPS standard error, t for means."""

from __future__ import annotations

import math
from dataclasses import dataclass

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Interval:
    low: float | None
    high: float | None


def wilson(successes: int, n: int, z: float = Z95) -> Interval:
    """Wilson score interval for a proportion, as fractions 0..1."""
    if n == 0:
        return Interval(None, None)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return Interval(max(0.0, centre - half), min(1.0, centre + half))


def nps_interval(promoters: int, detractors: int, n: int, z: float = Z95) -> Interval:
    """NPS ± z·SE with SE = √((p₊ + p₋ − (p₊ − p₋)²) / n), clamped to −100..100."""
    if n == 0:
        return Interval(None, None)
    se = nps_standard_error(promoters, detractors, n)
    score = 100 * (promoters - detractors) / n
    return Interval(max(-100.0, score - 100 * z * se), min(100.0, score + 100 * z * se))


def nps_standard_error(promoters: int, detractors: int, n: int) -> float:
    p_plus, p_minus = promoters / n, detractors / n
    return math.sqrt(max(0.0, p_plus + p_minus - (p_plus - p_minus) ** 2) / n)


def t_interval(n: int, total: float, total_sq: float) -> Interval:
    """Student t interval for a mean from n, Σx and Σx² (so rollups can feed it)."""
    if n == 0:
        return Interval(None, None)
    mean = total / n
    if n == 1:
        return Interval(None, None)
    variance = max(0.0, (total_sq - n * mean * mean) / (n - 1))
    half = t_quantile_975(n - 1) * math.sqrt(variance / n)
    return Interval(mean - half, mean + half)


def two_proportion_z(s1: int, n1: int, s2: int, n2: int) -> float | None:
    """z statistic for p1 − p2 with the pooled standard error."""
    if n1 == 0 or n2 == 0:
        return None
    pooled = (s1 + s2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return None
    return (s1 / n1 - s2 / n2) / se


def t_quantile_975(df: int) -> float:
    """The 97.5th percentile of Student's t, found by bisection on its exact CDF."""
    if df <= 0:
        raise ValueError("degrees of freedom must be positive")
    if df > 1000:
        return Z95
    low, high = 0.0, 100.0
    for _ in range(80):
        mid = (low + high) / 2
        if _t_cdf(mid, df) < 0.975:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def _t_cdf(t: float, df: int) -> float:
    x = df / (df + t * t)
    tail = 0.5 * _regularized_incomplete_beta(df / 2, 0.5, x)
    return 1 - tail if t >= 0 else tail


def _regularized_incomplete_beta(a: float, b: float, x: float) -> float:
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    # The continued fraction converges fast only on one side of the mean; use the symmetry otherwise.
    if x < (a + 1) / (a + b + 2):
        return math.exp(log_front) * _beta_continued_fraction(a, b, x) / a
    return 1 - math.exp(log_front) * _beta_continued_fraction(b, a, 1 - x) / b


def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    """Lentz's method for the incomplete beta continued fraction."""
    tiny = 1e-300
    c, d = 1.0, 1 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 300):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1 + numerator * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= d * c
        if abs(d * c - 1) < 1e-14:
            break
    return result
