"""Field helpers shared by the inbound schemas."""
from __future__ import annotations

from datetime import datetime, timezone

from marshmallow import Schema, ValidationError, fields
from marshmallow.validate import Length


class StrictSchema(Schema):
    """Inbound shapes: unknown fields are an error, not silently dropped."""

    class Meta:
        unknown = "raise"


class AwareDateTime(fields.DateTime):
    """ISO 8601; a value without a zone is taken as UTC, and every value comes out aware."""

    def _deserialize(self, value, attr, data, **kwargs) -> datetime:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            try:
                return datetime.fromtimestamp(value, timezone.utc)
            except (OverflowError, OSError, ValueError) as exc:
                raise ValidationError("Not a valid timestamp.") from exc
        result = super()._deserialize(value, attr, data, **kwargs)
        return result if result.tzinfo else result.replace(tzinfo=timezone.utc)


def Text(max_length: int, validate=None, **kwargs) -> fields.String:  # noqa: N802 (reads like a field class)
    """A string field with a length cap (plus any other validators given)."""
    validators = [Length(max=max_length)] + (validate if isinstance(validate, list) else [validate] if validate else [])
    return fields.String(validate=validators, **kwargs)
