"""API keys: each workspace has any number, each named, with a scope, revocable on its own.

A key is shown once, when it is made; only its SHA-256 and first characters are stored.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select

from app.errors import APIError
from app.extensions import db
from app.models import ApiKey, Membership
from app.models.api_key import KeyScope
from app.models.audit import AuditAction
from app.models.types import utcnow
from app.services import audit
from app.services.accounts.permissions import Action, require

KEY_PREFIX = "aw_"
PREFIX_LENGTH = 10  # "aw_" and 7 random characters: enough to tell a workspace's keys apart
# A busy integration calls many times a second; recording each use would be a write per request.
TOUCH_EVERY = timedelta(minutes=1)


def new_api_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)  # 256 random bits


def hash_api_key(key: str) -> str:
    # Keys carry 256 random bits, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(key.encode()).hexdigest()


def issue_key(
    workspace_id: int, name: str, scope: KeyScope, created_by: int | None = None, key: str | None = None
) -> tuple[ApiKey, str]:
    """A new key row (not committed); returns it with the key, which is never stored in clear."""
    key = key or new_api_key()
    row = ApiKey(
        workspace_id=workspace_id,
        name=name,
        key_hash=hash_api_key(key),
        prefix=key[:PREFIX_LENGTH],
        scope=scope,
        created_by=created_by,
    )
    db.session.add(row)
    return row, key


def create_key(membership: Membership, name: str, scope: str) -> tuple[ApiKey, str]:
    """A person makes a key for their workspace (name and scope as ApiKeyInSchema loaded them);
    the key is returned this once."""
    require(membership, Action.MANAGE_KEYS)
    name = name.strip()
    if not name:
        problem = "Name the key, e.g. after the tool that will use it."
        raise APIError(422, "validation_error", problem, {"name": [problem]})
    row, key = issue_key(membership.workspace_id, name, KeyScope(scope), created_by=membership.user_id)
    db.session.flush()
    audit.record(AuditAction.KEY_CREATED, row.workspace_id, f"key {row.id}", {"name": name, "scope": scope})
    db.session.commit()
    return row, key


def list_keys(membership: Membership) -> list[ApiKey]:
    """The workspace's keys, newest first, revoked ones included (they say when)."""
    require(membership, Action.MANAGE_KEYS)
    return list(
        db.session.scalars(
            select(ApiKey).where(ApiKey.workspace_id == membership.workspace_id).order_by(ApiKey.id.desc())
        )
    )


def revoke_key(membership: Membership, key_id: int) -> ApiKey:
    """Stop a key working from the next request; revoking twice changes nothing."""
    require(membership, Action.MANAGE_KEYS)
    row = db.session.get(ApiKey, key_id)
    if row is None or row.workspace_id != membership.workspace_id:
        raise APIError(404, "not_found", "No such key.")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record(AuditAction.KEY_REVOKED, row.workspace_id, f"key {row.id}", {"name": row.name})
        db.session.commit()
    return row


def key_for(key: str) -> ApiKey | None:
    """The live key a bearer token names, or None (unknown or revoked); notes its use."""
    if not key or len(key) > 200:
        return None
    row = db.session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_api_key(key)))
    if row is None or row.revoked_at is not None:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY:
        row.last_used_at = now
        db.session.commit()
    return row
