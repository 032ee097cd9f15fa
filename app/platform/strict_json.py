"""The one JSON loader for everything a client sends: request bodies, webhooks, signed payloads.

Python's json module accepts what no column or calculation can hold: NaN and Infinity, 1e400
(a float that overflows to inf), lone surrogates from "\\ud800" escapes
(valid JSON, invalid Unicode: no database can store them), NUL characters (PostgreSQL text
refuses them), and nesting deep enough to exhaust the recursion limit. Each of those used to
surface as a 500 somewhere downstream. Here each is refused at the door with a reason, so every
caller answers a 4xx and nothing half-written follows. Integers are left to the schemas, which
bound each field to its column and name the field in their 422.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from flask import request
from flask.json.provider import DefaultJSONProvider

MAX_DEPTH = 32  # no shape we accept nests deeper than ~6; a margin for helpdesks' payloads

# What repr() shows for the characters we refuse: one pass in C finds whether any is present
# (a literal backslash typed by someone also matches, and the exact walk then decides).
_SUSPECT = re.compile(r"\\x00|\\ud[89a-f]")


class Refused(ValueError):
    """The body is not JSON we accept; the message says why, for the client."""


def loads(raw: bytes | str, max_depth: int = MAX_DEPTH, check_text: bool = True) -> Any:
    """Parse `raw` (UTF-8 bytes or text), or raise Refused with a reason a client can act on.

    With `check_text` off, strings are left to the caller's schema (StrictSchema refuses NUL and
    lone surrogates per field, so its 422 can name the field).
    """
    if isinstance(raw, bytes | bytearray):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise Refused("The body is not UTF-8.") from None
    try:
        value = json.loads(raw, parse_constant=_no_constant, parse_float=_finite)
    except Refused:  # from the number hooks: their own reason
        raise
    except RecursionError:
        raise Refused(f"The JSON is nested too deeply (at most {max_depth} levels).") from None
    except json.JSONDecodeError:
        raise Refused("The body is not valid JSON.") from None
    except ValueError:  # an integer of more digits than Python converts (4,300)
        raise Refused("The body holds a number too long to read.") from None
    problem = _problem(value, raw, max_depth, check_text)
    if problem:
        raise Refused(problem)
    return value


def text_problem(value: str) -> str | None:
    """Why a string cannot be taken (a NUL, a lone surrogate), or None."""
    if "\x00" in value:
        return "Text must not contain NUL characters."
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "Text must be valid Unicode (it holds a lone surrogate)."
    return None


def _no_constant(name: str):
    raise Refused(f"{name} is not a number we accept.")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise Refused(f"The number {text[:40]} is out of range.")
    return number


def _problem(value: Any, raw: str, max_depth: int, check_text: bool) -> str | None:
    # Fast paths in C: no more brackets than the depth allows means no deeper nesting, and a
    # repr() without an escaped NUL or surrogate means no such character anywhere.
    shallow = raw.count("[") + raw.count("{") <= max_depth
    if shallow and not (check_text and has_suspect_text(value)):
        return None
    return _walk(value, max_depth, check_text)


def has_suspect_text(value: Any) -> bool:
    """Whether a NUL or lone surrogate may be somewhere in `value` (one repr() pass in C)."""
    try:
        return bool(_SUSPECT.search(repr(value)))
    except (RecursionError, ValueError):  # absurdly deep, or an int too long to print
        return True


def walk_text_problem(value: Any) -> str | None:
    """The first NUL or lone surrogate anywhere in `value` (keys too), exactly; None if clean."""
    return None if not has_suspect_text(value) else _walk(value, 10**6, True)


def _walk(value: Any, max_depth: int, check_text: bool) -> str | None:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            problem = text_problem(item) if check_text else None
            if problem:
                return problem
        elif isinstance(item, dict | list):
            if depth > max_depth:
                return f"The JSON is nested too deeply (at most {max_depth} levels)."
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return None


def request_json() -> Any:
    """The request's JSON body, read by `loads` (text left to the schemas); None when the request
    does not say it is JSON. A malformed body raises Refused, answered 400 `invalid_json`."""
    if not request.is_json:
        return None
    return loads(request.get_data(cache=True), check_text=False)


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's JSON, with request bodies (`request.get_json()`) read by `loads` above."""

    sort_keys = False  # responses keep their schema's field order: easier to read

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return loads(s, check_text=False)
