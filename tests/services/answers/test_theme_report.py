"""GET /api/v1/themes: mentions, share, score among mentions, impact on the overall score, examples."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.scoring.stats import nps_interval, wilson

URL = "/api/v1/themes"


@pytest.fixture
def csat(client, make, workspace, auth, answers):
    """Six CSAT answers: two about refunds (scores 1, 2), two about speed (5, 5), two untagged."""
    for label, keywords in (("Refunds", ["refund"]), ("Speed", ["fast", "quick"])):
        client.post("/api/v1/themes/catalogue", headers=auth, json={"label": label, "keywords": keywords})
    survey = make.survey(workspace, "csat")
    ids = {
        "refund1": answers.post(survey, 1, "refund never arrived"),
        "refund2": answers.post(survey, 2, "refund late"),
        "fast1": answers.post(survey, 5, "fast and friendly"),
        "fast2": answers.post(survey, 5, "quick and kind"),
        "fine": answers.post(survey, 4, "fine"),
        "ok": answers.post(survey, 3, "ok"),
    }
    return survey, ids


def by_theme(report: dict) -> dict[str, dict]:
    return {item["theme"]: item for item in report["items"]}


def test_impact_is_the_overall_score_minus_the_score_without_the_theme(client, auth, csat):
    survey, ids = csat
    report = client.get(URL, headers=auth, query_string={"survey_id": survey.id}).json
    assert (report["survey_id"], report["kind"], report["answers"], report["comments"]) == (survey.id, "csat", 6, 6)
    assert report["overall"]["value"] == 50.0  # 3 of 6 answers are 4 or 5

    refunds = by_theme(report)["refunds"]
    assert (refunds["label"], refunds["source"], refunds["mentions"]) == ("Refunds", "custom", 2)
    assert refunds["share"] == 33.33
    assert refunds["mean_score"] == 1.5
    assert refunds["score"]["value"] == 0.0 and refunds["score"]["n"] == 2
    assert refunds["score"]["ci_high"] == round(100 * wilson(0, 2).high, 2)
    assert refunds["score"]["low_sample"] is True
    assert refunds["mean_polarity"] == pytest.approx(-0.5, abs=0.11)
    assert refunds["impact"] == -25.0  # without them 3 of 4 are good: 50 - 75
    assert refunds["example_response_ids"] == [ids["refund1"], ids["refund2"]]  # lowest scores first

    speed = by_theme(report)["speed"]
    assert speed["score"]["value"] == 100.0 and speed["impact"] == 25.0  # without them 1 of 4: 50 - 25
    assert sorted(speed["example_response_ids"]) == sorted([ids["fast1"], ids["fast2"]])

    impacts = [item["impact"] for item in report["items"]]
    assert report["items"][0]["theme"] == "refunds"
    assert impacts == sorted(impacts)


def test_nps_impact_uses_the_nps_formula(client, make, workspace, auth, answers):
    survey = make.survey(workspace, "nps")
    for score in (10, 10, 9):
        answers.post(survey, score, "Great agent, so helpful")
    answers.post(survey, 2, "Still waiting for my refund, awful")
    answers.post(survey, 3, "The refund process took forever")
    report = client.get(URL, headers=auth, query_string={"survey_id": survey.id}).json
    assert report["overall"]["value"] == 20.0  # 3 promoters, 2 detractors of 5
    refund, agent = by_theme(report)["refund"], by_theme(report)["helpfulness"]
    assert refund["score"]["value"] == -100.0
    assert refund["score"]["ci_low"] == round(nps_interval(0, 2, 2).low, 2)
    assert refund["impact"] == -80.0  # without them: 100
    assert agent["impact"] == 120.0  # without them: -100
    assert [item["theme"] for item in report["items"]] == ["refund", "helpfulness"]


def test_filters_narrow_the_answers_the_report_reads(client, auth, csat):
    survey, ids = csat
    low = client.get(URL, headers=auth, query_string={"survey_id": survey.id, "score_max": 2}).json
    assert low["answers"] == 2 and list(by_theme(low)) == ["refunds"]
    assert by_theme(low)["refunds"]["impact"] is None  # every answer mentions it: nothing to compare with
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    future = client.get(URL, headers=auth, query_string={"survey_id": survey.id, "since": later}).json
    assert future["answers"] == 0 and future["items"] == [] and future["overall"]["value"] is None
    past = client.get(URL, headers=auth, query_string={"survey_id": survey.id, "until": later}).json
    assert past["answers"] == 6
    top = client.get(URL, headers=auth, query_string={"survey_id": survey.id, "limit": 1}).json
    assert [item["theme"] for item in top["items"]] == ["refunds"]


def test_the_report_needs_a_survey_of_this_workspace(client, make, auth, answers, csat):
    survey, _ = csat
    missing = client.get(URL, headers=auth)
    assert missing.status_code == 422 and "survey_id" in missing.json["error"]["fields"]
    other = make.workspace("Other")
    other_auth = {"Authorization": f"Bearer {other.key}"}
    theirs = make.survey(other, "csat")
    answers.post(theirs, 1, "refund never arrived")
    client.post("/api/v1/themes/catalogue", headers=other_auth, json={"label": "Their refunds", "keywords": ["refund"]})
    foreign = client.get(URL, headers=auth, query_string={"survey_id": theirs.id})
    assert foreign.status_code == 404 and foreign.json["error"]["code"] == "not_found"
    assert client.get(URL, headers=other_auth, query_string={"survey_id": survey.id}).status_code == 404
    mine = client.get(URL, headers=auth, query_string={"survey_id": survey.id}).json
    assert mine["answers"] == 6 and by_theme(mine)["refunds"]["label"] == "Refunds"
    for bad in (
        {"survey_id": "x"},
        {"survey_id": survey.id, "cursor": "abc"},
        {"survey_id": survey.id, "limit": 0},
        {"survey_id": survey.id, "since": "yesterday"},
        {"survey_id": 10**20},
        {"survey_id": survey.id, "score_min": 10**20},
    ):
        answer = client.get(URL, headers=auth, query_string=bad)
        assert answer.status_code == 422, bad
    assert client.get(URL, query_string={"survey_id": survey.id}).status_code == 401


def test_the_openapi_document_describes_the_theme_endpoints(client):
    spec = client.get("/api/v1/openapi.json").json
    report = spec["paths"]["/api/v1/themes"]["get"]
    assert any(p.get("name") == "survey_id" and p.get("required") for p in report["parameters"])
    assert set(spec["paths"]["/api/v1/themes/catalogue"]) == {"get", "post"}
    assert set(spec["paths"]["/api/v1/themes/catalogue/{theme_id}"]) == {"get", "patch", "delete"}
    item = spec["components"]["schemas"]["ThemeReportItem"]["properties"]
    assert {
        "theme",
        "mentions",
        "share",
        "mean_score",
        "score",
        "mean_polarity",
        "impact",
        "example_response_ids",
    } <= set(item)


def test_each_theme_splits_into_praise_and_complaints_ranked_by_their_effect(client, make, workspace, auth, answers):
    survey = make.survey(workspace, "csat")
    ids = {
        "fast_unfixed": answers.post(survey, 2, "quick response but nothing was fixed"),
        "slow": answers.post(survey, 1, "Slow response, still not fixed"),
        "fast": answers.post(survey, 5, "Super quick response"),
        "fast2": answers.post(survey, 4, "Fast reply, thanks"),
        "rude": answers.post(survey, 3, "Rude and dismissive"),
        "fine": answers.post(survey, 5, "fine"),
    }
    report = client.get(URL, headers=auth, query_string={"survey_id": survey.id}).json
    items = by_theme(report)
    speed, resolution = items["response speed"], items["resolution"]
    # Every field of the report is still there; praise and complaints are added.
    assert speed["mentions"] == 4 and speed["label"] == "response speed" and speed["source"] == "default"
    assert speed["praise"]["mentions"] == 3 and speed["complaints"]["mentions"] == 1
    assert speed["praise"]["mean_score"] == pytest.approx(11 / 3, abs=0.001)
    assert speed["complaints"]["mean_score"] == 1.0
    assert speed["praise"]["mean_polarity"] > 0 > speed["complaints"]["mean_polarity"]
    assert speed["praise"]["example_response_ids"] == [ids["fast"], ids["fast2"], ids["fast_unfixed"]]
    assert speed["complaints"]["example_response_ids"] == [ids["slow"]]
    assert speed["neutral_mentions"] == 0
    assert resolution["praise"]["mentions"] == 0 and resolution["complaints"]["mentions"] == 2
    assert resolution["complaints"]["example_response_ids"] == [ids["slow"], ids["fast_unfixed"]]
    # overall 50 % (3 of 6); without the two answers complaining about resolution 75 %: -25.
    assert resolution["complaints"]["impact"] == -25.0
    assert resolution["praise"]["impact"] is None and resolution["praise"]["example_response_ids"] == []
    ranked = [(c["theme"], c["mentions"], c["impact"]) for c in report["complaints"]]
    assert ranked[0] == ("resolution", 2, -25.0)
    assert {theme for theme, _, _ in ranked} == {"resolution", "response speed", "agent attitude"}
    impacts = [impact for _, _, impact in ranked]
    assert impacts == sorted(impacts)


def test_a_theme_discovered_in_one_answer_only_is_not_reported(client, make, workspace, auth, answers):
    survey = make.survey(workspace, "csat")
    answers.post(survey, 2, "The parcel locker was full")
    answers.post(survey, 3, "My gift voucher expired")
    answers.post(survey, 1, "parcel locker broken again")
    report = client.get(URL, headers=auth, query_string={"survey_id": survey.id}).json
    assert "gift voucher" not in by_theme(report)
    locker = by_theme(report)["parcel locker"]
    assert locker["source"] == "auto" and locker["mentions"] == 2
