"""/metrics says what its numbers are: the unit of each `value`, CES's mean beside its % easy, a
band only when the interval allows it, a series grain that fits the range, each score once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.schemas.insights import iso_duration
from tests.api.test_insights import answer, get

T0 = datetime(2026, 6, 1, 12, tzinfo=UTC)


def _range(days: float) -> dict:
    return {"since": (T0 - timedelta(days=days)).isoformat(), "until": T0.isoformat()}


def test_ces_value_is_percent_easy_with_its_unit_and_the_mean_beside_it(client, auth, make, workspace):
    survey = make.survey(workspace, "ces")
    for score in (2, 4, 5, 5, 6, 7):
        answer(make, survey, score, T0 - timedelta(hours=1))
    view = get(client, auth, "/api/v1/metrics", survey_id=survey.id, **_range(7)).json
    [ces] = view["scores"]
    assert ces["unit"] == "% easy" and ces["value"] == ces["easy_percent"] == pytest.approx(66.67)
    assert ces["formula"].startswith("CES value = % easy") and ces["mean"] == pytest.approx(29 / 6, abs=0.001)
    series_point = next(p for p in view["series"] if p["n"])
    assert series_point["scores"]["ces"]["unit"] == "% easy" and series_point["scores"]["ces"]["mean"] is not None


def test_a_band_is_never_claimed_when_the_interval_spans_several(client, auth, make, workspace):
    survey = make.survey(workspace, "nps")
    for score in (10, 10, 10, 9, 8, 7, 6, 3):  # n = 8: NPS 25, interval about −32 to 82
        answer(make, survey, score, T0 - timedelta(hours=1))
    [nps] = get(client, auth, "/api/v1/metrics", survey_id=survey.id, **_range(7)).json["scores"]
    assert nps["value"] == 25.0 and nps["ci_low"] < 0 < 50 < nps["ci_high"]
    assert nps["band"] is None
    assert nps["band_note"] == "the 95 % interval spans needs improvement to excellent: no band is claimed"
    assert nps["unit"] == "NPS points (−100 to 100)"


def test_a_band_is_claimed_when_the_whole_interval_lies_in_it(client, auth, make, workspace):
    survey = make.survey(workspace, "csat")
    for _ in range(60):
        answer(make, survey, 5, T0 - timedelta(hours=1))
    [csat] = get(client, auth, "/api/v1/metrics", survey_id=survey.id, **_range(7)).json["scores"]
    assert csat["ci_low"] > 80 and csat["band"] == "strong" and csat["band_note"] is None


@pytest.mark.parametrize("days, interval, periods", [(7, "day", 8), (30, "week", 5), (365, "month", 13)])
def test_the_default_series_grain_fits_the_range(client, auth, workspace, days, interval, periods):
    view = get(client, auth, "/api/v1/metrics", **_range(days)).json
    assert view["interval"] == interval and len(view["series"]) in (periods, periods + 1)


def test_the_default_range_is_weekly(client, auth, workspace):
    view = get(client, auth, "/api/v1/metrics").json  # the last 30 days
    assert view["interval"] == "week" and len(view["series"]) <= 6


def test_the_repeated_score_fields_are_marked_deprecated(client):
    schema = client.get("/api/v1/openapi.json").json["components"]["schemas"]["Metrics"]["properties"]
    assert all(schema[kind]["deprecated"] is True for kind in ("csat", "nps", "ces"))
    assert "deprecated" not in schema["scores"]


@pytest.mark.parametrize(
    "seconds, text",
    [(20940.0, "PT5H49M"), (30.0, "PT30S"), (0, "PT0S"), (90061.4, "PT25H1M1S"), (None, None)],
)
def test_durations_read_as_iso_8601(seconds, text):
    assert iso_duration(seconds) == text
