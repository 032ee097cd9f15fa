"""Settings → Surveys in Chromium: a survey created with the keyboard alone (Tab, typing and Enter;
no mouse), the live preview following the typing through htmx, and axe-core on the list and the
editor."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Survey
from app.models.account import Role
from app.services.accounts import people
from tests.browser.axe import assert_accessible

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
EMAIL = "keyboard-owner@example.com"
MAX_TABS = 80


def tab_to(page, selector: str) -> None:
    """Press Tab until the element matching `selector` has the focus."""
    for _ in range(MAX_TABS):
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def test_a_survey_created_with_the_keyboard_alone(live, seed, page):
    def build(f):
        ws = f.workspace("Keyboard Support")
        f.survey(ws, "nps")
        user = people.create_user(EMAIL, PASSWORD)
        people.set_membership(user, ws.id, Role.OWNER)
        db.session.commit()
        return ws.id

    workspace_id = seed(build)
    page.goto(f"{live.url}/login")
    tab_to(page, "#email")
    page.keyboard.type(EMAIL)
    tab_to(page, "#password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login" not in url)

    page.goto(f"{live.url}/w/{workspace_id}/settings/surveys")
    page.get_by_role("heading", name="Surveys", exact=True).wait_for()
    assert_accessible(page)

    tab_to(page, "a[href$='/settings/surveys/new']")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="New survey").wait_for()
    assert_accessible(page, context={"exclude": [["iframe"]]})

    tab_to(page, "#f-name")
    page.keyboard.type("Chat CSAT")
    tab_to(page, "#f-question")
    page.keyboard.type("Did the chat help?")
    # The preview follows the typing (htmx, after a pause): the frames now carry the typed question.
    page.wait_for_function(
        "() => [...document.querySelectorAll('#preview iframe')].every(f => f.src.includes('Did+the+chat+help'))"
    )
    email_frame = page.frame_locator("#preview iframe").first
    email_frame.get_by_text("Did the chat help?").first.wait_for()
    page.keyboard.press("Enter")  # submits with the form's first button: create

    page.get_by_role("status").filter(has_text="Created.").wait_for()
    page.get_by_role("heading", name="Survey: Chat CSAT").wait_for()
    assert_accessible(page, context={"exclude": [["iframe"]]})

    def stored(_):
        survey = db.session.scalar(select(Survey).where(Survey.name == "Chat CSAT"))
        return survey.workspace_id, survey.kind, survey.question

    assert seed(stored) == (workspace_id, "csat", "Did the chat help?")
    # No inline script or style anywhere: the strict CSP refused nothing (htmx's own styles are off).
    refused = [m for m in page.console_messages if "Content Security Policy" in m and "survey.js" not in m]
    assert not refused, refused
