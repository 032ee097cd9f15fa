"""The responses feed's query string (app/web/feed_links.py names its parameters): what the filter
form and every drill-down link may send, checked like any other input."""

from __future__ import annotations

from marshmallow import EXCLUDE, ValidationError, fields, pre_load, validate, validates_schema

from app.schemas.common import Id, Int, StrictSchema, Text
from app.schemas.query import SENTIMENTS


class FeedQuery(StrictSchema):
    """Every FEED_FILTERS parameter, plus `after` (the keyset cursor). An empty field is no filter
    (a GET form sends every field), and a parameter that is not a filter (a campaign tag on a
    shared link) is ignored rather than refused: the page must open from any bookmark."""

    class Meta:
        unknown = EXCLUDE

    survey_id = Id(data_key="survey")
    day_from = fields.Date(data_key="from")
    day_to = fields.Date(data_key="to")
    score_min = Int()
    score_max = Int()
    agent = Text(320)
    team = Text(200)
    channel = Text(50)
    priority = Text(50)
    segment = Text(100)
    tag = Text(100)
    theme = Text(100)
    sentiment = fields.String(validate=validate.OneOf(SENTIMENTS))
    mismatch = fields.Boolean(truthy={"1", "true"}, falsy={"0", "false"})
    language = Text(8)
    q = Text(200)
    cursor = Text(200, data_key="after")

    @pre_load
    def _drop_empty(self, data, **kwargs):
        return {key: value.strip() for key, value in data.items() if isinstance(value, str) and value.strip()}

    @validates_schema
    def _ordered(self, data, **kwargs):
        if "day_from" in data and "day_to" in data and data["day_to"] < data["day_from"]:
            raise ValidationError("The end date is before the start date.", "to")
        if "score_min" in data and "score_max" in data and data["score_max"] < data["score_min"]:
            raise ValidationError("The highest score is below the lowest.", "score_max")
