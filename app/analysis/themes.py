"""Discovered themes: recurring subjects the catalogue lacks, as readable keys ("exchange rate").

TextBlob's `noun_phrases` needs NLTK corpora we cannot download; its bundled pattern parser
tags without them. A candidate is a run of nouns on words no catalogue theme matched, normalised
so one subject gets one key across thousands of comments: lower case, plural nouns singularised
("refunds" -> "refund", but "ages" and "news" stay), determiners and adjectives dropped, generic
heads stripped ("the refund process" -> "refund"), at most two words. Filler ("thing", "problem",
"way", "right", "need") is never a theme on its own, and a noun the tagger guessed where English
puts a verb ("didn't even address my question", "I need") is not a noun.

Across a batch (group_candidates) rare variants join a recurring key with the same head word
("contactless payment" -> "payment") or the same letters ("top-up", "topup" -> "top up"); what
recurs too little is dropped.

Workspace themes (name -> keywords) are matched case- and plural-insensitively and take
precedence: a candidate built from words a workspace theme already matched is dropped.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from functools import cache, lru_cache

from textblob.en.inflect import singularize

from app.analysis.lexicon import pattern_lexicon
from app.analysis.tokens import NUMBER, PUNCT, WORD, Token, joined_of, normalise, tokenize

_MAX_KEY_WORDS = 2


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Heads that name the kind of thing, not the subject: "refund process" is about refunds.
_GENERIC_HEADS = _words(
    "process procedure experience situation issue problem thing stuff part side system team department "
    "time matter question request query level option aspect area service support help status "
    "information info detail"
)
# Nouns too vague, or too often a mis-tagged verb or adverb, to be a theme on their own.
_STOP_NOUNS = _words(
    """thing stuff lot bit time way day hour minute second week month year today yesterday tomorrow
    morning afternoon evening night everything anything something nothing everyone anyone someone
    nobody people person guy one kind sort type job work end start point fact reason case matter
    number couple thanks thank hi hello hey lol ok okay please sir madam name yes no issue problem
    mess help experience service support question need want right wrong way lot answer use reply
    hope idea difference ages minute moment while today tonight yesterday week weekend monday
    tuesday wednesday thursday friday saturday sunday half rest place sense situation kind sort
    fine bit deal process option look try anyway thx ty pls plz much many lot lots something
    somebody everybody other another anybody message email call phone contact customer company
    business mind note chance word agent rep representative advisor adviser staff lady gentleman man woman
    girl boy colleague operator employee member guy order account item product money"""
)
# Plurals that are not the plural of another subject.
_KEEP_PLURAL = _words("ages news means series species glasses goods thanks premises savings odds earnings")
_NOUN_TAGS = frozenset({"NN", "NNS"})
# Words that are never a theme's head: function words, and filler (checked before tagging).
_NOT_NOUNS = (
    _words(
        """a an the i me my mine we us our you your he him his she her it its they them their this that
        these those is am are was were be been being do does did done have has had having will would
        can could should shall must might may ca wo n't not no never and or but so if then than too very
        really just also still even only of to in on at by for with from about as into over after
        before up down out off again all any some what which who whom whose when where why how there
        here 's 're 've 'll 'd 'm got get gets getting go went gone going make made take took thanks
        thank please ok okay yes yeah lol good great bad well much many more most"""
    )
    | _STOP_NOUNS
    | _GENERIC_HEADS
)
# Adjectives that never name a kind of thing ("new card" does, "same card" does not).
_VAGUE_ADJECTIVES = _words(
    """new old other same different first last next more most many much own few several whole
    main only certain various such own real actual usual recent"""
)
# After these a noun-tagged word is the verb the tagger could not see ("didn't even address").
_VERB_CONTEXT = _words(
    """n't not to did do does will would can could should shall must might may ca wo never even just
    i we they you he she please lets let 'll 'd also still really"""
)


@lru_cache(maxsize=4096)
def singular(word: str) -> str:
    """Singular of a lower-case noun, leaving words like "process", "status" and "ages" alone."""
    if len(word) < 4 or not word.endswith("s") or word.endswith(("ss", "us", "is", "'s")) or word in _KEEP_PLURAL:
        return word
    return singularize(word)


@cache
def _tag_lexicon() -> dict[str, str]:
    """The word -> tag lexicon of TextBlob's pattern tagger, as a plain dict."""
    from textblob.en import parser

    with warnings.catch_warnings():  # textblob leaves its lexicon file unclosed
        warnings.simplefilter("ignore", ResourceWarning)
        parser.find_tags(["warm", "up"])
    return dict(dict.items(parser.lexicon))


# Unknown words made of digits and -,.:/%$ are numbers (pattern's CD rule).
_CD = re.compile(r"^[0-9\-\,\.\:\/\%\$]+$")
_JJ_SUFFIXES = ("able", "al", "ful", "ible", "ient", "ish", "ive", "less", "tic", "ous")
_VBP_SUFFIXES = ("ate", "ify", "ise", "ize")


@lru_cache(maxsize=8192)
def _unknown_tag(word: str) -> str:
    """pattern's tag for a word its lexicon lacks: NNP if capitalised, CD for a number, else its
    English suffix rules over NN (textblob._text._suffix_rules, in the same order)."""
    if word.istitle():
        return "NNP"
    if _CD.match(word) is not None:
        return "CD"
    tag = "NN"
    if word.endswith("ing"):
        tag = "VBG"
    if word.endswith("ly"):
        tag = "RB"
    if word.endswith("s") and not word.endswith(("is", "ous", "ss")):
        tag = "NNS"
    if word.endswith(_JJ_SUFFIXES) or "-" in word:
        tag = "JJ"
    if word.endswith("ed"):
        tag = "VBN"
    if word.endswith(_VBP_SUFFIXES):
        tag = "VBP"
    return tag


def pattern_tags(words: list[str]) -> list[str]:
    """The tags TextBlob's PatternTagger gives a sentence's words (textblob.en.parser.find_tags).

    That tagger is a lexicon lookup (the first word also lower-cased) and, for unknown words,
    the rules of _unknown_tag: no context rules run. Done here without its per-word lists and
    its per-word mapping callback, which were half of its cost; tests check the tags are its.
    """
    lexicon = _tag_lexicon()
    tags = []
    for i, word in enumerate(words):
        tag = lexicon.get(word)
        if tag is None and i == 0:
            tag = lexicon.get(word.lower())
        tags.append(tag or _unknown_tag(word))
    return tags


def _sentences(tokens: list[Token], covered: list[bool]) -> list[list[tuple[str, int]]]:
    """(word, token index) per sentence; a covered token is kept for the tagger's context."""
    sentences: list[list[tuple[str, int]]] = []
    current: list[tuple[str, int]] = []
    for i, tok in enumerate(tokens):
        if tok.kind == WORD or tok.kind == NUMBER:
            current.append((tok.text, i))
        elif tok.kind == PUNCT:
            current.append((tok.low, i))
            if tok.low == "." and current:
                sentences.append(current)
                current = []
    if current:
        sentences.append(current)
    return sentences


def _key(nouns: list[tuple[str, str]]) -> str | None:
    words = [singular(w.lower()) if tag == "NNS" else w.lower() for w, tag in nouns]
    words = [w for w in words if w.isalpha() or "-" in w]
    while len(words) > 1 and words[-1] in _GENERIC_HEADS:
        words.pop()
    words = words[-_MAX_KEY_WORDS:]
    while words and words[0] in _STOP_NOUNS:
        words.pop(0)
    if not words or (len(words) == 1 and (words[0] in _STOP_NOUNS or words[0] in _GENERIC_HEADS or len(words[0]) < 3)):
        return None
    return " ".join(words)


def discover_candidates(tokens: list[Token], covered: list[bool] | None = None) -> list[tuple[str, int, int]]:
    """Candidate theme keys of an English comment, with their token spans, in order of mention.

    The pattern tagger (what TextBlob's PatternTagger runs) tags each sentence; a candidate is a
    run of consecutive nouns on uncovered tokens, i.e. the head of a noun phrase without its
    determiner and adjectives. Running pattern's full chunker as well would find the same runs
    at twice the cost, and analysis throughput matters (see benchmarks/analysis_throughput.py).
    """
    if covered is None:
        covered = [False] * len(tokens)
    lexicon = pattern_lexicon()
    # Most short comments ("thanks, great help!") have no word that could head a theme: the
    # tagger, the dearest step here, is run only when one is left.
    for i, tok in enumerate(tokens):
        if tok.kind == WORD and not covered[i] and tok.low not in _NOT_NOUNS and tok.low not in lexicon:
            break
    else:
        return []
    found: list[tuple[str, int, int]] = []
    seen: set[str] = set()
    for sentence in _sentences(tokens, covered):
        words = [w for w, _ in sentence]
        run: list[tuple[str, str]] = []
        run_start = 0
        previous = ""  # the word before, as written: lower-cased only where it is read
        modifier: tuple[str, int] | None = None
        for word, tag, (_, index) in zip(words + [""], pattern_tags(words) + [""], sentence + [("", -1)]):
            noun = tag in _NOUN_TAGS and index >= 0 and not covered[index]
            if noun and not run and previous.lower() in _VERB_CONTEXT:
                noun = False  # "didn't even address", "I need": a verb
            if noun:
                if not run:
                    run_start = index
                    if modifier is not None:  # "virtual card": the adjective names the kind
                        run_start, run = modifier[1], [(modifier[0], "NN")]
                run.append((word, tag))
                modifier = None
                previous = word
                continue
            modifier = None
            if tag == "JJ" and index >= 0 and not covered[index] and _kind_adjective(word.lower()):
                modifier = (word, index)
            if run:
                key = _key(run)
                if key and key not in seen:
                    seen.add(key)
                    found.append((key, run_start, run_start + len(run)))
                run = []
            if index >= 0:
                previous = word
    return found


def _kind_adjective(word: str) -> bool:
    """An adjective that says which kind of thing ("virtual", "contactless"), not how it was."""
    if word in _VAGUE_ADJECTIVES or len(word) < 4 or not word.isalpha():
        return False
    scores = pattern_lexicon().get(word)
    return scores is None or (scores[0] == 0.0 and scores[1] < 0.3)


def variant(key: str) -> str:
    """What close variants share: "top-up", "top up" and "topup" are one subject."""
    return key.replace("-", "").replace(" ", "")


@lru_cache(maxsize=64)
def _variants_of(known: frozenset[str]) -> dict[str, str]:
    """variant -> known key; a worker passes the same catalogue's hundreds of keys batch after
    batch, so they are keyed once per catalogue (read-only: the dict is shared)."""
    # Where two known keys are variants of each other ("mastercard", "master card") the first in
    # sorted order stands for both: a set's order follows the process's hash seed, and two workers
    # must store the same key for the same comment.
    return {variant(k): k for k in sorted(known, reverse=True)}


def group_candidates(
    candidates: list[list[str]], known: frozenset[str] = frozenset(), min_mentions: int = 1
) -> dict[str, str]:
    """Candidate -> the theme key it joins, over a batch of comments' candidates.

    A candidate recurring in at least `min_mentions` comments (or already a known theme of the
    workspace) is a theme; a rarer one joins the theme of its head word or of its close variant
    when that recurs; the rest are dropped (absent from the mapping). The key of a group of
    variants is its most frequent spelling.
    """
    counts: Counter[str] = Counter()
    for keys in candidates:
        counts.update(set(keys))
    by_variant: dict[str, Counter[str]] = {}
    for key, count in counts.items():
        by_variant.setdefault(variant(key), Counter())[key] += count
    known_variants = _variants_of(frozenset(known))
    spelling = {}
    for form, spellings in by_variant.items():
        spelling[form] = known_variants.get(form) or min(spellings, key=lambda k: (-spellings[k], k))
    totals = {form: sum(spellings.values()) for form, spellings in by_variant.items()}
    heads: Counter[str] = Counter()
    for key, count in counts.items():
        heads[key.split()[-1]] += count

    mapping: dict[str, str] = {}
    for key in counts:
        form = variant(key)
        if totals[form] >= min_mentions or form in known_variants:
            mapping[key] = spelling[form]
            continue
        head = key.split()[-1]
        head_form = variant(head)
        if head_form in known_variants:
            mapping[key] = known_variants[head_form]
        elif heads[head] >= min_mentions and head not in _STOP_NOUNS and head not in _GENERIC_HEADS and len(head) > 2:
            mapping[key] = spelling.get(head_form, head)
    return mapping


def _normal_words(text: str) -> list[str]:
    return token_words(tokenize(normalise(text)))


def token_words(tokens: list[Token]) -> list[str]:
    """The words custom themes are matched on: word and number tokens, lower case, singular."""
    return [singular(t.low) for t in tokens if t.kind == WORD or t.kind == NUMBER]


# Tokens of four characters or more ending in "s", in joined_tokens' text (" tok tok ").
_ENDS_IN_S = re.compile(r"(?<= )\S{3,}s(?= )")


class CustomThemeMatcher:
    """A workspace catalogue compiled once: each theme's keywords and phrases as word tuples.

    A keyword or phrase matches a run of whole normalised words (case- and plural-insensitive),
    scanning left to right without overlaps, a theme's terms tried in catalogue order at each
    word — what a regex alternation of the terms over the space-joined words finds.
    """

    __slots__ = ("themes", "first_words", "order")

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
        self.order = {name: n for n, (name, _) in enumerate(self.themes)}  # name -> catalogue position

    def may_match(self, tokens: list[Token]) -> bool:
        """Whether a term could start on one of these tokens, checked without singularising each
        word (a tenth of the theme step): a word's singular differs from it only when the word
        has four letters or more and ends in "s"; otherwise the word itself is looked up."""
        first_words = self.first_words
        joined = joined_of(tokens)
        if not first_words.isdisjoint(joined.lows):
            return True
        return any(singular(word) in first_words for word in _ENDS_IN_S.findall(joined.text))

    def spans(self, words: list[str]) -> list[tuple[str, int, int]]:
        """(theme name, first word, end word) of every match, as `match` finds them."""
        found: list[tuple[str, int, int]] = []
        if self.first_words.isdisjoint(words):
            return found
        n = len(words)
        for name, by_first in self.themes:
            if by_first.keys().isdisjoint(words):
                continue
            i = 0
            while i < n:
                for terms in by_first.get(words[i], ()):
                    k = len(terms)
                    if k == 1 or tuple(words[i : i + k]) == terms:
                        found.append((name, i, i + k))
                        i += k
                        break
                else:
                    i += 1
        return found

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
