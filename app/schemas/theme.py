"""Theme shapes: catalogue definitions in and out, and the /themes report."""

from __future__ import annotations

import re

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from app.models.theme import THEME_SOURCES, ThemeSource
from app.schemas.common import IdCursor, Int, StrictSchema, Text
from app.schemas.query import ResponsesQuery

_HAS_WORD = re.compile(r"\w")
MAX_ID = 2**31 - 1  # ids are 32-bit integer columns


def _has_word(value: str) -> None:
    if not _HAS_WORD.search(value):
        raise ValidationError("Must contain at least one letter or digit.")


def _one_word(value: str) -> None:
    _has_word(value)
    if len(value.split()) != 1:
        raise ValidationError("A keyword is one word; put several words in `phrases`.")


Keywords = fields.List(Text(100, validate=_one_word), validate=validate.Length(max=100))
Phrases = fields.List(Text(200, validate=_has_word), validate=validate.Length(max=100))


class ThemeInSchema(StrictSchema):
    """A custom theme: answers whose comment contains any keyword or phrase get its key."""

    label = Text(100, required=True, validate=[validate.Length(min=1), _has_word])
    # The key answers carry (and /responses?theme= filters on); defaults to the label in lower case.
    key = Text(100, validate=[validate.Length(min=1), _has_word])
    keywords = Keywords
    phrases = Phrases

    @validates_schema
    def _needs_terms(self, data, partial=False, **kwargs):
        if not partial and not data.get("keywords") and not data.get("phrases"):
            raise ValidationError("A custom theme needs at least one keyword or phrase.", "keywords")


class ThemePatchSchema(StrictSchema):
    """What can change: the label of any theme, the keywords and phrases of a custom one, whether a
    default or discovered one is enabled (not the key)."""

    label = Text(100, validate=[validate.Length(min=1), _has_word])
    keywords = Keywords
    phrases = Phrases
    enabled = fields.Boolean(
        truthy={True}, falsy={False}, metadata={"description": "false switches a default or discovered theme off"}
    )


class ThemeOutSchema(Schema):
    id = Int()
    key = fields.String()
    label = fields.String()
    source = fields.String(metadata={"enum": list(THEME_SOURCES)})
    keywords = fields.List(fields.String())
    phrases = fields.List(fields.String())
    enabled = fields.Boolean()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class CatalogueQuery(StrictSchema):
    source = fields.String(validate=validate.OneOf([s.value for s in ThemeSource]))
    limit = Int(load_default=200, validate=validate.Range(min=1, max=1000))
    cursor = IdCursor()


class ThemesQuery(ResponsesQuery):
    """The /responses filters; survey_id is required because scores only compare within a survey.

    `limit` caps the number of themes returned (the most negative impacts first).
    """

    class Meta:
        unknown = RAISE
        exclude = ("cursor",)

    survey_id = Int(
        required=True,
        validate=validate.Range(min=1, max=MAX_ID),
        error_messages={"required": "Themes are scored per survey: pass survey_id."},
    )
    # Bounded so an absurd number is a 422, never a database overflow.
    score_min = Int(validate=validate.Range(min=-1000, max=1000))
    score_max = Int(validate=validate.Range(min=-1000, max=1000))


class ThemeScoreSchema(Schema):
    value = fields.Float(allow_none=True, metadata={"description": "CSAT %, NPS, or CES % easy"})
    n = Int()
    ci_low = fields.Float(allow_none=True)
    ci_high = fields.Float(allow_none=True)
    low_sample = fields.Boolean()
    mean = fields.Float(allow_none=True, metadata={"description": "CES only: mean agreement"})
    mean_ci_low = fields.Float(allow_none=True)
    mean_ci_high = fields.Float(allow_none=True)


class ThemeSideSchema(Schema):
    mentions = Int()
    mean_score = fields.Float(allow_none=True, metadata={"description": "mean raw score of those answers"})
    score = fields.Nested(ThemeScoreSchema, metadata={"description": "the survey's score among those answers"})
    mean_polarity = fields.Float(allow_none=True, metadata={"description": "mean polarity of the theme in them"})
    impact = fields.Float(
        allow_none=True,
        metadata={"description": "overall score − score without these answers (negative drags the score down)"},
    )
    example_response_ids = fields.List(Int(), metadata={"description": "up to three, the strongest first"})


class ThemeReportItemSchema(Schema):
    theme = fields.String(metadata={"description": "the key answers carry; /responses?theme= filters on it"})
    label = fields.String()
    source = fields.String(metadata={"enum": list(THEME_SOURCES)})
    mentions = Int(metadata={"description": "answers in the filter that mention the theme"})
    share = fields.Float(metadata={"description": "mentions ÷ answers with a comment × 100"})
    mean_score = fields.Float(metadata={"description": "mean raw score of those answers"})
    score = fields.Nested(ThemeScoreSchema, metadata={"description": "the survey's score among those answers"})
    mean_polarity = fields.Float(allow_none=True)
    impact = fields.Float(
        allow_none=True,
        metadata={
            "description": "overall score − score without this theme's answers; negative drags the score "
            "down (if its answers scored like the rest, the overall would move by −impact)"
        },
    )
    example_response_ids = fields.List(Int())
    praise = fields.Nested(
        ThemeSideSchema, metadata={"description": "answers whose clauses about the theme are positive"}
    )
    complaints = fields.Nested(
        ThemeSideSchema, metadata={"description": "answers whose clauses about the theme are negative"}
    )
    neutral_mentions = Int(metadata={"description": "answers that mention the theme neither way"})


class ComplaintRankSchema(Schema):
    theme = fields.String()
    label = fields.String()
    mentions = Int()
    mean_score = fields.Float(allow_none=True)
    impact = fields.Float(allow_none=True)


class ThemeReportSchema(Schema):
    survey_id = Int()
    kind = fields.String()
    answers = Int(metadata={"description": "answers matching the filters"})
    comments = Int(metadata={"description": "of which with a comment"})
    overall = fields.Dict(metadata={"description": "the survey's score over all answers matching the filters"})
    items = fields.List(fields.Nested(ThemeReportItemSchema))
    complaints = fields.List(
        fields.Nested(ComplaintRankSchema),
        metadata={
            "description": "themes complained about, ranked by the complaints' effect on the score (most negative first)"
        },
    )
