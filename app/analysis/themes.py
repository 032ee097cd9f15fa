"""Themes: what a comment is about, as normalised keys ("refund", "customer service").

TextBlob's `noun_phrases` needs NLTK corpora we cannot download; its bundled pattern parser
tags and chunks without them. We take the noun-phrase chunks, keep their nouns, and normalise
them so one subject gets one key across thousands of comments: lower-case, plural nouns
singularised (the same `singularize` that `Word.singularize` calls), determiners, pronouns
and adjectives dropped, and generic heads stripped ("the refund process" -> "refund").

Workspace themes (name -> keywords) are matched case- and plural-insensitively and take
precedence: an automatic key built from words a workspace theme already matched is dropped.
"""

from __future__ import annotations

import warnings
from functools import cache, lru_cache

from textblob.en.inflect import singularize

from app.analysis.tokens import NUMBER, PUNCT, WORD, Token, normalise, tokenize

_MAX_KEY_WORDS = 3
# Heads that name the kind of thing, not the subject: "refund process" is about refunds.
_GENERIC_HEADS = frozenset(
    [
        "process",
        "procedure",
        "experience",
        "experiences",
        "situation",
        "issue",
        "issues",
        "problem",
        "problems",
        "thing",
        "things",
        "stuff",
        "part",
        "side",
        "system",
        "team",
        "department",
        "policy",
        "time",
        "times",
        "matter",
        "question",
        "questions",
        "request",
        "requests",
        "query",
        "queries",
        "side",
        "level",
        "option",
        "options",
        "aspect",
        "area",
    ]
)
# Nouns too vague to be a theme on their own.
_STOP_NOUNS = frozenset(
    [
        "thing",
        "things",
        "stuff",
        "lot",
        "lots",
        "bit",
        "time",
        "times",
        "way",
        "ways",
        "day",
        "days",
        "hour",
        "hours",
        "minute",
        "minutes",
        "week",
        "weeks",
        "month",
        "months",
        "year",
        "years",
        "today",
        "yesterday",
        "tomorrow",
        "morning",
        "afternoon",
        "evening",
        "night",
        "everything",
        "anything",
        "something",
        "nothing",
        "everyone",
        "anyone",
        "someone",
        "nobody",
        "people",
        "person",
        "guy",
        "guys",
        "one",
        "ones",
        "kind",
        "sort",
        "type",
        "job",
        "work",
        "end",
        "start",
        "point",
        "fact",
        "reason",
        "case",
        "matter",
        "number",
        "couple",
        "thanks",
        "thank",
        "hi",
        "hello",
        "hey",
        "lol",
        "ok",
        "okay",
        "please",
        "sir",
        "madam",
        "name",
        "yes",
        "no",
        "issue",
        "issues",
        "problem",
        "problems",
        "mess",
        "help",
        "experience",
        "service",
        "support",
        "question",
        "questions",
    ]
)
_NOUN_TAGS = frozenset({"NN", "NNS"})


@lru_cache(maxsize=4096)
def singular(word: str) -> str:
    """Singular of a lower-case noun, leaving words like "process" and "status" alone."""
    if len(word) < 4 or not word.endswith("s") or word.endswith(("ss", "us", "is", "'s")):
        return word
    return singularize(word)


@cache
def _parser():
    from textblob.en import parser

    with warnings.catch_warnings():  # textblob leaves its lexicon file unclosed
        warnings.simplefilter("ignore", ResourceWarning)
        parser.find_tags(["warm", "up"])
    return parser


def _sentences(tokens: list[Token]) -> list[list[str]]:
    sentences: list[list[str]] = []
    current: list[str] = []
    for tok in tokens:
        if tok.kind == WORD or tok.kind == NUMBER:
            current.append(tok.text)
        elif tok.kind == PUNCT:
            current.append(tok.low)
            if tok.low == "." and current:
                sentences.append(current)
                current = []
    if current:
        sentences.append(current)
    return sentences


def _key(nouns: list[tuple[str, str]]) -> str | None:
    words = [singular(w.lower()) if tag == "NNS" else w.lower() for w, tag in nouns]
    words = [w for w in words if w.isalpha() or "-" in w][-_MAX_KEY_WORDS:]
    while len(words) > 1 and words[-1] in _GENERIC_HEADS:
        words.pop()
    while words and words[0] in _STOP_NOUNS:
        words.pop(0)
    if not words or (len(words) == 1 and (words[0] in _STOP_NOUNS or len(words[0]) < 3)):
        return None
    return " ".join(words)


def extract_themes(tokens: list[Token]) -> list[str]:
    """Automatic theme keys of an English comment's tokens, in order of first mention.

    The pattern tagger (what TextBlob's PatternTagger runs) tags each sentence; a theme is a
    run of consecutive nouns, i.e. the head of a noun phrase without its determiner and
    adjectives. Running pattern's full chunker as well would find the same runs at twice the
    cost, and analysis throughput matters (see benchmarks/analysis_throughput.py).
    """
    tagger = _parser()
    keys: list[str] = []
    for sentence in _sentences(tokens):
        run: list[tuple[str, str]] = []
        for word, tag in tagger.find_tags(sentence) + [["", ""]]:
            if tag in _NOUN_TAGS:
                run.append((word, tag))
                continue
            if run:
                key = _key(run)
                if key and key not in keys:
                    keys.append(key)
                run = []
    return _merge_near_duplicates(keys)


def _merge_near_duplicates(keys: list[str]) -> list[str]:
    """Keep "refund" rather than also "refund request"-like keys that contain it."""
    kept = []
    for key in keys:
        words = set(key.split())
        if any(set(other.split()) < words for other in keys if other != key):
            continue
        kept.append(key)
    return kept


def _normal_words(text: str) -> list[str]:
    return token_words(tokenize(normalise(text)))


def token_words(tokens: list[Token]) -> list[str]:
    """The words custom themes are matched on: word and number tokens, lower case, singular."""
    return [singular(t.low) for t in tokens if t.kind == WORD or t.kind == NUMBER]


class CustomThemeMatcher:
    """A workspace catalogue compiled once: each theme's keywords and phrases as word tuples.

    A keyword or phrase matches a run of whole normalised words (case- and plural-insensitive),
    scanning left to right without overlaps, a theme's terms tried in catalogue order at each
    word — what a regex alternation of the terms over the space-joined words finds.
    """

    __slots__ = ("themes", "first_words")

    def __init__(self, themes: dict[str, list[str]]):
        compiled = []
        for name, keywords in themes.items():
            by_first: dict[str, list[tuple[str, ...]]] = {}
            for keyword in keywords:
                words = tuple(_normal_words(keyword))
                if words:
                    by_first.setdefault(words[0], []).append(words)
            if by_first:
                compiled.append((name, by_first))
        self.themes: tuple[tuple[str, dict[str, list[tuple[str, ...]]]], ...] = tuple(compiled)
        self.first_words = frozenset(word for _, by_first in compiled for word in by_first)

    def match(self, words: list[str]) -> tuple[list[str], set[str]]:
        """(matched theme names in catalogue order, the normalised words they matched)."""
        names: list[str] = []
        used: set[str] = set()
        if self.first_words.isdisjoint(words):
            return names, used
        n = len(words)
        for name, by_first in self.themes:
            if by_first.keys().isdisjoint(words):
                continue
            matched = False
            i = 0
            while i < n:
                for terms in by_first.get(words[i], ()):
                    k = len(terms)
                    if k == 1 or tuple(words[i : i + k]) == terms:
                        matched = True
                        used.update(terms)
                        i += k
                        break
                else:
                    i += 1
            if matched:
                names.append(name)
        return names, used


@lru_cache(maxsize=256)
def _compiled(themes: tuple[tuple[str, tuple[str, ...]], ...]) -> CustomThemeMatcher:
    return CustomThemeMatcher(dict(themes))


def _freeze(themes: dict[str, list[str]]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((name, tuple(keywords)) for name, keywords in themes.items())


def compile_custom_themes(themes: dict[str, list[str]] | None) -> CustomThemeMatcher | None:
    """The catalogue's matcher, compiled once per catalogue content (None for no themes)."""
    if not themes:
        return None
    return _compiled(_freeze(themes))


def custom_theme_matches(text: str, themes: dict[str, list[str]]) -> tuple[list[str], set[str]]:
    """(matched theme names in catalogue order, the normalised words they matched)."""
    if not text or not themes:
        return [], set()
    return compile_custom_themes(themes).match(_normal_words(text))


def match_custom_themes(text: str, themes: dict[str, list[str]]) -> list[str]:
    """Names of workspace themes whose keywords or phrases occur in the text."""
    return custom_theme_matches(text, themes)[0]


def combine_themes(text: str, auto_themes: list[str], custom: dict[str, list[str]] | None) -> list[str]:
    """Workspace themes first; automatic keys built from words they matched are dropped."""
    if not custom:
        return list(auto_themes)
    return combine_matched(auto_themes, *custom_theme_matches(text, custom))


def combine_matched(auto_themes: list[str], names: list[str], used: set[str]) -> list[str]:
    """combine_themes once the custom themes are matched: their names, then the other keys."""
    if not used:
        return names + auto_themes
    return names + [key for key in auto_themes if used.isdisjoint(key.split())]
