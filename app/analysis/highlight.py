"""Where a comment says its themes: the words to mark when a person reads it.

Only the shipped catalogue's phrases are located (a regular expression per comment, cheap enough
for every answer of a page); custom and discovered themes are listed beside the comment instead.
"""

from __future__ import annotations

from collections.abc import Iterable

from app.analysis.catalogue import default_mentions
from app.analysis.tokens import normalise, tokenize


def theme_segments(text: str, keys: Iterable[str]) -> list[tuple[str, str | None]]:
    """`text` cut into (piece, theme key or None), the pieces joined giving back `text` exactly;
    a piece carries a key where the catalogue's phrase for one of `keys` was found."""
    wanted = set(keys)
    normalised = normalise(text)
    if not wanted or normalised != text:
        # Normalising dropped or changed characters (an emoji's variation selector): offsets
        # would no longer point into `text`, so nothing is marked rather than the wrong words.
        return [(text, None)] if text else []
    tokens = tokenize(normalised)
    pieces: list[tuple[str, str | None]] = []
    at = 0
    for mention in default_mentions(tokens):
        if mention.theme not in wanted:
            continue
        start, end = tokens[mention.start].start, tokens[mention.end - 1].end
        if start > at:
            pieces.append((text[at:start], None))
        pieces.append((text[start:end], mention.theme))
        at = end
    if at < len(text):
        pieces.append((text[at:], None))
    return pieces
