"""What customers' browsers and mail clients get as JSON: the widget's view and answers, unsubscribe."""

from __future__ import annotations

from marshmallow import Schema, fields

from app.schemas.common import Int, StrictSchema


class FollowUpsSchema(Schema):
    default = fields.String(allow_none=True)
    low = fields.String(allow_none=True)
    high = fields.String(allow_none=True)


class BandsSchema(Schema):
    low_max = Int(metadata={"description": "scores up to this are low"})
    high_min = Int(metadata={"description": "scores from this are high"})


class BrandingSchema(Schema):
    name = fields.String()
    colour = fields.String()
    on_colour = fields.String()
    logo_url = fields.String(allow_none=True)


class WidgetAnswerSchema(Schema):
    score = Int()
    comment = fields.String(allow_none=True)


class WidgetSchema(Schema):
    """The survey as the widget shows it; only `status` ("skipped") when the fatigue rules said no."""

    token = fields.String()
    status = fields.String(metadata={"enum": ["open", "closed", "answered", "skipped"]})
    kind = fields.String()
    question = fields.String()
    scale = fields.List(Int())
    follow_up = fields.Nested(FollowUpsSchema)
    bands = fields.Nested(BandsSchema)
    locale = fields.String()
    expired = fields.Boolean()
    editable = fields.Boolean()
    answer = fields.Nested(WidgetAnswerSchema, allow_none=True)
    thank_you = fields.String(
        allow_none=True, metadata={"description": "the survey's own thanks, shown after an answer"}
    )
    branding = fields.Nested(BrandingSchema)
    strings = fields.Dict(keys=fields.String(), values=fields.String(), metadata={"description": "every label"})


class RecordedAnswerSchema(Schema):
    id = Int()
    score = Int()
    comment = fields.String(allow_none=True)


class WidgetAnswerInSchema(StrictSchema):
    """Documents the widget's answer body (the view checks it by hand, to answer in the widget's words)."""

    score = Int(required=True)
    comment = fields.String(allow_none=True)


class SignedEmbedInSchema(StrictSchema):
    """Documents the signed-payload body: `signed` from the host's server, `locale` from the page."""

    signed = fields.String(required=True)
    locale = fields.String()


class UnsubscribeFormSchema(Schema):
    """The page's button, or a mail client's RFC 8058 one-click POST."""

    one_click = fields.String(data_key="List-Unsubscribe", metadata={"enum": ["One-Click"]})


class SurveyFormSchema(Schema):
    score = Int(required=True)
    comment = fields.String()


class UnsubscribedSchema(Schema):
    status = fields.String(metadata={"enum": ["unsubscribed"]})
