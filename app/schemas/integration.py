"""Integration shapes."""
from __future__ import annotations

from marshmallow import fields, validate

from app.integrations import PROVIDERS
from app.schemas.common import Id, StrictSchema, Text


class IntegrationInSchema(StrictSchema):
    provider = fields.String(required=True, validate=validate.OneOf(sorted(PROVIDERS)))
    survey_id = Id(strict=True, required=True)
    secret = Text(200, validate=validate.Length(min=16, max=200))
