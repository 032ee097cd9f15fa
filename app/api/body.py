"""Reading request bodies and query strings through schemas, with clear 4xx errors."""

from __future__ import annotations

from flask import request
from marshmallow import Schema

from app.errors import APIError


def json_body(schema: Schema, partial: bool = False) -> dict:
    """The request's JSON object validated by `schema` (400 malformed, 415 not JSON, 422 invalid)."""
    if not request.is_json:
        raise APIError(415, "unsupported_media_type", "Send the body as JSON with 'Content-Type: application/json'.")
    try:
        payload = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the parser follows: not a body we accept
        payload = None
    if payload is None:
        raise APIError(400, "invalid_json", "The body is not valid JSON.")
    if not isinstance(payload, dict):
        raise APIError(422, "validation_error", "The body must be a JSON object.", {"_body": ["Expected an object."]})
    return schema.load(payload, partial=partial)


def query_args(schema: Schema) -> dict:
    """The query string validated by `schema`; repeated keys keep their last value."""
    return schema.load(request.args.to_dict())
