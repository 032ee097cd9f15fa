"""GET /api/v1/openapi.json: the OpenAPI 3 document, generated from the routes and schemas."""

from __future__ import annotations

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app, jsonify

from app.api.blueprint import bp
from app.schemas.insights import AnnotationInSchema, AnnotationsQuery, DriversQuery
from app.schemas.integration import IntegrationInSchema, IntegrationUpdateSchema
from app.schemas.invite import InviteInSchema, InviteOutSchema, InvitesQuery
from app.schemas.query import MetricsQuery, ResponseOutSchema, ResponsesQuery
from app.schemas.survey import SurveyInSchema, SurveyOutSchema
from app.schemas.theme import (
    CatalogueQuery,
    ThemeInSchema,
    ThemeOutSchema,
    ThemePatchSchema,
    ThemeReportSchema,
    ThemesQuery,
)
from app.schemas.workspace import (
    PageQuery,
    SuppressionInSchema,
    SuppressionOutSchema,
    WorkspaceInSchema,
    WorkspaceOutSchema,
)

# endpoint -> (request body schema, query schema, response schema)
SCHEMAS = {
    "api.create_survey": (SurveyInSchema, None, SurveyOutSchema),
    "api.get_survey": (None, None, SurveyOutSchema),
    "api.update_survey": (SurveyInSchema, None, SurveyOutSchema),
    "api.create_invite": (InviteInSchema, None, InviteOutSchema),
    "api.get_invite": (None, None, InviteOutSchema),
    "api.list_invites": (None, InvitesQuery, None),
    "api.create_integration_view": (IntegrationInSchema, None, None),
    "api.update_integration_view": (IntegrationUpdateSchema, None, None),
    "api.get_workspace": (None, None, WorkspaceOutSchema),
    "api.update_workspace_view": (WorkspaceInSchema, None, WorkspaceOutSchema),
    "api.list_suppressions_view": (None, PageQuery, None),
    "api.add_suppression": (SuppressionInSchema, None, SuppressionOutSchema),
    "api.list_responses": (None, ResponsesQuery, ResponseOutSchema),
    "api.get_metrics": (None, MetricsQuery, None),
    "api.get_themes": (None, ThemesQuery, ThemeReportSchema),
    "api.list_catalogue": (None, CatalogueQuery, None),
    "api.create_catalogue_theme": (ThemeInSchema, None, ThemeOutSchema),
    "api.get_catalogue_theme": (None, None, ThemeOutSchema),
    "api.update_catalogue_theme": (ThemePatchSchema, None, ThemeOutSchema),
    "api.get_drivers": (None, DriversQuery, None),
    "api.create_annotation": (AnnotationInSchema, None, None),
    "api.list_annotations": (None, AnnotationsQuery, None),
    "api.export_metrics": (None, MetricsQuery, None),
}

ERROR = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "fields": {"type": "object"}},
            "required": ["code", "message", "fields"],
        }
    },
}


def build_spec() -> dict:
    spec = APISpec(
        title="Afterword API",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        servers=[{"url": current_app.config["PUBLIC_URL"]}],
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", ERROR)
    for rule in current_app.url_map.iter_rules():
        if (
            not rule.rule.startswith(("/api/v1", "/hooks", "/s/", "/u/", "/healthz", "/embed.js"))
            or rule.endpoint == "static"
        ):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        operations = {}
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            operations[method.lower()] = _operation(rule, path)
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def _operation(rule, path: str) -> dict:
    view = current_app.view_functions[rule.endpoint]
    body, query, response = SCHEMAS.get(rule.endpoint, (None, None, None))
    operation: dict = {
        "summary": (view.__doc__ or rule.endpoint).strip().splitlines()[0],
        "operationId": rule.endpoint,
        "parameters": [
            {"in": "path", "name": name, "required": True, "schema": {"type": "string"}}
            for name in re.findall(r"{(\w+)}", path)
        ],
        "responses": {
            "200": {
                "description": "OK",
                **({"content": {"application/json": {"schema": response}}} if response else {}),
            },
            "4XX": {"description": "Refused", "content": {"application/json": {"schema": "Error"}}},
        },
    }
    if query:
        operation["parameters"].append({"in": "query", "schema": query})
    if body:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if (
        rule.rule.startswith("/api/v1")
        and not rule.rule.startswith("/api/v1/public/")
        and rule.endpoint != "api.openapi"
    ):
        operation["security"] = [{"bearer": []}]
    return operation


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI document."""
    return jsonify(build_spec())
