"""The server-drawn SVG charts and the reader's formats: what a reader relies on in each."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask_babel import refresh

from app.web import charts, formatting
from app.web.charts import Mark


def test_every_mark_is_a_link_named_by_its_title_and_text_is_escaped():
    marks = [Mark("Mon", 80, 70, 90, href="/w/1/responses?from=2026-11-02&to=2026-11-02", title="<b>Mon</b> & co")]
    marks += [Mark("Tue", 60, 50, 70, href="/w/1/responses?a=1&b=2", title="Tue")]
    svg = str(charts.band_line(marks, "CSAT <by day>", 0, 100))
    assert svg.count("<a href=") == 2
    assert 'href="/w/1/responses?a=1&amp;b=2"' in svg
    assert "<title>&lt;b&gt;Mon&lt;/b&gt; &amp; co</title>" in svg and "<b>" not in svg
    assert 'aria-label="CSAT &lt;by day&gt;"' in svg


def test_a_period_without_answers_breaks_the_line_and_the_band():
    values = [80, 82, None, 75, 77]
    marks = [
        Mark(str(i), v, None if v is None else v - 5, None if v is None else v + 5, href=f"/x{i}")
        for i, v in enumerate(values)
    ]
    svg = str(charts.band_line(marks, "t", 0, 100))
    assert svg.count("<polyline") == 2 and svg.count("<polygon") == 2
    assert svg.count("<circle") == 4  # no point for the empty period, but still its link
    assert svg.count("<a href=") == 5


def test_values_map_into_the_plot_area_and_higher_is_up():
    svg = str(charts.band_line([Mark("a", 0), Mark("b", 100)], "t", 0, 100, height=240))
    ys = [float(y) for y in re.findall(r'<circle class="point" cx="[\d.]+" cy="([\d.]+)"', svg)]
    frame = charts.Frame(240, 0, 100)
    assert ys == [frame.top + frame.inner_height, frame.top]


def test_low_samples_are_drawn_muted_and_targets_as_a_line():
    svg = str(
        charts.interval_rows([Mark("Ann", 90, 80, 95), Mark("Bo", 50, 10, 90, muted=True)], "t", 0, 100, target=80)
    )
    assert svg.count('class="bar muted"') == 1 and svg.count('class="bar"') == 1
    assert svg.count('class="whisker"') == 6 and 'class="target"' in svg


def test_bars_start_at_zero_and_scale_to_the_largest():
    svg = str(charts.bars([Mark("1", 10), Mark("2", 40)], "t"))
    heights = [float(h) for h in re.findall(r'<rect class="bar"[^>]* height="([\d.]+)"', svg)]
    assert heights[1] == pytest.approx(4 * heights[0])


def test_sparklines_need_two_values_and_are_hidden_from_screen_readers():
    assert str(charts.sparkline([5], 0, 10)) == ""
    assert 'aria-hidden="true"' in str(charts.sparkline([1, None, 3, 4], 0, 10))


@pytest.mark.parametrize(
    "low, high, ticks",
    [(0, 100, [0, 25, 50, 75, 100]), (-100, 100, [-100, -50, 0, 50, 100]), (40, 60, [40, 45, 50, 55, 60])],
)
def test_ticks_are_round_numbers(low, high, ticks):
    assert charts.nice_ticks(low, high) == ticks


@pytest.mark.parametrize(
    "seconds, text",
    [(45, "45 s"), (720, "12 min"), (12000, "3 h 20 min"), (7200, "2 h"), (200000, "2 d 7 h"), (None, "–")],
)
def test_durations_read_as_people_say_them(app, seconds, text):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert formatting.duration(seconds) == text


def test_numbers_and_dates_follow_the_readers_locale(app):
    with app.test_request_context(headers={"Accept-Language": "de"}):
        assert formatting.percent(74.68) == "74,7\u00a0%"
        assert formatting.number(12345.6, 1) == "12.345,6"
        assert formatting.day(date(2026, 11, 3)) == "03.11.2026"
        assert formatting.score("nps", -12) == "−12"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        refresh()  # the app fixture's context outlives a request: forget the German choice
        assert formatting.percent(74.68) == "74.7%"
        assert formatting.score_delta("csat", 3.26) == "+3.3 pts"
