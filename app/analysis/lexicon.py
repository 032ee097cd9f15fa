"""The word lists SupportAnalyzer scores with, loaded once and cached.

Two sources: TextBlob's bundled pattern lexicon (en-sentiment.xml, adjectives and adverbs,
no download needed) and our own support-domain lexicon shipped in ./data (read by wordlists.py).
"""

from __future__ import annotations

import re
import warnings
from functools import cache
from typing import NamedTuple

from app.analysis.tokens import pattern_tokens
from app.analysis.wordlists import read_rows


class Entry(NamedTuple):
    polarity: float  # 0.0: a mask, which only keeps its words from being scored on their own
    subjectivity: float
    pattern: str  # as written in the data file, for debugging
    negated_inside: bool  # the phrase carries its own negation ("no one replied")
    grudging: bool = False  # "eventually": damps the praise in its clause ("fixed it eventually")


# A pattern may start with a flag in brackets; the only one is [grudging] (see Entry).
_GRUDGING_FLAG = "[grudging]"
# Clitics written alone in a pattern ("(have|'ve) been") are one token, as the tokenizer
# makes them when they follow a word ("could've" -> "could", "'ve").
_CLITICS = frozenset({"n't", "'s", "'re", "'ve", "'ll", "'d", "'m"})


_NEGATORS_IN_PHRASE = {"no", "not", "n't", "never", "nothing", "none", "nobody", "noone", "no-one", "without"}
_COUNT = (
    r"(?:\d+|two|three|four|five|six|seven|eight|nine|ten|several|multiple|many|numerous|"
    r"countless|a few|few|a dozen|dozens of|a couple of|a couple|so many|too many)"
)
_PIECE_RE = re.compile(r"\([^)]*\)\??|\S+")


def _alternative_tokens(alt: str) -> list[str]:
    return [t for word in alt.split() for t in ([word] if word in _CLITICS else pattern_tokens(word))]


def _compile_phrase(pattern: str) -> tuple[str, int, bool, frozenset[str] | None]:
    """Turn one data-file pattern into (regex over ' tok tok ' text, literal tokens, negated,
    the tokens it can start with or None if it can start anywhere)."""
    regex, literal, negated = "", 0, False
    first: set[str] | None = set()
    opening = True  # still reading the optional pieces a match may begin with
    for piece in _PIECE_RE.findall(pattern):
        if opening:
            # The tokens a match can start with: those of each leading optional piece, and of the
            # first required one ("(a|the)? lack of" starts with "a", "the" or "lack").
            if piece in ("*", "#"):
                first, opening = None, False
            else:
                optional_piece = piece.endswith(")?")
                body = piece[1:-2] if optional_piece else piece[1:-1] if piece.startswith("(") else piece
                starts = {_alternative_tokens(alt)[0] for alt in body.split("|")}
                if "#" in starts:
                    first, opening = None, False
                else:
                    first |= starts  # type: ignore[operator]
                    opening = optional_piece
        if piece == "*":
            regex += r"(?:\S+ ){0,3}"
            continue
        if piece == "#":
            regex += _COUNT + " "  # a count is a single token in _COUNT except "a few" etc.
            literal += 1
            continue
        optional = piece.endswith("?") and piece.startswith("(")
        body = piece[1:-2] if optional else piece[1:-1] if piece.startswith("(") else piece
        alternatives = []
        # Longest alternative first: alternation takes the first that matches ("# times"
        # before "#"), not the longest.
        for alt in sorted(body.split("|"), key=lambda a: -len(a.split())):
            toks = _alternative_tokens(alt)
            negated = negated or (not optional and any(t in _NEGATORS_IN_PHRASE for t in toks))
            alternatives.append(" ".join(_COUNT if t == "#" else re.escape(t) for t in toks) + " ")
        group = "(?:" + "|".join(alternatives) + ")"
        regex += group + ("?" if optional else "")
        literal += 0 if optional else 1
    if opening:  # every piece optional: a match may start anywhere
        first = None
    return regex, literal, negated, frozenset(first) if first is not None else None


class PhraseMatcher(NamedTuple):
    by_first_token: dict[str, re.Pattern[str]]  # entries that can start with that token
    anywhere: re.Pattern[str] | None  # entries that can start with any token
    entries: list[Entry]  # group `e<N>` in a regex names entries[N]


@cache
def phrase_matcher() -> PhraseMatcher:
    """The domain lexicon compiled for matching at token starts.

    Entries are ordered longest first because regex alternation takes the first
    alternative that matches at a position, not the longest one.
    Python's re tries alternatives one by one, so one regex over ~150 entries at every token
    is slow; instead entries are grouped by the token they can start with, and only the
    group for the token at hand is tried there.
    """
    compiled = []
    for p, s, pattern in read_rows("support_lexicon.txt"):
        grudging = pattern.startswith(_GRUDGING_FLAG)
        body = pattern.removeprefix(_GRUDGING_FLAG).strip()
        regex, literal, negated, first = _compile_phrase(body)
        compiled.append((literal, len(regex), regex, first, Entry(p, s, pattern, negated, grudging)))
    compiled.sort(key=lambda c: (-c[0], -c[1]))
    entries = [c[4] for c in compiled]
    groups: dict[str | None, list[str]] = {}
    for i, (_, _, regex, first, _) in enumerate(compiled):
        for token in first if first is not None else [None]:
            groups.setdefault(token, []).append(f"(?P<e{i}>{regex})")
    anywhere = groups.pop(None, [])
    by_first = {token: re.compile("(?:" + "|".join(alts) + ")") for token, alts in groups.items()}
    return PhraseMatcher(by_first, re.compile("(?:" + "|".join(anywhere) + ")") if anywhere else None, entries)


# Pattern scores these as adjectives, but in a support comment they are mostly quantities,
# order, verbs or nouns: "many calls", "more info", "my own", "first time", "right now", "sure,
# I'll send it", "fly on Friday", "chicken" (pattern: cowardly). Dropping them helped both
# benchmarks' dev splits.
_NOT_SENTIMENT = frozenset({"many", "more", "own", "first", "full", "right", "high", "fly", "sure", "chicken"})


@cache
def pattern_lexicon() -> dict[str, tuple[float, float, float]]:
    """TextBlob's pattern lexicon flattened to word -> (polarity, subjectivity, intensity)."""
    from textblob.en import sentiment

    # textblob reads its bundled XML with an unclosed file handle; that ResourceWarning is
    # theirs, not ours, and must not fail a test run that treats warnings as errors.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        sentiment.load()
    return {
        word: tuple(by_pos[None])  # type: ignore[misc]
        for word, by_pos in dict.items(sentiment)
        if None in by_pos and word not in _NOT_SENTIMENT
    }
