"""Field helpers shared by the inbound schemas."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from marshmallow import Schema, ValidationError, fields, pre_load
from marshmallow.validate import Length, Range, Regexp

from app.platform.bounds import MAX_INT
from app.platform.strict_json import walk_text_problem


class StrictSchema(Schema):
    """Inbound shapes: unknown fields are an error, not silently dropped."""

    class Meta:
        unknown = "raise"

    @pre_load
    def _refuse_unstorable_text(self, data, **kwargs):
        # NUL (PostgreSQL text cannot hold it) and lone surrogates (no database can encode them)
        # are refused here, naming the field, so such input is a 422 and never a 500.
        if isinstance(data, dict):
            fields_ = {key: [problem] for key, value in data.items() if (problem := walk_text_problem([key, value]))}
            if fields_:
                raise ValidationError(fields_)
        elif problem := walk_text_problem(data):
            raise ValidationError(problem)
        return data


class AwareDateTime(fields.DateTime):
    """ISO 8601; a value without a zone is taken as UTC, and every value comes out aware."""

    def _deserialize(self, value, attr, data, **kwargs) -> datetime:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            try:
                return datetime.fromtimestamp(value, UTC)
            except (OverflowError, OSError, ValueError) as exc:
                raise ValidationError("Not a valid timestamp.") from exc
        result = super()._deserialize(value, attr, data, **kwargs)
        try:
            # Stored as UTC: a time that has no UTC equivalent (year 1 at +14:00) is refused here.
            return (result if result.tzinfo else result.replace(tzinfo=UTC)).astimezone(UTC)
        except OverflowError as exc:
            raise ValidationError("Not a valid datetime.") from exc


class Int(fields.Integer):
    """Every integer a client sends: never beyond what an INTEGER column holds (±MAX_INT), so an
    absurd number is a 422 naming its field, never an overflow in the database. Narrower ranges
    are given as usual (`validate=Range(...)`) and apply as well."""

    def __init__(self, *args, validate=None, **kwargs):
        given = validate if isinstance(validate, list) else [validate] if validate else []
        super().__init__(*args, validate=[Range(min=-MAX_INT, max=MAX_INT), *given], **kwargs)


_NOT_OURS = "The cursor is not one this API returned."


def _an_id(value: str) -> None:
    if value.isdigit() and not 1 <= int(value) <= MAX_INT:  # not digits: the Regexp says so
        raise ValidationError(_NOT_OURS)


def IdCursor() -> fields.String:
    """A keyset cursor that is a row id, as this API returns it: digits, within an INTEGER column."""
    return fields.String(validate=[Regexp(r"^\d{1,10}$", error=_NOT_OURS), _an_id])


def Id(**kwargs) -> Int:
    """A row id: a positive integer no larger than an INTEGER column holds."""
    return Int(validate=Range(min=1, max=MAX_INT), **kwargs)


def Text(max_length: int, validate=None, **kwargs) -> fields.String:
    """A string field with a length cap (plus any other validators given)."""
    validators = [Length(max=max_length)] + (validate if isinstance(validate, list) else [validate] if validate else [])
    return fields.String(validate=validators, **kwargs)


class TimeZone(fields.String):
    """An IANA time-zone name, e.g. Europe/Paris."""

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        name = super()._deserialize(value, attr, data, **kwargs)
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError("Not a known IANA time zone, e.g. Europe/Paris.") from None
        return name


def _base_name(item: type[Schema]) -> str:
    return item.__name__.removesuffix("Schema").removesuffix("Out")


@cache
def page_schema(item: type[Schema] | Schema) -> type[Schema]:
    """`{items, next_cursor}` around `item` (one class per item, so the document names it once)."""
    item = item if isinstance(item, type) else type(item)
    shape = {"items": fields.List(fields.Nested(item)), "next_cursor": fields.String(allow_none=True)}
    return Schema.from_dict(shape, name=f"{_base_name(item)}PageSchema")


@cache
def list_schema(item: type[Schema]) -> type[Schema]:
    """`{items}` around `item`: a whole list, no pagination."""
    return Schema.from_dict({"items": fields.List(fields.Nested(item))}, name=f"{_base_name(item)}ListSchema")


class Number(fields.Float):
    """A number as the service computed it: an int stays an int in the JSON (Float would print 5.0)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return value


class Whole(fields.Nested):
    """A nested object made of the parent's own attributes (an invite's ticket_* columns as `ticket`),
    or of one related object's (`of="invite"`: an answer's ticket), which several fields may share."""

    def __init__(self, nested, *, of: str | None = None, **kwargs):
        super().__init__(nested, **kwargs)
        self.of = of

    def serialize(self, attr, obj, accessor=None, **kwargs):
        source = getattr(obj, self.of) if self.of else obj
        return self._serialize(source, attr, obj, **kwargs)
