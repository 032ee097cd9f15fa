"""The word lists SupportAnalyzer scores with, loaded once and cached.

Two sources: TextBlob's bundled pattern lexicon (en-sentiment.xml, adjectives and adverbs,
no download needed) and our own support-domain lexicon and emoji list shipped in ./data.
"""
from __future__ import annotations

import re
import warnings
from functools import cache
from importlib import resources
from typing import NamedTuple

_DATA = resources.files(__package__) / "data"


class Entry(NamedTuple):
    polarity: float
    subjectivity: float
    pattern: str  # as written in the data file, for debugging
    negated_inside: bool  # the phrase carries its own negation ("no one replied")


def _read_rows(name: str) -> list[tuple[float, float, str]]:
    rows = []
    for line in (_DATA / name).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        polarity, subjectivity, rest = line.split(None, 2)
        rows.append((float(polarity), float(subjectivity), rest.strip()))
    return rows


@cache
def emoji_scores() -> dict[str, tuple[float, float]]:
    """Emoji and emoticons -> (polarity, subjectivity), keyed lower-case."""
    return {symbol.lower(): (p, s) for p, s, symbol in _read_rows("emoji.txt")}


def emoticon_pattern() -> str:
    """Regex alternation of the ASCII emoticons, for the tokenizer.

    An emoticon must stand apart from words ("bad :(" but not "http://"), so it is
    preceded by a space or the start and followed by a space, punctuation or the end.
    """
    emoticons = sorted(
        (s for s in emoji_scores() if all(ord(c) < 128 for c in s)), key=len, reverse=True
    )
    # Keyed lower-case, so match either case ("XD" and "xD").
    body = "|".join("(?i:" + re.escape(e) + ")" for e in emoticons)
    return r"(?:(?<=\s)|^)(?:" + body + r")(?=$|[\s.,!?])"


_NEGATORS_IN_PHRASE = {"no", "not", "n't", "never", "nothing", "none", "nobody", "noone", "no-one", "without"}
_COUNT = (
    r"(?:\d+|two|three|four|five|six|seven|eight|nine|ten|several|multiple|many|numerous|"
    r"countless|a few|few|a dozen|dozens of|a couple of|a couple|so many|too many)"
)
_PIECE_RE = re.compile(r"\([^)]*\)\??|\S+")


def _compile_phrase(pattern: str) -> tuple[str, int, bool]:
    """Turn one data-file pattern into (regex over ' tok tok ' text, literal tokens, negated)."""
    from app.analysis.tokens import pattern_tokens  # tokens imports this module

    regex, literal, negated = "", 0, False
    for piece in _PIECE_RE.findall(pattern):
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
        for alt in body.split("|"):
            toks = pattern_tokens(alt)
            negated = negated or (not optional and any(t in _NEGATORS_IN_PHRASE for t in toks))
            alternatives.append(" ".join(_COUNT if t == "#" else re.escape(t) for t in toks) + " ")
        group = "(?:" + "|".join(alternatives) + ")"
        regex += group + ("?" if optional else "")
        literal += 0 if optional else 1
    return regex, literal, negated


class PhraseMatcher(NamedTuple):
    regex: re.Pattern[str]
    entries: list[Entry]


@cache
def phrase_matcher() -> PhraseMatcher:
    """One combined regex for the whole domain lexicon; group `e<N>` names entry N.

    Entries are ordered longest first because regex alternation takes the first
    alternative that matches at a position, not the longest one.
    """
    compiled = []
    for p, s, pattern in _read_rows("support_lexicon.txt"):
        regex, literal, negated = _compile_phrase(pattern)
        compiled.append((literal, len(regex), regex, Entry(p, s, pattern, negated)))
    compiled.sort(key=lambda c: (-c[0], -c[1]))
    entries = [c[3] for c in compiled]
    alternation = "|".join(f"(?P<e{i}>{c[2]})" for i, c in enumerate(compiled))
    return PhraseMatcher(re.compile(r"(?<= )(?:" + alternation + ")"), entries)


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
        if None in by_pos
    }
