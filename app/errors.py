"""Refusals and how they leave: APIError for services, one JSON shape for the API and webhooks,
translated HTML pages for customers.

Every JSON error is {"error": {"code", "message", "fields"}}; services raise APIError and never
build responses themselves.
"""

from __future__ import annotations

from flask import Flask, abort, jsonify, render_template, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from app.platform.i18n import gettext
from app.platform.strict_json import Refused, text_problem


class APIError(Exception):
    """A refusal with a status, a stable code, a human message and per-field messages."""

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}


def error_response(status: int, code: str, message: str, fields: dict | None = None):
    body = {"error": {"code": code, "message": message, "fields": fields or {}}}
    return jsonify(body), status


def _wants_json() -> bool:
    path = request.path
    return path.startswith(("/api/", "/hooks/")) or path == "/healthz" or request.is_json


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
}


def refuse_unreadable_text() -> None:
    """The boundary's rule for text outside bodies: every path part and query value is valid
    Unicode without NUL, or the request stops here. (JSON bodies are read by strict_json and
    checked per field by StrictSchema; the survey form's one free text, the comment, drops NUL.)"""
    for value in (request.view_args or {}).values():
        if isinstance(value, str) and text_problem(value):
            abort(404)  # no row can be named by such a value
    fields = {}
    for key, value in request.args.items(multi=True):
        problem = text_problem(key) or text_problem(value)
        if problem:
            fields["_query" if text_problem(key) else key] = [problem]
    if fields:
        if _wants_json():
            raise APIError(422, "validation_error", "The query string has invalid text.", fields)
        abort(400, description=next(iter(fields.values()))[0])


def register_error_handlers(app: Flask) -> None:
    app.before_request(refuse_unreadable_text)

    @app.errorhandler(APIError)
    def _api_error(err: APIError):
        return error_response(err.status, err.code, err.message, err.fields)

    @app.errorhandler(Refused)
    def _unreadable_json(err: Refused):
        return error_response(400, "invalid_json", str(err))

    @app.errorhandler(ValidationError)
    def _validation_error(err: ValidationError):
        fields = err.messages if isinstance(err.messages, dict) else {"_schema": err.messages}
        return error_response(422, "validation_error", "The request has invalid fields.", fields)

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException):
        status = err.code or 500
        code = _HTTP_CODES.get(status, "http_error")
        if status == 400 and "CSRF" in (err.description or ""):
            code = "csrf_failed"
        if _wants_json():
            return error_response(status, code, err.description or err.name)
        title, message = _page_wording(status, code, err)
        html = render_template("respondent/error.html", status=status, title=title, message=message)
        return html, status


def _page_wording(status: int, code: str, err: HTTPException) -> tuple[str, str]:
    """A customer may land on these pages: say it in their language where we can."""
    if code == "csrf_failed":
        return gettext("This page has expired"), gettext("Reload the page, then send your answer again.")
    if status == 404:
        # Our own 404s (a bad survey link) carry an already translated description.
        described = err.description if err.description != type(err).description else None
        return gettext("Page not found"), described or gettext("Check that the whole link was copied.")
    if status == 429:
        return gettext("Too many requests"), gettext("Please wait a minute, then try again.")
    return err.name, err.description
