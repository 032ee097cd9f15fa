"""Insight endpoints: drivers, the event log and CSV exports (reporting settings live on /workspace)."""

from __future__ import annotations

from flask import Response, jsonify, stream_with_context

from app.api.auth import current_workspace
from app.api.blueprint import bp
from app.api.body import json_body, query_args
from app.schemas.insights import AnnotationInSchema, AnnotationsQuery, DriversQuery
from app.schemas.query import MetricsQuery, ResponsesQuery
from app.services.insights import annotations, exports
from app.services.insights.drivers import drivers
from app.services.insights.metrics import metrics


@bp.get("/drivers")
def get_drivers():
    """Ticket KPIs (FRT, resolution, reopens, FCR, SLA) and the score by bucket of each."""
    return jsonify(drivers(current_workspace(), query_args(DriversQuery())))


@bp.post("/annotations")
def create_annotation():
    """Add an event (launch, outage, policy change) to the workspace's log."""
    annotation = annotations.create_annotation(current_workspace().id, json_body(AnnotationInSchema()))
    return jsonify(annotations.annotation_view(annotation)), 201


@bp.get("/annotations")
def list_annotations():
    """The event log, oldest first; `since` and `until` are dates."""
    args = query_args(AnnotationsQuery())
    items = annotations.list_annotations(current_workspace().id, args.get("since"), args.get("until"))
    return jsonify({"items": [annotations.annotation_view(a) for a in items]})


@bp.delete("/annotations/<int:annotation_id>")
def delete_annotation(annotation_id: int):
    """Remove an event from the log."""
    annotations.delete_annotation(current_workspace().id, annotation_id)
    return "", 204


@bp.get("/export/responses.csv")
def export_responses():
    """Every answer matching the /responses filters as CSV, streamed."""
    filters = query_args(ResponsesQuery(exclude=("limit", "cursor")))
    rows = exports.response_rows(current_workspace().id, filters)
    return _csv(exports.csv_lines(exports.RESPONSE_COLUMNS, rows), "responses.csv")


@bp.get("/export/metrics.csv")
def export_metrics():
    """The metrics view (totals, series, groups) as CSV rows."""
    view = metrics(current_workspace(), query_args(MetricsQuery()))
    return _csv(exports.csv_lines(exports.METRICS_COLUMNS, exports.metrics_rows(view)), "metrics.csv")


def _csv(chunks, filename: str) -> Response:
    return Response(
        stream_with_context(chunks),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "X-Content-Type-Options": "nosniff"},
    )
