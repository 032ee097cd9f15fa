"""Listing answers with filters and keyset pagination."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime

from sqlalchemy import Select, and_, or_, select

from app.errors import APIError
from app.extensions import db
from app.models import Invite, Response, ResponseTheme
from app.platform.bounds import MAX_INT
from app.services.pagination import Page, keyset_page


def filtered_responses(workspace_id: int, filters: dict) -> Select:
    """The answers of one workspace matching the /responses filters, newest first."""
    query = (
        select(Response, Invite)
        .join(Invite, Invite.id == Response.invite_id)
        .where(Response.workspace_id == workspace_id)
    )
    if "survey_id" in filters:
        query = query.where(Response.survey_id == filters["survey_id"])
    if "since" in filters:
        query = query.where(Response.answered_at >= filters["since"])
    if "until" in filters:
        query = query.where(Response.answered_at < filters["until"])
    if "score_min" in filters:
        query = query.where(Response.score >= filters["score_min"])
    if "score_max" in filters:
        query = query.where(Response.score <= filters["score_max"])
    if "sentiment" in filters:
        query = query.where(Response.sentiment_label == filters["sentiment"])
    if "theme" in filters:
        tagged = select(ResponseTheme.response_id).where(ResponseTheme.theme == filters["theme"])
        query = query.where(Response.id.in_(tagged))
    if "mismatch" in filters:
        flagged = Response.mismatch_reason.is_not(None)
        query = query.where(flagged if filters["mismatch"] else ~flagged)
    if "agent" in filters:
        query = query.where(or_(Invite.agent_id == filters["agent"], Invite.agent_email == filters["agent"]))
    if "team" in filters:
        query = query.where(Invite.team == filters["team"])
    if "channel" in filters:
        query = query.where(Invite.channel == filters["channel"])
    return query.order_by(Response.answered_at.desc(), Response.id.desc())


def list_responses(workspace_id: int, filters: dict, limit: int, cursor: str | None) -> Page[Response]:
    """Answers newest first, filtered, `limit` at a time after `cursor`; each answer's invite is loaded with it."""
    rows = db.session.execute(page(filtered_responses(workspace_id, filters), limit, cursor)).all()
    return keyset_page([response for response, _invite in rows], limit, encode_cursor)


def page(query: Select, limit: int, cursor: str | None) -> Select:
    """Keyset pagination: rows strictly after the cursor's (answered_at, id)."""
    if cursor:
        answered_at, last_id = decode_cursor(cursor)
        query = query.where(
            or_(Response.answered_at < answered_at, and_(Response.answered_at == answered_at, Response.id < last_id))
        )
    return query.limit(limit + 1)


def encode_cursor(response: Response) -> str:
    raw = f"{response.answered_at.isoformat()}|{response.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, _, ident = raw.partition("|")
        answered_at = datetime.fromisoformat(stamp)
        if answered_at.tzinfo is None:  # every cursor we issue carries its zone
            raise ValueError(stamp)
        last_id = int(ident)
        if not 0 < last_id <= MAX_INT:
            raise ValueError(ident)
        return answered_at.astimezone(UTC), last_id
    except (binascii.Error, UnicodeDecodeError, ValueError, OverflowError):
        raise APIError(
            400, "invalid_cursor", "The cursor is not one this API returned.", {"cursor": ["Invalid."]}
        ) from None
