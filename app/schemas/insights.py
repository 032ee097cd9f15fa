"""Shapes for the insight endpoints: the event log, workspace settings, the metrics and drivers views."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.schemas.common import Int, Number, StrictSchema, Text, list_schema
from app.schemas.query import MetricsQuery


class AnnotationInSchema(StrictSchema):
    date = fields.Date(required=True)
    label = Text(200, required=True, validate=validate.Length(min=1))
    note = Text(5000, allow_none=True)


class AnnotationsQuery(StrictSchema):
    since = fields.Date()
    until = fields.Date()


class CsatThresholdSchema(StrictSchema):
    good_points = Int(strict=True, allow_none=True, validate=validate.Range(min=1, max=9))


class CesThresholdSchema(StrictSchema):
    easy_points = Int(strict=True, allow_none=True, validate=validate.Range(min=1, max=6))


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
    first_response_minutes = Int(strict=True, allow_none=True, validate=validate.Range(min=1, max=60 * 24 * 90))
    resolution_hours = Int(strict=True, allow_none=True, validate=validate.Range(min=1, max=24 * 365))


class SlaSchema(SlaTargetSchema):
    channels = fields.Dict(keys=Text(50), values=fields.Nested(SlaTargetSchema), validate=validate.Length(max=50))


class RankingSchema(StrictSchema):
    min_sample = Int(strict=True, allow_none=True, validate=validate.Range(min=1, max=100_000))


class DriversQuery(MetricsQuery):
    """The metrics filters; drivers have their own buckets, so no `interval` or `group_by`."""

    @validates_schema
    def _no_series(self, data, **kwargs):
        for name in ("interval", "group_by"):
            if name in data:
                raise ValidationError("Not used by /drivers.", name)


# Out: what the metrics and drivers views hold. The figures are computed by the services
# (app/services/insights); these schemas name every key they return, so none leaks by accident.

Stamp = lambda **kw: fields.String(metadata={"format": "date-time"}, **kw)  # already ISO text, in its zone


class AnnotationOutSchema(Schema):
    id = Int()
    date = fields.Date(attribute="day")
    label = fields.String()
    note = fields.String(allow_none=True)


AnnotationListSchema = list_schema(AnnotationOutSchema)


class ChangeSchema(Schema):
    previous_n = Int()
    previous_value = Number(allow_none=True)
    delta = Number(allow_none=True)
    z = Number(allow_none=True)
    significant = fields.Boolean()
    verdict = fields.String(metadata={"enum": ["not enough data", "up", "down", "no significant change"]})
    test = fields.String(metadata={"description": "the test used, when both periods have answers"})


# What each kind's `value` counts, so a CES value is never read as its mean agreement.
UNITS = {"csat": "% satisfied", "nps": "NPS points (−100 to 100)", "ces": "% easy"}
_UNIT = {"type": "string", "enum": list(UNITS.values()), "description": "what `value` counts"}


def iso_duration(seconds: float | None) -> str | None:
    """Seconds as an ISO 8601 duration in hours, minutes and seconds: 20940 -> "PT5H49M".

    Hours rather than days, since a day is not always 24 hours where the team works."""
    if seconds is None:
        return None
    whole = round(seconds)
    hours, rest = divmod(abs(whole), 3600)
    minutes, secs = divmod(rest, 60)
    text = "".join(f"{v}{u}" for v, u in ((hours, "H"), (minutes, "M"), (secs, "S")) if v) or "0S"
    return ("-" if whole < 0 else "") + "PT" + text


def _iso(attribute: str):
    return fields.Function(
        lambda obj: iso_duration(obj.get(attribute)),
        allow_none=True,
        metadata={"type": "string", "description": f"`{attribute}` as an ISO 8601 duration, e.g. PT5H49M"},
    )


class BenchmarkSchema(Schema):
    from_ = Number(attribute="from", data_key="from", allow_none=True)
    band = fields.String()


class ScoreSummarySchema(Schema):
    """A headline score; NPS adds promoters, passives and detractors, CES its mean agreement."""

    kind = fields.String(metadata={"enum": ["csat", "nps", "ces"]})
    unit = fields.Function(lambda s: UNITS.get(s["kind"]), metadata=_UNIT)
    scale = fields.List(Int())
    n = Int()
    low_sample = fields.Boolean()
    formula = fields.String()
    distribution = fields.Dict(keys=fields.String(), values=Int())
    value = Number(allow_none=True)
    promoters = Int()
    passives = Int()
    detractors = Int()
    ci_low = Number(allow_none=True)
    ci_high = Number(allow_none=True)
    easy_percent = Number(allow_none=True)
    mean = Number(allow_none=True)
    mean_ci_low = Number(allow_none=True)
    mean_ci_high = Number(allow_none=True)
    band = fields.String(
        allow_none=True, metadata={"description": "the benchmark band, only when the whole interval lies in it"}
    )
    band_note = fields.String(allow_none=True, metadata={"description": "why no band is claimed"})
    confidence = Number()
    z = Number()
    change = fields.Nested(ChangeSchema)
    target = Number(allow_none=True)
    meets_target = fields.Boolean(allow_none=True)
    benchmarks = fields.List(fields.Nested(BenchmarkSchema))


class CompactScoreSchema(Schema):
    """A score in a series point, a group or a driver bucket (NPS and CES add their own figures)."""

    n = Int()
    low_sample = fields.Boolean()
    unit = fields.String(metadata=_UNIT)
    value = Number(allow_none=True)
    promoters = Int()
    detractors = Int()
    ci_low = Number(allow_none=True)
    ci_high = Number(allow_none=True)
    mean = Number(allow_none=True)
    mean_ci_low = Number(allow_none=True)
    mean_ci_high = Number(allow_none=True)


class _ScoresByKind(fields.Dict):
    """{kind: compact score}, each with the unit of its kind's `value`."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        united = {kind: {**score, "unit": UNITS.get(kind)} for kind, score in value.items()}
        return super()._serialize(united, attr, obj, **kwargs)


def _scores():
    return _ScoresByKind(keys=fields.String(), values=fields.Nested(CompactScoreSchema))


class ResponseRateSchema(Schema):
    delivered = Int()
    answered = Int()
    value = Number(allow_none=True)
    ci_low = Number(allow_none=True)
    ci_high = Number(allow_none=True)
    formula = fields.String()
    target = Number(allow_none=True, metadata={"description": "the workspace's target (headline only)"})


class SentimentSchema(Schema):
    mean_polarity = Number(allow_none=True)
    n = Int()
    formula = fields.String()


class PeriodSchema(Schema):
    since = Stamp()
    until = Stamp()


class SeriesPointSchema(Schema):
    period = fields.String(metadata={"format": "date"})
    start = Stamp()
    end = Stamp()
    n = Int()
    scores = _scores()
    response_rate = fields.Nested(ResponseRateSchema)
    sentiment = fields.Nested(SentimentSchema)
    annotations = fields.List(fields.Nested(AnnotationOutSchema))


class GroupSchema(Schema):
    key = fields.String(allow_none=True)
    label = fields.String(allow_none=True)
    n = Int()
    scores = _scores()
    response_rate = fields.Nested(ResponseRateSchema)
    sentiment = fields.Nested(SentimentSchema)


_SAME_AS_SCORES = {
    "deprecated": True,
    "description": "deprecated: the first score of this kind in `scores`, repeated; read `scores` instead",
}


class MetricsSchema(Schema):
    survey_id = Int(allow_none=True)
    since = Stamp()
    until = Stamp()
    tz = fields.String()
    interval = fields.String(metadata={"enum": ["day", "week", "month"]})
    group_by = fields.String(allow_none=True)
    filters = fields.Dict(keys=fields.String(), values=fields.String())
    previous = fields.Nested(PeriodSchema)
    scores = fields.List(
        fields.Nested(ScoreSummarySchema),
        metadata={"description": "the headline scores: one per kind and scale, CSAT, NPS, then CES"},
    )
    # The first score of each kind again: kept for one version so clients can move to `scores`.
    csat = fields.Nested(ScoreSummarySchema, allow_none=True, metadata=_SAME_AS_SCORES)
    nps = fields.Nested(ScoreSummarySchema, allow_none=True, metadata=_SAME_AS_SCORES)
    ces = fields.Nested(ScoreSummarySchema, allow_none=True, metadata=_SAME_AS_SCORES)
    response_rate = fields.Nested(ResponseRateSchema)
    sentiment = fields.Nested(SentimentSchema)
    series = fields.List(fields.Nested(SeriesPointSchema))
    groups = fields.List(fields.Nested(GroupSchema))
    source = fields.String(metadata={"enum": ["rollup", "raw"]})


class DurationsSchema(Schema):
    n = Int()
    mean = Number(allow_none=True, metadata={"description": "seconds"})
    median = Number(allow_none=True, metadata={"description": "seconds"})
    mean_iso = _iso("mean")
    median_iso = _iso("median")
    formula = fields.String()


class RateSchema(Schema):
    n = Int()
    value = Number(allow_none=True)
    ci_low = Number(allow_none=True)
    ci_high = Number(allow_none=True)
    formula = fields.String()


class FcrSchema(RateSchema):
    target = Number(allow_none=True)
    benchmark = fields.String()


class SlaComplianceSchema(Schema):
    first_response = fields.Nested(RateSchema)
    resolution = fields.Nested(RateSchema)
    overall = fields.Nested(RateSchema)
    targets = fields.Nested(SlaSchema)
    target = Number(allow_none=True)


class HandleTimeSchema(Schema):
    value = Number(allow_none=True, metadata={"description": "seconds"})
    value_iso = _iso("value")
    n = Int()
    formula = fields.String()


class OperationsSchema(Schema):
    tickets = Int()
    first_response_seconds = fields.Nested(DurationsSchema)
    resolution_seconds = fields.Nested(DurationsSchema)
    reopen_rate = fields.Nested(RateSchema)
    fcr = fields.Nested(FcrSchema)
    sla = fields.Nested(SlaComplianceSchema)
    average_handle_seconds = fields.Nested(HandleTimeSchema)


class BucketSchema(Schema):
    bucket = fields.String()
    tickets = Int()
    n = Int()
    scores = _scores()


class DriversSchema(Schema):
    survey_id = Int(allow_none=True)
    since = Stamp()
    until = Stamp()
    filters = fields.Dict(keys=fields.String(), values=fields.String())
    operations = fields.Nested(OperationsSchema)
    drivers = fields.Dict(keys=fields.String(), values=fields.List(fields.Nested(BucketSchema)))
