"""The default theme catalogue (data/themes.txt): common support themes, compiled once and
matched on the tokens a comment already has.

    default_mentions(tokenize(normalise("Took ages to get a reply, rude agent")))
    -> [Mention('response speed', -1, 0, 6), Mention('agent attitude', -1, 7, 8)]

Patterns are sequences of slots over token texts (see the data file's header). They are
grouped by the token they can start with, so each token of a comment tries only the few
patterns that can start there; at each position the most specific pattern (most required
words) wins, across all themes, and matches never overlap ("took ages to get a reply" is
response speed, not wait time).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import cache
from importlib import resources
from typing import NamedTuple

from app.analysis.tokens import NUMBER, Token, joined_of, pattern_tokens

_DATA = resources.files(__package__) / "data"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_LITERAL, _GAP, _COUNT = 0, 1, 2
_MAX_GAP = 3
COUNT_WORDS = _words(
    "two three four five six seven eight nine ten eleven twelve several multiple many numerous countless dozens umpteen"
)
# A negation this close before a toned phrase flips it ("not quick", "wasn't helpful").
NEGATORS = frozenset({"not", "n't", "never", "no", "hardly", "barely", "nobody", "noone", "without"})
_NEGATION_WINDOW = 2
_DIGIT = re.compile(r"\d")
_CLAUSE_EDGE = frozenset({".", ",", ";", ":", "(", ")", "-", "–", "—", "but", "however", "although", "though"})


class Mention(NamedTuple):
    theme: str
    tone: int  # -1 complaint, +1 praise, 0 whatever the clause says
    start: int  # token span, end exclusive
    end: int


# Mention(...) without the NamedTuple's generated __new__ (a Python frame per mention).
_new = tuple.__new__


class _Pattern(NamedTuple):
    theme: str
    tone: int
    slots: tuple[tuple[int, tuple[tuple[str, ...], ...], bool], ...]  # (kind, alternatives, optional)
    negated_inside: bool
    weight: int  # required literal tokens: the more, the more specific
    order: int  # line order in the file, the last tie-break


def inflections(word: str) -> set[str]:
    """A word and its regular inflections: reply -> replies, replied, replying; wait -> waits..."""
    forms = {word, word + "s", word + "ed", word + "ing"}
    if word.endswith(("s", "x", "z", "ch", "sh")):
        forms |= {word + "es"}
    if word.endswith("e"):
        forms |= {word + "d", word[:-1] + "ing"}
    if word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou":
        forms |= {word[:-1] + "ies", word[:-1] + "ied"}
    if len(word) >= 3 and word[-1] not in "aeiouwxy" and word[-2] in "aeiou" and word[-3] not in "aeiou":
        forms |= {word + word[-1] + "ed", word + word[-1] + "ing"}  # chat -> chatted, chatting
    return forms


def _alternatives(body: str) -> tuple[tuple[str, ...], ...]:
    alts: list[tuple[str, ...]] = []
    for alt in body.split("|"):
        alt = alt.strip()
        if not alt:
            raise ValueError(f"empty alternative in {body!r}")
        if alt.endswith("~"):
            *head, last = pattern_tokens(alt[:-1])
            alts += [(*head, form) for form in sorted(inflections(last))]
        else:
            alts.append(tuple(pattern_tokens(alt)))
    # Longest first: the first alternative that lets the rest match is taken.
    return tuple(sorted(dict.fromkeys(alts), key=lambda a: -len(a)))


def _pieces(pattern: str) -> list[str]:
    pieces, depth, current = [], 0, ""
    for ch in pattern:
        if ch == "(":
            if depth:
                raise ValueError(f"nested parentheses in {pattern!r}")
            depth = 1
        elif ch == ")":
            depth = 0
        if ch == " " and not depth:
            if current:
                pieces.append(current)
            current = ""
        else:
            current += ch
    if depth:
        raise ValueError(f"unclosed parenthesis in {pattern!r}")
    return pieces + ([current] if current else [])


def compile_pattern(pattern: str) -> tuple[tuple[int, tuple[tuple[str, ...], ...], bool], ...]:
    slots = []
    for piece in _pieces(pattern):
        if piece == "*":
            slots.append((_GAP, (), False))
        elif piece == "#":
            slots.append((_COUNT, (), False))
        else:
            optional = piece.endswith("?")
            body = piece[:-1] if optional else piece
            if body.startswith("("):
                body = body[1:-1]
            slots.append((_LITERAL, _alternatives(body), optional))
    return tuple(slots)


def _required_first(slots):
    """A pattern whose first slot is optional is two patterns: with it and without it."""
    if not slots:
        return []
    kind, alts, optional = slots[0]
    if kind == _GAP:
        return _required_first(slots[1:])
    if optional:
        return [((kind, alts, False), *slots[1:]), *_required_first(slots[1:])]
    return [slots]


def _weight(slots) -> int:
    return sum(min(len(a) for a in alts) if kind == _LITERAL else 1 for kind, alts, optional in slots if not optional)


class DefaultCatalogue(NamedTuple):
    keys: tuple[str, ...]  # in file order
    patterns: tuple[_Pattern, ...]  # group `p<N>` of a regex names patterns[N]
    by_first: dict[str, re.Pattern[str]]  # the patterns that can start with a token, as one regex
    by_count: re.Pattern[str] | None  # those that can start with a count ("# hours on hold")
    starters: frozenset[str]  # the tokens a pattern can start with (by_first's, and the count words)


def read_catalogue(text: str) -> list[tuple[str, list[tuple[int, str]]]]:
    """(key, [(tone, pattern)]) per theme of a catalogue file's text."""
    themes: list[tuple[str, list[tuple[int, str]]]] = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("theme:"):
            themes.append((" ".join(line[6:].split()).lower(), []))
            continue
        tone, _, pattern = line.partition(" ")
        if tone not in ("+", "-", "=") or not themes or not pattern.strip():
            raise ValueError(f"themes.txt line {number}: expected 'theme: KEY' or '+|-|= PATTERN'")
        themes[-1][1].append(({"+": 1, "-": -1, "=": 0}[tone], pattern.strip()))
    return themes


_COUNT_RE = r"(?:\d\S*|" + "|".join(sorted(COUNT_WORDS)) + r") "
_GAP_RE = r"(?:\w\S* ){0," + str(_MAX_GAP) + "}?"  # whole word or number tokens, never punctuation


def _regex(slots) -> str:
    regex = ""
    for kind, alts, optional in slots:
        if kind == _GAP:
            regex += _GAP_RE
        elif kind == _COUNT:
            regex += _COUNT_RE
        else:
            body = "|".join("".join(_COUNT_RE if t == "#" else re.escape(t) + " " for t in alt) for alt in alts)
            regex += "(?:" + body + ")" + ("?" if optional else "")
    return regex


def build_catalogue(themes: list[tuple[str, list[tuple[int, str]]]]) -> DefaultCatalogue:
    """Patterns as regexes over the comment's token texts joined by spaces, grouped by the token
    they can start with: each token of a comment tries one regex, the alternation of the few
    patterns that can start there, most specific first (Python's re takes the first alternative
    that matches, so order is precedence)."""
    patterns: list[_Pattern] = []
    for key, lines in themes:
        for tone, pattern in lines:
            full = compile_pattern(pattern)
            negated = any(t in NEGATORS for kind, alts, _ in full for alt in alts for t in alt)
            for slots in _required_first(full):
                patterns.append(_Pattern(key, tone, slots, negated, _weight(slots), len(patterns)))
    patterns.sort(key=lambda p: (-p.weight, p.order))
    groups: dict[str, list[str]] = {}
    for n, pattern in enumerate(patterns):
        kind, alts, _ = pattern.slots[0]
        firsts = {"#"} if kind == _COUNT else {alt[0] for alt in alts}
        for first in firsts:
            groups.setdefault(first, []).append(f"(?P<p{n}>{_regex(pattern.slots)})")
    count = groups.pop("#", None)
    return DefaultCatalogue(
        tuple(key for key, _ in themes),
        tuple(patterns),
        {token: re.compile("|".join(alts)) for token, alts in groups.items()},
        re.compile("|".join(count)) if count else None,
        frozenset(groups) | (COUNT_WORDS if count else frozenset()),
    )


@cache
def default_catalogue() -> DefaultCatalogue:
    """The shipped catalogue, compiled on first use and kept for the life of the process."""
    return build_catalogue(read_catalogue((_DATA / "themes.txt").read_text(encoding="utf-8")))


def default_theme_keys() -> tuple[str, ...]:
    return default_catalogue().keys


def _is_count(tok: Token) -> bool:
    return tok.kind == NUMBER or tok.low in COUNT_WORDS


def _negated(tokens: list[Token], start: int) -> bool:
    for k in range(start - 1, max(-1, start - 1 - _NEGATION_WINDOW), -1):
        low = tokens[k].low
        if low in _CLAUSE_EDGE:
            return False
        if low in NEGATORS:
            return True
    return False


def default_mentions(tokens: list[Token], catalogue: DefaultCatalogue | None = None) -> list[Mention]:
    """Mentions of the catalogue's themes in a comment's tokens: leftmost, most specific pattern
    first, no overlaps."""
    catalogue = catalogue or default_catalogue()
    by_first, by_count, patterns = catalogue.by_first, catalogue.by_count, catalogue.patterns
    lows, joined, at = joined_of(tokens)
    # The few tokens a pattern can start with, found first: the others cost one lookup each. A
    # number token starts with a digit, so without a digit none needs its kind read.
    starters = catalogue.starters
    if by_count is not None and _DIGIT.search(joined) is not None:
        starts = [i for i, low in enumerate(lows) if low in starters or tokens[i].kind == NUMBER]
    elif starters.isdisjoint(lows):
        return []
    else:
        starts = [i for i, low in enumerate(lows) if low in starters]
    if not starts:
        return []
    mentions: list[Mention] = []
    free = 0  # the first token no earlier mention covers
    for i in starts:
        if i < free:
            continue
        regex = by_first.get(lows[i])
        m = regex.match(joined, at[i]) if regex is not None else None
        if m is None and by_count is not None and _is_count(tokens[i]):
            m = by_count.match(joined, at[i])
        if m is None:
            continue
        pattern = patterns[int(m.lastgroup[1:])]  # type: ignore[index]
        end = bisect_left(at, m.end())
        tone = pattern.tone
        if tone and not pattern.negated_inside and _negated(tokens, i):
            tone = -tone
        mentions.append(_new(Mention, (pattern.theme, tone, i, end)))
        free = end
    return mentions
