"""GET /responses (filters, cursor pagination) and GET /metrics (the docs/kpis.md formulas on known numbers)."""

from __future__ import annotations

import math
import statistics
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.api import answer

BASE = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def ids(resp) -> list[int]:
    assert resp.status_code == 200, resp.json
    return [item["id"] for item in resp.json["items"]]


@pytest.fixture
def answers(make, workspace):
    csat = make.survey(workspace, "csat")
    nps = make.survey(workspace, "nps")
    rows = {
        "happy": answer(
            make,
            csat,
            5,
            "Great, excellent support!",
            BASE + timedelta(days=1),
            agent={"id": "a1", "name": "Sam"},
            team="tier1",
            channel="email",
        ),
        "angry": answer(
            make,
            csat,
            1,
            "Terrible, awful experience.",
            BASE + timedelta(days=2),
            agent={"id": "a2", "email": "kim@example.com"},
            team="tier2",
            channel="chat",
        ),
        "mixed": answer(
            make,
            csat,
            5,
            "Terrible, awful, horrible.",
            BASE + timedelta(days=3),
            agent={"id": "a1"},
            team="tier2",
            channel="chat",
        ),
        "silent": answer(make, csat, 3, None, BASE + timedelta(days=4), team="tier1", channel="phone"),
        "promoter": answer(make, nps, 10, None, BASE + timedelta(days=5), channel="email"),
    }
    theirs = make.survey(make.workspace("Other"), "csat")
    answer(make, theirs, 5, "Great, excellent support!", BASE + timedelta(days=1), channel="email")
    return {"csat": csat, "nps": nps, **{k: v.id for k, v in rows.items()}}


def test_responses_are_the_workspaces_own_newest_first_with_their_shape(client, auth, answers):
    resp = client.get("/api/v1/responses", headers=auth)
    assert ids(resp) == [answers[k] for k in ("promoter", "silent", "mixed", "angry", "happy")]
    assert resp.json["next_cursor"] is None
    angry = next(i for i in resp.json["items"] if i["id"] == answers["angry"])
    assert angry["score"] == 1 and angry["comment"] == "Terrible, awful experience."
    assert angry["sentiment"]["label"] == "negative" and angry["sentiment"]["polarity"] < 0
    assert angry["answered_at"].startswith("2024-06-03T12:00:00")
    assert angry["ticket"]["agent"]["email"] == "kim@example.com" and angry["ticket"]["team"] == "tier2"
    assert angry["customer"]["email"].endswith("@example.com")
    assert angry["mismatch"] is False and isinstance(angry["themes"], list)


@pytest.mark.parametrize(
    "query, expected",
    [
        ("survey_id={csat}", ["silent", "mixed", "angry", "happy"]),
        ("survey_id={nps}", ["promoter"]),
        ("score_min=4", ["promoter", "mixed", "happy"]),
        ("score_max=3", ["silent", "angry"]),
        ("score_min=2&score_max=4", ["silent"]),
        ("sentiment=positive", ["happy"]),
        ("sentiment=negative", ["mixed", "angry"]),
        ("sentiment=empty", ["promoter", "silent"]),
        ("agent=a1", ["mixed", "happy"]),
        ("agent=kim@example.com", ["angry"]),
        ("team=tier2", ["mixed", "angry"]),
        ("channel=email", ["promoter", "happy"]),
        ("channel=chat&team=tier2&score_min=5", ["mixed"]),
        ("since=2024-06-03T12:00:00Z", ["promoter", "silent", "mixed", "angry"]),  # since is inclusive
        ("until=2024-06-03T12:00:00Z", ["happy"]),  # until is exclusive
        ("since=2024-06-02&until=2024-06-04", ["angry", "happy"]),
        ("since=2024-06-04T14:00:00%2B02:00", ["promoter", "silent", "mixed"]),
        ("mismatch=true", ["mixed"]),
        ("mismatch=false", ["promoter", "silent", "angry", "happy"]),
        ("channel=fax", []),
    ],
)
def test_responses_filters(client, auth, answers, query, expected):
    query = query.format(csat=answers["csat"].id, nps=answers["nps"].id)
    assert ids(client.get(f"/api/v1/responses?{query}", headers=auth)) == [answers[k] for k in expected]


def test_filtering_on_another_workspaces_survey_finds_nothing(client, make, auth, answers):
    theirs = make.survey(make.workspace("Third"), "csat")
    answer(make, theirs, 4)
    assert ids(client.get(f"/api/v1/responses?survey_id={theirs.id}", headers=auth)) == []


def test_cursor_pagination_returns_each_response_once_newest_first(client, make, auth, workspace):
    survey = make.survey(workspace, "csat")
    made = [answer(make, survey, 1 + n % 5, at=BASE + timedelta(hours=n)) for n in range(4)]
    # Two answers in the same instant: the id breaks the tie, so neither is lost nor repeated.
    made += [answer(make, survey, 4, at=BASE + timedelta(hours=2)) for _ in range(2)]
    expected = [r.id for r in sorted(made, key=lambda r: (r.answered_at, r.id), reverse=True)]
    pages, cursor = [], None
    while True:
        resp = client.get("/api/v1/responses?limit=2" + (f"&cursor={cursor}" if cursor else ""), headers=auth)
        pages.append(ids(resp))
        cursor = resp.json["next_cursor"]
        if cursor is None:
            break
        assert len(pages) < 10
    assert pages == [expected[0:2], expected[2:4], expected[4:6]]
    assert sum(r.answered_at == BASE + timedelta(hours=2) for r in made) == 3  # the tie spans a page break


def wilson_by_hand(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return 100 * (centre - half), 100 * (centre + half)


def test_csat_is_top_two_box_with_wilson_interval(client, make, auth, workspace):
    survey = make.survey(workspace, "csat")
    for score in (5, 5, 5, 4, 4, 4, 4, 5, 3, 1):  # 8 of 10 in the top two boxes
        answer(make, survey, score)
    csat = client.get(f"/api/v1/metrics?survey_id={survey.id}", headers=auth).json["csat"]
    assert csat["n"] == 10
    assert csat["value"] == 80.0
    assert csat["ci_low"] == pytest.approx(49.02, abs=0.01)
    assert csat["ci_high"] == pytest.approx(94.33, abs=0.01)
    assert (csat["ci_low"], csat["ci_high"]) == pytest.approx(wilson_by_hand(8, 10), abs=0.006)
    assert csat["low_sample"] is True
    assert csat["distribution"] == {"1": 1, "2": 0, "3": 1, "4": 4, "5": 4}
    assert "4-5" in csat["formula"]


def test_nps_is_promoters_minus_detractors_with_its_interval(client, make, auth, workspace):
    survey = make.survey(workspace, "nps")
    scores = [10, 10, 9, 9, 9, 8, 7, 7, 6, 0]  # 5 promoters, 3 passives, 2 detractors
    for score in scores:
        answer(make, survey, score)
    nps = client.get(f"/api/v1/metrics?survey_id={survey.id}", headers=auth).json["nps"]
    n, p_plus, p_minus = 10, 0.5, 0.2
    se = math.sqrt((p_plus + p_minus - (p_plus - p_minus) ** 2) / n)  # docs/kpis.md
    assert nps["n"] == 10
    assert nps["value"] == 30.0
    assert (nps["promoters"], nps["passives"], nps["detractors"]) == (5, 3, 2)
    assert nps["ci_low"] == pytest.approx(30 - 100 * 1.96 * se, abs=0.02)  # ≈ −18.41
    assert nps["ci_high"] == pytest.approx(30 + 100 * 1.96 * se, abs=0.02)  # ≈ 78.41
    assert nps["ci_low"] == pytest.approx(-18.41, abs=0.01) and nps["ci_high"] == pytest.approx(78.41, abs=0.01)
    assert nps["low_sample"] is True


def test_nps_interval_is_clamped(client, make, auth, workspace):
    survey = make.survey(workspace, "nps")
    for score in (10, 10, 9):
        answer(make, survey, score)
    nps = client.get(f"/api/v1/metrics?survey_id={survey.id}", headers=auth).json["nps"]
    assert nps["value"] == 100.0 and nps["ci_high"] <= 100.0


def test_ces_mean_with_t_interval_and_percent_easy(client, make, auth, workspace):
    survey = make.survey(workspace, "ces")
    scores = [2, 4, 5, 5, 6, 7]
    for score in scores:
        answer(make, survey, score)
    ces = client.get(f"/api/v1/metrics?survey_id={survey.id}", headers=auth).json["ces"]
    mean, sd = statistics.mean(scores), statistics.stdev(scores)
    half = 2.5706 * sd / math.sqrt(len(scores))  # t(0.975, df=5) from the table
    assert ces["n"] == 6
    assert ces["mean"] == pytest.approx(mean, abs=0.001)
    assert ces["mean_ci_low"] == pytest.approx(mean - half, abs=0.002)
    assert ces["mean_ci_high"] == pytest.approx(mean + half, abs=0.002)
    assert ces["easy_percent"] == pytest.approx(100 * 4 / 6, abs=0.01)


def test_metrics_skip_other_workspaces_and_ranges(client, make, auth, workspace):
    survey = make.survey(workspace, "csat")
    answer(make, survey, 5, at=BASE)
    answer(make, survey, 1, at=BASE + timedelta(days=10))
    answer(make, make.survey(make.workspace("Other"), "csat"), 1, at=BASE)
    # No since/until means the last 30 days (issue 5); this data is from 2024.
    everything = client.get("/api/v1/metrics?since=2024-05-01&until=2024-07-01", headers=auth).json
    assert everything["csat"]["n"] == 2 and everything["nps"] is None and everything["ces"] is None
    june_first = client.get("/api/v1/metrics?since=2024-06-01&until=2024-06-02", headers=auth).json["csat"]
    assert (june_first["n"], june_first["value"]) == (1, 100.0)


def test_response_rate_is_answered_over_delivered(client, make, auth, workspace):
    survey = make.survey(workspace, "csat")
    answer(make, survey, 4)
    for _ in range(3):
        make.invite(survey)  # delivered, never answered
    make.invite(make.survey(workspace, "csat", send_delay_minutes=60))  # not delivered yet: not counted
    rate = client.get("/api/v1/metrics", headers=auth).json["response_rate"]
    assert (rate["delivered"], rate["answered"], rate["value"]) == (4, 1, 25.0)
    only = client.get(f"/api/v1/metrics?survey_id={survey.id}", headers=auth).json
    assert only["response_rate"]["value"] == 25.0
    assert only["csat"]["n"] == 1  # unanswered invites never enter the score's denominator
