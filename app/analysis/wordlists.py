"""The word lists shipped in ./data, read once: the support lexicon's rows and the emoji scores.

Kept apart from lexicon.py because the tokenizer needs the emoticons before any phrase can be
tokenized, and the lexicon needs the tokenizer: this module depends on neither.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

_DATA = resources.files(__package__) / "data"


def read_rows(name: str) -> list[tuple[float, float, str]]:
    """(polarity, subjectivity, rest of the line) for each entry of a data file."""
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
    return {symbol.lower(): (p, s) for p, s, symbol in read_rows("emoji.txt")}


def emoticon_pattern() -> str:
    """Regex alternation of the ASCII emoticons, for the tokenizer.

    An emoticon must stand apart from words ("bad :(" but not "http://"), so it is
    preceded by a space or the start and followed by a space, punctuation or the end.
    """
    emoticons = sorted((s for s in emoji_scores() if all(ord(c) < 128 for c in s)), key=len, reverse=True)
    # Keyed lower-case, so match either case ("XD" and "xD").
    body = "|".join("(?i:" + re.escape(e) + ")" for e in emoticons)
    return r"(?:(?<=\s)|^)(?:" + body + r")(?=$|[\s.,!?])"
