"""axe-core on every page a customer can land on: no serious or critical violation.

The pages are checked as customers get them, CSP on (tests/browser/axe.py says how axe gets in).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Invite, Workspace
from app.models.types import utcnow
from tests.browser.axe import assert_accessible
from tests.browser.test_widget_browser import make_invite

pytestmark = pytest.mark.browser


def test_the_survey_page_then_the_thanks_page(live, seed, page):
    ids = make_invite(seed, "nps")
    page.goto(f"{live.url}/s/{ids['token']}")
    page.get_by_role("button", name="Send my answer").wait_for()
    assert_accessible(page)

    page.get_by_role("button", name="Send my answer").click()  # no score: the form again, with the error
    page.get_by_role("alert").wait_for()
    assert_accessible(page)

    page.get_by_text("9", exact=True).click()
    page.get_by_role("textbox").fill("Quick and kind.")
    page.get_by_role("button", name="Send my answer").click()
    page.get_by_role("heading", name="Thank you!").wait_for()
    assert_accessible(page)

    page.goto(f"{live.url}/s/{ids['token']}")  # back again: the answer, and until when it may change
    page.get_by_role("button", name="Update my answer").wait_for()
    assert "You answered 9 on" in page.locator(".answered").inner_text()
    assert_accessible(page)


@pytest.mark.parametrize("colour", ["#ffd400", "#111111"])
def test_the_survey_page_in_a_workspace_colour(live, seed, page, colour):
    ids = make_invite(seed, "csat")

    def brand(_):
        invite = db.session.scalar(select(Invite).where(Invite.token == ids["token"]))
        db.session.get(Workspace, invite.workspace_id).brand_colour = colour
        db.session.commit()

    seed(brand)
    page.goto(f"{live.url}/s/{ids['token']}?score=4")
    assert page.get_by_role("radio", name="4").is_checked()
    assert_accessible(page)


def test_the_closed_survey_page(live, seed, page):
    ids = make_invite(seed, "ces")

    def expire(_):
        invite = db.session.scalar(select(Invite).where(Invite.token == ids["token"]))
        invite.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()

    seed(expire)
    page.goto(f"{live.url}/s/{ids['token']}")
    page.get_by_role("heading", name="This survey has closed").wait_for()
    assert_accessible(page)


def test_the_unsubscribe_page_asked_then_done(live, seed, page):
    # An address of its own: the live app is shared by the session's browser tests, and on SQLite
    # the send claim's suppression check matches an unsubscribed address in any workspace.
    def build(f):
        from app.services.invites.creation import create_invite

        survey = f.survey(f.workspace("Acme Support"), "csat")
        customer = {"email": "unsubscribes@example.com", "name": "Una"}
        return create_invite(
            survey.workspace_id, {"survey_id": survey.id, "customer": customer, "ticket": {"id": "T-9"}}
        )

    token = seed(build).token
    page.goto(f"{live.url}/u/{token}")
    page.get_by_role("heading", name="Unsubscribe from these surveys").wait_for()
    assert_accessible(page)
    page.get_by_role("button", name="Unsubscribe").click()
    page.get_by_role("heading", name="You are unsubscribed").wait_for()
    assert_accessible(page)
    page.get_by_role("button", name="Undo: keep getting surveys").click()
    page.get_by_role("heading", name="You are subscribed again").wait_for()
    assert_accessible(page)


@pytest.mark.parametrize("path", ["/s/not-a-token", "/u/not-a-token", "/no-such-page"])
def test_the_not_found_page(live, page, path):
    response = page.goto(live.url + path)
    assert response.status == 404
    page.get_by_role("heading", name="Page not found").wait_for()
    assert_accessible(page)


def test_the_helper_fails_on_a_violation_and_names_it(live, page):
    page.goto(live.url + "/no-such-page")
    page.evaluate("() => document.querySelector('main').append(document.createElement('button'))")
    with pytest.raises(AssertionError) as failed:
        assert_accessible(page)
    message = str(failed.value)
    assert "[critical] button-name: Buttons must have discernible text" in message
    assert "\n    at button\n       <button></button>\n" in message, message
    # A rule a test allows does not fail it, and is handed back.
    [allowed] = assert_accessible(page, allow=("button-name",))
    assert allowed["id"] == "button-name"
