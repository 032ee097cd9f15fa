"""URL converters shared by the blueprints."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

from app.platform.bounds import MAX_INT


class IdConverter(IntegerConverter):
    """`<id:name>`: a row id; a number beyond any stored id is a 404, not a database overflow."""

    def __init__(self, map, *args, **kwargs):
        super().__init__(map, min=1, max=MAX_INT)
