"""The theme extractor before the default catalogue (commit b156826, app/analysis/themes.py),
kept verbatim as the benchmark's second baseline: noun runs from pattern's tagger, one key each."""

from __future__ import annotations

import warnings
from functools import cache, lru_cache

from textblob.en.inflect import singularize

from app.analysis.tokens import NUMBER, PUNCT, WORD, Token

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
