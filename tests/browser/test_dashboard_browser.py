"""The dashboard in headless Chromium: every page renders with data at desktop and phone widths
(screenshots kept in test-artifacts/), axe-core finds no serious or critical violation, the pages
work by keyboard alone, and a trend point, a theme row and an agent row each land on the responses
feed with the matching filter (the feed itself is tested with its own pages: here, its URL)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from app.cli.demo_data import seed_demo_answers
from app.extensions import db
from app.models.account import Role
from app.services.accounts import people
from app.services.accounts.sessions import start_session
from app.web.blueprint import COOKIE
from tests.browser.axe import assert_accessible
from tests.support.factories import Factory

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
PAGES = (("overview", ""), ("trends", "/trends"), ("themes", "/themes"), ("agents", "/agents"), ("drivers", "/drivers"))
WIDTHS = (1280, 375)


class Dashboard:
    """A workspace with three surveys and 90 days of generated answers, an owner and a viewer."""

    def __init__(self, live):
        self.live = live
        with live.app_context():
            f = Factory()
            ws = f.workspace("Dashboard Co")
            self.surveys = {
                kind: f.survey(ws, kind, name=f"Support {kind.upper()}").id for kind in ("csat", "nps", "ces")
            }
            seed_demo_answers(ws.id, scale=0.4)
            self.workspace_id = ws.id
            self.emails = {}
            for role in (Role.OWNER, Role.VIEWER):
                email = f"{role.value}@dashboard.example.com"
                people.set_membership(people.create_user(email, PASSWORD), ws.id, role)
                self.emails[role] = email
            db.session.commit()
            db.session.expunge_all()

    def url(self, path: str = "") -> str:
        return f"{self.live.url}/w/{self.workspace_id}{path}"

    def sign_in(self, context, role: Role = Role.OWNER) -> None:
        with self.live.app_context():
            token = start_session(people.find_user(self.emails[role]), "127.0.0.1", "playwright")
            db.session.expunge_all()
        context.add_cookies([{"name": COOKIE, "value": token, "url": self.live.url, "httpOnly": True}])


@pytest.fixture(scope="module")
def dash(live) -> Dashboard:
    return Dashboard(live)


@pytest.fixture
def signed_in(browser, dash):
    contexts = []

    def open_page(width: int = 1280, role: Role = Role.OWNER):
        context = browser.new_context(viewport={"width": width, "height": 800}, locale="en-US")
        contexts.append(context)
        dash.sign_in(context, role)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        return page

    yield open_page
    for context in contexts:
        errors = [e for p in context.pages for e in p.errors]
        context.close()
        assert not errors, errors


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name, path", PAGES)
def test_every_page_renders_accessible_at_desktop_and_phone_widths(dash, signed_in, shot, name, path, width):
    page = signed_in(width)
    response = page.goto(dash.url(path))
    assert response.status == 200
    expect(page.get_by_role("link", name=re.compile("Overview|Trends|Themes|Agents|Drivers")).first).to_be_visible()
    assert page.locator("svg.chart, svg.sparkline").count() >= 1
    assert page.locator("table.numbers").count() >= 1
    assert_accessible(page)
    if width < 400:
        # Nothing scrolls sideways on a phone but a wide table, in its own box.
        wider = page.evaluate(
            "w => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > w + 1"
            " && !e.closest('.wide')).map(e => e.tagName + '.' + e.className).slice(0, 5)",
            width,
        )
        assert not wider and page.evaluate("document.documentElement.scrollWidth") <= width, wider
    shot(page, f"{name}-{width}")


def test_a_trend_point_opens_the_feed_for_its_period(dash, signed_in):
    page = signed_in()
    page.goto(dash.url(f"/trends?survey={dash.surveys['csat']}&interval=week&team=Billing"))
    mark = page.locator("svg.chart-line a.mark").nth(2)
    period = mark.locator("title").text_content()
    mark.click()
    page.wait_for_url(re.compile(r"/responses\?"))
    q = _query(page.url)
    assert urlsplit(page.url).path == f"/w/{dash.workspace_id}/responses"
    assert q["survey"] == str(dash.surveys["csat"]) and q["team"] == "Billing"
    assert q["from"] <= q["to"] and (q["to"] > q["from"] or "week" not in period)


def test_a_theme_row_opens_the_feed_filtered_to_that_theme(dash, signed_in):
    page = signed_in()
    page.goto(dash.url(f"/themes?survey={dash.surveys['csat']}"))
    link = page.locator("table.themes-table tbody th a").first
    label = link.text_content()
    link.click()
    page.wait_for_url(re.compile(r"/responses\?"))
    q = _query(page.url)
    assert q["theme"] and q["survey"] == str(dash.surveys["csat"])
    with dash.live.app_context():
        from app.services.insights.themes import _catalogue

        assert _catalogue(dash.workspace_id, [q["theme"]])[q["theme"]][0] == label


def test_an_agent_row_opens_the_feed_filtered_to_that_agent(dash, signed_in):
    page = signed_in()
    page.goto(dash.url(f"/agents?survey={dash.surveys['csat']}"))
    agents = page.locator("section[aria-labelledby=agent-title]")
    row = agents.locator("table.people-table tbody tr").first
    key = row.get_attribute("data-key")
    row.get_by_role("link").click()
    page.wait_for_url(re.compile(r"/responses\?"))
    assert _query(page.url)["agent"] == key
    # A chart bar goes to the same place as its row.
    page.go_back()
    page.locator("section[aria-labelledby=agent-title] svg.chart-rows a.mark").first.click()
    page.wait_for_url(re.compile(r"/responses\?"))
    assert _query(page.url)["agent"] == key


def _focused(page, script: str):
    return page.evaluate(f"() => {{ const el = document.activeElement; return {script}; }}")


def _tab_to(page, predicate: str, limit: int = 80) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => {{ const el = document.activeElement; return !!(el && ({predicate})); }}"):
            return
    raise AssertionError(f"Tab never reached an element where {predicate}")


def test_the_dashboard_by_keyboard_alone(dash, signed_in):
    page = signed_in()
    page.goto(dash.url())
    page.keyboard.press("Tab")
    assert _focused(page, "el.textContent.trim()") == "Skip to content"
    _tab_to(page, "el.textContent.trim() === 'Trends'")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/trends$"))
    # The filter form: choose "By week" with the keyboard and apply.
    _tab_to(page, "el.id === 'f-interval'")
    page.keyboard.type("Week")
    _tab_to(page, "el.textContent.trim() === 'Apply'")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"interval=week"))
    # A chart's marks are links in the tab order, with a visible focus.
    _tab_to(page, "el.closest && el.closest('svg.chart-line') !== null")
    assert _focused(page, "el.matches(':focus-visible')")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/responses\?"))
    assert "from" in _query(page.url)


def test_a_viewer_sees_the_overview_without_comment_text(dash, signed_in):
    page = signed_in(role=Role.VIEWER)
    page.goto(dash.url())
    expect(page.get_by_role("heading", name="Tone and score disagree")).to_be_visible()
    assert page.locator("blockquote").count() == 0
    page.goto(dash.url(f"/themes?survey={dash.surveys['csat']}"))
    assert page.locator("td.examples").count() == 0
    assert_accessible(page)
