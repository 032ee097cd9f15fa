"""The workspace theme catalogue: automatic keys recorded, custom themes defined through the API."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import Response, ResponseTheme, Theme

URL = "/api/v1/themes/catalogue"


def catalogue(client, auth, **params) -> dict[str, dict]:
    return {t["key"]: t for t in client.get(URL, headers=auth, query_string=params).json["items"]}


def tags(response_id: int) -> tuple[list[str], list[str]]:
    """(Response.themes, the ResponseTheme rows) of one answer: both must always agree."""
    response = db.session.get(Response, response_id)
    db.session.refresh(response)
    rows = sorted(db.session.scalars(select(ResponseTheme.theme).where(ResponseTheme.response_id == response_id)))
    return response.themes, rows


def test_analysis_records_automatic_themes_once_per_workspace(client, make, workspace, auth, answers):
    survey = make.survey(workspace)
    answers.post(survey, 2, "The parcel locker was full, awful")
    answers.post(survey, 1, "parcel lockers broken again")
    answers.post(survey, 5, "Great agent, so helpful")  # a default theme: nothing to record
    other = make.workspace("Other")
    answers.post(make.survey(other), 1, "my gift voucher expired")

    found = catalogue(client, auth, source="auto")
    assert set(found) == {"parcel locker"}
    assert found["parcel locker"]["label"] == "parcel locker" and found["parcel locker"]["enabled"] is True
    assert found["parcel locker"]["keywords"] == [] and found["parcel locker"]["phrases"] == []
    assert db.session.scalar(select(func.count()).select_from(Theme).where(Theme.key == "parcel locker")) == 1
    other_auth = {"Authorization": f"Bearer {other.key}"}
    assert set(catalogue(client, other_auth, source="auto")) == {"gift voucher"}


def test_a_custom_theme_retags_existing_answers_and_wins_over_default_themes(client, make, workspace, auth, answers):
    survey = make.survey(workspace)
    invoice = answers.post(survey, 1, "my invoice is wrong")
    money = answers.post(survey, 2, "I want my money back")
    agent = answers.post(survey, 5, "Great agent, so helpful")
    assert tags(invoice) == (["billing"], ["billing"])
    assert tags(money) == (["refund"], ["refund"])

    created = client.post(
        URL, headers=auth, json={"label": "Invoices", "keywords": ["invoice", "charge"], "phrases": ["money back"]}
    )
    assert created.status_code == 201, created.json
    assert created.json["key"] == "invoices" and created.json["source"] == "custom"
    assert tags(invoice) == (["invoices"], ["invoices"])
    assert tags(money) == (["invoices"], ["invoices"])
    assert tags(agent) == (["helpfulness"], ["helpfulness"])
    listed = client.get("/api/v1/responses", headers=auth, query_string={"theme": "invoices"}).json["items"]
    assert sorted(i["id"] for i in listed) == sorted([invoice, money])
    assert all(i["themes"] == ["invoices"] and i["theme_sentiment"]["invoices"] < 0 for i in listed)
    # New answers get the custom theme straight away, first.
    later = answers.post(survey, 1, "Charged twice on one invoice")
    assert tags(later)[0] == ["invoices", "charged twice"]

    changed = client.patch(f"{URL}/{created.json['id']}", headers=auth, json={"phrases": []})
    assert changed.status_code == 200 and changed.json["phrases"] == []
    assert tags(money) == (["refund"], ["refund"])  # no phrase matches now: back to the default theme
    assert tags(invoice) == (["invoices"], ["invoices"])

    assert client.delete(f"{URL}/{created.json['id']}", headers=auth).status_code == 204
    assert tags(invoice) == (["billing"], ["billing"])
    assert "invoices" not in catalogue(client, auth)


def test_defining_a_custom_theme_with_a_default_key_takes_that_theme_over(client, make, workspace, auth, answers):
    answers.post(make.survey(workspace), 1, "The refund process took forever")
    default = catalogue(client, auth)["refund"]
    assert default["source"] == "default"
    body = {"label": "Refunds", "key": "Refund", "keywords": ["refund", "chargeback"]}
    taken = client.post(URL, headers=auth, json=body)
    assert taken.status_code == 201
    assert taken.json["id"] == default["id"]
    assert (taken.json["key"], taken.json["source"], taken.json["label"]) == ("refund", "custom", "Refunds")
    again = client.post(URL, headers=auth, json={"label": "refund", "keywords": ["money"]})
    assert again.status_code == 409
    assert again.json["error"]["code"] == "conflict" and "key" in again.json["error"]["fields"]


def test_default_themes_are_listed_and_can_be_renamed_or_switched_off(client, make, workspace, auth, answers):
    survey = make.survey(workspace, "csat")
    slow = answers.post(survey, 1, "Took ages to get a reply")
    defaults = catalogue(client, auth, source="default", limit=1000)
    assert len(defaults) >= 25 and all(t["enabled"] for t in defaults.values())
    assert tags(slow) == (["response speed"], ["response speed"])
    speed = defaults["response speed"]

    renamed = client.patch(f"{URL}/{speed['id']}", headers=auth, json={"label": "Slow first reply"})
    assert renamed.status_code == 200 and renamed.json["label"] == "Slow first reply"
    assert renamed.json["key"] == "response speed"  # answers keep the key; reports show the label
    report = client.get("/api/v1/themes", headers=auth, query_string={"survey_id": survey.id}).json
    assert [(i["theme"], i["label"], i["source"]) for i in report["items"]] == [
        ("response speed", "Slow first reply", "default")
    ]

    off = client.patch(f"{URL}/{speed['id']}", headers=auth, json={"enabled": False})
    assert off.status_code == 200 and off.json["enabled"] is False
    assert tags(slow) == ([], [])  # re-analysed without it ("reply" alone is no theme)
    later = answers.post(survey, 2, "Slow response again")
    assert "response speed" not in tags(later)[0]
    assert client.patch(f"{URL}/{speed['id']}", headers=auth, json={"enabled": True}).json["enabled"] is True
    assert tags(slow) == (["response speed"], ["response speed"])

    refused = client.patch(f"{URL}/{speed['id']}", headers=auth, json={"phrases": ["slow"]})
    assert refused.status_code == 422 and set(refused.json["error"]["fields"]) == {"phrases"}
    deleted = client.delete(f"{URL}/{speed['id']}", headers=auth)
    assert deleted.status_code == 409 and deleted.json["error"]["code"] == "default_theme"
    assert client.patch(f"{URL}/{speed['id']}", headers=auth, json={"enabled": "no"}).status_code == 422
    custom = client.post(URL, headers=auth, json={"label": "Mine", "keywords": ["x"]}).json
    assert client.patch(f"{URL}/{custom['id']}", headers=auth, json={"enabled": False}).status_code == 422


def test_automatic_themes_can_be_relabelled_but_not_given_keywords_or_deleted(client, make, workspace, auth, answers):
    answers.post(make.survey(workspace), 5, "The parcel locker was great")
    locker = catalogue(client, auth)["parcel locker"]
    relabelled = client.patch(f"{URL}/{locker['id']}", headers=auth, json={"label": "Lockers"})
    assert relabelled.status_code == 200 and relabelled.json["label"] == "Lockers"
    assert relabelled.json["key"] == "parcel locker"
    refused = client.patch(f"{URL}/{locker['id']}", headers=auth, json={"keywords": ["agent"]})
    assert refused.status_code == 422 and set(refused.json["error"]["fields"]) == {"keywords"}
    deleted = client.delete(f"{URL}/{locker['id']}", headers=auth)
    assert deleted.status_code == 409 and deleted.json["error"]["code"] == "auto_theme"
    assert client.get(f"{URL}/{locker['id']}", headers=auth).json["label"] == "Lockers"


def test_bad_definitions_are_refused_with_field_messages(client, auth):
    cases = [
        ({"label": "Billing"}, "keywords"),
        ({"label": "Billing", "keywords": [], "phrases": []}, "keywords"),
        ({"label": "Billing", "keywords": ["money back"]}, "keywords"),
        ({"label": "Billing", "phrases": ["!!!"]}, "phrases"),
        ({"label": "", "keywords": ["invoice"]}, "label"),
        ({"label": "x" * 101, "keywords": ["invoice"]}, "label"),
        ({"keywords": ["invoice"]}, "label"),
        ({"label": "Billing", "keywords": "invoice"}, "keywords"),
        ({"label": "Billing", "keywords": ["invoice"], "colour": "red"}, "colour"),
    ]
    for body, field in cases:
        answer = client.post(URL, headers=auth, json=body)
        assert answer.status_code == 422, body
        assert field in answer.json["error"]["fields"], (body, answer.json)
    assert client.post(URL, headers=auth, data="label=x").status_code == 415
    assert client.post(URL, headers=auth, data="{", content_type="application/json").status_code == 400
    created = client.post(URL, headers=auth, json={"label": "Billing", "keywords": ["invoice"]}).json
    patch = client.patch(f"{URL}/{created['id']}", headers=auth, json={"key": "other"})
    assert patch.status_code == 422 and "key" in patch.json["error"]["fields"]
    emptied = client.patch(f"{URL}/{created['id']}", headers=auth, json={"keywords": []})
    assert emptied.status_code == 422
    assert client.get(f"{URL}/{created['id']}", headers=auth).json["keywords"] == ["invoice"]


def test_the_catalogue_is_per_workspace(client, make, auth):
    other = make.workspace("Other")
    other_auth = {"Authorization": f"Bearer {other.key}"}
    theirs = client.post(URL, headers=other_auth, json={"label": "Billing", "keywords": ["invoice"]}).json
    for method in ("get", "patch", "delete"):
        answer = getattr(client, method)(f"{URL}/{theirs['id']}", headers=auth, json={"label": "Mine"})
        assert answer.status_code == 404 and answer.json["error"]["code"] == "not_found"
    assert catalogue(client, auth, source="custom") == {}
    assert client.get(f"{URL}/{10**20}", headers=auth).status_code == 404
    mine = client.post(URL, headers=auth, json={"label": "Billing", "keywords": ["bill"]})
    assert mine.status_code == 201  # the same key in another workspace is no conflict


def test_the_catalogue_lists_by_source_a_page_at_a_time(client, make, workspace, auth, answers):
    answers.post(make.survey(workspace), 2, "The app crashed and the invoice was wrong, agent rude")
    client.post(URL, headers=auth, json={"label": "Bills", "keywords": ["bill"]})
    assert set(catalogue(client, auth, source="custom")) == {"bills"}
    assert set(catalogue(client, auth, source="auto")) == {"app"}
    defaults = set(catalogue(client, auth, source="default", limit=1000))
    assert {"billing", "agent attitude", "product bug"} <= defaults
    seen, cursor = [], None
    while True:
        params = {"limit": 7, **({"cursor": cursor} if cursor else {})}
        page = client.get(URL, headers=auth, query_string=params).json
        seen += [t["key"] for t in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(["app", "bills", *defaults])
    for bad in ({"source": "magic"}, {"limit": 0}, {"cursor": "abc"}, {"page": 2}):
        assert client.get(URL, headers=auth, query_string=bad).status_code == 422, bad
