"""One fast tokenizer shared by language detection, sentiment and themes.

TextBlob's `.words` needs NLTK's punkt data, which we cannot download, and the pattern
tokenizer is slower than we need; so a comment is tokenized once, here, with one
precompiled regex, and every later step reads the same tokens.
"""

from __future__ import annotations

import re
from itertools import accumulate, repeat
from operator import add, itemgetter
from typing import NamedTuple

from app.analysis.wordlists import emoticon_pattern

WORD, NUMBER, PUNCT, SYMBOL, EMOTICON = "w", "n", "p", "s", "e"

# Characters that only decorate an emoji (variation selectors, skin tones, joiners) and
# curly quotes, normalised before tokenizing so "❤️" and "❤" look the same.
_NORMALISE = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u02bc": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\ufe0f": None,
        "\ufe0e": None,
        "\u200d": " ",
        **dict.fromkeys(range(127995, 128000)),
    }
)

_TOKEN_RE = re.compile(
    r"(?P<url>https?://\S+|www\.\S+|\S+@\S+\.\w+)"
    r"|(?P<emo>" + emoticon_pattern() + r")"
    r"|(?P<word>[^\W\d_]+(?:'[^\W\d_]+)*'?)"
    r"|(?P<num>\d+(?:[.,:/]\d+)*(?:st|nd|rd|th|h|hrs?|mins?|x)?)"
    r"|(?P<eos>[!?]+|\.+|…|;|\n\s*)"
    r"|(?P<punct>[,:()\[\]\-–—/&+*\"'#%$€£])"
    r"|(?P<sym>[^\s\w])"
)

# Clitics are split the way the pattern tagger expects ("didn't" -> "did n't").
_CLITICS = ("n't", "'s", "'re", "'ve", "'ll", "'d", "'m")
# Contractions typed without the apostrophe, common in quick survey comments.
_BARE_NEGATIONS = {
    "dont": "do",
    "didnt": "did",
    "doesnt": "does",
    "cant": "ca",
    "wont": "wo",
    "isnt": "is",
    "wasnt": "was",
    "arent": "are",
    "werent": "were",
    "havent": "have",
    "hasnt": "has",
    "hadnt": "had",
    "couldnt": "could",
    "wouldnt": "would",
    "shouldnt": "should",
}


class Token(NamedTuple):
    text: str  # as written (after quote normalisation)
    low: str  # lower-cased, the form every lexicon uses
    kind: str  # WORD, NUMBER, PUNCT (",", "(" ...), "." for a sentence end, SYMBOL, EMOTICON
    start: int  # character offsets in the normalised text, for quoting drivers
    end: int


def normalise(text: str) -> str:
    return text.translate(_NORMALISE)


def tokenize(text: str) -> list[Token]:
    """Tokens of an already normalised text; URLs and e-mail addresses are dropped."""
    tokens: list[Token] = []
    append = tokens.append
    # tuple.__new__ rather than Token(...): the same Token, without the generated __new__'s frame
    # (a sixth of tokenize's time).
    new = tuple.__new__
    for m in _TOKEN_RE.finditer(text):
        kind = m.lastgroup
        s, e = m.span()
        raw = m.group()
        if kind == "word":
            low = raw.lower()
            if "'" in low:
                for clitic in _CLITICS:
                    if low.endswith(clitic) and len(low) > len(clitic):
                        cut = e - len(clitic)
                        append(new(Token, (raw[: cut - s], low[: cut - s], WORD, s, cut)))
                        append(new(Token, (raw[cut - s :], clitic, WORD, cut, e)))
                        break
                else:
                    low = low.strip("'")
                    if low:
                        append(new(Token, (raw, low, WORD, s, e)))
                continue
            stem = _BARE_NEGATIONS.get(low)
            if stem is not None:
                append(new(Token, (raw[: len(stem)], stem, WORD, s, s + len(stem))))
                append(new(Token, (raw[len(stem) :], "n't", WORD, s + len(stem), e)))
            else:
                append(new(Token, (raw, low, WORD, s, e)))
        elif kind == "num":
            append(new(Token, (raw, raw.lower(), NUMBER, s, e)))
        elif kind == "eos":
            append(new(Token, (raw, ".", PUNCT, s, e)))
        elif kind == "punct":
            append(new(Token, (raw, raw, PUNCT, s, e)))
        elif kind == "emo":
            append(new(Token, (raw, raw.lower(), EMOTICON, s, e)))
        elif kind == "sym":
            append(new(Token, (raw, raw, SYMBOL, s, e)))
        # urls are dropped: they carry no sentiment and would confuse emoticons (":/").
    return tokens


def joined_tokens(lows: list[str]) -> tuple[str, list[int]]:
    """The tokens as one string, " tok tok … tok ", and where each token starts in it (one more
    entry: the end). The phrase matchers run their regexes over this string: a match that ends
    at a token boundary ends at one of these offsets (bisect_left(at, end) is its token)."""
    # Each token's length plus its space, summed: all in C iterators (a generator was a tenth
    # of the phrase matchers' time).
    at = list(accumulate(map(add, map(len, lows), repeat(1)), initial=1))
    return " " + " ".join(lows) + " ", at


_LOW = itemgetter(1)  # Token.low, read in C


class Joined(NamedTuple):
    lows: list[str]  # each token's low form
    text: str  # joined_tokens(lows)
    at: list[int]


# The last token list joined: the sentiment phrase matcher and the theme catalogue read the same
# comment's tokens one after the other (measured: joining them twice, and the lower-case lists,
# were a twentieth of the analysis). Keyed on the list's identity; token lists are never edited.
_last: tuple[list[Token], Joined] | None = None


_new = tuple.__new__  # Joined(...) without the NamedTuple's generated __new__


def joined_of(tokens: list[Token]) -> Joined:
    """The low forms of some tokens and their joined_tokens, computed once for a token list."""
    global _last
    last = _last
    if last is not None and last[0] is tokens:
        return last[1]
    lows = list(map(_LOW, tokens))
    joined = _new(Joined, (lows, *joined_tokens(lows)))
    _last = (tokens, joined)
    return joined


def pattern_tokens(phrase: str) -> list[str]:
    """Lower-case tokens of a lexicon phrase, split exactly like a comment."""
    return [t.low for t in tokenize(normalise(phrase))]
