"""URL converters shared by the blueprints."""

from __future__ import annotations

from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from app.platform.bounds import MAX_INT


class IdConverter(IntegerConverter):
    """`<id:name>`: a row id; a number beyond any stored id is a 404, not a database overflow.

    Out of range is a 404 raised here, not a failed match: werkzeug would otherwise answer other
    methods on the same path (a PATCH of /integrations/10^30) with 405, as if the route were absent.
    """

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_INT:
            raise NotFound()
        return number
