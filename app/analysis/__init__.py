"""Verbatim analysis: sentiment, language, themes and tone-score mismatch.

Pure functions over plain values: nothing here imports Flask or the database,
and nothing is downloaded at run time (TextBlob's NLTK corpora are not used).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from textblob import TextBlob

# Bump whenever scoring changes, so stored results can be re-run by the backfill.
ANALYSIS_VERSION = 1

_POSITIVE_AT = 0.1
_NEGATIVE_AT = -0.1


@dataclass(frozen=True)
class CommentAnalysis:
    polarity: float | None
    subjectivity: float | None
    label: str  # negative | neutral | positive | unsupported_language | empty
    language: str
    drivers: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)


def analyze_comment(text: str | None) -> CommentAnalysis:
    """Sentiment, language and themes of one survey comment."""
    if text is None or not text.strip():
        return CommentAnalysis(None, None, "empty", "en", [], [])
    polarity, subjectivity = TextBlob(text).sentiment
    if polarity >= _POSITIVE_AT:
        label = "positive"
    elif polarity <= _NEGATIVE_AT:
        label = "negative"
    else:
        label = "neutral"
    return CommentAnalysis(round(polarity, 4), round(subjectivity, 4), label, "en", [], [])


def analyze_comments(texts: list[str]) -> list[CommentAnalysis]:
    """Analyse many comments; same results as calling analyze_comment on each."""
    return [analyze_comment(text) for text in texts]


def detect_mismatch(
    kind: str, score: int, scale_min: int, scale_max: int, analysis: CommentAnalysis
) -> str | None:
    """Reason text when the comment's tone contradicts the score, else None."""
    if analysis.polarity is None:
        return None
    top = score >= scale_max - (1 if kind == "nps" else 0)
    bottom = score <= scale_min + (1 if kind == "nps" else 0)
    if top and analysis.polarity <= -0.3:
        return f"score {score} of {scale_max} but the comment is negative (polarity {analysis.polarity:.2f})"
    if bottom and analysis.polarity >= 0.3:
        return f"score {score} of {scale_max} but the comment is positive (polarity {analysis.polarity:.2f})"
    return None


def match_custom_themes(text: str, themes: dict[str, list[str]]) -> list[str]:
    """Names of workspace-defined themes whose keywords occur in the text."""
    lowered = (text or "").lower()
    return [name for name, keywords in themes.items() if any(k.lower() in lowered for k in keywords)]


__all__ = [
    "ANALYSIS_VERSION",
    "CommentAnalysis",
    "analyze_comment",
    "analyze_comments",
    "detect_mismatch",
    "match_custom_themes",
]
