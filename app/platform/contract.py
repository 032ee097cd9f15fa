"""What a view takes and answers, declared once on the view: the declarations shape its response
and the OpenAPI document (app/api/openapi.py) reads the same declarations.

A view declared with `@responds` returns a value (an ORM row, a dataclass, a dict), or
`(value, status)` when it declares more than one status; the value leaves through the schema
declared for that status. A view that builds its own response (CSV, HTML, a 304) returns it as
it is and declares it with `schema=None` and its content type.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps

from flask import Response, jsonify
from marshmallow import Schema

JSON = "application/json"
HTML = "text/html"
FORM = "application/x-www-form-urlencoded"

SchemaLike = Schema | type[Schema]


def schema_instance(schema: SchemaLike | dict | None) -> Schema | dict | None:
    return schema() if isinstance(schema, type) else schema


@dataclass(frozen=True)
class Reply:
    """One documented answer: a status, what its body holds and in which content type."""

    status: int
    schema: Schema | dict | None  # a dict is a plain JSON schema (the OpenAPI document itself)
    description: str
    content_type: str = JSON


@dataclass(frozen=True)
class Input:
    """What a view reads: its JSON body or its query string, through a schema."""

    schema: Schema | dict  # a dict is a plain JSON schema, for a body read raw
    location: str  # "json", "query" or "form"
    content_type: str = JSON
    required: bool = True
    partial: bool = False  # a PATCH: every field optional


@dataclass
class Contract:
    inputs: list[Input] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)
    error_content_type: str = JSON
    shaped: bool = False

    def reply_for(self, status: int) -> Reply:
        for reply in self.replies:
            if reply.status == status and reply.content_type == JSON:
                return reply
        raise LookupError(f"status {status} is not declared with a JSON body")

    @property
    def default_status(self) -> int:
        return min(reply.status for reply in self.replies if 200 <= reply.status < 300)


def contract_of(view: Callable) -> Contract | None:
    """The view's declarations, or None for a view that declared nothing."""
    return getattr(view, "contract", None)


def declare(view: Callable) -> Contract:
    # functools.wraps copies __dict__, so every wrapper around the view shares this one object.
    contract = view.__dict__.get("contract")
    if contract is None:
        contract = view.contract = Contract()
    return contract


def responds(
    status: int,
    schema: SchemaLike | dict | None = None,
    *,
    description: str = "",
    content_type: str = JSON,
    errors: str | None = None,
):
    """Declare one answer of the view; JSON values leave through `schema` (204: no body at all).

    `errors` names the content type of the view's 4XX answers when they are not JSON (HTML pages).
    """

    def decorate(view: Callable) -> Callable:
        contract = declare(view)
        # Decorators apply bottom-up: insert at the front so the list reads in source order.
        contract.replies.insert(
            0,
            Reply(
                status,
                schema_instance(schema),
                description or _DEFAULT.get(status, "See the description"),
                content_type,
            ),
        )
        if errors:
            contract.error_content_type = errors
        if contract.shaped:
            return view
        contract.shaped = True

        @wraps(view)
        def shaped(*args, **kwargs):
            return _shape(contract, view(*args, **kwargs))

        return shaped

    return decorate


def takes(schema: SchemaLike | dict, *, location: str = "json", content_type: str = JSON, required: bool = True):
    """Document an input the view reads itself (a raw signed body, the widget's hand-checked JSON)."""

    def decorate(view: Callable) -> Callable:
        declare(view).inputs.insert(0, Input(schema_instance(schema), location, content_type, required))
        return view

    return decorate


def _shape(contract: Contract, result):
    if isinstance(result, (Response, str, bytes)):
        return result  # the view built its own answer (CSV, HTML, a script)
    value, status = result if isinstance(result, tuple) else (result, contract.default_status)
    if isinstance(value, (Response, str, bytes)):
        return value, status
    reply = contract.reply_for(status)
    if reply.schema is None:
        return "", status
    if isinstance(reply.schema, dict):  # documented by a plain JSON schema: the value is already JSON
        return jsonify(value), status
    return jsonify(reply.schema.dump(value)), status


_DEFAULT = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    204: "Done; no body",
    304: "Not modified since the ETag sent",
    503: "Unavailable",
}
