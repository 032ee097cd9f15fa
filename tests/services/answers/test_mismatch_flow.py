"""Tone-score mismatch end to end: the survey page -> analysis -> GET /responses?mismatch=true."""

from __future__ import annotations


def test_a_ten_with_an_angry_comment_and_a_one_with_praise_are_listed_with_their_reason(
    client, make, workspace, auth, answers
):
    nps = make.survey(workspace, "nps")
    csat = make.survey(workspace, "csat")
    angry_ten = answers.post(nps, 10, "Absolutely terrible, I am furious, nobody helped and I was charged twice")
    praising_one = answers.post(csat, 1, "Wonderful support, thank you so much, Sam was fantastic!")
    consistent = [
        answers.post(nps, 2, "Terrible, nobody helped me at all."),
        answers.post(csat, 5, "Great agent, thanks"),
        answers.post(nps, 9, "fine, a bit slow"),
        answers.post(csat, 1),
    ]

    flagged = client.get("/api/v1/responses", headers=auth, query_string={"mismatch": "true"})
    assert flagged.status_code == 200
    items = {item["id"]: item for item in flagged.json["items"]}
    assert set(items) == {angry_ten, praising_one}

    ten = items[angry_ten]
    assert ten["mismatch"] is True and ten["score"] == 10
    assert ten["mismatch_reason"].startswith("score 10 of 10 but the comment is negative (polarity -")
    assert "'charged twice'" in ten["mismatch_reason"]
    assert ten["sentiment"]["label"] == "negative"

    one = items[praising_one]
    assert one["mismatch"] is True
    assert one["mismatch_reason"].startswith("score 1 of 5 but the comment is positive (polarity +")
    assert "'Wonderful'" in one["mismatch_reason"]

    rest = client.get("/api/v1/responses", headers=auth, query_string={"mismatch": "false"}).json["items"]
    assert sorted(item["id"] for item in rest) == sorted(consistent)
    assert all(item["mismatch"] is False and item["mismatch_reason"] is None for item in rest)

    only_nps = client.get("/api/v1/responses", headers=auth, query_string={"mismatch": "true", "survey_id": nps.id})
    assert [item["id"] for item in only_nps.json["items"]] == [angry_ten]


def test_editing_the_answer_clears_the_mismatch(client, make, workspace, auth):
    survey = make.survey(workspace, "nps")
    invite = make.invite(survey)
    client.post(f"/s/{invite.token}", data={"score": "10", "comment": "Awful, still waiting, nobody replied"})
    assert len(client.get("/api/v1/responses?mismatch=true", headers=auth).json["items"]) == 1
    client.post(f"/s/{invite.token}", data={"score": "1", "comment": "Awful, still waiting, nobody replied"})
    assert client.get("/api/v1/responses?mismatch=true", headers=auth).json["items"] == []
    [item] = client.get("/api/v1/responses?mismatch=false", headers=auth).json["items"]
    assert item["score"] == 1 and item["sentiment"]["label"] == "negative"
