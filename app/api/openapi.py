"""GET /api/v1/openapi.json: the OpenAPI 3 document, read from the url map and what each view declares."""

from __future__ import annotations

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app
from marshmallow import Schema
from werkzeug.routing import IntegerConverter, Rule

from app.api.blueprint import PUBLIC_ENDPOINTS, bp
from app.platform.bounds import MAX_INT
from app.platform.contract import JSON, Contract, Input, Reply, contract_of, responds
from app.platform.converters import IdConverter

ERROR = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "fields": {"type": "object"}},
            "required": ["code", "message", "fields"],
        }
    },
    "required": ["error"],
}
_ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
_BODILESS = (204, 304)


def build_spec() -> dict:
    spec = APISpec(
        title="Afterword API",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin(schema_name_resolver=_schema_name)],
        servers=[{"url": current_app.config["PUBLIC_URL"]}],
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", ERROR)
    paths: dict[str, dict] = {}
    for rule in sorted(current_app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static":
            continue
        path = _ARGUMENT.sub(r"{\g<name>}", rule.rule)
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        for method in methods:
            operation_id = rule.endpoint if len(methods) == 1 else f"{rule.endpoint}.{method.lower()}"
            paths.setdefault(path, {})[method.lower()] = _operation(rule, operation_id)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def _operation(rule: Rule, operation_id: str) -> dict:
    view = current_app.view_functions[rule.endpoint]
    contract = contract_of(view) or Contract()
    operation: dict = {
        "summary": (view.__doc__ or rule.endpoint).strip().splitlines()[0],
        "operationId": operation_id,
        "parameters": _path_parameters(rule),
        "responses": _responses(contract),
    }
    for given in contract.inputs:
        if given.location == "query":
            operation["parameters"].append({"in": "query", "schema": given.schema})
        else:
            operation["requestBody"] = _body(given)
    if rule.endpoint.startswith(f"{bp.name}.") and rule.endpoint not in PUBLIC_ENDPOINTS:
        operation["security"] = [{"bearer": []}]
    return operation


def _path_parameters(rule: Rule) -> list[dict]:
    converters = current_app.url_map.converters
    parameters = []
    for match in _ARGUMENT.finditer(rule.rule):
        converter = converters.get(match["converter"] or "default")
        if converter is not None and issubclass(converter, IdConverter):
            schema = {"type": "integer", "minimum": 1, "maximum": MAX_INT}
        elif converter is not None and issubclass(converter, IntegerConverter):
            schema = {"type": "integer"}
        else:
            schema = {"type": "string"}
        parameters.append({"in": "path", "name": match["name"], "required": True, "schema": schema})
    return parameters


def _body(given: Input) -> dict:
    schema = given.schema
    if given.partial and isinstance(schema, Schema):  # a PATCH: documented with no field required
        schema = type(schema)(partial=True)
    return {"required": given.required, "content": {given.content_type: {"schema": schema}}}


def _responses(contract: Contract) -> dict:
    responses: dict[str, dict] = {}
    for reply in contract.replies:
        entry = responses.setdefault(str(reply.status), {"description": reply.description})
        if reply.description not in entry["description"]:
            entry["description"] += f"; or: {reply.description}"
        content = _content(reply)
        if content:
            entry.setdefault("content", {}).update(content)
    error = {"$ref": "#/components/schemas/Error"} if contract.error_content_type == JSON else {"type": "string"}
    responses["4XX"] = {"description": "Refused", "content": {contract.error_content_type: {"schema": error}}}
    return responses


def _content(reply: Reply) -> dict:
    if reply.schema is not None:
        return {reply.content_type: {"schema": reply.schema}}
    if reply.status in _BODILESS or reply.content_type == JSON:
        return {}
    return {reply.content_type: {"schema": {"type": "string"}}}


def _schema_name(schema) -> str | None:
    """Components are named after their class (InviteOutSchema: InviteOut); a schema narrowed for
    one use (partial, only, exclude) is written inline instead of under the same name."""
    if not isinstance(schema, type):
        if schema.partial or schema.only or schema.exclude:
            return None
        schema = type(schema)
    return schema.__name__.removesuffix("Schema") or schema.__name__


@bp.get("/openapi.json")
@responds(200, {"type": "object", "description": "an OpenAPI 3.0 document"})
def openapi():
    """The OpenAPI document."""
    return build_spec()
