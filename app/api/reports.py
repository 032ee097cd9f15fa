"""Reading answers back: the list of responses and the aggregate metrics."""

from __future__ import annotations

from flask import jsonify

from app.api.auth import current_workspace
from app.api.blueprint import bp
from app.api.body import query_args
from app.extensions import db
from app.schemas.invite import ticket_view
from app.schemas.query import MetricsQuery, ResponseOutSchema, ResponsesQuery
from app.services.answers.listing import encode_cursor, filtered_responses, page
from app.services.insights.metrics import metrics

response_out = ResponseOutSchema()


@bp.get("/responses")
def list_responses():
    """Answers, newest first, filtered, with cursor pagination."""
    args = query_args(ResponsesQuery())
    limit = args.pop("limit")
    cursor = args.pop("cursor", None)
    rows = db.session.execute(page(filtered_responses(current_workspace().id, args), limit, cursor)).all()
    items = []
    for response, invite in rows[:limit]:
        item = response_out.dump(response)
        item["ticket"] = ticket_view(invite)
        item["customer"] = {
            "email": invite.customer_email,
            "name": invite.customer_name,
            "id": invite.customer_id,
            "segment": invite.customer_segment,
        }
        items.append(item)
    next_cursor = encode_cursor(rows[limit - 1][0]) if len(rows) > limit else None
    return jsonify({"items": items, "next_cursor": next_cursor})


@bp.get("/metrics")
def get_metrics():
    """CSAT, NPS and CES with n and 95 % intervals, series, groups and change, for a date range."""
    args = query_args(MetricsQuery())
    return jsonify(metrics(current_workspace(), args))
