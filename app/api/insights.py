"""Insight endpoints: drivers, the event log and CSV exports (reporting settings live on /workspace)."""

from __future__ import annotations

from flask import Response, stream_with_context

from app.api.auth import current_workspace
from app.api.blueprint import bp
from app.api.contract import accepts, responds
from app.schemas.insights import (
    AnnotationInSchema,
    AnnotationListSchema,
    AnnotationOutSchema,
    AnnotationsQuery,
    DriversQuery,
    DriversSchema,
)
from app.schemas.query import MetricsQuery, ResponsesQuery
from app.services.insights import annotations, exports
from app.services.insights.drivers import drivers
from app.services.insights.metrics import metrics

CSV = "text/csv"


@bp.get("/drivers")
@accepts(DriversQuery, location="query")
@responds(200, DriversSchema)
def get_drivers(query: dict):
    """Ticket KPIs (FRT, resolution, reopens, FCR, SLA) and the score by bucket of each."""
    return drivers(current_workspace(), query)


@bp.post("/annotations")
@accepts(AnnotationInSchema)
@responds(201, AnnotationOutSchema)
def create_annotation(body: dict):
    """Add an event (launch, outage, policy change) to the workspace's log."""
    return annotations.create_annotation(current_workspace().id, body)


@bp.get("/annotations")
@accepts(AnnotationsQuery, location="query")
@responds(200, AnnotationListSchema)
def list_annotations(query: dict):
    """The event log, oldest first; `since` and `until` are dates."""
    return {"items": annotations.list_annotations(current_workspace().id, query.get("since"), query.get("until"))}


@bp.delete("/annotations/<id:annotation_id>")
@responds(204)
def delete_annotation(annotation_id: int):
    """Remove an event from the log."""
    annotations.delete_annotation(current_workspace().id, annotation_id)


@bp.get("/export/responses.csv")
@accepts(ResponsesQuery(exclude=("limit", "cursor")), location="query")
@responds(200, content_type=CSV, description="One row per answer, streamed")
def export_responses(query: dict):
    """Every answer matching the /responses filters as CSV, streamed."""
    rows = exports.response_rows(current_workspace().id, query)
    return _csv(exports.csv_lines(exports.RESPONSE_COLUMNS, rows), "responses.csv")


@bp.get("/export/metrics.csv")
@accepts(MetricsQuery, location="query")
@responds(200, content_type=CSV, description="Totals, series and groups as rows")
def export_metrics(query: dict):
    """The metrics view (totals, series, groups) as CSV rows."""
    view = metrics(current_workspace(), query)
    return _csv(exports.csv_lines(exports.METRICS_COLUMNS, exports.metrics_rows(view)), "metrics.csv")


def _csv(chunks, filename: str) -> Response:
    return Response(
        stream_with_context(chunks),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "X-Content-Type-Options": "nosniff"},
    )
