"""Reading answers back: the list of responses and the aggregate metrics."""

from __future__ import annotations

from app.api.auth import current_workspace
from app.api.blueprint import bp
from app.api.contract import accepts, paginated, responds
from app.schemas.insights import MetricsSchema
from app.schemas.query import MetricsQuery, ResponseOutSchema, ResponsesQuery
from app.services.answers.listing import list_responses as responses_page
from app.services.insights.metrics import metrics


@bp.get("/responses")
@accepts(ResponsesQuery, location="query")
@paginated(ResponseOutSchema)
def list_responses(query: dict):
    """Answers, newest first, filtered, with cursor pagination."""
    limit, cursor = query.pop("limit"), query.pop("cursor", None)
    return responses_page(current_workspace().id, query, limit, cursor)


@bp.get("/metrics")
@accepts(MetricsQuery, location="query")
@responds(200, MetricsSchema)
def get_metrics(query: dict):
    """CSAT, NPS and CES with n and 95 % intervals, series, groups and change, for a date range."""
    return metrics(current_workspace(), query)
