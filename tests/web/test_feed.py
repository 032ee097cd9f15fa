"""The Responses feed, its CSV and one answer's page, as a signed-in CX team member reads them:
each filter narrows to exactly its answers, pages never repeat or lose one, the CSV holds exactly
the feed's answers, and the role matrix (viewer 403, agent only their own) holds on all three."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest

from app.extensions import db
from app.models import Invite
from app.models.account import Role
from app.services.accounts import people
from app.services.answers import feed
from app.web.feed_links import feed_url
from tests.support.api import answer

PASSWORD = "correct horse battery"
BASE = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def _person(workspace_id: int, role: Role, email: str, agent_key: str | None = None):
    user = people.find_user(email) or people.create_user(email, PASSWORD)
    people.set_membership(user, workspace_id, role, agent_key=agent_key)
    db.session.commit()
    return user


def _client_as(app, workspace_id: int, role: Role = Role.ANALYST, agent_key: str | None = None):
    email = f"{role.value}-{abs(hash(agent_key))}-{workspace_id}@example.com"
    _person(workspace_id, role, email, agent_key)
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 303
    return client


@pytest.fixture
def world(make, workspace):
    """Six answers that differ in one dimension each, plus another tenant's answer."""
    csat = make.survey(workspace, "csat")
    nps = make.survey(workspace, "nps")
    rows = {
        "refund": answer(
            make,
            csat,
            1,
            "The refund took forever and nobody answered my emails.",
            BASE,
            agent={"id": "a1", "name": "Sam", "email": "sam@acme.test"},
            team="Billing",
            channel="email",
            priority="high",
            tags=["refund", "vip"],
            created_at=BASE - timedelta(hours=30),
            first_response_at=BASE - timedelta(hours=26, minutes=40),
            solved_at=BASE - timedelta(hours=2),
            reopens=1,
        ),
        "praise": answer(
            make,
            csat,
            5,
            "Great, excellent support! Very quick reply.",
            BASE + timedelta(days=1),
            agent={"id": "a2", "name": "Kim", "email": "kim@acme.test"},
            team="Tier 1",
            channel="chat",
            priority="low",
        ),
        "french": answer(
            make,
            csat,
            3,
            "Le remboursement était très lent.",
            BASE + timedelta(days=2),
            agent={"id": "a1"},
            team="Billing",
            channel="email",
        ),
        "billing": answer(
            make,
            csat,
            2,
            "Charged twice, terrible billing.",
            BASE + timedelta(days=3),
            agent={"id": "a2"},
            team="Tier 1",
            channel="phone",
            tags=["billing"],
        ),
        "mixed": answer(make, csat, 5, "Terrible, awful, horrible.", BASE + timedelta(days=4), agent={"id": "a1"}),
        "promoter": answer(make, nps, 10, None, BASE + timedelta(days=5), agent={"id": "a2"}, channel="email"),
    }
    refund_invite = db.session.get(Invite, rows["refund"].invite_id)
    refund_invite.customer_segment = "enterprise"
    db.session.commit()
    other = make.workspace("Other")
    theirs = answer(make, make.survey(other, "csat"), 1, "The refund took forever.", BASE, agent={"id": "a1"})
    return {"csat": csat, "nps": nps, "other": other, "theirs": theirs.id, **{k: v.id for k, v in rows.items()}}


def shown(resp) -> list[int]:
    """The answers a feed page lists, in order (the links to each answer's own page)."""
    assert resp.status_code == 200, resp.get_data(as_text=True)[:800]
    return [int(n) for n in re.findall(r'href="/w/\d+/responses/(\d+)"', resp.get_data(as_text=True))]


def count_of(resp) -> int:
    found = re.search(r'class="feed-count"[^>]*>\s*([\d,]+) answers?', resp.get_data(as_text=True))
    assert found, resp.get_data(as_text=True)[:2000]
    return int(found.group(1).replace(",", ""))


def test_the_feed_lists_the_workspaces_answers_newest_first_with_their_facts(app, workspace, world):
    client = _client_as(app, workspace.id)
    resp = client.get(f"/w/{workspace.id}/responses")
    order = ["promoter", "mixed", "billing", "french", "praise", "refund"]
    assert shown(resp) == [world[k] for k in order]
    assert count_of(resp) == 6
    text = resp.get_data(as_text=True)
    assert "Charged twice, terrible billing." in re.sub(r"<[^>]+>", "", text)  # the comment, marks aside
    assert world["theirs"] not in shown(resp)
    # Themes as chips linking to the feed filtered by them, with their sentiment.
    assert f'href="/w/{workspace.id}/responses?theme=refund"' in text
    assert "feed-chip-negative" in text and "Tone contradicts score" in text
    assert "Sam" in text and "Billing" in text


@pytest.mark.parametrize(
    "filters, expected",
    [
        ({"survey": "{nps}"}, ["promoter"]),
        ({"from": "2026-03-12", "to": "2026-03-13"}, ["billing", "french"]),
        ({"to": "2026-03-10"}, ["refund"]),
        ({"score_min": "2", "score_max": "3"}, ["billing", "french"]),
        ({"agent": "a1"}, ["mixed", "french", "refund"]),
        ({"agent": "kim@acme.test"}, ["praise"]),
        ({"team": "Billing"}, ["french", "refund"]),
        ({"channel": "email"}, ["promoter", "french", "refund"]),
        ({"priority": "high"}, ["refund"]),
        ({"segment": "enterprise"}, ["refund"]),
        ({"tag": "vip"}, ["refund"]),
        ({"tag": "billing"}, ["billing"]),
        ({"theme": "refund"}, ["refund"]),
        ({"theme": "charged twice"}, ["billing"]),
        ({"sentiment": "positive"}, ["praise"]),
        ({"sentiment": "empty"}, ["promoter"]),
        ({"mismatch": "1"}, ["mixed"]),
        ({"language": "fr"}, ["french"]),
        ({"q": "REFUND"}, ["refund"]),
        ({"q": "100%"}, []),  # a wildcard character is matched as itself
        ({"channel": "email", "score_max": "3"}, ["french", "refund"]),
    ],
)
def test_each_filter_narrows_to_exactly_its_answers(app, workspace, world, filters, expected):
    client = _client_as(app, workspace.id)
    filters = {k: v.format(nps=world["nps"].id) for k, v in filters.items()}
    resp = client.get(feed_url(workspace.id, **filters))
    assert shown(resp) == [world[k] for k in expected]
    assert count_of(resp) == len(expected)
    # The form shows the filter it was given, so the page reads as the URL says (the less used
    # filters are folded away unless one of them is set).
    more = {"mismatch", "agent", "team", "channel", "priority", "segment", "tag", "language"}
    folded = '<details class="feed-more" open>' not in resp.get_data(as_text=True)
    assert folded == more.isdisjoint(filters)
    for name, value in filters.items():
        if name in ("survey", "theme", "sentiment", "mismatch"):  # selects
            assert re.search(f'<option value="{re.escape(value)}" selected>', resp.get_data(as_text=True))
        else:
            assert re.search(f'name="{name}" type="\\w+" value="{re.escape(value)}"', resp.get_data(as_text=True))


def test_the_dates_are_the_workspaces_own_days(app, make, workspace):
    workspace.row.timezone = "America/New_York"
    db.session.commit()
    survey = make.survey(workspace, "csat")
    # 02:00 UTC on the 11th is still the 10th in New York.
    late = answer(make, survey, 4, "ok", datetime(2026, 3, 11, 2, 0, tzinfo=UTC))
    client = _client_as(app, workspace.id)
    assert shown(client.get(feed_url(workspace.id, from_="2026-03-10", to="2026-03-10"))) == [late.id]
    assert shown(client.get(feed_url(workspace.id, from_="2026-03-11"))) == []


def test_an_answer_is_dated_in_the_workspaces_zone_and_the_readers_language(app, workspace, world):
    workspace.row.timezone = "Asia/Tokyo"
    db.session.commit()
    client = _client_as(app, workspace.id)
    path = f"/w/{workspace.id}/responses/{world['refund']}"
    assert "Answer of Mar 10, 2026, 9:00:00\u202fPM" in client.get(path).get_data(as_text=True)  # 12:00 UTC
    german = client.get(path, headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "10.03.2026, 21:00:00" in german


def test_keyset_pages_show_every_answer_once(app, make, workspace):
    survey = make.survey(workspace, "csat")
    made = [answer(make, survey, 1 + n % 5, f"answer {n}", BASE + timedelta(hours=n // 2)) for n in range(30)]
    expected = [r.id for r in sorted(made, key=lambda r: (r.answered_at, r.id), reverse=True)]
    client = _client_as(app, workspace.id)
    seen, url = [], f"/w/{workspace.id}/responses?score_min=1"
    for _ in range(5):
        resp = client.get(url)
        seen += shown(resp)
        assert count_of(resp) == 30  # the count is the filter's, not the page's
        found = re.search(r'href="([^"]+)" rel="next"', resp.get_data(as_text=True))
        if not found:
            break
        url = found.group(1).replace("&amp;", "&")
        assert "score_min=1" in url  # the next page keeps the filter
    assert seen == expected


def test_past_the_cap_the_count_is_a_bound_and_paging_is_unaffected(app, make, workspace, monkeypatch):
    # Counting every match of a filter the rollups cannot hold grows with the answers: the feed
    # counts to a cap and says "more than" past it (10,000 in the product; 12 here).
    monkeypatch.setattr(feed, "COUNT_CAP", 12)
    survey = make.survey(workspace, "csat")
    made = [answer(make, survey, 1 + n % 5, f"answer {n}", BASE + timedelta(hours=n)) for n in range(30)]
    client = _client_as(app, workspace.id)

    def heading(resp) -> str:
        assert resp.status_code == 200
        return re.search(r'class="feed-count">\s*([^<]+?)\s*</h3>', resp.get_data(as_text=True)).group(1)

    assert heading(client.get(feed_url(workspace.id, score_max="2"))) == "12 answers"  # the cap itself: exact
    assert heading(client.get(feed_url(workspace.id, score_max="3"))) == "More than 12 answers"
    assert heading(client.get(feed_url(workspace.id, score_min="5"))) == "6 answers"
    # Every page of a capped count still lists each answer once, and keeps saying the bound.
    expected = [r.id for r in sorted(made, key=lambda r: (r.answered_at, r.id), reverse=True)]
    seen, url = [], feed_url(workspace.id, q="answer")
    while url:
        resp = client.get(url)
        assert heading(resp) == "More than 12 answers"
        seen += shown(resp)
        found = re.search(r'href="([^"]+)" rel="next"', resp.get_data(as_text=True))
        url = found.group(1).replace("&amp;", "&") if found else None
    assert seen == expected
    # The CSV is never capped: it holds every matching answer.
    export = client.get(feed_url(workspace.id, q="answer").replace("/responses", "/responses.csv", 1))
    assert sorted(csv_ids(export)) == sorted(expected)


def test_a_bad_filter_is_named_beside_its_field(app, workspace, world):
    client = _client_as(app, workspace.id)
    for query, field in (
        ("score_min=lots", "score_min"),
        ("from=2026-03-12&to=2026-03-01", "to"),
        ("sentiment=x", "sentiment"),
    ):
        resp = client.get(f"/w/{workspace.id}/responses?{query}")
        text = resp.get_data(as_text=True)
        assert resp.status_code == 422, query
        assert f'id="f-{field}-error"' in text and 'aria-invalid="true"' in text and "feed-count" not in text
    assert client.get(f"/w/{workspace.id}/responses?after=bogus").status_code == 400


def csv_ids(resp) -> list[int]:
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    return [int(row["response_id"]) for row in rows]


@pytest.mark.parametrize(
    "filters",
    [{}, {"agent": "a1"}, {"theme": "refund"}, {"channel": "email", "score_max": "3"}, {"q": "nothing like it"}],
)
def test_the_csv_holds_exactly_the_feeds_answers(app, workspace, world, filters):
    client = _client_as(app, workspace.id)
    page = client.get(feed_url(workspace.id, **filters))
    export = client.get(feed_url(workspace.id, **filters).replace("/responses", "/responses.csv"))
    assert csv_ids(export) == shown(page)


def test_the_csv_carries_the_tickets_kpis_and_neutralises_formulas(app, make, workspace, world):
    survey = world["csat"]
    answer(make, survey, 4, '=HYPERLINK("http://evil")', BASE + timedelta(days=9), channel="web")
    client = _client_as(app, workspace.id)
    resp = client.get(f"/w/{workspace.id}/responses.csv")
    assert 'attachment; filename="responses-' in resp.headers["Content-Disposition"]
    rows = {int(r["response_id"]): r for r in csv.DictReader(io.StringIO(resp.get_data(as_text=True)))}
    refund = rows[world["refund"]]
    assert float(refund["first_response_seconds"]) == 3 * 3600 + 20 * 60
    assert float(refund["resolution_seconds"]) == 28 * 3600
    assert refund["reopens"] == "1" and refund["customer_email"].endswith("@example.com")
    assert next(r for r in rows.values() if r["channel"] == "web")["comment"].startswith("'=")


def test_the_csv_link_on_the_page_keeps_the_filter(app, workspace, world):
    client = _client_as(app, workspace.id)
    text = client.get(feed_url(workspace.id, team="Billing")).get_data(as_text=True)
    assert f'href="/w/{workspace.id}/responses.csv?team=Billing"' in text


def test_an_answers_page_shows_its_ticket_themes_and_whole_history(app, workspace, world):
    client = _client_as(app, workspace.id)
    resp = client.get(f"/w/{workspace.id}/responses/{world['refund']}")
    text = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "The refund took forever and nobody answered my emails." in re.sub(r"<[^>]+>", "", text)
    assert '<mark class="feed-mark" title="response speed">nobody answered</mark>' in text
    assert f'href="/w/{workspace.id}/responses?theme=response+speed"' in text
    assert "3 h 20 min" in text  # first response after
    assert "1 d 4 h" in text  # resolved after 28 hours
    history = re.findall(r"<strong>([^<]+)</strong>", text.split('id="history-title"')[1])
    assert history[0] == "Invite created" and "Answered" in history and history[-1] == "Comment analysed"
    assert re.search(r"<strong>Scheduled</strong> <span class=\"feed-muted\">— due \w{3} \d+, \d{4}, ", text)
    assert "Mar 10, 2026" in text  # the answer's date, in the workspace's zone (UTC here)


def test_a_zendesk_ticket_links_to_the_helpdesk(app, make, workspace):
    from app.services.invites.creation import create_invite

    survey = make.survey(workspace, "csat")
    integration = make.integration(survey, "zendesk")
    integration.api_base_url = "https://acme.zendesk.com"
    db.session.commit()
    invite = create_invite(
        workspace.id, {"survey_id": survey.id, "customer": {"email": "c@example.com"}, "ticket": {"id": "4521"}}
    )
    invite.integration_id = integration.id
    db.session.commit()
    from app.services.answers.record import load_invite_state, record_answer

    response = record_answer(load_invite_state(invite.token), 4, "fine")
    client = _client_as(app, workspace.id)
    link = 'href="https://acme.zendesk.com/agent/tickets/4521"'
    assert link in client.get(f"/w/{workspace.id}/responses").get_data(as_text=True)
    assert link in client.get(f"/w/{workspace.id}/responses/{response.id}").get_data(as_text=True)


def test_an_empty_workspace_says_what_to_do_next(app, workspace):
    owner = _client_as(app, workspace.id, Role.OWNER)
    text = owner.get(f"/w/{workspace.id}/responses").get_data(as_text=True)
    assert "0 answers" in text and "Connect a helpdesk, then send a test webhook" in text
    analyst = _client_as(app, workspace.id, Role.ANALYST)
    assert "Ask an owner or admin to connect your helpdesk" in analyst.get(f"/w/{workspace.id}/responses").get_data(
        as_text=True
    )


# --- roles ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.MANAGER, Role.ANALYST])
def test_readers_of_verbatims_see_every_answer(app, workspace, world, role):
    client = _client_as(app, workspace.id, role)
    assert count_of(client.get(f"/w/{workspace.id}/responses")) == 6
    assert len(csv_ids(client.get(f"/w/{workspace.id}/responses.csv"))) == 6
    assert client.get(f"/w/{workspace.id}/responses/{world['praise']}").status_code == 200


def test_a_viewer_sees_aggregates_only(app, workspace, world):
    client = _client_as(app, workspace.id, Role.VIEWER)
    for path in ("/responses", "/responses.csv", f"/responses/{world['refund']}"):
        resp = client.get(f"/w/{workspace.id}{path}")
        assert resp.status_code == 403, path
        assert "refund took forever" not in resp.get_data(as_text=True)


def test_an_agent_sees_only_their_own_answers(app, workspace, world):
    client = _client_as(app, workspace.id, Role.AGENT, agent_key="a1")
    mine = [world[k] for k in ("mixed", "french", "refund")]
    assert shown(client.get(f"/w/{workspace.id}/responses")) == mine
    assert csv_ids(client.get(f"/w/{workspace.id}/responses.csv")) == mine
    # Filtering for another agent does not widen what they see.
    assert shown(client.get(f"/w/{workspace.id}/responses?agent=a2")) == []
    assert client.get(f"/w/{workspace.id}/responses/{world['refund']}").status_code == 200
    assert client.get(f"/w/{workspace.id}/responses/{world['praise']}").status_code == 404


def test_an_agent_matched_by_email_and_one_without_a_key(app, workspace, world):
    by_email = _client_as(app, workspace.id, Role.AGENT, agent_key="KIM@acme.test")
    assert shown(by_email.get(f"/w/{workspace.id}/responses")) == [world["praise"]]
    unset = _client_as(app, workspace.id, Role.AGENT)
    resp = unset.get(f"/w/{workspace.id}/responses")
    assert shown(resp) == [] and "Your agent key is not set yet" in resp.get_data(as_text=True)
    assert csv_ids(unset.get(f"/w/{workspace.id}/responses.csv")) == []


def test_the_service_refuses_a_viewer_whatever_calls_it(app, workspace, world):
    from app.errors import APIError
    from app.services.answers import feed

    viewer = _person(workspace.id, Role.VIEWER, "viewer@example.com")
    membership = people.membership_of(viewer.id, workspace.id)
    for call in (
        lambda: feed.read_feed(membership, workspace.row, {}),
        lambda: feed.export_feed(membership, workspace.row, {}),
        lambda: feed.read_answer(membership, workspace.row, world["refund"]),
    ):
        with pytest.raises(APIError) as refused:
            call()
        assert refused.value.status == 403


def test_another_tenants_feed_and_answers_are_404(app, workspace, world):
    client = _client_as(app, workspace.id, Role.OWNER)
    other = world["other"].id
    assert client.get(f"/w/{other}/responses").status_code == 404
    assert client.get(f"/w/{other}/responses.csv").status_code == 404
    assert client.get(f"/w/{other}/responses/{world['theirs']}").status_code == 404
    # Their answer by id under our own workspace is not found either.
    assert client.get(f"/w/{workspace.id}/responses/{world['theirs']}").status_code == 404


def test_signed_out_visitors_go_to_sign_in(client, workspace):
    resp = client.get(f"/w/{workspace.id}/responses?team=Billing")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_theme_words_are_marked_and_a_comment_is_never_markup(app, make, workspace, world):
    answer(make, world["csat"], 2, "<script>alert(1)</script> the refund took forever", BASE + timedelta(days=8))
    text = _client_as(app, workspace.id).get(f"/w/{workspace.id}/responses").get_data(as_text=True)
    assert '<mark class="feed-mark" title="refund">refund took forever</mark>' in text
    assert "<script>alert(1)" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text


@pytest.mark.parametrize(
    "seconds, words",
    [
        (0, "0 s"),
        (45, "45 s"),
        (60, "1 min"),
        (12_000, "3 h 20 min"),
        (100_800, "1 d 4 h"),
        (86_400 + 300, "1 d 5 min"),
    ],
)
def test_durations_read_as_hours_and_minutes(app, seconds, words):
    from app.web.formatting import duration

    with app.test_request_context():
        assert duration(seconds) == words


@pytest.mark.parametrize(
    "filters", [{"tag": "vip"}, {"priority": "high"}, {"language": "fr"}, {"q": "refund"}, {"agent": "kim@acme.test"}]
)
def test_the_api_and_the_page_filter_alike(app, workspace, auth, world, filters):
    page = _client_as(app, workspace.id).get(feed_url(workspace.id, **filters))
    api = app.test_client().get("/api/v1/responses", query_string=filters, headers=auth)
    assert api.status_code == 200, api.json
    assert [item["id"] for item in api.json["items"]] == shown(page) != []


def test_a_role_without_identities_sees_no_customer(app, workspace, world, monkeypatch):
    # No shipped role reads comments without identities; the rule is kept for one that would.
    from app.services.accounts import permissions

    allowed = {
        **permissions.ALLOWED,
        Role.ANALYST: permissions.ALLOWED[Role.ANALYST] - {permissions.Action.READ_IDENTITIES},
    }
    monkeypatch.setattr(permissions, "ALLOWED", allowed)
    client = _client_as(app, workspace.id, Role.ANALYST)
    page = client.get(f"/w/{workspace.id}/responses").get_data(as_text=True)
    assert "Charged twice" in page and not re.search(r"customer\d+@|Customer \d", page)
    answer_page = client.get(f"/w/{workspace.id}/responses/{world['refund']}").get_data(as_text=True)
    assert not re.search(r"customer\d+@|Customer \d", answer_page) and "refund took forever" in answer_page
    export = client.get(f"/w/{workspace.id}/responses.csv").get_data(as_text=True)
    header = export.splitlines()[0].split(",")
    assert "comment" in header and not {"customer_email", "customer_name", "customer_id"} & set(header)
    assert not re.search(r"customer\d+@|Customer \d", export)
