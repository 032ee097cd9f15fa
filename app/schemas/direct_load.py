"""A schema's load, field by field, for the bodies that pass: the webhook door's hot path.

`Schema.load` spends most of its time on machinery around the fields (processor lookups, error
stores, per-level hooks, partial and unknown handling): ~60 us of a ~700 us webhook, for a body
whose fields each take a few microseconds. `load_direct` calls each declared field's own
`deserialize` (the same conversion and validators `load` calls) and builds the same dict, so a
valid body comes out identical. Whatever it does not handle the way `load` would (a key the
schema does not declare, text that may hold a NUL or a lone surrogate, a nested field with
options, a schema with hooks or validators of its own beyond the strict-text check) and every
error go to `schema.load` itself, so a refusal's messages are exactly `load`'s.
"""

from __future__ import annotations

from functools import cache

from marshmallow import Schema, ValidationError, fields, missing

from app.platform.strict_json import has_suspect_text
from app.schemas.common import StrictSchema


class _NotDirect(Exception):
    """The body needs `Schema.load` itself."""


def load_direct(schema: Schema, data):
    """`schema.load(data)`, faster for a body that passes; any failure is load's own error."""
    if not isinstance(data, dict) or has_suspect_text(data):  # the strict-text check runs in load
        return schema.load(data)
    try:
        return _load(schema, data)
    except (_NotDirect, ValidationError):
        return schema.load(data)


def _load(schema: Schema, data) -> dict:
    if not isinstance(data, dict):
        raise _NotDirect
    plan = _plan(schema)
    if plan is None:
        raise _NotDirect
    for key in data:
        if key not in plan:
            raise _NotDirect  # unknown = raise: load names it
    result = {}
    for key, (store_as, field, nested) in plan.items():
        raw = data.get(key, missing)
        if nested is not None and raw is not missing and raw is not None:
            value = _load(nested, raw)
        else:
            value = field.deserialize(raw, key, data)
        if value is not missing:
            result[store_as] = value
    return result


@cache
def _plan(schema: Schema) -> dict | None:
    """Input key -> (result key, field, nested schema to load directly or None); None when the
    schema does anything `_load` does not reproduce."""
    if not _plain(schema):
        return None
    plan = {}
    for name, field in schema.load_fields.items():
        store_as = field.attribute or name
        if "." in store_as:  # load would nest the value
            return None
        nested = None
        if isinstance(field, fields.Nested):
            if (
                field.many
                or field.only
                or field.exclude
                or field.unknown is not None
                or field.validators
                or not isinstance(field.nested, type)
            ):
                return None
            nested = field.schema
            if _plan(nested) is None:
                return None
        plan[field.data_key or name] = (store_as, field, nested)
    return plan


def _plain(schema: Schema) -> bool:
    """Strict (unknown keys refused), and no hooks or validators but StrictSchema's text check,
    which load_direct's has_suspect_text screen stands in for."""
    if schema.unknown != "raise" or schema.partial or schema.many:
        return False
    hooks = {name for tagged in schema._hooks.values() for name, *_ in tagged}
    return hooks <= {"_refuse_unstorable_text"} and isinstance(schema, StrictSchema)
