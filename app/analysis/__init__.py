"""Verbatim analysis: sentiment, language, themes and tone-score mismatch.

Pure functions over plain values: nothing here imports Flask or the database, and nothing
is downloaded at run time (TextBlob's NLTK corpora are never used).

    analyze_comment("Quick response, but nothing was fixed")
    -> CommentAnalysis(polarity=-0.2, subjectivity=..., label='negative', language='en',
                       drivers=['nothing was fixed'], themes=['resolution', 'response speed'],
                       theme_sentiment={'resolution': -0.4, 'response speed': 0.333})
"""

from __future__ import annotations

from app.analysis.catalogue import default_theme_keys
from app.analysis.mismatch import detect_mismatch
from app.analysis.result import CommentAnalysis, comment_analysis
from app.analysis.sentiment import SupportAnalyzer, SupportSentiment, analyze_tokens
from app.analysis.theme_mentions import EMPTY, Draft, ThemeSettings, blocked_keys, find_themes, finish
from app.analysis.themes import (
    CustomThemeMatcher,
    combine_themes,
    compile_custom_themes,
    group_candidates,
    match_custom_themes,
)
from app.analysis.tokens import normalise, tokenize

# Bump whenever scoring or theme extraction changes, so stored results get re-run by the
# backfill. 1: plain TextBlob polarity. 2: SupportAnalyzer, pattern-chunk themes.
# 3: default theme catalogue, discovered themes, salience order, sentiment per theme.
ANALYSIS_VERSION = 3


def analyze_comment(
    text: str | None,
    custom_themes: dict[str, list[str]] | None = None,
    *,
    disabled: frozenset[str] | set[str] = frozenset(),
    known: frozenset[str] | set[str] = frozenset(),
) -> CommentAnalysis:
    """Sentiment, language and themes of one survey comment.

    custom_themes (workspace theme name -> keywords/phrases) are matched first and take
    precedence over the default catalogue and discovered themes on the same words; `disabled`
    names default (or discovered) theme keys the workspace switched off; `known` its
    discovered keys.
    """
    return analyze_comments([text], custom_themes, disabled=disabled, known=known)[0]


_EMPTY_SENTIMENT = SupportSentiment(None, None, "empty", [], "en")


def _first_pass(text: str | None, settings: ThemeSettings) -> tuple[SupportSentiment, Draft]:
    if text is None or not text.strip():
        return _EMPTY_SENTIMENT, EMPTY
    normalised = normalise(text)
    tokens = tokenize(normalised)
    sentiment: SupportSentiment = analyze_tokens(normalised, tokens)
    if sentiment.language != "en" or sentiment.polarity is None:
        return sentiment, EMPTY
    return sentiment, find_themes(normalised, tokens, sentiment.polarity, settings)


def analyze_comments(
    texts: list[str | None],
    custom_themes: dict[str, list[str]] | None = None,
    *,
    disabled: frozenset[str] | set[str] = frozenset(),
    known: frozenset[str] | set[str] = frozenset(),
    min_mentions: int = 1,
) -> list[CommentAnalysis]:
    """Analyse a batch; same results as analyze_comment on each when min_mentions is 1.

    Discovered themes are grouped over the batch: a new discovered key needs `min_mentions`
    comments of the batch (or to be `known` already); rarer variants join a recurring key with
    the same head word or spelling. Survey comments repeat a lot ("thanks", "great service"),
    so each distinct text is analysed once per batch; the custom themes are compiled once per
    catalogue.
    """
    matcher: CustomThemeMatcher | None = compile_custom_themes(custom_themes)
    settings = ThemeSettings(matcher, frozenset(disabled), frozenset(known), min_mentions)
    seen: dict[str | None, tuple[SupportSentiment, Draft]] = {}
    firsts = []
    for text in texts:
        found = seen.get(text)
        if found is None:
            found = seen[text] = _first_pass(text, settings)
        firsts.append(found)
    joins = None
    if min_mentions > 1 or settings.known:
        joins = group_candidates(
            [[c.key for c in draft.candidates] for _, draft in firsts], settings.known, min_mentions
        )
    custom_names = frozenset(name for name, _ in matcher.themes) if matcher is not None else frozenset()
    blocked = blocked_keys(settings, custom_names)
    finished: dict[int, tuple[list[str], dict[str, float]]] = {}
    given: set[int] = set()  # the first passes whose drivers list went out as it is
    results = []
    for result, draft in firsts:
        # A caller may edit a result's lists, so no two results share one: a repeated text (or
        # draft) gets copies, the first one its own lists (copying every list was 0.8 us a comment).
        done = finished.get(id(draft))
        if done is None:
            themes, sentiment = finished[id(draft)] = finish(draft, joins, blocked)
        else:
            themes, sentiment = list(done[0]), dict(done[1])
        drivers = result.drivers
        if result is _EMPTY_SENTIMENT or id(result) in given:
            drivers = list(drivers)
        else:
            given.add(id(result))
        results.append(
            comment_analysis(
                result.polarity, result.subjectivity, result.label, result.language, drivers, themes, sentiment
            )
        )
    return results


__all__ = [
    "ANALYSIS_VERSION",
    "CommentAnalysis",
    "SupportAnalyzer",
    "analyze_comment",
    "analyze_comments",
    "combine_themes",
    "default_theme_keys",
    "detect_mismatch",
    "match_custom_themes",
]
