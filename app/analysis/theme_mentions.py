"""A comment's themes, most salient first, and the sentiment of each from the clause it sits in.

Three sources, in order of precedence on the same words:
1. the workspace's custom themes (always listed first: the workspace asked for them);
2. the default catalogue (catalogue.py), minus the themes the workspace switched off;
3. discovered candidates (themes.py) on the words neither matched.

A mention's polarity is its clause's, the comment split on but/however/although/;/./, etc.
("quick response but nothing was fixed": response speed +, resolution -). A catalogue phrase
that is a complaint or praise by itself ("charged twice", "easy to reach") keeps its tone
when the clause's words score nothing.
"""

from __future__ import annotations

from collections.abc import Collection
from operator import itemgetter
from typing import NamedTuple

from app.analysis.catalogue import default_catalogue, default_mentions
from app.analysis.rounding import round3
from app.analysis.sentiment import polarity_of
from app.analysis.themes import CustomThemeMatcher, discover_candidates, singular
from app.analysis.tokens import NUMBER, PUNCT, WORD, Token, joined_of

_SPLIT_PUNCT = frozenset({".", ",", ";", ":", "(", ")", "-", "–", "—"})
_SPLIT_WORDS = frozenset({"but", "however", "although", "though", "whereas", "except", "unfortunately", "sadly"})
_CONTRAST = frozenset({"but", "however", "except", "unfortunately", "sadly"})
_SPLITS = _SPLIT_PUNCT | _SPLIT_WORDS
POSITIVE_AT, NEGATIVE_AT = 0.1, -0.1
# A toned phrase whose clause scores nothing (or the other way) still says this much.
_TONE_POLARITY = 0.4

CUSTOM, DEFAULT, DISCOVERED = 0, 1, 2
# Salience: how strongly the comment speaks of a theme. Its polarity's strength, plus these.
_TONED_BONUS = 0.3  # a phrase that is a complaint or praise by itself
_CONTRAST_BONUS = 0.2  # said after "but": the verdict
_SOURCE_BONUS = {CUSTOM: 0.0, DEFAULT: 0.25, DISCOVERED: 0.0}


class Found(NamedTuple):
    key: str
    source: int
    polarity: float
    salience: float
    position: int  # first token, the last tie-break


# Found(...) without the NamedTuple's generated __new__ (a Python frame per mention).
_new = tuple.__new__
_KEY, _KEY_POLARITY = itemgetter(4), itemgetter(4, 5)  # of finish's ranked tuples


class Draft(NamedTuple):
    """Themes of one comment before the batch's discovered candidates are grouped."""

    found: tuple[Found, ...]  # custom and catalogue themes, one per mention
    candidates: tuple[Found, ...]  # discovered candidates (key = the candidate), one per mention


class ThemeSettings(NamedTuple):
    custom: CustomThemeMatcher | None = None
    disabled: frozenset[str] = frozenset()  # default or discovered keys the workspace switched off
    known: frozenset[str] = frozenset()  # discovered keys the workspace already has
    min_mentions: int = 1  # comments of a batch a new discovered key needs


EMPTY = Draft((), ())


def _clauses(tokens: list[Token]) -> tuple[list[int], list[tuple[int, int, bool]]]:
    """Clause index of each token, and each clause's (start, end, said after a contrast)."""
    index: list[int] = []
    spans: list[tuple[int, int, bool]] = []
    start, after = 0, False
    # Most tokens split nothing: one set lookup each, and a clause's tokens numbered in one step.
    for i, low in enumerate(joined_of(tokens).lows):
        if low in _SPLITS:
            kind = tokens[i].kind
            if (kind == PUNCT and low in _SPLIT_PUNCT) or (kind == WORD and low in _SPLIT_WORDS):
                index += [len(spans)] * (i + 1 - start)  # the splitting token ends its clause
                spans.append((start, i, after))
                after = after or low in _CONTRAST
                start = i + 1
    index += [len(spans)] * (len(tokens) - start)
    spans.append((start, len(tokens), after))
    return index, spans


def _mention_polarity(clause: float, tone: int) -> float:
    if not tone:
        return clause
    if clause * tone >= POSITIVE_AT:
        return clause
    return _TONE_POLARITY * tone


def find_themes(normalised: str, tokens: list[Token], polarity: float, settings: ThemeSettings) -> Draft:
    """Every theme mention of an English comment, with its clause's polarity."""
    # (key, source, tone, first token, order or specificity bonus), polarity assigned below.
    raw: list[tuple[str, int, int, int, float]] = []
    covered = [False] * len(tokens)
    used_words: set[str] = set()
    custom_names: Collection[str] = ()
    matcher = settings.custom
    if matcher is not None:
        order = matcher.order
        custom_names = order.keys()  # a custom theme with a default theme's key replaces it
        if matcher.may_match(tokens):
            word_at = [i for i, t in enumerate(tokens) if t.kind == WORD or t.kind == NUMBER]
            words = [singular(tokens[i].low) for i in word_at]
            for name, first, end in matcher.spans(words):
                start, stop = word_at[first], word_at[end - 1] + 1
                raw.append((name, CUSTOM, 0, start, order[name]))
                used_words.update(words[first:end])
                for k in range(start, stop):
                    covered[k] = True

    for mention in default_mentions(tokens, default_catalogue()):
        if mention.theme in settings.disabled or mention.theme in custom_names:
            continue
        if any(covered[mention.start : mention.end]):
            continue
        bonus = _TONED_BONUS if mention.tone else 0.0
        if mention.tone or mention.end - mention.start > 1:
            # A phrase, or a word said as praise or complaint, names the issue; a lone topic
            # word ("payment") ranks as a discovered subject does.
            bonus += _SOURCE_BONUS[DEFAULT]
        raw.append((mention.theme, DEFAULT, mention.tone, mention.start, bonus))
        for k in range(mention.start, mention.end):
            covered[k] = True

    for key, start, _end in discover_candidates(tokens, covered):
        if used_words and not used_words.isdisjoint(key.split()):
            continue  # built from words a workspace theme matched
        raw.append((key, DISCOVERED, 0, start, 0.0))
    if not raw:
        return EMPTY

    # Mentions all in one clause: that clause's verdict is the comment's (measured: scoring each
    # clause again was a fifth of the analysis time, benchmarks/analysis_throughput.py).
    clause_of, spans = _clauses(tokens) if len(raw) > 1 else ([], [(0, len(tokens), False)])
    one_clause = len(spans) == 1 or len({clause_of[start] for _, _, _, start, _ in raw}) == 1
    scored: dict[int, float] = {}

    def clause_polarity(token: int) -> float:
        if one_clause:
            return polarity
        c = clause_of[token]
        if c not in scored:
            start, end, _ = spans[c]
            scored[c] = polarity_of(tokens[start:end]) if end > start else 0.0
        return scored[c]

    found: list[Found] = []
    candidates: list[Found] = []
    for key, source, tone, start, extra in raw:
        p = _mention_polarity(clause_polarity(start), tone)
        if source == CUSTOM:  # workspace themes come first, in the workspace's catalogue order
            found.append(_new(Found, (key, CUSTOM, p, 0.0, int(extra))))
            continue
        salience = abs(p) + extra
        if len(spans) > 1 and spans[clause_of[start]][2]:
            salience += _CONTRAST_BONUS  # said after "but": the verdict
        (found if source == DEFAULT else candidates).append(_new(Found, (key, source, p, salience, start)))
    return _new(Draft, (tuple(found), tuple(candidates)))


def finish(draft: Draft, joins: dict[str, str] | None, blocked: frozenset[str]) -> tuple[list[str], dict[str, float]]:
    """(theme keys, most salient first; each theme's polarity) once candidates are grouped.

    joins maps a candidate to the discovered key it joins (None: every candidate is its own
    key); blocked holds the keys a discovered theme may not take (switched off, or the key of a
    catalogue or custom theme, which already has its own phrases).
    """
    mentions = list(draft.found)
    for found in draft.candidates:
        key = found.key if joins is None else joins.get(found.key)
        if key is None or key in blocked:
            continue
        mentions.append(found if key == found.key else _new(Found, (key, *found[1:])))
    if len(mentions) < 2:  # most comments (0.0 + p is what sum([p]) adds up to)
        if not mentions:
            return [], {}
        found = mentions[0]
        return [found.key], {found.key: round3(0.0 + found.polarity)}
    by_key: dict[str, list[Found]] = {}
    for found in mentions:
        same = by_key.get(found.key)
        if same is None:
            by_key[found.key] = [found]
        else:
            same.append(found)
    ranked = []
    for key, same in by_key.items():
        if len(same) == 1:
            found = same[0]
            source, salience, position, polarity = found.source, found.salience, found.position, 0.0 + found.polarity
        else:
            source = min(f.source for f in same)
            salience = max(f.salience for f in same)
            position = min(f.position for f in same)
            polarity = sum(f.polarity for f in same) / len(same)
        ranked.append((source != CUSTOM, -salience, source, position, key, round3(polarity)))
    ranked.sort()
    return list(map(_KEY, ranked)), dict(map(_KEY_POLARITY, ranked))


def blocked_keys(settings: ThemeSettings, custom_names: frozenset[str] = frozenset()) -> frozenset[str]:
    return settings.disabled | frozenset(default_catalogue().keys) | custom_names
