"""People sign in: passwords, sessions, lockout, resets, invitations, sign out everywhere, roles."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import AccountToken, UserSession
from app.models.account import Role
from app.models.types import utcnow
from app.services.accounts import people
from app.services.accounts.permissions import ALLOWED, Action, can
from app.web.blueprint import COOKIE
from tests.support.api import outbox

PASSWORD = "correct horse battery"


@pytest.fixture
def owner(make, workspace):
    user = people.create_user("Lead@Example.com", PASSWORD, "Lea")
    people.set_membership(user, workspace.id, Role.OWNER)
    db.session.commit()
    return user


def _sign_in(client, email="lead@example.com", password=PASSWORD, **kwargs):
    return client.post("/login", data={"email": email, "password": password}, **kwargs)


def _last_link(path: str) -> str:
    message = email.message_from_bytes(outbox()[-1].read_bytes(), policy=email.policy.default)
    return re.search(rf"http://afterword\.test({path}/[\w-]+)", message.get_content()).group(1)


def test_the_front_door_leads_to_sign_in_never_a_404(client):
    for path in ("/", "/w/1"):
        resp = client.get(path)
        assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    page = client.get("/login")
    assert page.status_code == 200 and 'autocomplete="current-password"' in page.get_data(as_text=True)


def test_sign_in_lands_on_the_workspace_with_a_safe_cookie(client, owner, workspace):
    resp = _sign_in(client)
    assert resp.status_code == 303
    cookie = resp.headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # PUBLIC_URL is http in tests; https turns it on
    home = client.get(resp.headers["Location"], follow_redirects=True)
    text = home.get_data(as_text=True)
    assert home.status_code == 200 and "Acme" in text and "owner" in text and "Signed in as lead@example.com" in text
    # Only a hash of the token is stored.
    token = cookie.split(";")[0].split("=", 1)[1]
    assert token not in {s.token_hash for s in db.session.scalars(select(UserSession))}


def test_next_only_ever_leads_back_to_this_site(client, owner, workspace):
    assert _sign_in(client, query_string={"next": f"/w/{workspace.id}"}).headers["Location"] == f"/w/{workspace.id}"
    for hostile in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        client.post("/logout")
        assert _sign_in(client, query_string={"next": hostile}).headers["Location"] == "/"


@pytest.mark.parametrize("email, password", [("lead@example.com", "wrong password!"), ("nobody@example.com", PASSWORD)])
def test_a_wrong_password_and_an_unknown_address_get_the_same_answer(client, owner, email, password):
    resp = _sign_in(client, email, password)
    assert resp.status_code == 401
    assert "That email and password do not match an account." in resp.get_data(as_text=True)
    assert COOKIE not in resp.headers.get("Set-Cookie", "")


def test_five_failures_lock_the_account_even_for_the_right_password(client, owner):
    for _ in range(5):
        assert _sign_in(client, password="wrong password!").status_code == 401
    locked = _sign_in(client)
    assert locked.status_code == 429 and "Too many attempts" in locked.get_data(as_text=True)
    # An address with no account locks the same way: the lockout reveals nothing.
    for _ in range(5):
        _sign_in(client, "ghost@example.com", "wrong password!")
    assert _sign_in(client, "ghost@example.com", "wrong password!").status_code == 429


def test_a_session_ends_when_idle_and_at_its_lifetime(client, owner, workspace, app):
    _sign_in(client)
    session = db.session.scalar(select(UserSession))
    assert client.get(f"/w/{workspace.id}").status_code == 200
    session.last_seen_at = utcnow() - timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1)
    db.session.commit()
    assert client.get(f"/w/{workspace.id}").status_code == 302
    _sign_in(client)
    newest = db.session.scalars(select(UserSession).order_by(UserSession.id.desc())).first()
    newest.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get(f"/w/{workspace.id}").status_code == 302


def test_sign_out_and_sign_out_everywhere(app, owner, workspace):
    laptop, phone = app.test_client(), app.test_client()
    _sign_in(laptop), _sign_in(phone)
    assert laptop.post("/logout").status_code == 303
    assert laptop.get(f"/w/{workspace.id}").status_code == 302
    assert phone.get(f"/w/{workspace.id}").status_code == 200
    _sign_in(laptop)
    ended = phone.post("/logout/everywhere")
    assert ended.status_code == 303 and "ended=everywhere" in ended.headers["Location"]
    assert laptop.get(f"/w/{workspace.id}").status_code == 302
    assert phone.get(f"/w/{workspace.id}").status_code == 302


def test_a_reset_link_works_once_for_an_hour_and_ends_every_session(app, client, owner, workspace):
    other = app.test_client()
    _sign_in(other)
    asked = client.post("/reset", data={"email": "LEAD@example.com"})
    assert asked.status_code == 200 and "If an account uses that address" in asked.get_data(as_text=True)
    link = _last_link("/reset")
    assert client.post(link, data={"password": "short", "confirm": "short"}).status_code == 422
    done = client.post(link, data={"password": "a new long password", "confirm": "a new long password"})
    assert done.status_code == 303 and COOKIE in done.headers["Set-Cookie"]
    assert other.get(f"/w/{workspace.id}").status_code == 302  # the old session ended
    assert client.get(link).status_code == 410  # single use
    assert _sign_in(app.test_client(), password="a new long password").status_code == 303
    # An expired link is refused.
    client.post("/reset", data={"email": "lead@example.com"})
    late = _last_link("/reset")
    for row in db.session.scalars(select(AccountToken).where(AccountToken.used_at.is_(None))):
        row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get(late).status_code == 410


def test_a_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client):
    before = len(outbox())
    asked = client.post("/reset", data={"email": "nobody@example.com"})
    assert asked.status_code == 200 and "If an account uses that address" in asked.get_data(as_text=True)
    assert len(outbox()) == before


def test_an_invitation_makes_an_account_with_its_role(app, client, owner, workspace):
    people.invite(workspace.id, "New@Example.com", Role.ANALYST, owner)
    link = _last_link("/invitations")
    page = client.get(link)
    assert page.status_code == 200 and "analyst" in page.get_data(as_text=True)
    joined = client.post(
        link, data={"name": "Nia", "password": "a long new password", "confirm": "a long new password"}
    )
    assert joined.status_code == 303
    user = people.find_user("new@example.com")
    assert people.membership_of(user.id, workspace.id).role == Role.ANALYST
    assert client.get(link).status_code == 410


def test_an_invitation_to_an_existing_account_adds_the_workspace(app, client, owner, make):
    second = make.workspace("Beta")
    people.invite(second.id, "lead@example.com", Role.VIEWER)
    assert client.post(_last_link("/invitations")).status_code == 303
    assert people.membership_of(owner.id, second.id).role == Role.VIEWER
    choose = client.get("/")
    assert (
        choose.status_code == 200
        and "Acme" in choose.get_data(as_text=True)
        and "Beta" in choose.get_data(as_text=True)
    )


def test_another_workspace_is_a_404(client, owner, make):
    _sign_in(client)
    stranger = make.workspace("Stranger")
    assert client.get(f"/w/{stranger.id}").status_code == 404


def test_forms_refuse_a_post_without_its_csrf_token(tmp_path, make):
    from app import create_app
    from tests.conftest import unit_config

    app = create_app({**unit_config(tmp_path), "WTF_CSRF_ENABLED": True})
    with app.app_context():
        db.create_all()
        user = people.create_user("lead@example.com", PASSWORD)
        db.session.commit()
        client = app.test_client()
        assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 400
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        signed = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
        assert signed.status_code == 303
        db.session.remove()
        db.engine.dispose()


def test_the_role_matrix():
    assert ALLOWED[Role.OWNER] == frozenset(Action)
    assert Action.MANAGE_OWNERS not in ALLOWED[Role.ADMIN] and Action.MANAGE_PEOPLE in ALLOWED[Role.ADMIN]
    assert ALLOWED[Role.VIEWER] == {Action.READ_REPORTS}
    assert Action.MANAGE_SETTINGS not in ALLOWED[Role.ANALYST] and Action.READ_VERBATIMS in ALLOWED[Role.ANALYST]
    assert Action.WORK_FOLLOW_UPS in ALLOWED[Role.MANAGER] and Action.WORK_FOLLOW_UPS not in ALLOWED[Role.ANALYST]
    assert not can(None, Action.READ_REPORTS)


def test_the_cli_manages_people(app, workspace):
    runner = app.test_cli_runner()
    made = runner.invoke(
        args=[
            "users",
            "create",
            "Ops@Example.com",
            "--workspace",
            str(workspace.id),
            "--role",
            "admin",
            "--password-stdin",
        ],
        input="a long operator password\n",
    )
    assert made.exit_code == 0, made.output
    assert "ops@example.com is admin of Acme" in made.output
    invited = runner.invoke(
        args=["users", "create", "agent@example.com", "--workspace", str(workspace.id), "--role", "agent"]
    )
    assert invited.exit_code == 0 and "Invitation to Acme emailed" in invited.output
    weak = runner.invoke(
        args=[
            "users",
            "create",
            "x@example.com",
            "--workspace",
            str(workspace.id),
            "--role",
            "viewer",
            "--password-stdin",
        ],
        input="short\n",
    )
    assert weak.exit_code != 0 and "at least 10 characters" in weak.output
    moved = runner.invoke(
        args=["users", "set-role", "ops@example.com", "--workspace", str(workspace.id), "--role", "viewer"]
    )
    assert moved.exit_code == 0 and "now viewer" in moved.output
    listed = runner.invoke(args=["users", "list"])
    assert f"ops@example.com\t{workspace.id}\tAcme\tviewer" in listed.output
    reset = runner.invoke(args=["users", "reset-password", "ops@example.com"])
    assert reset.exit_code == 0 and "Reset link emailed" in reset.output
    stdin_reset = runner.invoke(
        args=["users", "reset-password", "ops@example.com", "--password-stdin"], input="another long password\n"
    )
    assert stdin_reset.exit_code == 0 and "every session ended" in stdin_reset.output
    assert runner.invoke(args=["users", "reset-password", "nobody@example.com"]).exit_code != 0


def test_the_demo_creates_an_owner_to_sign_in_as(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    password = re.search(r"as demo@afterword\.localhost, password: (\S+)", first.output).group(1)
    again = runner.invoke(args=["demo"])
    assert f"password: {password}" in again.output  # the same owner, the same password, on later starts
    client = app.test_client()
    signed = client.post("/login", data={"email": "demo@afterword.localhost", "password": password})
    assert signed.status_code == 303
    assert "Demo workspace" in client.get("/", follow_redirects=True).get_data(as_text=True)
    assert current_app.config["PUBLIC_URL"] in first.output
