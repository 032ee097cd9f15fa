"""The second factor in the browser: setting it up, signing in with it, turning it off, a
workspace requiring it, and changing the password from the account page."""

from __future__ import annotations

import re
import time

import pyotp
import pytest

from app.extensions import db
from app.models.account import Role
from app.platform.crypto import decrypt_totp_secret
from app.services.accounts import people
from app.services.accounts.sign_in import CODE_REFUSED
from app.services.workspaces import create_workspace
from app.web.account import PENDING
from app.web.blueprint import COOKIE
from tests.web.test_accounts import _last_link

PASSWORD = "correct horse battery"


@pytest.fixture
def owner(workspace):
    user = people.create_user("lead@example.com", PASSWORD, "Lea")
    people.set_membership(user, workspace.id, Role.OWNER)
    db.session.commit()
    return user


def _sign_in(client, email="lead@example.com", password=PASSWORD):
    return client.post("/login", data={"email": email, "password": password})


def _code(secret: str, steps_ahead: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def _wrong(secret: str) -> str:
    used = {_code(secret, offset) for offset in (-1, 0, 1, 2)}
    return next(code for code in ("000000", "111111", "222222", "333333", "444444") if code not in used)


def _set_up(client) -> str:
    """Turn the signed-in person's second factor on through the pages; returns the secret."""
    page = client.get("/account/second-factor").get_data(as_text=True)
    secret = re.search(r'id="totp-secret" type="text" readonly value="([A-Z2-7 ]+)"', page).group(1).replace(" ", "")
    assert client.post("/account/second-factor", data={"code": _code(secret)}).status_code == 303
    return secret


def test_setup_shows_a_new_secret_and_saves_it_only_with_a_valid_code(client, owner):
    _sign_in(client)
    account = client.get("/account")
    text = account.get_data(as_text=True)
    assert account.status_code == 200 and "lead@example.com" in text and "Lea" in text and "/account" in text
    page = client.get("/account/second-factor").get_data(as_text=True)
    secret = re.search(r'id="totp-secret" type="text" readonly value="([A-Z2-7 ]+)"', page).group(1).replace(" ", "")
    uri = re.search(r'id="totp-uri" type="text" readonly value="([^"]+)"', page).group(1)
    assert uri.startswith("otpauth://totp/Afterword:lead%40example.com?secret=" + secret)
    assert "<script>" not in page and "style=" not in page
    # A reload keeps the same secret (the app may already have it).
    assert secret in client.get("/account/second-factor").get_data(as_text=True).replace(" ", "")
    refused = client.post("/account/second-factor", data={"code": _wrong(secret)})
    assert refused.status_code == 422 and "That code does not work" in refused.get_data(as_text=True)
    db.session.refresh(owner)
    assert owner.totp_secret is None
    done = client.post("/account/second-factor", data={"code": _code(secret)})
    assert done.status_code == 303 and done.headers["Location"] == "/account?done=on"
    db.session.refresh(owner)
    assert secret not in owner.totp_secret and decrypt_totp_secret(owner.totp_secret) == secret
    assert "Your second factor is on" in client.get("/account?done=on").get_data(as_text=True)
    assert client.get("/account/second-factor").status_code == 302  # already on


def test_sign_in_asks_for_the_code_before_any_session(app, client, owner, workspace):
    _sign_in(client)
    secret = _set_up(client)
    browser = app.test_client()
    first = _sign_in(browser)
    assert first.status_code == 303 and first.headers["Location"] == "/login/code"
    assert COOKIE not in first.headers.get("Set-Cookie", "")
    assert browser.get(f"/w/{workspace.id}").status_code == 302  # not signed in yet
    form = browser.get("/login/code")
    assert form.status_code == 200 and 'autocomplete="one-time-code"' in form.get_data(as_text=True)
    done = browser.post("/login/code", data={"code": _code(secret, 1)})
    assert done.status_code == 303 and COOKIE in done.headers["Set-Cookie"]
    assert browser.get(f"/w/{workspace.id}").status_code == 200
    assert browser.get("/login/code").status_code == 302  # the pending sign-in is spent


def test_a_wrong_code_is_refused_in_the_same_words_and_counts_toward_the_lockout(app, client, owner):
    _sign_in(client)
    secret = _set_up(client)
    browser = app.test_client()
    _sign_in(browser)
    for _ in range(5):
        refused = browser.post("/login/code", data={"code": _wrong(secret)})
        assert refused.status_code == 401 and CODE_REFUSED in refused.get_data(as_text=True)
        assert COOKIE not in refused.headers.get("Set-Cookie", "")
    locked = browser.post("/login/code", data={"code": _code(secret, 1)})
    assert locked.status_code == 429 and "Too many attempts" in locked.get_data(as_text=True)
    assert _sign_in(app.test_client()).status_code == 429  # the same count as passwords


def test_a_code_is_never_accepted_twice(app, client, owner):
    _sign_in(client)
    secret = _set_up(client)
    code = _code(secret, 1)
    first, second = app.test_client(), app.test_client()
    _sign_in(first), _sign_in(second)
    assert first.post("/login/code", data={"code": code}).status_code == 303
    replay = second.post("/login/code", data={"code": code})
    assert replay.status_code == 401 and CODE_REFUSED in replay.get_data(as_text=True)
    # The code used to turn it on is spent too.
    third = app.test_client()
    _sign_in(third)
    assert third.post("/login/code", data={"code": _code(secret)}).status_code == 401


def test_a_pending_sign_in_lasts_five_minutes(app, client, owner):
    _sign_in(client)
    secret = _set_up(client)
    browser = app.test_client()
    _sign_in(browser)
    with browser.session_transaction() as session:
        session[PENDING] = {**session[PENDING], "at": int(time.time()) - 301}
    late = browser.post("/login/code", data={"code": _code(secret, 1)})
    assert late.status_code == 303 and late.headers["Location"] == "/login?expired=code"
    assert COOKIE not in late.headers.get("Set-Cookie", "")
    assert "more than 5 minutes" in browser.get(late.headers["Location"]).get_data(as_text=True)


def test_a_reset_link_still_asks_for_the_code(app, client, owner):
    _sign_in(client)
    secret = _set_up(client)
    browser = app.test_client()
    browser.post("/reset", data={"email": "lead@example.com"})
    done = browser.post(
        _last_link("/reset"), data={"password": "a new long password", "confirm": "a new long password"}
    )
    assert done.status_code == 303 and done.headers["Location"] == "/login/code"
    assert COOKIE not in done.headers.get("Set-Cookie", "")
    assert browser.post("/login/code", data={"code": _code(secret, 1)}).status_code == 303


def test_turning_it_off_needs_a_current_code(client, owner):
    _sign_in(client)
    secret = _set_up(client)
    refused = client.post("/account/second-factor/off", data={"code": _wrong(secret)})
    assert refused.status_code == 422 and "That code does not work" in refused.get_data(as_text=True)
    db.session.refresh(owner)
    assert owner.totp_secret is not None
    assert client.post("/account/second-factor/off", data={"code": ""}).status_code == 422
    off = client.post("/account/second-factor/off", data={"code": _code(secret, 1)})
    assert off.status_code == 303 and off.headers["Location"] == "/account?done=off"
    db.session.refresh(owner)
    assert owner.totp_secret is None and owner.totp_last_step is None
    assert _sign_in(client).headers["Location"] == "/"  # no second step any more


def test_a_workspace_requiring_a_second_factor_sends_its_admins_to_set_one_up(app, client, owner, workspace):
    admin = people.create_user("admin@example.com", PASSWORD)
    people.set_membership(admin, workspace.id, Role.ADMIN)
    analyst = people.create_user("analyst@example.com", PASSWORD)
    people.set_membership(analyst, workspace.id, Role.ANALYST)
    db.session.commit()
    _sign_in(client)
    security = f"/w/{workspace.id}/settings/security"
    # The owner needs one first, or they would lock themselves out of this switch.
    first = client.post(security, data={"require_second_factor": "on"})
    assert first.status_code == 409 and "Turn on your own second factor first" in first.get_data(as_text=True)
    _set_up(client)
    page = client.get(security).get_data(as_text=True)
    assert "admin@example.com (admin)" in page and "lead@example.com" not in page.split("without a second factor")[1]
    assert client.post(security, data={"require_second_factor": "on"}).status_code == 200
    db.session.refresh(workspace.row)
    assert workspace.row.require_second_factor
    assert client.get(f"/w/{workspace.id}/settings/people").status_code == 200  # the owner has one

    admin_client = app.test_client()
    _sign_in(admin_client, "admin@example.com")
    for path in (f"/w/{workspace.id}", f"/w/{workspace.id}/settings/people", f"/w/{workspace.id}/settings/keys"):
        sent = admin_client.get(path)
        assert sent.status_code == 302 and sent.headers["Location"] == "/account", path
    account = admin_client.get("/account").get_data(as_text=True)
    assert "Acme requires owners and admins to use a second factor" in account
    refused = admin_client.post(f"/w/{workspace.id}/settings/keys", data={"name": "x", "scope": "read"})
    assert refused.status_code == 302
    # Other roles are not asked.
    analyst_client = app.test_client()
    _sign_in(analyst_client, "analyst@example.com")
    assert analyst_client.get(f"/w/{workspace.id}").status_code == 200
    # Once set up, the admin is back.
    _set_up(admin_client)
    assert admin_client.get(f"/w/{workspace.id}/settings/people").status_code == 200
    assert "requires owners and admins" not in admin_client.get("/account").get_data(as_text=True)
    # Only owners see and change the rule.
    assert admin_client.get(security).status_code == 403
    assert admin_client.post(security, data={}).status_code == 403
    assert client.post(security, data={}).status_code == 200
    db.session.refresh(workspace.row)
    assert not workspace.row.require_second_factor


def test_changing_the_password_ends_every_other_session_and_keeps_this_one(app, client, owner, workspace):
    other = app.test_client()
    _sign_in(client), _sign_in(other)
    wrong = client.post(
        "/account/password",
        data={"current": "not my password", "password": "a new long password", "confirm": "a new long password"},
    )
    assert wrong.status_code == 401 and "not your current password" in wrong.get_data(as_text=True)
    short = client.post("/account/password", data={"current": PASSWORD, "password": "short", "confirm": "short"})
    assert short.status_code == 422
    done = client.post(
        "/account/password",
        data={"current": PASSWORD, "password": "a new long password", "confirm": "a new long password"},
    )
    assert done.status_code == 303 and COOKIE in done.headers["Set-Cookie"]
    assert done.headers["Location"] == "/account?done=password"
    assert client.get(f"/w/{workspace.id}").status_code == 200
    assert other.get(f"/w/{workspace.id}").status_code == 302
    assert _sign_in(app.test_client(), password="a new long password").status_code == 303
    assert _sign_in(app.test_client()).status_code == 401


def test_the_new_forms_refuse_a_post_without_its_csrf_token(tmp_path, make):
    from app import create_app
    from tests.conftest import unit_config

    app = create_app({**unit_config(tmp_path), "WTF_CSRF_ENABLED": True})
    with app.app_context():
        db.create_all()
        workspace, _ = create_workspace("Acme")
        user = people.create_user("lead@example.com", PASSWORD)
        people.set_membership(user, workspace.id, Role.OWNER)
        db.session.commit()
        client = app.test_client()
        login = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login).group(1)
        assert (
            client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}).status_code
            == 303
        )
        posts = {
            "/account/password": {
                "current": PASSWORD,
                "password": "a new long password",
                "confirm": "a new long password",
            },
            "/account/second-factor": {"code": "123456"},
            "/account/second-factor/off": {"code": "123456"},
            f"/w/{workspace.id}/settings/security": {"require_second_factor": "on"},
            "/login/code": {"code": "123456"},
        }
        client.get("/account/second-factor")
        for path, data in posts.items():
            assert client.post(path, data=data).status_code == 400, path
        # With its token, the page's own form goes through.
        page = client.get("/account/second-factor").get_data(as_text=True)
        secret = (
            re.search(r'id="totp-secret" type="text" readonly value="([A-Z2-7 ]+)"', page).group(1).replace(" ", "")
        )
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        done = client.post("/account/second-factor", data={"code": _code(secret), "csrf_token": token})
        assert done.status_code == 303
        db.session.remove()
        db.engine.dispose()
