"""Settings → Name and brand in Chromium: the sender name, reply-to and colour typed are previewed
live (htmx) in the invite email and the survey page before anything is saved; axe-core on the page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Workspace
from app.models.account import Role
from app.services.accounts import people
from tests.browser.axe import assert_accessible

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
EMAIL = "brand-owner@example.com"


def test_the_brand_is_previewed_as_it_is_typed_then_saved(live, seed, browser, shot):
    def build(f):
        ws = f.workspace("Brand Support")
        f.survey(ws, "nps")
        user = people.create_user(EMAIL, PASSWORD)
        people.set_membership(user, ws.id, Role.OWNER)
        db.session.commit()
        return ws.id

    workspace_id = seed(build)
    context = browser.new_context(viewport={"width": 1280, "height": 1400}, locale="en-US")
    page = context.new_page()
    page.goto(f"{live.url}/login")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login" not in url)

    page.goto(f"{live.url}/w/{workspace_id}/settings/brand")
    page.get_by_role("heading", name="Name and brand").wait_for()
    assert_accessible(page, context={"exclude": [["iframe"]]})
    page.fill("#f-brand_colour", "#aa3300")
    page.fill("#f-mail_from_name", "Brand Support team")
    page.fill("#f-reply_to", "help@brand.example")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#preview iframe')].every(f => f.src.includes('aa3300'))"
    )
    assert "Brand Support team <" in page.locator(".sender").inner_text()
    email_frame = page.frame_locator("#preview iframe").first
    email_frame.get_by_text("How likely are you to recommend us").first.wait_for()
    color = email_frame.locator("a[aria-label='10']").evaluate("a => getComputedStyle(a).backgroundColor")
    assert color == "rgb(170, 51, 0)"  # the typed colour, unsaved
    page_frame = page.frame_locator("#preview iframe").nth(1)
    assert page_frame.get_by_text("About your request #T-1001").is_visible()
    shot(page, "typed")

    page.get_by_role("button", name="Save").click()
    page.get_by_role("status").filter(has_text="Saved.").wait_for()

    def stored(_):
        row = db.session.scalar(select(Workspace).where(Workspace.id == workspace_id))
        return row.brand_colour, row.mail_from_name, row.reply_to

    assert seed(stored) == ("#aa3300", "Brand Support team", "help@brand.example")
    context.close()
