"""Reading request bodies and query strings through schemas, with clear 4xx errors."""

from __future__ import annotations

from flask import request
from marshmallow import Schema

from app.errors import APIError
from app.platform.strict_json import request_json


def json_body(schema: Schema, partial: bool = False) -> dict:
    """The request's JSON object validated by `schema` (400 malformed, 415 not JSON, 422 invalid)."""
    if not request.is_json:
        raise APIError(415, "unsupported_media_type", "Send the body as JSON with 'Content-Type: application/json'.")
    payload = request_json()  # a malformed body: 400 invalid_json, saying what is wrong
    if not isinstance(payload, dict):
        raise APIError(422, "validation_error", "The body must be a JSON object.", {"_body": ["Expected an object."]})
    return schema.load(payload, partial=partial)


def query_args(schema: Schema) -> dict:
    """The query string validated by `schema`; repeated keys keep their last value."""
    return schema.load(request.args.to_dict())
