"""What a customer sees, laid out at 320, 375 and 1280 px: the scale in one row with targets a finger
can hit, the end labels under their ends, margins on phones, ticket numbers in one piece, the
reader's dark mode; the email at 320 and 375. Screenshots of each go to test-artifacts/."""

from __future__ import annotations

import pytest
import requests

from app.extensions import db
from app.models import Invite, Survey, Workspace
from app.services.sending.invite_email import build_invite_email

pytestmark = pytest.mark.browser

WIDTHS = (320, 375, 1280)
TICKET = "T-100245"
# Chromium lays boxes out in 1/64 px units: a 44 px box at a fractional offset can measure 43.99994.
PX = 1 / 64


def _invite(seed, kind: str = "nps", email: str = "ada@example.com", **survey_fields) -> dict:
    def build(f):
        ws = f.workspace("Acme Support")
        ws.row.brand_colour, ws.row.reply_to = "#0a7d53", "help@acme.example"
        db.session.commit()
        survey = f.survey(ws, kind, **survey_fields)
        invite = f.invite(
            survey,
            email,
            subject="Refund for a duplicated charge on the November invoice",
            agent={"id": "7", "name": "Sam Cole"},
        )
        invite.ticket_id = TICKET
        db.session.commit()
        return {"token": invite.token, "invite_id": invite.id}

    return seed(build)


def _boxes(page, selector: str) -> list[dict]:
    return page.eval_on_selector_all(
        selector,
        "els => els.map(e => { const r = e.getBoundingClientRect(); return {x: r.x, y: r.y, w: r.width, h: r.height, right: r.right}; })",
    )


def _no_sideways_scroll(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "the page scrolls sideways"


def _one_line(page, selector: str) -> None:
    # A ticket number split across lines has two client rects.
    assert page.eval_on_selector(selector, "e => e.getClientRects().length") == 1, f"{selector} breaks across lines"


@pytest.mark.parametrize("width", WIDTHS)
def test_the_survey_page_keeps_the_scale_in_one_row_with_room_for_a_finger(live, seed, browser, shot, width):
    ids = _invite(seed)
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-US")
    page = context.new_page()
    page.goto(f"{live.url}/s/{ids['token']}")
    points = _boxes(page, ".point span")
    assert len(points) == 11
    assert len({round(p["y"]) for p in points}) == 1, "0-10 wraps onto a second row"
    assert all(p["w"] >= 24 - PX and p["h"] >= 44 - PX for p in points), points
    assert len({round(p["h"]) for p in points}) == 1, "a number wraps inside its box (10 as 1 over 0)"
    low, high = _boxes(page, ".ends span")
    assert abs(low["x"] - points[0]["x"]) <= 1 and abs(high["right"] - points[-1]["right"]) <= 1  # under their ends
    card = _boxes(page, ".card")[0]
    assert points[-1]["right"] <= card["right"] - 8, "the last point runs out of the card"
    assert card["x"] >= 4 and width - card["right"] >= 4, "the card touches the screen's edges"
    button = _boxes(page, "button[type=submit]")[0]
    assert button["h"] >= 44 - PX
    _one_line(page, ".ticket")
    assert page.get_by_text("Sam Cole helped you.").is_visible()
    assert page.get_by_text("About your request #T-100245").is_visible()
    languages = _boxes(page, ".languages")[0]
    assert languages["y"] - (card["y"] + card["h"]) >= 8, "the language links touch the card"
    _no_sideways_scroll(page, width)
    shot(page, f"{width}")
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_survey_page_follows_the_readers_dark_mode(live, seed, browser, shot, width):
    ids = _invite(seed, "csat")
    context = browser.new_context(viewport={"width": width, "height": 800}, color_scheme="dark")
    page = context.new_page()
    page.goto(f"{live.url}/s/{ids['token']}")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    ink = page.evaluate("getComputedStyle(document.body).color")
    assert background == "rgb(18, 20, 23)" and ink == "rgb(232, 234, 237)"
    _no_sideways_scroll(page, width)
    shot(page, f"{width}")
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_returning_customer_the_thanks_the_unsubscribe_and_an_error_page(live, seed, browser, shot, width):
    # An address of its own: it is unsubscribed here, and the live app is shared by the session's tests.
    email = f"layout-{width}@example.com"
    ids = _invite(seed, "csat", email=email, thank_you_message="We read every answer. The Acme team")
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="en-US")
    page = context.new_page()
    page.goto(f"{live.url}/s/{ids['token']}?score=4")
    page.get_by_role("button", name="Send my answer").click()
    page.get_by_text("We read every answer. The Acme team").wait_for()
    _one_line(page, ".ticket")
    _no_sideways_scroll(page, width)
    shot(page, f"{width}-thanks")

    page.goto(f"{live.url}/s/{ids['token']}")
    assert "You answered 4 on" in page.locator(".answered").inner_text()
    assert "you can change it until" in page.locator(".answered").inner_text()
    shot(page, f"{width}-returning")

    page.goto(f"{live.url}/u/{ids['token']}")
    page.get_by_role("button", name="Unsubscribe").click()
    undo = page.get_by_role("button", name="Undo: keep getting surveys")
    undo.wait_for()
    brand = page.evaluate("getComputedStyle(document.querySelector('.card')).borderTopColor")
    assert brand == "rgb(10, 125, 83)"  # #0a7d53: the workspace's colour, not ours
    assert undo.bounding_box()["height"] >= 44 - PX
    _no_sideways_scroll(page, width)
    shot(page, f"{width}-unsubscribed")
    undo.click()
    page.get_by_role("heading", name="You are subscribed again").wait_for()
    shot(page, f"{width}-undone")

    page.goto(f"{live.url}/s/not-a-real-token")
    assert page.get_by_text("Need help? Reply to the email that brought you here.").is_visible()
    _no_sideways_scroll(page, width)
    shot(page, f"{width}-not-found")
    context.close()


def _email_html(live, invite_id: int) -> str:
    with live.app_context():
        invite = db.session.get(Invite, invite_id)
        survey = db.session.get(Survey, invite.survey_id)
        workspace = db.session.get(Workspace, invite.workspace_id)
        message = build_invite_email(invite, survey, workspace)
        return message.get_body(("html",)).get_content()


@pytest.mark.parametrize("width", (320, 375))
def test_the_invite_email_has_buttons_a_finger_can_hit(live, seed, browser, shot, width):
    ids = _invite(seed)
    context = browser.new_context(viewport={"width": width, "height": 700})
    page = context.new_page()
    page.set_content(_email_html(live, ids["invite_id"]))
    buttons = _boxes(page, "a[aria-label]")
    assert len(buttons) == 11 and len({round(b["y"]) for b in buttons}) == 1
    assert all(b["w"] >= 24 - PX and b["h"] >= 44 - PX for b in buttons), buttons
    assert len({round(b["h"]) for b in buttons}) == 1, "a number wraps inside its button"
    _one_line(page, "span[style*=nowrap]")
    assert "#" + TICKET in page.inner_text("body")
    _no_sideways_scroll(page, width)
    shot(page, f"{width}")
    context.close()


def test_the_pages_are_served_with_their_brand(live, seed):
    ids = _invite(seed)
    html = requests.get(f"{live.url}/s/{ids['token']}", timeout=10).text
    assert "--brand: #0a7d53" in html


@pytest.mark.parametrize("width", WIDTHS)
def test_the_widget_keeps_the_scale_in_one_row_with_room_for_a_finger(live, host, seed, browser, shot, width):
    from tests.browser.test_widget_browser import host_page, make_invite

    ids = make_invite(seed, "nps")
    context = browser.new_context(viewport={"width": width, "height": 700}, locale="en-US")
    page = context.new_page()
    page.goto(host_page(live, host, f"/layout-{width}", {"token": ids["token"]}))
    page.get_by_role("region", name="Feedback for Acme Support").get_by_role("radio", name="10").wait_for()
    points = page.evaluate(
        """() => [...document.querySelector('afterword-survey').shadowRoot.querySelectorAll('.p span')]
                 .map(e => { const r = e.getBoundingClientRect(); return {x: r.x, y: r.y, w: r.width, h: r.height, right: r.right}; })"""
    )
    card = page.evaluate(
        "document.querySelector('afterword-survey').shadowRoot.querySelector('.aw').getBoundingClientRect().right"
    )
    assert points[-1]["right"] <= card - 8, "the last point runs out of the card"
    assert len(points) == 11 and len({round(p["y"]) for p in points}) == 1, "0-10 wraps in the widget"
    assert all(p["w"] >= 24 - PX and p["h"] >= 44 - PX for p in points), points
    assert len({round(p["h"]) for p in points}) == 1
    _no_sideways_scroll(page, width)
    shot(page, f"{width}")
    context.close()


def test_the_widget_thanks_in_the_surveys_own_words(live, host, seed, page, shot):
    from tests.browser.test_widget_browser import host_page, make_invite

    ids = make_invite(seed, "csat", thank_you_message="We read every answer. The Acme team")
    page.goto(host_page(live, host, "/widget-thanks", {"token": ids["token"]}))
    region = page.get_by_role("region", name="Feedback for Acme Support")
    region.get_by_text("5", exact=True).click()
    region.get_by_role("button", name="Send my answer").click()
    region.get_by_role("heading", name="Thank you!").wait_for()
    assert region.get_by_text("We read every answer. The Acme team").is_visible()
    shot(page)
