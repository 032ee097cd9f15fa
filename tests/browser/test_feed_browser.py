"""The Responses feed in headless Chromium: filtering by a theme with the keyboard alone lands on a
URL holding the filter and the matching count; axe-core finds nothing serious on the feed or an
answer's page; screenshots at 1280 and 375 px (test-artifacts/test_feed_*.png)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.models.account import Role
from app.services.accounts import people
from app.services.accounts.sessions import start_session
from app.web.blueprint import COOKIE
from tests.browser.axe import assert_accessible
from tests.support.api import answer

pytestmark = pytest.mark.browser

COMMENTS = [
    (1, "The refund took forever and nobody answered my emails."),
    (2, "Charged twice, terrible billing."),
    (5, "Great, excellent support! Very quick reply."),
    (4, "Refund arrived, thanks for the quick response."),
    (3, "Le remboursement était très lent."),
    (5, "Terrible, awful, horrible."),
    (2, "Still waiting on my refund after three weeks."),
    (4, None),
]


@pytest.fixture(scope="module")
def feed_world(live):
    """A workspace with a handful of analysed answers and an analyst signed in through a session."""
    start = datetime.now(UTC) - timedelta(days=3)
    with live.app_context():
        from tests.support.factories import Factory

        make = Factory()
        ws = make.workspace("Feed Support")
        survey = make.survey(ws, "csat")
        made = []
        for n, (score, comment) in enumerate(COMMENTS):
            agent = {"id": f"a{n % 3}", "name": ["Sam", "Kim", "Ana"][n % 3]}
            response = answer(
                make,
                survey,
                score,
                comment,
                start + timedelta(hours=5 * n),
                agent=agent,
                team=["Billing", "Tier 1"][n % 2],
                channel=["email", "chat"][n % 2],
            )
            made.append((response.id, list(response.themes or [])))
        user = people.create_user("feed-analyst@example.com", "correct horse battery", "Ana Lyst")
        people.set_membership(user, ws.id, Role.ANALYST)
        db.session.commit()
        workspace_id = ws.id
        db.session.expunge_all()
    refund = sum(1 for _, themes in made if "refund" in themes)
    assert refund >= 2, made  # the analysis tags the refund comments (the test needs a real narrowing)
    return {"workspace_id": workspace_id, "refund": refund, "total": len(made)}


def sign_in(live, context, email: str) -> None:
    with live.app_context():
        token = start_session(people.find_user(email), "127.0.0.1", "playwright")
        db.session.expunge_all()
    context.add_cookies([{"name": COOKIE, "value": token, "url": live.url, "httpOnly": True}])


def tab_to(page, predicate: str, limit: int = 80) -> None:
    """Press Tab until the focused element satisfies the JS `predicate` (given `el`)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => {{ const el = document.activeElement; return !!(el && ({predicate})); }}"):
            return
    raise AssertionError(f"Tab never reached an element where {predicate}")


def ring(page) -> list:
    return page.evaluate(
        "() => { const el = document.activeElement; "
        "return [el.matches(':focus-visible'), getComputedStyle(el).outlineStyle]; }"
    )


def test_filter_by_a_theme_with_the_keyboard_lands_on_its_url_and_count(live, feed_world, page, shot):
    sign_in(live, page.context, "feed-analyst@example.com")
    page.set_viewport_size({"width": 1280, "height": 900})
    base = f"{live.url}/w/{feed_world['workspace_id']}/responses"
    page.goto(base)
    expect(page.locator(".feed-count")).to_have_text(f"{feed_world['total']} answers")
    assert_accessible(page)

    tab_to(page, "el.id === 'f-theme'")
    assert ring(page) == [True, "solid"]
    page.keyboard.type("Refund")  # a focused select picks the option typed
    assert page.evaluate("() => document.activeElement.value") == "refund"
    tab_to(page, "el.textContent.trim() === 'Show answers'")
    assert ring(page) == [True, "solid"]
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"[?&]theme=refund(&|$)"))
    assert page.url.startswith(base + "?")
    expect(page.locator(".feed-count")).to_have_text(f"{feed_world['refund']} answers")
    rows = page.locator(".feed-table tbody tr")
    expect(rows).to_have_count(feed_world["refund"])
    for i in range(feed_world["refund"]):
        expect(rows.nth(i).locator(".feed-themes")).to_contain_text("refund")
    expect(page.get_by_label("Theme", exact=True)).to_have_value("refund")  # the form says what the URL says
    assert_accessible(page)
    shot(page, "1280")

    # The first answer opens by keyboard; its page is accessible too.
    tab_to(page, "el.closest('.feed-when') !== null")
    assert ring(page) == [True, "solid"]
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/responses/\d+$"))
    expect(page.get_by_role("heading", name="The invite's history")).to_be_visible()
    assert_accessible(page)
    shot(page, "answer-1280")

    page.set_viewport_size({"width": 375, "height": 800})
    assert_accessible(page)
    shot(page, "answer-375")
    page.go_back()
    page.wait_for_url(re.compile(r"[?&]theme=refund(&|$)"))
    # A phone: the table scrolls in its own box, never the page.
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert_accessible(page)
    shot(page, "375")
