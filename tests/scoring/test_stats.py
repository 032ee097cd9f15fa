"""app/scoring/stats.py and scores.py against table values and hand-computed intervals."""

from __future__ import annotations

import math

import pytest

from app.scoring.scores import score_summary
from app.scoring.stats import nps_interval, t_interval, t_quantile_975, two_proportion_z, wilson


@pytest.mark.parametrize("df, table", [(1, 12.706), (2, 4.303), (5, 2.571), (10, 2.228), (30, 2.042), (100, 1.984)])
def test_t_quantiles_match_the_table(df, table):
    assert t_quantile_975(df) == pytest.approx(table, abs=0.0005)


def test_t_quantile_tends_to_z_and_refuses_no_freedom():
    assert t_quantile_975(5000) == pytest.approx(1.96, abs=0.001)
    with pytest.raises(ValueError):
        t_quantile_975(0)


@pytest.mark.parametrize(
    "k, n, low, high",
    [
        (8, 10, 0.4902, 0.9433),
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        (50, 100, 0.4038, 0.5962),
        (1, 1, 0.2065, 1.0),
    ],
)
def test_wilson_known_values(k, n, low, high):
    interval = wilson(k, n)
    assert interval.low == pytest.approx(low, abs=0.0001)
    assert interval.high == pytest.approx(high, abs=0.0001)


def test_empty_samples_have_no_interval():
    assert (wilson(0, 0).low, wilson(0, 0).high) == (None, None)
    assert nps_interval(0, 0, 0).low is None
    assert t_interval(0, 0, 0).low is None
    assert t_interval(1, 5, 25).low is None  # one answer has no spread


def test_nps_interval_by_hand():
    promoters, detractors, n = 50, 20, 100
    p, q = promoters / n, detractors / n
    se = math.sqrt((p + q - (p - q) ** 2) / n)
    interval = nps_interval(promoters, detractors, n)
    assert interval.low == pytest.approx(30 - 196 * se, abs=0.05)
    assert interval.high == pytest.approx(30 + 196 * se, abs=0.05)
    assert nps_interval(3, 0, 3).high == 100.0 and nps_interval(0, 3, 3).low == -100.0


def test_t_interval_by_hand():
    xs = [3, 5, 7]
    mean, sd = 5, 2
    interval = t_interval(len(xs), sum(xs), sum(x * x for x in xs))
    half = 4.303 * sd / math.sqrt(3)
    assert interval.low == pytest.approx(mean - half, abs=0.001)
    assert interval.high == pytest.approx(mean + half, abs=0.001)


def test_two_proportion_z():
    assert two_proportion_z(80, 100, 60, 100) == pytest.approx(3.086, abs=0.001)
    assert two_proportion_z(1, 0, 1, 1) is None


@pytest.mark.parametrize("n, flagged", [(29, True), (30, False)])
def test_low_sample_below_thirty(n, flagged):
    assert score_summary("csat", 1, 5, {5: n})["low_sample"] is flagged


@pytest.mark.parametrize("scale, distribution, good", [((1, 3), {3: 2, 2: 3}, 2), ((1, 10), {7: 1, 6: 1, 10: 1}, 2)])
def test_csat_top_box_on_other_scales_is_the_upper_forty_percent(scale, distribution, good):
    summary = score_summary("csat", *scale, distribution)
    assert summary["value"] == pytest.approx(100 * good / sum(distribution.values()), abs=0.01)


def test_ces_five_point_counts_four_and_five_as_easy():
    assert score_summary("ces", 1, 5, {4: 1, 5: 1, 3: 2})["easy_percent"] == 50.0
