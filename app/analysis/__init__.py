"""Verbatim analysis: sentiment, language, themes and tone-score mismatch.

Pure functions over plain values: nothing here imports Flask or the database, and nothing
is downloaded at run time (TextBlob's NLTK corpora are never used).

    analyze_comment("Fast, but nothing was fixed")
    -> CommentAnalysis(polarity=-0.475, subjectivity=0.45, label='negative', language='en',
                       drivers=['nothing was fixed'], themes=[])
"""

from __future__ import annotations

import dataclasses

from app.analysis.mismatch import detect_mismatch
from app.analysis.result import CommentAnalysis
from app.analysis.sentiment import SupportAnalyzer, SupportSentiment, analyze_tokens
from app.analysis.themes import (
    CustomThemeMatcher,
    combine_matched,
    combine_themes,
    compile_custom_themes,
    extract_themes,
    match_custom_themes,
    token_words,
)
from app.analysis.tokens import normalise, tokenize

# Bump whenever scoring or theme extraction changes, so stored results get re-run by the
# backfill. 1: plain TextBlob polarity. 2: SupportAnalyzer, pattern-chunk themes.
ANALYSIS_VERSION = 2


def analyze_comment(text: str | None, custom_themes: dict[str, list[str]] | None = None) -> CommentAnalysis:
    """Sentiment, language and themes of one survey comment.

    custom_themes (workspace theme name -> keywords/phrases) are matched first and take
    precedence over automatic theme keys covering the same words.
    """
    return _analyze(text, compile_custom_themes(custom_themes))


def _analyze(text: str | None, matcher: CustomThemeMatcher | None) -> CommentAnalysis:
    if text is None or not text.strip():
        return CommentAnalysis(None, None, "empty", "en", [], [])
    normalised = normalise(text)
    tokens = tokenize(normalised)
    sentiment: SupportSentiment = analyze_tokens(normalised, tokens)
    themes = extract_themes(tokens) if sentiment.language == "en" else []
    if matcher is not None:
        # The same tokens the sentiment read: custom themes do not tokenise the comment again.
        themes = combine_matched(themes, *matcher.match(token_words(tokens)))
    return CommentAnalysis(
        sentiment.polarity,
        sentiment.subjectivity,
        sentiment.label,
        sentiment.language,
        sentiment.drivers,
        themes,
    )


def analyze_comments(
    texts: list[str | None], custom_themes: dict[str, list[str]] | None = None
) -> list[CommentAnalysis]:
    """Analyse a batch; same results as analyze_comment on each, faster on repeats.

    Survey comments repeat a lot ("thanks", "great service"), so each distinct text is
    analysed once per batch; the custom themes are compiled once per catalogue.
    """
    matcher = compile_custom_themes(custom_themes)
    seen: dict[str | None, CommentAnalysis] = {}
    results = []
    for text in texts:
        found = seen.get(text)
        if found is None:
            found = seen[text] = _analyze(text, matcher)
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
