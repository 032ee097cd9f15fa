"""The answers behind a dashboard's figures: the latest tone–score mismatches, and how many there are.

The same filters and listing as GET /responses (services/answers/listing.py), so the overview's
"latest mismatches" are the first page of /responses?mismatch=true for the same range.
"""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import Response
from app.services.answers.listing import list_responses, matching_answers

# The /responses filters a dashboard view can carry (priority, segment and tag are not among them).
LISTING_FILTERS = ("survey_id", "since", "until", "agent", "team", "channel")


def listing_filters(args: dict) -> dict:
    """The /responses filters among a metrics query's arguments."""
    return {name: args[name] for name in LISTING_FILTERS if args.get(name) is not None}


def count_responses(workspace_id: int, filters: dict) -> int:
    """How many answers match the /responses filters (the invites joined only when a filter reads
    them: the overview's count of mismatches needs no invite)."""
    ids = matching_answers(workspace_id, filters).with_only_columns(Response.id).subquery()
    return db.session.scalar(select(func.count()).select_from(ids))


def latest_mismatches(workspace_id: int, filters: dict, limit: int = 5) -> tuple[int, list[Response]]:
    """(how many, the newest `limit`) answers whose comment's tone contradicts their score."""
    flagged = {**filters, "mismatch": True}
    return count_responses(workspace_id, flagged), list_responses(workspace_id, flagged, limit, None).items


def answers_by_id(workspace_id: int, ids: list[int]) -> dict[int, Response]:
    """The workspace's answers among `ids` (the themes' examples), by id."""
    if not ids:
        return {}
    query = select(Response).where(Response.workspace_id == workspace_id, Response.id.in_(ids))
    return {response.id: response for response in db.session.scalars(query)}
