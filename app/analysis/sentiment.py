"""SupportAnalyzer: a TextBlob sentiment analyzer tuned for short post-support comments.

    TextBlob("fast, but nothing was fixed", analyzer=SupportAnalyzer()).sentiment
    -> SupportSentiment(polarity=-0.475, subjectivity=0.45, label='negative',
                        drivers=['nothing was fixed'], language='en')

How it scores, and why:
- Words come from TextBlob's own pattern lexicon plus our support-domain lexicon
  (data/support_lexicon.txt), which knows complaints stated as plain facts ("still waiting",
  "charged twice", "no one replied") that the adjective-only pattern lexicon scores 0.
- Emoji and emoticons (data/emoji.txt) count like words: in a two-word comment they often
  are the sentiment.
- A negation up to three tokens before a scored word flips and damps it ("not helpful" is
  bad, "not bad" is mildly good), as in pattern and VADER.
- Intensifiers and downtoners scale the next scored word; an all-caps word is emphasised.
- Effort and delay count as complaints ("took three chats", "longer than it should have",
  "had to chase"), and a grudging "eventually" / "in the end" halves the praise in its clause
  ("fixed it eventually" is no longer a happy comment).
- Contrast: after "but"/"however" the clause weighs three times the one before
  ("fast, but nothing was fixed" is a complaint); an "although ..." clause weighs less.
- The polarity is the weighted mean of the scored items, as in TextBlob, so it stays on the
  same -1..1 scale readers already know.
Nothing here downloads anything or needs NLTK data.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from functools import cache
from operator import attrgetter
from typing import NamedTuple

from textblob.base import CONTINUOUS, BaseSentimentAnalyzer

from app.analysis.language import detect_language
from app.analysis.lexicon import pattern_lexicon, phrase_matcher
from app.analysis.rounding import round4
from app.analysis.tokens import EMOTICON, PUNCT, SYMBOL, WORD, Token, joined_of, normalise, tokenize
from app.analysis.wordlists import emoji_scores

POSITIVE_AT = 0.1
NEGATIVE_AT = -0.1

# Scale applied to a negated item: flips its sign and damps it ("not great" is not "awful").
_NEGATION_SCALE = -0.6
_NEGATION_WINDOW = 3
_NEGATORS = frozenset(
    {
        "not",
        "n't",
        "no",
        "never",
        "nothing",
        "nobody",
        "none",
        "neither",
        "nor",
        "without",
        "hardly",
        "barely",
        "noone",
        "cannot",
    }
)
# Words after which a negator does not negate ("not only ... but also").
_NEGATION_BREAKERS = frozenset({"only", "just"})
_BOOSTERS = {
    "very": 1.3,
    "really": 1.3,
    "so": 1.3,
    "extremely": 1.5,
    "super": 1.4,
    "incredibly": 1.5,
    "totally": 1.4,
    "absolutely": 1.5,
    "completely": 1.4,
    "truly": 1.3,
    "highly": 1.4,
    "too": 1.2,
    "most": 1.3,
    "utterly": 1.5,
    "exceptionally": 1.5,
    "amazingly": 1.4,
    "insanely": 1.4,
    "remarkably": 1.3,
    "especially": 1.2,
    "particularly": 1.2,
    "quite": 1.1,
    "such": 1.2,
    "seriously": 1.3,
    "ridiculously": 1.4,
    "beyond": 1.3,
    "slightly": 0.6,
    "somewhat": 0.6,
    "fairly": 0.8,
    "rather": 0.8,
    "kinda": 0.7,
    "sort": 0.7,
    "kind": 0.7,
    "bit": 0.6,
    "little": 0.7,
    "pretty": 0.9,
    "mostly": 0.8,
    "partly": 0.6,
    "partially": 0.6,
    "marginally": 0.6,
    "reasonably": 0.8,
    "almost": 0.8,
}
# Words that modify the next scored word and score nothing themselves.
_MODIFIERS = frozenset(_BOOSTERS) | _NEGATORS
_CLAUSE_BREAK = frozenset({".", ",", ";", ":", "(", ")", "-", "–", "—", "but", "however", "though", "although"})
# After one of these the rest of the comment carries the verdict.
_CONTRAST = frozenset({"but", "however", "except", "nevertheless", "nonetheless", "unfortunately", "sadly"})
_CONCESSIVE = frozenset({"although", "though", "while", "whilst", "despite"})
_BEFORE_CONTRAST, _AFTER_CONTRAST = 0.5, 1.5
_CAPS_EMPHASIS = 1.2
# Praise in a clause with "eventually" / "in the end" keeps this share of its polarity; the
# clause ends at a sentence end or a contrast ("fixed eventually, but the agent was great").
_GRUDGING_SCALE = 0.5
_GRUDGING_BOUNDS = frozenset({".", ";", "but", "however", "though", "although"})
_MAX_DRIVERS = 5
_ELONGATED = re.compile(r"(\w)\1\1")
_START = attrgetter("start")


class SupportSentiment(NamedTuple):
    polarity: float | None  # None when the comment is empty or not in English
    subjectivity: float | None
    label: str  # negative | neutral | positive | unsupported_language | empty
    drivers: list[str]  # the phrases that pushed the polarity its way, strongest first
    language: str


_new = tuple.__new__


class _Item:
    """One scored phrase: token span, score and weight."""

    __slots__ = ("first", "start", "end", "polarity", "subjectivity", "weight", "negatable", "grudging")

    def __init__(self, start: int, end: int, polarity: float, subjectivity: float, negatable: bool):
        self.first = start  # first token quoted as a driver (widened to its modifiers)
        self.start = start
        self.end = end  # exclusive
        self.polarity = polarity
        self.subjectivity = subjectivity
        self.weight = 1.0
        self.negatable = negatable
        self.grudging = False


def label_for(polarity: float | None) -> str:
    if polarity is None:
        return "empty"
    if polarity >= POSITIVE_AT:
        return "positive"
    if polarity <= NEGATIVE_AT:
        return "negative"
    return "neutral"


def _squash_elongation(word: str) -> str:
    """'soooo' -> 'so', 'gooood' -> 'good': try two of a repeated letter, then one."""
    out, prev, run = [], "", 0
    for ch in word:
        run = run + 1 if ch == prev else 1
        prev = ch
        if run <= 2:
            out.append(ch)
    return "".join(out)


def _find_items(tokens: list[Token]) -> tuple[list[_Item], list[bool]]:
    """Domain phrases first (they may contain negations and ordinary words), then words."""
    matcher = phrase_matcher()
    lexicon = pattern_lexicon()
    emoji = emoji_scores()
    items: list[_Item] = []
    covered = [False] * len(tokens)

    # Leftmost, non-overlapping matches, trying at each token only the entries that can start
    # with it; a comment's few such tokens are found first, so the others cost one set lookup
    # (and a comment with none of them, one set operation in C).
    by_first, anywhere = matcher.by_first_token, matcher.anywhere
    lows, joined, at = joined_of(tokens)
    if anywhere is not None:
        starts: Sequence[int] = range(len(lows))
    elif by_first.keys().isdisjoint(lows):
        starts = ()
    else:
        starts = [i for i, low in enumerate(lows) if low in by_first]
    phrases = False
    if starts:
        free = 0  # the first token no earlier match covers
        for i in starts:
            if i < free:
                continue
            regex = by_first.get(lows[i])
            m = regex.match(joined, at[i]) if regex is not None else None
            if m is None and anywhere is not None:
                m = anywhere.match(joined, at[i])
            if m is None:
                continue
            entry = matcher.entries[int(m.lastgroup[1:])]  # type: ignore[index]
            end = bisect_left(at, m.end())
            if entry.polarity:  # a 0 entry is a mask: its words are read as a whole, and score nothing
                item = _Item(i, end, entry.polarity, entry.subjectivity, not entry.negated_inside)
                item.grudging = entry.grudging
                items.append(item)
                phrases = True
            for k in range(i, end):
                covered[k] = True
            free = end

    # A letter three times in a row anywhere ("soooo") is inside one token (the joined text puts
    # spaces between them): without one, no word needs the squashing lookups, and only the tokens
    # whose text scores something can give an item, found with one set lookup each.
    elongated = _ELONGATED.search(joined) is not None
    scorable = _scorable()
    for i in range(len(tokens)) if elongated else [i for i, low in enumerate(lows) if low in scorable]:
        if covered[i]:
            continue
        tok = tokens[i]
        kind = tok.kind
        if kind == WORD:
            low = tok.low
            if low in _MODIFIERS:
                continue
            scores = lexicon.get(low)
            if scores is None and elongated and len(low) > 3 and _ELONGATED.search(low):
                squashed = _squash_elongation(low)
                scores = lexicon.get(squashed) or lexicon.get(_squash_run_to_one(squashed))
            if scores is not None and scores[0] != 0.0:
                items.append(_Item(i, i + 1, scores[0], scores[1], True))
        elif kind in (EMOTICON, SYMBOL):
            found = emoji.get(tok.low)
            if found is not None:
                items.append(_Item(i, i + 1, found[0], found[1], False))
    if phrases:  # the words' items come in token order already (and the sort is stable)
        items.sort(key=_START)
    return items, covered


@cache
def _scorable() -> frozenset[str]:
    """Every token text _find_items can score on its own: the lexicon's words with a polarity
    (modifiers score nothing) and the emoji."""
    words = (word for word, scores in pattern_lexicon().items() if scores[0] != 0.0 and word not in _MODIFIERS)
    return frozenset(words) | frozenset(emoji_scores())


def _squash_run_to_one(word: str) -> str:
    return "".join(ch for i, ch in enumerate(word) if i == 0 or ch != word[i - 1])


def _apply_modifiers(tokens: list[Token], items: list[_Item], covered: list[bool], shouted: list[int]) -> None:
    """Negation, intensifiers and capitals, looking back from each item within its clause.

    `shouted`: the tokens that count as shouting (words of three letters or more in capitals, when
    the comment is not written all in capitals)."""
    for item in items:
        negated = False
        scale = 1.0
        for k in range(item.start - 1, max(-1, item.start - 1 - _NEGATION_WINDOW), -1):
            low = tokens[k].low
            if low in _CLAUSE_BREAK or covered[k]:
                break
            if low in _NEGATORS and item.negatable:
                after = tokens[k + 1].low
                if after not in _NEGATION_BREAKERS:
                    negated = not negated
                    item.first = k
            elif low in _BOOSTERS and k >= item.start - 2:
                scale *= _BOOSTERS[low]
                item.first = min(item.first, k)
        polarity = item.polarity * scale
        if shouted and any(item.start <= t < item.end for t in shouted):
            polarity *= _CAPS_EMPHASIS
        if negated:
            polarity *= _NEGATION_SCALE
        item.polarity = max(-1.0, min(1.0, polarity))


def _apply_contrast(tokens: list[Token], items: list[_Item]) -> None:
    """Weight clauses: what follows 'but' outweighs what precedes it."""
    lows = joined_of(tokens).lows
    if not _CONTRAST.isdisjoint(lows):  # most comments have no contrast: one set operation in C
        pivot = -1
        for i, low in enumerate(lows):
            if low in _CONTRAST:
                pivot = i
        for item in items:
            if item.end <= pivot:
                item.weight *= _BEFORE_CONTRAST
            elif item.start > pivot:
                item.weight *= _AFTER_CONTRAST
    if _CONCESSIVE.isdisjoint(lows):
        return
    # "Although the agent was friendly, nothing was fixed": the concessive clause runs to the
    # next comma and gives way to the main clause after it, up to the sentence end.
    n = len(tokens)
    for i, low in enumerate(lows):
        if low not in _CONCESSIVE or (i > 0 and lows[i - 1] not in {".", ","} and lows[i - 1] != "even"):
            continue
        comma = next((k for k in range(i + 1, n) if lows[k] in {",", "."}), n)
        if comma >= n or lows[comma] != ",":
            continue
        stop = next((k for k in range(comma + 1, n) if lows[k] == "."), n)
        for item in items:
            if i < item.start < comma:
                item.weight *= _BEFORE_CONTRAST
            elif comma < item.start < stop:
                item.weight *= _AFTER_CONTRAST


def _apply_grudging(tokens: list[Token], items: list[_Item]) -> None:
    """Praise in the same clause as a grudging marker counts for less: "fixed it eventually"
    says the fix came late, and a score of 3 with it is not a happy customer."""
    for marker in items:
        if not marker.grudging:
            continue
        lo = marker.start
        while lo > 0 and tokens[lo - 1].low not in _GRUDGING_BOUNDS:
            lo -= 1
        hi = marker.end
        while hi < len(tokens) and tokens[hi].low not in _GRUDGING_BOUNDS:
            hi += 1
        for item in items:
            if item.polarity > 0 and lo <= item.start < hi:
                item.polarity *= _GRUDGING_SCALE


def _quote(text: str, tokens: list[Token], item: _Item) -> str:
    return text[tokens[item.first].start : tokens[item.end - 1].end]


def _scored_items(tokens: list[Token]) -> list[_Item]:
    """The scored phrases of some tokens, with every modifier applied."""
    items, covered = _find_items(tokens)
    if not items:
        return items
    # Words of three letters or more in capitals shout; a comment written all in capitals is not
    # shouting any one word.
    letters = 0
    shouted = []
    for i, t in enumerate(tokens):
        if t.kind == WORD and len(t.text) > 2:
            letters += 1
            if t.text.isupper():
                shouted.append(i)
    _apply_modifiers(tokens, items, covered, shouted if len(shouted) < letters else [])
    _apply_grudging(tokens, items)
    _apply_contrast(tokens, items)
    return items


def _polarity(tokens: list[Token], items: list[_Item], total: float, exclaimed: bool = True) -> float:
    polarity = sum(item.weight * item.polarity for item in items) / total
    exclamations = min(3, sum(1 for t in tokens if t.kind == PUNCT and "!" in t.text)) if exclaimed else 0
    return max(-1.0, min(1.0, polarity * (1 + 0.05 * exclamations)))


def polarity_of(tokens: list[Token]) -> float:
    """The polarity alone of some tokens (a clause): score_tokens without subjectivity or drivers."""
    items = _scored_items(tokens)
    return round4(_polarity(tokens, items, sum(item.weight for item in items))) if items else 0.0


def score_tokens(text: str, tokens: list[Token]) -> tuple[float, float, list[str]]:
    """(polarity, subjectivity, drivers) of an English comment's tokens."""
    items = _scored_items(tokens)
    if not items:
        return 0.0, 0.0, []
    total = sum(item.weight for item in items)
    polarity = _polarity(tokens, items, total, "!" in text)  # a token's text is a piece of the text
    subjectivity = sum(item.weight * item.subjectivity for item in items) / total

    # Drivers: what pushed the score its way, strongest first; for a neutral score, anything.
    sign = 1 if polarity >= POSITIVE_AT else -1 if polarity <= NEGATIVE_AT else 0
    ranked = sorted(items, key=lambda item: -abs(item.weight * item.polarity))
    drivers: list[str] = []
    for item in ranked:
        if sign and item.polarity * sign <= 0:
            continue
        quote = _quote(text, tokens, item)
        if quote.lower() not in (d.lower() for d in drivers):
            drivers.append(quote)
        if len(drivers) == _MAX_DRIVERS:
            break
    return round4(polarity), round4(min(1.0, subjectivity)), drivers


def analyze_text(text: str | None) -> SupportSentiment:
    """Sentiment of one comment, with language detection first."""
    if text is None or not text.strip():
        return SupportSentiment(None, None, "empty", [], "en")
    normalised = normalise(text)
    tokens = tokenize(normalised)
    return analyze_tokens(normalised, tokens)


def analyze_tokens(normalised: str, tokens: list[Token]) -> SupportSentiment:
    language = detect_language(normalised, tokens)
    if language != "en":
        return SupportSentiment(None, None, "unsupported_language", [], language)
    polarity, subjectivity, drivers = score_tokens(normalised, tokens)
    # tuple.__new__: the same SupportSentiment without its generated __new__'s frame
    return _new(SupportSentiment, (polarity, subjectivity, label_for(polarity), drivers, language))


class SupportAnalyzer(BaseSentimentAnalyzer):
    """TextBlob analyzer for support comments: `TextBlob(text, analyzer=SupportAnalyzer())`."""

    kind = CONTINUOUS
    RETURN_TYPE = SupportSentiment

    def train(self) -> None:
        # Nothing to learn: load the lexicons so the first comment is not the slow one.
        super().train()
        phrase_matcher()
        pattern_lexicon()

    def analyze(self, text: str) -> SupportSentiment:
        if not self._trained:
            self.train()
        return analyze_text(text)
