"""GET /metrics: each kind's score over a date range, with n, interval and response rate."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select

from app.extensions import db
from app.models import Invite, Response, Survey
from app.services.scores import score_summary


def metrics(workspace_id: int, filters: dict) -> dict:
    """Scores by kind (and scale) for the answers in [since, until), plus the response rate."""
    query = (
        select(Survey.kind, Survey.scale_min, Survey.scale_max, Response.score, func.count())
        .join(Survey, Survey.id == Response.survey_id)
        .where(Response.workspace_id == workspace_id)
        .group_by(Survey.kind, Survey.scale_min, Survey.scale_max, Response.score)
    )
    query = _in_range(query, Response.answered_at, filters)
    if "survey_id" in filters:
        query = query.where(Response.survey_id == filters["survey_id"])
    distributions: dict[tuple, dict[int, int]] = defaultdict(dict)
    for kind, low, high, score, count in db.session.execute(query):
        distributions[(kind, low, high)][score] = count
    scores = [score_summary(kind, low, high, dist) for (kind, low, high), dist in sorted(distributions.items())]
    return {
        "survey_id": filters.get("survey_id"),
        "since": filters.get("since"),
        "until": filters.get("until"),
        "scores": scores,
        **{kind: next((s for s in scores if s["kind"] == kind), None) for kind in ("csat", "nps", "ces")},
        "response_rate": response_rate(workspace_id, filters),
    }


def response_rate(workspace_id: int, filters: dict) -> dict:
    """Answered invites ÷ delivered invites, by the time the invite was sent."""
    query = select(func.count(), func.count(Invite.answered_at)).where(
        Invite.workspace_id == workspace_id, Invite.sent_at.is_not(None)
    )
    query = _in_range(query, Invite.sent_at, filters)
    if "survey_id" in filters:
        query = query.where(Invite.survey_id == filters["survey_id"])
    delivered, answered = db.session.execute(query).one()
    return {
        "delivered": delivered,
        "answered": answered,
        "value": round(100 * answered / delivered, 2) if delivered else None,
        "formula": "answered invites ÷ delivered invites × 100",
    }


def _in_range(query, column, filters: dict):
    if "since" in filters:
        query = query.where(column >= filters["since"])
    if "until" in filters:
        query = query.where(column < filters["until"])
    return query
