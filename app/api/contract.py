"""The API's declarations: `accepts` loads the body or query through a schema and passes it to the
view; `responds` and `paginated` shape what the view returns. The OpenAPI document reads them.

    @bp.post("/surveys")
    @accepts(SurveyInSchema)
    @responds(201, SurveyOutSchema)
    def create_survey(body: dict): ...
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import request

from app.api.body import json_body, query_args
from app.platform.contract import JSON, Input, SchemaLike, declare, responds, schema_instance
from app.schemas.common import page_schema

__all__ = ["accepts", "paginated", "responds"]


def accepts(schema: SchemaLike, location: str = "json", partial: bool = False, lookup: Callable | None = None):
    """Load the JSON body (`body=`) or the query string (`query=`) through `schema` for the view.

    The body is read as `json_body` reads it (415 not JSON, 400 malformed, 422 invalid; `partial`
    for PATCH); the query as `query_args` does (a repeated key keeps its last value). `lookup`,
    called with the URL's arguments, finds the row first (passed as `found=`): a missing row is a
    404 whatever the body holds.
    """
    instance = schema_instance(schema)
    if location not in ("json", "query"):
        raise ValueError(f"accepts: unknown location {location!r}")

    def decorate(view: Callable) -> Callable:
        declare(view).inputs.insert(0, Input(instance, location, JSON, partial=partial))

        @wraps(view)
        def loaded(*args, **kwargs):
            if lookup is not None:
                kwargs["found"] = lookup(**request.view_args)
            if location == "json":
                kwargs["body"] = json_body(instance, partial=partial)
            else:
                kwargs["query"] = query_args(instance)
            return view(*args, **kwargs)

        return loaded

    return decorate


def paginated(item_schema: SchemaLike, description: str = "A page, newest or lowest id first"):
    """Answer 200 with `{items, next_cursor}`; the view returns a `Page` (app/services/pagination.py)."""
    return responds(200, page_schema(item_schema), description=description)
