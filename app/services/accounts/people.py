"""Accounts and memberships: creating people, roles, invitations and password resets by email.

Invitation and reset links carry a random token (256 bits) of which only the SHA-256 is stored;
each works once, a reset for an hour, an invitation for a week.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select

from app.errors import APIError
from app.extensions import db
from app.models import AccountToken, Membership, User, Workspace
from app.models.account import Role, TokenPurpose
from app.models.audit import AuditAction
from app.models.types import utcnow
from app.services import audit
from app.services.accounts.emails import send_invitation, send_reset
from app.services.accounts.passwords import hash_password, password_problem
from app.services.accounts.sessions import end_every_session

RESET_VALID = timedelta(hours=1)
INVITATION_VALID = timedelta(days=7)


def normal_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normal_email(email)))


def create_user(email: str, password: str | None = None, name: str | None = None) -> User:
    """A new account (no membership yet); the password, if given, must be acceptable."""
    if password is not None and (problem := password_problem(password)):
        raise APIError(422, "validation_error", problem, {"password": [problem]})
    user = User(email=normal_email(email), name=name, password_hash=hash_password(password) if password else None)
    if password:
        user.password_changed_at = utcnow()
    db.session.add(user)
    db.session.flush()
    return user


def set_membership(user: User, workspace_id: int, role: Role, agent_key: str | None = None) -> Membership:
    """Give `user` the role in the workspace (a second call changes it)."""
    membership = membership_of(user.id, workspace_id)
    if membership is None:
        membership = Membership(user_id=user.id, workspace_id=workspace_id, role=role, teams=[])
        db.session.add(membership)
    membership.role = role
    if agent_key is not None:
        membership.agent_key = agent_key
    db.session.flush()
    return membership


def membership_of(user_id: int, workspace_id: int) -> Membership | None:
    return db.session.scalar(
        select(Membership).where(Membership.user_id == user_id, Membership.workspace_id == workspace_id)
    )


def memberships(user_id: int) -> list[tuple[Membership, Workspace]]:
    """Every workspace the person belongs to, by name, with their role there."""
    rows = db.session.execute(
        select(Membership, Workspace)
        .join(Workspace, Workspace.id == Membership.workspace_id)
        .where(Membership.user_id == user_id)
        .order_by(Workspace.name, Workspace.id)
    )
    return [(m, w) for m, w in rows]


def directory(workspace_id: int | None = None) -> list[tuple[User, Membership | None, Workspace | None]]:
    """People with their memberships (one row each; people with none once), by email."""
    query = (
        select(User, Membership, Workspace)
        .outerjoin(Membership, Membership.user_id == User.id)
        .outerjoin(Workspace, Workspace.id == Membership.workspace_id)
        .order_by(User.email, Workspace.id)
    )
    if workspace_id is not None:
        query = query.where(Membership.workspace_id == workspace_id)
    return [tuple(row) for row in db.session.execute(query)]


def change_password(user: User, password: str) -> None:
    """Set a new password and end every session (a thief's included)."""
    if problem := password_problem(password):
        raise APIError(422, "validation_error", problem, {"password": [problem]})
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    end_every_session(user.id, commit=False)
    db.session.commit()


def _new_token(purpose: TokenPurpose, email: str, valid: timedelta, **fields) -> tuple[AccountToken, str]:
    token = secrets.token_urlsafe(32)
    row = AccountToken(
        token_hash=hashlib.sha256(token.encode()).hexdigest(),
        purpose=purpose,
        email=normal_email(email),
        expires_at=utcnow() + valid,
        **fields,
    )
    db.session.add(row)
    return row, token


def usable_token(token: str | None, purpose: TokenPurpose) -> AccountToken | None:
    """The unused, unexpired link a token names, or None."""
    if not token or len(token) > 100:
        return None
    row = db.session.scalar(
        select(AccountToken).where(
            AccountToken.token_hash == hashlib.sha256(token.encode()).hexdigest(), AccountToken.purpose == purpose
        )
    )
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        return None
    return row


def workspace_of(token: AccountToken) -> Workspace | None:
    return db.session.get(Workspace, token.workspace_id) if token.workspace_id else None


def request_reset(email: str) -> None:
    """Email a reset link if the address has an account; say nothing either way (no enumeration)."""
    user = find_user(email)
    if user is None:
        return
    _, token = _new_token(TokenPurpose.RESET, user.email, RESET_VALID, user_id=user.id)
    db.session.commit()
    send_reset(user.email, token)


def complete_reset(token: str, password: str) -> User:
    """Set the password a reset link allows; the link is spent and every session ends."""
    row = usable_token(token, TokenPurpose.RESET)
    if row is None:
        raise APIError(410, "gone", "This reset link has expired or was already used. Ask for a new one.")
    if problem := password_problem(password):
        raise APIError(422, "validation_error", problem, {"password": [problem]})
    user = db.session.get(User, row.user_id)
    row.used_at = utcnow()
    change_password(user, password)
    return user


def invite(workspace_id: int, email: str, role: Role, invited_by: User | None = None) -> str:
    """Email an invitation to join the workspace with `role`; returns the link's token."""
    workspace = db.session.get(Workspace, workspace_id)
    _, token = _new_token(
        TokenPurpose.INVITE,
        email,
        INVITATION_VALID,
        workspace_id=workspace_id,
        role=role,
        invited_by=invited_by.id if invited_by else None,
    )
    audit.record(AuditAction.PERSON_INVITED, workspace_id, normal_email(email), {"role": role})
    db.session.commit()
    send_invitation(normal_email(email), token, workspace.name)
    return token


def accept_invitation(token: str, password: str | None, name: str | None = None) -> User:
    """Join the workspace an invitation names: a new account sets its password here."""
    row = usable_token(token, TokenPurpose.INVITE)
    if row is None:
        raise APIError(410, "gone", "This invitation has expired or was already used. Ask for a new one.")
    user = find_user(row.email)
    if user is None:
        if not password:
            raise APIError(422, "validation_error", "Choose a password.", {"password": ["Choose a password."]})
        user = create_user(row.email, password, name)
    set_membership(user, row.workspace_id, Role(row.role))
    row.used_at = utcnow()
    db.session.commit()
    return user
