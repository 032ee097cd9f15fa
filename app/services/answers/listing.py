"""Listing answers with filters and keyset pagination."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, false, func, or_, select

from app.errors import APIError
from app.extensions import db
from app.models import Invite, Response, ResponseTheme, Workspace
from app.models.audit import AuditAction
from app.models.rollup_grain import SCORE_SLOTS
from app.models.rollup_sql import agent_key
from app.platform.bounds import MAX_INT
from app.scoring.periods import local_date, midnight, whole_days
from app.services import audit
from app.services.insights.cells import FILTER_DIMENSIONS, Scope, has_tag, rollup_cells
from app.services.pagination import Page, keyset_page


def filtered_responses(workspace_id: int, filters: dict, own_agent: str | None = None) -> Select:
    """The answers of one workspace matching the /responses filters, newest first.

    `own_agent` narrows to one agent's answers (the agent role reads only its own): those whose
    invite carries that agent id or email. Pass "" for an agent whose key is not set yet: they
    see nothing rather than everyone's.
    """
    answer_terms, invite_terms = _terms(workspace_id, filters, own_agent)
    query = select(Response, Invite).join(Invite, Invite.id == Response.invite_id)
    return query.where(*answer_terms, *invite_terms).order_by(Response.answered_at.desc(), Response.id.desc())


def matching_answers(workspace_id: int, filters: dict) -> Select:
    """The answers filtered_responses finds, as a query of Response alone, unordered: the invite is
    joined only when a filter reads it (every answer has one). Reports reading only the answers'
    columns skip a lookup per answer so (PostgreSQL cannot drop an inner join by itself)."""
    answer_terms, invite_terms = _terms(workspace_id, filters, None)
    query = select(Response)
    if invite_terms:
        query = query.join(Invite, Invite.id == Response.invite_id)
    return query.where(*answer_terms, *invite_terms)


# The filters the metric rollups hold (services/insights/cells.py). On PostgreSQL a count of these
# is read from them, in time that grows with days and groups rather than answers: counting 1
# million joined answers by team took ~520 ms, by tag ~3.8 s and by agent ~1 s
# (benchmarks/feed_scale.py). The rollups key an agent by their agent key (id, else email, else
# name) where the listing also matches the agent's email: the answers matched by email alone are
# counted from the rows besides (_matched_by_email_alone, through the invites' email index).
ROLLUP_FILTERS = frozenset(
    {"survey_id", "since", "until", "score_min", "score_max", "team", "channel", "priority", "segment", "tag", "agent"}
)


def _from_rollups(filters: dict, own_agent: str | None) -> bool:
    return (
        own_agent is None
        and set(filters) <= ROLLUP_FILTERS
        and filters.get("agent") != ""  # the key of agents without id, email or name: from the rows
        and db.engine.dialect.name == "postgresql"
    )


def count_responses(workspace: Workspace, filters: dict, own_agent: str | None = None) -> int:
    """How many answers filtered_responses finds, over every page."""
    if _from_rollups(filters, own_agent):
        return _rollup_count(workspace, filters)
    return _raw_count(workspace.id, filters, own_agent)


def count_up_to(workspace: Workspace, filters: dict, own_agent: str | None, cap: int) -> tuple[int, bool]:
    """(n, False): exactly n answers match; (cap, True): more than `cap` do.

    Counting every match of a filter the rollups cannot hold costs time that grows with the
    answers (a theme, an agent, a word: ~0.4-1 s at 1 million answers, ten times that at 10
    million), while cap + 1 of them are found in the first rows read whenever the filter is
    common. A count from the rollups is exact whatever its size: its time grows with days and
    groups, not answers."""
    if _from_rollups(filters, own_agent):
        return _rollup_count(workspace, filters), False
    n = _raw_count(workspace.id, filters, own_agent, cap)
    return (cap, True) if n > cap else (n, False)


def _raw_count(workspace_id: int, filters: dict, own_agent: str | None = None, cap: int | None = None) -> int:
    answer_terms, invite_terms = _terms(workspace_id, filters, own_agent)
    matching = select(Response.id) if cap is not None else select(func.count()).select_from(Response)
    if invite_terms:  # PostgreSQL cannot drop an inner join: join only when a filter needs it
        matching = matching.join(Invite, Invite.id == Response.invite_id)
    matching = matching.where(*answer_terms, *invite_terms)
    if cap is None:
        return db.session.scalar(matching) or 0
    # LIMIT inside the count: the scan stops at the (cap + 1)th match.
    return db.session.scalar(select(func.count()).select_from(matching.limit(cap + 1).subquery())) or 0


def _rollup_count(workspace: Workspace, filters: dict) -> int:
    """The whole local days from the rollups, the partial days at the edges from the rows (through
    the answers' (workspace, answered_at) index). An open end is taken to the edge of the first (or
    last) answer's local day: no answer lies beyond it, and a whole day is the rollups' to count (a
    partial one cost ~300 ms of random reads over 1 million answers). The feed's dates are local
    days, so only the API's instants leave edges to count from the rows."""
    zone = ZoneInfo(workspace.timezone)
    since, until = filters.get("since"), filters.get("until")
    if since is None or until is None:
        first, last = db.session.execute(
            select(func.min(Response.answered_at), func.max(Response.answered_at)).where(
                Response.workspace_id == workspace.id
            )
        ).one()
        if first is None:
            return 0
        since = since or midnight(local_date(first, zone), zone)
        until = until or midnight(local_date(last, zone) + timedelta(days=1), zone)
    days = whole_days(since, until, zone) if since < until else None
    if days is None:
        return _raw_count(workspace.id, {**filters, "since": since, "until": until}) if since < until else 0
    dims = {name: filters[name] for name in FILTER_DIMENSIONS if name in filters}
    scope = Scope(workspace.id, workspace.timezone, filters.get("survey_id"), dims, use_rollups=True)
    low = max(filters.get("score_min", 0), 0)
    high = min(filters.get("score_max", SCORE_SLOTS - 1), SCORE_SLOTS - 1)
    whole = {days[0] + timedelta(days=n): None for n in range((days[1] - days[0]).days)}
    cells = rollup_cells(scope, whole, by_day=False, by_group=False)
    total = sum(sum(cell.counts[low : high + 1]) for cell in cells.values()) if low <= high else 0
    start, end = midnight(days[0], zone), midnight(days[1], zone)
    if since < start:
        total += _raw_count(workspace.id, {**filters, "since": since, "until": start})
    if end < until:
        total += _raw_count(workspace.id, {**filters, "since": end, "until": until})
    if "agent" in filters:
        total += _matched_by_email_alone(workspace.id, {**filters, "since": start, "until": end})
    return total


def _matched_by_email_alone(workspace_id: int, filters: dict) -> int:
    """Answers the agent filter matches by the agent's email whose agent key is another (their
    invite has an id, which the rollups key them by): the rest of what the listing matches, the
    rollups count. An id equal to the value is the key itself, so only the email can add rows."""
    value = filters["agent"]
    answer_terms, invite_terms = _terms(workspace_id, {k: v for k, v in filters.items() if k != "agent"}, None)
    query = (
        select(func.count())
        .select_from(Response)
        .join(Invite, Invite.id == Response.invite_id)
        .where(
            *answer_terms,
            *invite_terms,
            Invite.workspace_id == workspace_id,  # what the (workspace, agent email) index leads with
            Invite.agent_email == value,
            func.coalesce(Invite.agent_id, "") != "",
            Invite.agent_id != value,
        )
    )
    return db.session.scalar(query) or 0


def _terms(workspace_id: int, filters: dict, own_agent: str | None) -> tuple[list, list]:
    """The filters as SQL terms: (on the answer, on its invite)."""
    answer = [Response.workspace_id == workspace_id]
    invite = []
    if own_agent is not None:
        invite.append(_agent_is(own_agent) if own_agent else false())
    if "survey_id" in filters:
        answer.append(Response.survey_id == filters["survey_id"])
    if "since" in filters:
        answer.append(Response.answered_at >= filters["since"])
    if "until" in filters:
        answer.append(Response.answered_at < filters["until"])
    if "score_min" in filters:
        answer.append(Response.score >= filters["score_min"])
    if "score_max" in filters:
        answer.append(Response.score <= filters["score_max"])
    if "sentiment" in filters:
        answer.append(Response.sentiment_label == filters["sentiment"])
    if "theme" in filters:
        tagged = select(ResponseTheme.response_id).where(ResponseTheme.theme == filters["theme"])
        answer.append(Response.id.in_(tagged))
    if "mismatch" in filters:
        flagged = Response.mismatch_reason.is_not(None)
        answer.append(flagged if filters["mismatch"] else ~flagged)
    if "language" in filters:
        answer.append(Response.language == filters["language"])
    if "q" in filters:
        answer.append(Response.comment.icontains(filters["q"], autoescape=True))
    if "agent" in filters:
        invite.append(_agent_matches(filters["agent"]))
    for name, column in (
        ("team", Invite.team),
        ("channel", Invite.channel),
        ("priority", Invite.priority),
        ("segment", Invite.customer_segment),
    ):
        if name in filters:
            invite.append(column == filters[name])
    if "tag" in filters:
        invite.append(has_tag(filters["tag"]))
    if invite:
        # Implied (an answer is its invite's workspace's), and what the invites' indexes lead with.
        invite.insert(0, Invite.workspace_id == workspace_id)
    return answer, invite


def _agent_matches(value: str):
    """The key the agents report groups by (id, else email, else name) is `value`, or the id or
    email itself is. Written as one test per column, so each can use its (workspace, column)
    index: the key is the name only when there is neither id nor email, and an id or email equal
    to the value matches either way."""
    if not value:
        return or_(agent_key() == value, Invite.agent_id == value, Invite.agent_email == value)
    return or_(
        Invite.agent_id == value,
        Invite.agent_email == value,
        and_(
            Invite.agent_name == value,
            func.coalesce(Invite.agent_id, "") == "",
            func.coalesce(Invite.agent_email, "") == "",
        ),
    )


def _agent_is(key: str):
    """An invite of the agent `key`: their helpdesk id, or their email in any case."""
    return or_(Invite.agent_id == key, func.lower(Invite.agent_email) == key.lower())


def list_responses(workspace_id: int, filters: dict, limit: int, cursor: str | None) -> Page[Response]:
    """Answers newest first, filtered, `limit` at a time after `cursor`; each answer's invite is loaded with it.

    A bulk read of comments: recorded in the audit trail (before the read, so nothing loaded expires)."""
    audit.record_now(AuditAction.COMMENTS_READ, workspace_id, "responses", {"filters": filters, "limit": limit})
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
