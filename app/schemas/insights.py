"""Shapes for the insight endpoints: the event log, workspace settings and the drivers query."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from app.schemas.common import StrictSchema, Text
from app.schemas.query import MetricsQuery


class AnnotationInSchema(StrictSchema):
    date = fields.Date(required=True)
    label = Text(200, required=True, validate=validate.Length(min=1))
    note = Text(5000, allow_none=True)


class AnnotationsQuery(StrictSchema):
    since = fields.Date()
    until = fields.Date()


class CsatThresholdSchema(StrictSchema):
    good_points = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=1, max=9))


class CesThresholdSchema(StrictSchema):
    easy_points = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=1, max=6))


class ThresholdsSchema(StrictSchema):
    csat = fields.Nested(CsatThresholdSchema)
    ces = fields.Nested(CesThresholdSchema)


def _target(low: float, high: float):
    return fields.Float(allow_none=True, allow_nan=False, validate=validate.Range(min=low, max=high))


class TargetsSchema(StrictSchema):
    csat = _target(0, 100)
    nps = _target(-100, 100)
    ces = _target(0, 100)
    response_rate = _target(0, 100)
    fcr = _target(0, 100)
    sla = _target(0, 100)


class SlaTargetSchema(StrictSchema):
    first_response_minutes = fields.Integer(
        strict=True, allow_none=True, validate=validate.Range(min=1, max=60 * 24 * 90)
    )
    resolution_hours = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=1, max=24 * 365))


class SlaSchema(SlaTargetSchema):
    channels = fields.Dict(keys=Text(50), values=fields.Nested(SlaTargetSchema), validate=validate.Length(max=50))


class DriversQuery(MetricsQuery):
    """The metrics filters; drivers have their own buckets, so no `interval` or `group_by`."""

    @validates_schema
    def _no_series(self, data, **kwargs):
        for name in ("interval", "group_by"):
            if name in data:
                raise ValidationError("Not used by /drivers.", name)
