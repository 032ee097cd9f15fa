"""A second factor: TOTP codes (RFC 6238: 6 digits, 30-second steps, pyotp) from an authenticator
app, and a workspace's rule that its owners and admins must use one.

The secret is stored encrypted (platform/crypto.py, its own key); a code is accepted for the step
before, the current one and the one after (clocks drift), and never twice: the step of the last
code accepted is kept, and a code of that step or an earlier one is refused (a replay).
"""

from __future__ import annotations

import hmac
import time

import pyotp
from sqlalchemy import or_, select, update

from app.errors import APIError
from app.extensions import db
from app.models import Membership, User, Workspace
from app.models.account import Role
from app.models.audit import AuditAction
from app.platform.crypto import decrypt_totp_secret, encrypt_totp_secret
from app.services import audit
from app.services.accounts import lockout
from app.services.accounts.permissions import Action, require

ISSUER = "Afterword"
DIGITS = 6
STEP_SECONDS = 30
WINDOW = 1  # steps either side of now
WRONG_CODE = "That code does not work. Enter the newest code your authenticator app shows."


def new_secret() -> str:
    """160 random bits in base32 (RFC 4226's recommended length), what the app is given."""
    return pyotp.random_base32()


def setup_uri(user: User, secret: str) -> str:
    """The otpauth:// URI an authenticator app reads (from a QR code or pasted)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=user.email, issuer_name=ISSUER
    )


def _normal(code: str | None) -> str | None:
    code = (code or "").replace(" ", "").replace("-", "")
    return code if len(code) == DIGITS and code.isascii() and code.isdigit() else None


def matching_step(secret: str, code: str | None, now: float | None = None) -> int | None:
    """The time step (now, or one either side) whose code this is; None if none."""
    code = _normal(code)
    if code is None:
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    current = int((time.time() if now is None else now) // STEP_SECONDS)
    found = None
    for step in range(current - WINDOW, current + WINDOW + 1):
        # Every step is compared (no early exit) in constant time: timing tells nothing.
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step
    return found


def enabled(user: User) -> bool:
    return bool(user.totp_secret)


def accept_code(user: User, code: str | None, now: float | None = None) -> bool:
    """Whether the code is right and unused: the step is recorded in one conditional UPDATE, so
    two requests racing with the same code cannot both pass."""
    secret = decrypt_totp_secret(user.totp_secret)
    step = matching_step(secret, code, now) if secret else None
    if step is None:
        return False
    claimed = db.session.execute(
        update(User)
        .where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    db.session.refresh(user)
    return claimed == 1


def turn_on(user: User, secret: str, code: str | None, now: float | None = None) -> None:
    """Save the secret once a code from it proves the app has it (that code is then spent)."""
    if enabled(user):
        raise APIError(409, "conflict", "Your second factor is already on.")
    step = matching_step(secret, code, now)
    if step is None:
        raise APIError(422, "validation_error", WRONG_CODE, {"code": [WRONG_CODE]})
    user.totp_secret = encrypt_totp_secret(secret)
    user.totp_last_step = step
    audit.record(AuditAction.SECOND_FACTOR_CHANGED, None, f"user {user.id}", {"on": True}, actor=audit.person(user))
    db.session.commit()


def turn_off(user: User, code: str | None, address: str, now: float | None = None) -> None:
    """Remove the second factor; a current code is needed (wrong ones count toward the lockout,
    so a borrowed session cannot guess its way to turning it off)."""
    if not enabled(user):
        return
    lockout.refuse_if_locked(user.email, address)
    if not accept_code(user, code, now):
        lockout.count_failure(user.email, address)
        raise APIError(422, "validation_error", WRONG_CODE, {"code": [WRONG_CODE]})
    user.totp_secret = None
    user.totp_last_step = None
    audit.record(AuditAction.SECOND_FACTOR_CHANGED, None, f"user {user.id}", {"on": False}, actor=audit.person(user))
    db.session.commit()


def set_requirement(actor: Membership, workspace: Workspace, required: bool) -> None:
    """An owner requires (or stops requiring) a second factor of the workspace's owners and admins.
    The owner turning it on must have one, or they would lock themselves out of this very switch."""
    require(actor, Action.MANAGE_OWNERS)
    if required and not enabled(db.session.get(User, actor.user_id)):
        problem = "Turn on your own second factor first (on your account page)."
        raise APIError(409, "conflict", problem, {"require_second_factor": [problem]})
    workspace.require_second_factor = required
    audit.record(AuditAction.SECOND_FACTOR_CHANGED, workspace.id, "workspace", {"required": required})
    db.session.commit()


def without_second_factor(workspace: Workspace) -> list[tuple[Membership, User]]:
    """The workspace's owners and admins who have no second factor yet, by email."""
    rows = db.session.execute(
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.workspace_id == workspace.id,
            Membership.role.in_([Role.OWNER, Role.ADMIN]),
            User.totp_secret.is_(None),
        )
        .order_by(User.email)
    )
    return [(m, u) for m, u in rows]
