"""The second factor's rules: codes a step either side of now, never twice, the secret encrypted
with its own key, and a workspace's requirement refusing owners and admins the managing actions."""

from __future__ import annotations

import time

import pyotp
import pytest

from app.errors import APIError
from app.extensions import db
from app.models import Membership
from app.models.account import Role
from app.platform.crypto import decrypt_json, decrypt_totp_secret
from app.services.accounts import people, second_factor, team
from app.services.accounts.permissions import MANAGING, Action, can, lacks_required_second_factor, require
from app.services.accounts.sign_in import CODE_REFUSED, SignInRefused, second_step, sign_in

PASSWORD = "correct horse battery"
NOW = 1_900_000_000.0  # a fixed instant, in the middle of a 30-second step


def _member(workspace, role: Role, email: str) -> Membership:
    user = people.find_user(email) or people.create_user(email, PASSWORD)
    membership = people.set_membership(user, workspace.id, role)
    db.session.commit()
    return membership


def _code(secret: str, at: float) -> str:
    return pyotp.TOTP(secret).at(at)


def _wrong(secret: str, at: float) -> str:
    """A well-formed code that is not any step's within the window around `at`."""
    used = {_code(secret, at + 30 * offset) for offset in (-1, 0, 1)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in used)


def _with_second_factor(user, at: float = NOW) -> str:
    secret = second_factor.new_secret()
    second_factor.turn_on(user, secret, _code(secret, at), now=at)
    return secret


def test_a_code_counts_one_step_either_side_of_now_and_no_further():
    secret = pyotp.random_base32()
    step = int(NOW // 30)
    for offset in (-1, 0, 1):
        assert second_factor.matching_step(secret, _code(secret, NOW + 30 * offset), NOW) == step + offset
    for offset in (-2, 2):
        assert second_factor.matching_step(secret, _code(secret, NOW + 30 * offset), NOW) is None
    spaced = _code(secret, NOW)
    assert second_factor.matching_step(secret, f"{spaced[:3]} {spaced[3:]}", NOW) == step
    for junk in ("", None, "12345", "1234567", "abcdef", "١٢٣٤٥٦"):
        assert second_factor.matching_step(secret, junk, NOW) is None


def test_setup_needs_a_code_from_the_new_secret_and_stores_it_encrypted(workspace):
    user = people.create_user("lead@example.com", PASSWORD)
    secret = second_factor.new_secret()
    with pytest.raises(APIError) as wrong:
        second_factor.turn_on(user, secret, _wrong(secret, NOW), now=NOW)
    assert wrong.value.status == 422 and user.totp_secret is None
    second_factor.turn_on(user, secret, _code(secret, NOW), now=NOW)
    assert secret not in user.totp_secret and decrypt_totp_secret(user.totp_secret) == secret
    assert decrypt_json(user.totp_secret) is None  # its own key: the credentials' key cannot read it
    assert user.totp_last_step == int(NOW // 30)
    with pytest.raises(APIError) as again:
        second_factor.turn_on(user, secret, _code(secret, NOW + 30), now=NOW + 30)
    assert again.value.status == 409


def test_a_code_is_accepted_once_and_no_earlier_step_after_it(workspace):
    user = people.create_user("lead@example.com", PASSWORD)
    secret = _with_second_factor(user)
    assert not second_factor.accept_code(user, _code(secret, NOW), now=NOW)  # the setup's code is spent
    later = NOW + 30
    assert second_factor.accept_code(user, _code(secret, later), now=later)
    assert not second_factor.accept_code(user, _code(secret, later), now=later)  # replay
    assert not second_factor.accept_code(user, _code(secret, NOW), now=later)  # an earlier step, still in window
    assert second_factor.accept_code(user, _code(secret, later + 30), now=later)  # the next step, once


def test_turning_off_needs_a_current_code_and_wrong_ones_count(app, workspace):
    user = people.create_user("lead@example.com", PASSWORD)
    secret = _with_second_factor(user)
    wrong = _wrong(secret, NOW + 30)
    with pytest.raises(APIError):
        second_factor.turn_off(user, wrong, "10.0.0.1", now=NOW + 30)
    assert second_factor.enabled(user)
    second_factor.turn_off(user, _code(secret, NOW + 30), "10.0.0.1", now=NOW + 30)
    assert user.totp_secret is None and user.totp_last_step is None


def test_the_second_step_shares_the_password_lockout(app, workspace):
    user = people.create_user("lead@example.com", PASSWORD)
    secret = _with_second_factor(user, at=time.time())
    assert sign_in("lead@example.com", PASSWORD, "10.0.0.1") == user
    for _ in range(5):
        with pytest.raises(SignInRefused) as refused:
            second_step(user.id, _wrong(secret, time.time()), "10.0.0.1")
        assert refused.value.message == CODE_REFUSED and refused.value.retry_after is None
    with pytest.raises(SignInRefused) as locked:
        second_step(user.id, _code(secret, time.time() + 30), "10.0.0.1")
    assert locked.value.retry_after
    with pytest.raises(SignInRefused) as also_locked:  # and the password step too: one count
        sign_in("lead@example.com", PASSWORD, "10.0.0.2")
    assert also_locked.value.retry_after


def test_a_required_second_factor_withholds_the_managing_actions(workspace):
    ws = workspace.row
    owner = _member(workspace, Role.OWNER, "owner@example.com")
    admin = _member(workspace, Role.ADMIN, "admin@example.com")
    manager = _member(workspace, Role.MANAGER, "manager@example.com")
    with pytest.raises(APIError) as first:  # the owner must have one before requiring it
        second_factor.set_requirement(owner, ws, True)
    assert first.value.status == 409 and not ws.require_second_factor
    _with_second_factor(people.find_user("owner@example.com"))
    with pytest.raises(APIError):
        second_factor.set_requirement(admin, ws, True)  # owners only
    second_factor.set_requirement(owner, ws, True)
    assert ws.require_second_factor
    assert not lacks_required_second_factor(owner) and lacks_required_second_factor(admin)
    assert not lacks_required_second_factor(manager)  # managers and below are not asked
    assert [u.email for _, u in second_factor.without_second_factor(ws)] == ["admin@example.com"]
    for action in MANAGING - {Action.MANAGE_OWNERS}:
        assert can(owner, action) and not can(admin, action)
    assert can(admin, Action.READ_VERBATIMS) and can(admin, Action.WORK_FOLLOW_UPS)
    with pytest.raises(APIError) as refused:
        team.members(admin)
    assert refused.value.status == 403 and refused.value.code == "second_factor_required"
    with pytest.raises(APIError) as role:
        require(manager, Action.MANAGE_PEOPLE)
    assert role.value.code == "forbidden"
    _with_second_factor(people.find_user("admin@example.com"))
    assert can(admin, Action.MANAGE_PEOPLE) and team.members(admin)
