"""Verbatim analysis: sentiment, language, themes and tone-score mismatch.

Pure functions over plain values: nothing here imports Flask or the database, and nothing
is downloaded at run time (TextBlob's NLTK corpora are never used).

    analyze_comment("Fast, but nothing was fixed")
    -> CommentAnalysis(polarity=-0.475, subjectivity=0.45, label='negative', language='en',
                       drivers=['nothing was fixed'], themes=[])
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from app.analysis.mismatch import detect_mismatch
from app.analysis.sentiment import SupportAnalyzer, SupportSentiment, analyze_tokens
from app.analysis.themes import combine_themes, extract_themes, match_custom_themes
from app.analysis.tokens import normalise, tokenize

# Bump whenever scoring or theme extraction changes, so stored results get re-run by the
# backfill. 1: plain TextBlob polarity. 2: SupportAnalyzer, pattern-chunk themes.
ANALYSIS_VERSION = 2


@dataclass(frozen=True)
class CommentAnalysis:
    polarity: float | None  # -1..1; None when empty or not English
    subjectivity: float | None  # 0..1; None when empty or not English
    label: str  # negative | neutral | positive | unsupported_language | empty
    language: str  # ISO 639-1 guess, e.g. "en"
    drivers: list[str] = field(default_factory=list)  # phrases that drove the polarity
    themes: list[str] = field(default_factory=list)  # workspace theme names, then auto keys


def analyze_comment(text: str | None, custom_themes: dict[str, list[str]] | None = None) -> CommentAnalysis:
    """Sentiment, language and themes of one survey comment.

    custom_themes (workspace theme name -> keywords/phrases) are matched first and take
    precedence over automatic theme keys covering the same words.
    """
    if text is None or not text.strip():
        return CommentAnalysis(None, None, "empty", "en", [], [])
    normalised = normalise(text)
    tokens = tokenize(normalised)
    sentiment: SupportSentiment = analyze_tokens(normalised, tokens)
    auto = extract_themes(tokens) if sentiment.language == "en" else []
    themes = combine_themes(normalised, auto, custom_themes)
    return CommentAnalysis(
        sentiment.polarity, sentiment.subjectivity, sentiment.label, sentiment.language,
        sentiment.drivers, themes,
    )


def analyze_comments(
    texts: list[str | None], custom_themes: dict[str, list[str]] | None = None
) -> list[CommentAnalysis]:
    """Analyse a batch; same results as analyze_comment on each, faster on repeats.

    Survey comments repeat a lot ("thanks", "great service"), so each distinct text is
    analysed once per batch.
    """
    seen: dict[str | None, CommentAnalysis] = {}
    results = []
    for text in texts:
        found = seen.get(text)
        if found is None:
            found = seen[text] = analyze_comment(text, custom_themes)
        else:  # a copy, so a caller editing one result's lists cannot edit another's
            found = dataclasses.replace(found, drivers=list(found.drivers), themes=list(found.themes))
        results.append(found)
    return results


__all__ = [
    "ANALYSIS_VERSION",
    "CommentAnalysis",
    "SupportAnalyzer",
    "analyze_comment",
    "analyze_comments",
    "combine_themes",
    "detect_mismatch",
    "match_custom_themes",
]
