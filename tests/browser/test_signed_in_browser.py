"""The signed-in pages in headless Chromium: signing in and out, resetting a password, accepting an
invitation, the role matrix over the settings pages, CSRF, axe-core, keyboard-only use of the
integration page, and screenshots at desktop and phone widths (test-artifacts/signed-in/).

One served app and one browser for the session (tests/browser/conftest.py); each test opens
contexts of its own. Sessions for the role matrix and the page tours are started through the
sessions service and handed to the browser as its cookie: signing in by typing is tested once,
on its own.
"""

from __future__ import annotations

import email
import email.policy
import re
from itertools import count
from pathlib import Path

import pytest
from flask import url_for
from playwright.sync_api import expect

from app.extensions import db
from app.models.account import Role
from app.services.accounts import people
from app.services.accounts.permissions import ALLOWED
from app.services.accounts.sessions import start_session
from app.web.blueprint import COOKIE
from app.web.settings import PAGES
from tests.browser.axe import assert_accessible
from tests.browser.conftest import ARTIFACTS
from tests.support.factories import Factory

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
SHOTS = ARTIFACTS / "signed-in"
WIDTHS = (1280, 375)
_n = count(1)


def unique_email(name: str) -> str:
    return f"{name}{next(_n)}@signed-in.example.com"


class World:
    """A workspace with a survey and a generic integration, one person per role, and another tenant."""

    def __init__(self, live):
        self.live = live
        with live.app_context():
            f = Factory()
            ws = f.workspace("Signed-in Support")
            survey = f.survey(ws, "csat")
            self.integration_id = f.integration(survey).id
            self.workspace_id = ws.id
            self.other_workspace_id = f.workspace("Someone Else Ltd").id
            self.emails = {}
            for role in Role:
                address = unique_email(role.value)
                user = people.create_user(address, PASSWORD, f"{role.value.title()} Person")
                people.set_membership(user, ws.id, role, agent_key="sam" if role is Role.AGENT else None)
                self.emails[role] = address
            db.session.commit()
            db.session.expunge_all()

    def path(self, endpoint: str, **values) -> str:
        with self.live.test_request_context():
            return url_for(endpoint, **values)

    def settings(self) -> list[tuple[str, str, object]]:
        """(label, path, action) for every settings page, in the navigation's order."""
        return [(label, self.path(ep, workspace_id=self.workspace_id), action) for ep, label, action in PAGES]

    def user(self, email_address: str, password: str = PASSWORD, role: Role | None = None, workspace_id=None):
        """A new person (with a membership when `role` is given)."""
        with self.live.app_context():
            user = people.create_user(email_address, password)
            if role is not None:
                people.set_membership(user, workspace_id or self.workspace_id, role)
            db.session.commit()
            db.session.expunge_all()

    def sign_in(self, context, role: Role = Role.OWNER, email_address: str | None = None) -> None:
        """Hand `context` a fresh session cookie for the person (no typing)."""
        with self.live.app_context():
            user = people.find_user(email_address or self.emails[role])
            token = start_session(user, "127.0.0.1", "playwright")
            db.session.expunge_all()
        context.add_cookies([{"name": COOKIE, "value": token, "url": self.live.url, "httpOnly": True}])


@pytest.fixture(scope="module")
def world(live) -> World:
    return World(live)


@pytest.fixture
def new_page(browser):
    """Pages in contexts of their own (several per test where needed), closed after the test."""
    contexts = []

    def make(width: int = 1280, height: int = 800):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="en-US")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        return page

    yield make
    for context in contexts:
        errors = [e for p in context.pages for e in p.errors]
        context.close()
        assert not errors, errors


def screenshot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def slug(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")


def emailed_link(live, to: str, path_prefix: str) -> str:
    """The link to `path_prefix…` in the newest email the served app wrote to `to`'s outbox."""
    outbox = Path(live.config["OUTBOX_DIR"])
    for eml in sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True):
        message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
        if message["To"] != to:
            continue
        body = message.get_body(("plain",)).get_content()
        found = re.search(re.escape(live.url + path_prefix) + r"[^\s]+", body)
        if found:
            return found.group(0)
    raise AssertionError(f"no email to {to} with a {path_prefix} link in {outbox}")


def type_sign_in(page, email_address: str, password: str) -> None:
    page.get_by_label("Email").fill(email_address)
    page.get_by_label("Password").fill(password)
    page.get_by_label("Password").press("Enter")


# --- signing in, out, reset, invitation ---------------------------------------------------------


def test_sign_in_by_typing_then_pressing_enter(live, world, new_page):
    page = new_page()
    page.goto(f"{live.url}/login")
    assert_accessible(page)
    type_sign_in(page, world.emails[Role.ANALYST], PASSWORD)
    page.wait_for_url(f"{live.url}/w/{world.workspace_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Signed-in Support")
    expect(page.get_by_text("Your role here: analyst.")).to_be_visible()
    expect(page.get_by_text(f"Signed in as {world.emails[Role.ANALYST]}")).to_be_visible()
    assert_accessible(page)


def test_a_wrong_password_gets_the_generic_message(live, world, new_page):
    page = new_page()
    page.goto(f"{live.url}/login")
    type_sign_in(page, world.emails[Role.VIEWER], "not the password at all")
    alert = page.get_by_role("alert")
    expect(alert).to_have_text("That email and password do not match an account.")
    # An address with no account gets the very same words.
    type_sign_in(page, unique_email("nobody"), "not the password at all")
    expect(page.get_by_role("alert")).to_have_text("That email and password do not match an account.")
    assert page.url.startswith(f"{live.url}/login")
    assert_accessible(page)  # the form with an error shown


def test_five_failures_lock_the_account_out(live, world, new_page):
    address = unique_email("locked")
    world.user(address, role=Role.VIEWER)
    page = new_page()
    page.goto(f"{live.url}/login")
    for _ in range(5):
        type_sign_in(page, address, "wrong password!")
        expect(page.get_by_role("alert")).to_have_text("That email and password do not match an account.")
    type_sign_in(page, address, PASSWORD)  # even the right password, for a while
    expect(page.get_by_role("alert")).to_contain_text("Too many attempts. Try again in")
    assert page.url.startswith(f"{live.url}/login")
    assert_accessible(page)


def test_password_reset_from_the_emailed_link(live, world, new_page):
    address = unique_email("forgetful")
    world.user(address, role=Role.MANAGER)
    page = new_page()
    page.goto(f"{live.url}/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.wait_for_url(f"{live.url}/reset")
    assert_accessible(page)
    page.get_by_label("Email").fill(address)
    page.get_by_label("Email").press("Enter")
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    link = emailed_link(live, address, "/reset/")
    page.goto(link)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("New password", exact=True).fill("a brand new secret")
    page.get_by_label("Repeat the new password").fill("a brand new secret")
    page.get_by_label("Repeat the new password").press("Enter")
    page.wait_for_url(f"{live.url}/w/{world.workspace_id}")
    expect(page.get_by_text(f"Signed in as {address}")).to_be_visible()

    page.goto(link)  # spent
    expect(page.get_by_role("heading", name="This link no longer works")).to_be_visible()

    other = new_page()
    other.goto(f"{live.url}/login")
    type_sign_in(other, address, "a brand new secret")
    other.wait_for_url(f"{live.url}/w/{world.workspace_id}")


def test_an_invitation_accepted_with_a_new_password(live, world, new_page):
    address = unique_email("newcomer")
    with live.app_context():
        people.invite(world.workspace_id, address, Role.ANALYST)
    page = new_page()
    page.goto(emailed_link(live, address, "/invitations/"))
    expect(page.get_by_role("heading", name="Join Signed-in Support")).to_be_visible()
    expect(page.get_by_text(f"You are invited as analyst, with the address {address}.")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Your name").fill("Nia Newcomer")
    page.get_by_label("New password", exact=True).fill("my own new password")
    page.get_by_label("Repeat the new password").fill("my own new password")
    page.get_by_role("button", name="Accept and sign in").press("Enter")
    page.wait_for_url(f"{live.url}/w/{world.workspace_id}")
    expect(page.get_by_text("Your role here: analyst.")).to_be_visible()
    expect(page.get_by_text(f"Signed in as {address}")).to_be_visible()


def test_sign_out_everywhere_ends_the_other_browser_too(live, world, new_page):
    address = unique_email("twobrowsers")
    world.user(address, role=Role.ADMIN)
    first, second = new_page(), new_page()
    for page in (first, second):
        page.goto(f"{live.url}/login")
        type_sign_in(page, address, PASSWORD)
        page.wait_for_url(f"{live.url}/w/{world.workspace_id}")

    first.get_by_role("button", name="Sign out everywhere").click()
    first.wait_for_url(re.compile(r"/login\?ended=everywhere$"))
    expect(first.get_by_role("status")).to_have_text("You are signed out on every browser.")

    second.goto(f"{live.url}/w/{world.workspace_id}/settings/brand")
    second.wait_for_url(re.compile(r"/login\?next="))
    expect(second.get_by_role("heading", name="Sign in")).to_be_visible()
    first.goto(f"{live.url}/w/{world.workspace_id}")
    first.wait_for_url(re.compile(r"/login\?next="))


# --- roles, tenants, CSRF ------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_each_role_sees_the_settings_pages_its_role_allows(live, world, new_page, role):
    page = new_page()
    world.sign_in(page.context, role)
    for label, path, action in world.settings():
        response = page.goto(live.url + path)
        if action in ALLOWED[role]:
            assert response.status == 200, (role, label, response.status)
            expect(page.get_by_role("heading", level=1)).to_have_text(label)
            expect(page.get_by_role("navigation", name="Settings").get_by_role("link", name=label)).to_have_attribute(
                "aria-current", "page"
            )
        else:
            assert response.status == 403, (role, label, response.status)
            expect(page.get_by_role("heading", level=1)).to_have_text("Not for your role")
    # The navigation offers exactly the pages the role may open.
    allowed = [label for label, _, action in world.settings() if action in ALLOWED[role]]
    if allowed:
        page.goto(live.url + world.settings()[[label for label, _, _ in world.settings()].index(allowed[0])][1])
        nav = page.get_by_role("navigation", name="Settings").get_by_role("link")
        assert nav.all_inner_texts() == allowed


def test_the_forbidden_page_is_accessible(live, world, new_page):
    page = new_page()
    world.sign_in(page.context, Role.VIEWER)
    response = page.goto(live.url + world.settings()[0][1])
    assert response.status == 403
    expect(page.get_by_role("link", name="Back to Signed-in Support")).to_be_visible()
    assert_accessible(page)


def test_another_tenants_workspace_is_not_found(live, world, new_page):
    page = new_page()
    world.sign_in(page.context, Role.OWNER)
    for path in (f"/w/{world.other_workspace_id}", f"/w/{world.other_workspace_id}/settings/brand"):
        response = page.goto(live.url + path)
        assert response.status == 404, path
        expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    assert "Someone Else Ltd" not in page.content()


@pytest.mark.parametrize("where", ["sign-in", "settings"])
def test_a_form_posted_without_its_csrf_token_is_refused(live, world, new_page, where):
    assert live.config["WTF_CSRF_ENABLED"] is True
    page = new_page()
    if where == "sign-in":
        page.goto(f"{live.url}/login")
        page.get_by_label("Email").fill(world.emails[Role.OWNER])
        page.get_by_label("Password").fill(PASSWORD)
        button = page.get_by_role("button", name="Sign in")
    else:
        world.sign_in(page.context, Role.OWNER)
        page.goto(live.url + world.path("web.settings_brand_page", workspace_id=world.workspace_id))
        button = page.get_by_role("main").get_by_role("button").first
    removed = page.evaluate(
        "() => { const inputs = document.querySelectorAll('main form input[name=csrf_token]');"
        " inputs.forEach(i => i.remove()); return inputs.length; }"
    )
    assert removed >= 1
    with page.expect_navigation() as navigation:
        button.click()
    assert navigation.value.status == 400
    expect(page.get_by_role("heading", name="This page has expired")).to_be_visible()
    if where == "sign-in":
        page.goto(f"{live.url}/")
        assert page.url.startswith(f"{live.url}/login")  # nobody was signed in


# --- keyboard -------------------------------------------------------------------------------------


def tab_to(page, predicate: str, key: str = "Tab", limit: int = 40) -> None:
    """Press `key` until the focused element satisfies the JS `predicate` (given `el`)."""
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate(f"() => {{ const el = document.activeElement; return !!(el && ({predicate})); }}"):
            return
    raise AssertionError(f"{key} never reached an element where {predicate}")


def focused(page, script: str):
    return page.evaluate(f"() => {{ const el = document.activeElement; return {script}; }}")


def test_connect_and_test_a_generic_integration_by_keyboard_alone(live, world, new_page):
    page = new_page()
    world.sign_in(page.context, Role.ADMIN)
    page.goto(live.url + world.path("web.settings_integrations", workspace_id=world.workspace_id))

    # The skip link comes first, and is visible once focused.
    page.keyboard.press("Tab")
    assert focused(page, "el.textContent.trim()") == "Skip to content"
    assert page.get_by_role("link", name="Skip to content").is_visible()

    tab_to(page, "el.id === 'f-provider'")
    ring = focused(
        page, "[el.matches(':focus-visible'), getComputedStyle(el).outlineStyle, getComputedStyle(el).outlineWidth]"
    )
    assert ring == [True, "solid", "3px"], ring
    page.keyboard.type("Generic")  # a focused select picks the option typed
    assert focused(page, "el.options[el.selectedIndex].text") == "Generic webhook"
    page.keyboard.press("Tab")
    assert focused(page, "el.id") == "f-survey_id"
    tab_to(page, "el.textContent.trim() === 'Connect'")
    page.keyboard.press("Shift+Tab")
    assert focused(page, "el.id") == "f-secret"
    page.keyboard.press("Tab")
    assert focused(page, "el.textContent.trim()") == "Connect"
    ring = focused(
        page, "[el.matches(':focus-visible'), getComputedStyle(el).outlineStyle, getComputedStyle(el).outlineWidth]"
    )
    assert ring == [True, "solid", "3px"], ring
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/settings/integrations/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Generic webhook #")
    assert_accessible(page)
    tab_to(page, "el.textContent.trim() === 'Send a test webhook'")
    ring = focused(page, "[el.matches(':focus-visible'), getComputedStyle(el).outlineStyle]")
    assert ring == [True, "solid"], ring
    page.keyboard.press("Space")
    expect(page.get_by_role("status").filter(has_text="accepted")).to_contain_text(
        "202 accepted: the signature and the body are right"
    )
    expect(page.get_by_role("table")).to_contain_text("202")
    assert_accessible(page)


# --- axe and screenshots ------------------------------------------------------------------------


def test_the_workspace_and_every_settings_page_accessible_and_screenshotted(live, world, new_page):
    page = new_page()
    world.sign_in(page.context, Role.OWNER)
    tour = [("workspace", f"/w/{world.workspace_id}")]
    tour += [(slug(label), path) for label, path, _ in world.settings()]
    tour.append(
        (
            "integration",
            world.path(
                "web.settings_integration", workspace_id=world.workspace_id, integration_id=world.integration_id
            ),
        )
    )
    for name, path in tour:
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            response = page.goto(live.url + path)
            assert response.status == 200, path
            if width == WIDTHS[0] or page.locator(".wide").count():  # a scrolling table: axe at both widths
                assert_accessible(page)
            if width < 400:
                # Nothing scrolls sideways on a phone but a wide table, in its own box.
                wider = page.evaluate(
                    "w => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > w"
                    " && !e.closest('.wide')).map(e => e.tagName + '.' + e.className).slice(0, 5)",
                    width,
                )
                assert page.evaluate("document.documentElement.scrollWidth") <= width, (path, width, wider)
            screenshot(page, f"{name}-{width}")


def test_first_start_sign_in_screenshots(live, tmp_path, new_page):
    """What a newcomer sees: `flask demo` seeds the demo owner; /login, then their workspace."""
    from app.cli.demo import DEMO_OWNER, demo

    instance_path = live.instance_path
    live.instance_path = str(tmp_path)  # the demo key and password go here, not into instance/
    try:
        with live.app_context():
            result = live.test_cli_runner().invoke(demo)
    finally:
        live.instance_path = instance_path
    assert result.exit_code == 0, result.output
    password = re.search(rf"as {re.escape(DEMO_OWNER)}, password: (\S+)", result.output).group(1)

    for width in WIDTHS:
        page = new_page(width)
        page.goto(f"{live.url}/")
        page.wait_for_url(f"{live.url}/login")
        screenshot(page, f"login-{width}")
        if width == WIDTHS[0]:
            type_sign_in(page, DEMO_OWNER, "")
            expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")
            screenshot(page, f"login-error-{width}")
            assert_accessible(page)
        type_sign_in(page, DEMO_OWNER, password)
        page.wait_for_url(re.compile(r"/w/\d+$"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Demo workspace")
        expect(page.locator("table.surveys-table")).to_contain_text("Support CSAT")
        expect(page.locator(".tile")).to_have_count(3)  # the demo's generated answers: a living dashboard
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(page, f"demo-workspace-{width}")
